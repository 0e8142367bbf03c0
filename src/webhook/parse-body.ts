import {
  canonicalKey,
  EVENT_TYPE_KEYS,
  InvalidEventError,
  normalizeEvent,
  type WebhookFields,
} from '../core/normalize-event.js';
import type { IncomingEvent } from '../core/tracking-event.js';
import { createFormDecoder, UTF8 } from './body-charset.js';
import { WebhookHttpError } from './errors.js';

export const JSON_TYPE = 'application/json';
export const FORM_TYPE = 'application/x-www-form-urlencoded';

/**
 * How deep a JSON body may nest (the event object is level 1). A real event is two or three levels deep;
 * a body nested thousands deep would overflow the stack of the JSON.stringify that flattens it (a 500,
 * which SMTP2Go retries for two days), so it is refused 400 before that.
 */
export const MAX_JSON_DEPTH = 64;

/** The fields of one event body: what normalizeEvent reads. Prototype-free: keys come from the sender. */
export type EventFields = WebhookFields;

export interface ParsedWebhookBody {
  events: IncomingEvent[];
  /** One message per event that could not be normalised (no type); the caller decides what that costs. */
  errors: string[];
}

/** One event's fields, the bytes to keep for it, and why it cannot be an event (null when it can). */
interface BodyItem {
  fields: EventFields;
  rawBody: string;
  invalid: string | null;
}

const TYPE_KEYS = new Set<string>(EVENT_TYPE_KEYS);

/** `application/json; charset=utf-8` → `application/json`. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

/** The 415 for a media type the listener does not take, or null for JSON and form bodies. */
export function unsupportedContentType(type: string): WebhookHttpError | null {
  if (type === JSON_TYPE || type === FORM_TYPE) return null;
  return new WebhookHttpError(
    415,
    `unsupported content type "${type || '(none)'}": send ${JSON_TYPE} or ${FORM_TYPE}`,
  );
}

/**
 * Turns one webhook body into normalised events. SMTP2Go sends one event per POST, as a form (its
 * default) or a JSON object; a JSON array and `{"events": [...]}` are accepted too, for replays and
 * relays. Each event keeps the bytes it came in, so it can be resent unchanged later; a form body
 * that came in another charset (`encoding`, see decodeBody) is kept re-encoded as UTF-8 instead, which
 * is how a replay sends it. Throws WebhookHttpError 415 for another content type and 400 for a body
 * that is not what it claims.
 */
export function parseWebhookBody(
  rawBody: string,
  contentType: string,
  receivedAt: Date,
  encoding = UTF8,
): ParsedWebhookBody {
  const type = mediaType(contentType);
  const unsupported = unsupportedContentType(type);
  if (unsupported !== null) throw unsupported;
  const items = type === JSON_TYPE ? parseJsonItems(rawBody) : [formItem(rawBody, encoding)];
  const events: IncomingEvent[] = [];
  const errors: string[] = [];
  const fail = (index: number, message: string) =>
    errors.push(items.length === 1 ? message : `event ${index + 1}: ${message}`);
  items.forEach(({ fields, rawBody: eventBody, invalid }, index) => {
    if (invalid !== null) return void fail(index, invalid);
    try {
      events.push({ event: normalizeEvent(fields, receivedAt), rawBody: eventBody, contentType: type });
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      fail(index, error.message);
    }
  });
  return { events, errors };
}

function parseJsonItems(rawBody: string): BodyItem[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch {
    throw new WebhookHttpError(400, 'the body is not valid JSON');
  }
  if (nestsDeeperThan(parsed, MAX_JSON_DEPTH))
    throw new WebhookHttpError(400, `the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  if (isObject(parsed) && !Array.isArray(parsed.events)) return [{ ...toFields(parsed), rawBody }];
  const list = Array.isArray(parsed) ? parsed : isObject(parsed) ? (parsed.events as unknown[]) : null;
  if (list === null)
    throw new WebhookHttpError(
      400,
      'the JSON body must be an event object, an array of events or {"events": [...]}',
    );
  if (list.length === 0) throw new WebhookHttpError(400, 'the JSON body holds no events');
  return list.map((item, index) => {
    if (!isObject(item)) throw new WebhookHttpError(400, `event ${index + 1} is not a JSON object`);
    return { ...toFields(item), rawBody: JSON.stringify(item) };
  });
}

function formItem(rawBody: string, encoding: string): BodyItem {
  const pairs = formPairs(rawBody, encoding);
  const fields = collectFields(pairs);
  return {
    fields,
    rawBody: encoding === UTF8 ? rawBody : new URLSearchParams(pairs).toString(),
    invalid: null,
  };
}

/** Repeated keys (form bodies can carry `recipients` several times) become arrays, in order. */
export function parseFormFields(rawBody: string, encoding = UTF8): EventFields {
  return collectFields(formPairs(rawBody, encoding));
}

function formPairs(rawBody: string, encoding: string): Array<[string, string]> {
  if (rawBody.trim() === '') throw new WebhookHttpError(400, 'the form body is empty');
  if (encoding === UTF8) return [...new URLSearchParams(rawBody)];
  const decode = createFormDecoder(encoding);
  return rawBody
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair): [string, string] => {
      const equals = pair.indexOf('=');
      return equals === -1
        ? [decode(pair), '']
        : [decode(pair.slice(0, equals)), decode(pair.slice(equals + 1))];
    });
}

// Linear in the number of pairs (a repeated key appends in place: copying the array each time made
// 80,000 repeats of one key block the event loop for 34 s).
function collectFields(pairs: Array<[string, string]>): EventFields {
  const fields = Object.create(null) as EventFields;
  let count = 0;
  for (const [key, value] of pairs) {
    if (key === '') continue;
    const previous = fields[key];
    if (previous === undefined) ((fields[key] = value), (count += 1));
    else if (Array.isArray(previous)) previous.push(value);
    else fields[key] = [previous, value];
  }
  if (count === 0) throw new WebhookHttpError(400, 'the form body holds no fields');
  return fields;
}

/** JSON values flattened to the strings a form would have carried; null means absent. */
function toFields(object: Record<string, unknown>): Omit<BodyItem, 'rawBody'> {
  const fields = Object.create(null) as EventFields;
  let invalid: string | null = null;
  for (const [key, value] of Object.entries(object)) {
    if (value === null || value === undefined) continue;
    // `"event": {}` would otherwise be stored as an event of type "{}", and `5` as type "5".
    if (typeof value !== 'string' && invalid === null && TYPE_KEYS.has(canonicalKey(key))) {
      invalid = `"${key}" must be a non-empty string naming the event type, not ${describeJson(value)}`;
    }
    fields[key] = Array.isArray(value)
      ? value.filter((item) => item !== null && item !== undefined).map(scalar)
      : scalar(value);
  }
  return { fields, invalid };
}

function describeJson(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Iterative, so that the check itself cannot overflow the stack it protects. */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[object, number]> = typeof value === 'object' && value !== null ? [[value, 1]] : [];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [node, depth] = next;
    if (depth > limit) return true;
    for (const child of Array.isArray(node) ? (node as unknown[]) : Object.values(node)) {
      if (typeof child === 'object' && child !== null) stack.push([child as object, depth + 1]);
    }
  }
  return false;
}

function scalar(value: unknown): string {
  return typeof value === 'string'
    ? value
    : typeof value === 'object'
      ? JSON.stringify(value)
      : String(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
