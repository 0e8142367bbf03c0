import { InvalidEventError, normalizeEvent, type WebhookFields } from '../core/normalize-event.js';
import type { IncomingEvent } from '../core/tracking-event.js';
import { WebhookHttpError } from './errors.js';

export const JSON_TYPE = 'application/json';
export const FORM_TYPE = 'application/x-www-form-urlencoded';

/** The fields of one event body: what normalizeEvent reads. */
export type EventFields = WebhookFields;

export interface ParsedWebhookBody {
  events: IncomingEvent[];
  /** One message per event that could not be normalised (no type); the caller decides what that costs. */
  errors: string[];
}

/** `application/json; charset=utf-8` → `application/json`. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

/** The 415 for a media type the listener does not take, or null for JSON and form bodies. */
export function unsupportedContentType(type: string): WebhookHttpError | null {
  if (type === JSON_TYPE || type === FORM_TYPE) return null;
  return new WebhookHttpError(415, `unsupported content type "${type || '(none)'}": send ${JSON_TYPE} or ${FORM_TYPE}`);
}

/**
 * Turns one webhook body into normalised events. SMTP2Go sends one event per POST, as a form (its
 * default) or a JSON object; a JSON array and `{"events": [...]}` are accepted too, for replays and
 * relays. Each event keeps the bytes it came in, so it can be resent unchanged later.
 * Throws WebhookHttpError 415 for another content type and 400 for a body that is not what it claims.
 */
export function parseWebhookBody(rawBody: string, contentType: string, receivedAt: Date): ParsedWebhookBody {
  const type = mediaType(contentType);
  const unsupported = unsupportedContentType(type);
  if (unsupported !== null) throw unsupported;
  const items = type === JSON_TYPE ? parseJsonItems(rawBody) : [{ fields: parseFormFields(rawBody), rawBody }];
  const events: IncomingEvent[] = [];
  const errors: string[] = [];
  items.forEach(({ fields, rawBody: eventBody }, index) => {
    try {
      events.push({ event: normalizeEvent(fields, receivedAt), rawBody: eventBody, contentType: type });
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      errors.push(items.length === 1 ? error.message : `event ${index + 1}: ${error.message}`);
    }
  });
  return { events, errors };
}

function parseJsonItems(rawBody: string): Array<{ fields: EventFields; rawBody: string }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch {
    throw new WebhookHttpError(400, 'the body is not valid JSON');
  }
  if (isObject(parsed) && !Array.isArray(parsed.events)) return [{ fields: toFields(parsed), rawBody }];
  const list = Array.isArray(parsed) ? parsed : isObject(parsed) ? (parsed.events as unknown[]) : null;
  if (list === null) throw new WebhookHttpError(400, 'the JSON body must be an event object, an array of events or {"events": [...]}');
  if (list.length === 0) throw new WebhookHttpError(400, 'the JSON body holds no events');
  return list.map((item, index) => {
    if (!isObject(item)) throw new WebhookHttpError(400, `event ${index + 1} is not a JSON object`);
    return { fields: toFields(item), rawBody: JSON.stringify(item) };
  });
}

/** Repeated keys (form bodies can carry `recipients` several times) become arrays, in order. */
export function parseFormFields(rawBody: string): EventFields {
  if (rawBody.trim() === '') throw new WebhookHttpError(400, 'the form body is empty');
  const fields: EventFields = {};
  for (const [key, value] of new URLSearchParams(rawBody)) {
    if (key === '') continue;
    const previous = fields[key];
    if (previous === undefined) fields[key] = value;
    else fields[key] = Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  if (Object.keys(fields).length === 0) throw new WebhookHttpError(400, 'the form body holds no fields');
  return fields;
}

/** JSON values flattened to the strings a form would have carried; null means absent. */
function toFields(object: Record<string, unknown>): EventFields {
  const fields: EventFields = {};
  for (const [key, value] of Object.entries(object)) {
    if (value === null || value === undefined) continue;
    fields[key] = Array.isArray(value) ? value.filter((item) => item !== null && item !== undefined).map(scalar) : scalar(value);
  }
  return fields;
}

function scalar(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
