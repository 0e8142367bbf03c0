import { Smtp2goHttpError } from './errors.js';
import {
  asRecord,
  callEndpoint,
  rawData,
  stringList,
  stringOrNull,
  type ApiConnection,
} from './api-connection.js';

/** One webhook as SMTP2Go reports it; fields it leaves out are empty/null, never guessed. */
export interface Smtp2goWebhook {
  id: string;
  url: string;
  events: string[];
  headers: string[];
  usernames: string[];
  outputFormat: string | null;
  authHeaderType: string | null;
  /** The token or base64 credentials exactly as returned (a secret, never printed whole); null when not shown. */
  authHeaderValue: string | null;
}

/** What `webhook register` asks for; `/webhook/add` and `/webhook/edit` take the same fields. */
export interface WebhookSpec {
  url: string;
  events: string[];
  headers: string[];
  authHeaderType: 'bearer' | 'basic' | '';
  authHeaderValue: string;
}

/**
 * The body of /webhook/add and /webhook/edit. `output_format` is always sent because its default is
 * `form`; an edit that leaves it out would silently switch an existing webhook back to form bodies.
 */
function webhookBody(spec: WebhookSpec): Record<string, unknown> {
  return {
    url: spec.url,
    events: spec.events,
    headers: spec.headers,
    output_format: 'json',
    auth_header_type: spec.authHeaderType,
    auth_header_value: spec.authHeaderValue,
  };
}

function parseWebhook(value: unknown): Smtp2goWebhook | null {
  const record = asRecord(value);
  const id = stringOrNull(record.id ?? record.webhook_id);
  if (id === null) return null;
  return {
    id,
    url: typeof record.url === 'string' ? record.url : '',
    events: stringList(record.events).map((event) => event.toLowerCase()),
    headers: stringList(record.headers),
    usernames: stringList(record.usernames),
    outputFormat: stringOrNull(record.output_format)?.toLowerCase() ?? null,
    authHeaderType: stringOrNull(record.auth_header_type)?.toLowerCase() ?? null,
    authHeaderValue: typeof record.auth_header_value === 'string' ? record.auth_header_value : null,
  };
}

/**
 * `/webhook/view` is documented as returning an object but answers `data: [ {...}, ... ]`; accept that,
 * a bare array, and the documented `data.webhooks` shape.
 */
export function parseWebhookList(json: unknown): Smtp2goWebhook[] {
  const data = rawData(json);
  const list = Array.isArray(json)
    ? json
    : Array.isArray(data)
      ? data
      : (asRecord(data).webhooks ?? asRecord(data).results);
  if (!Array.isArray(list)) {
    const single = parseWebhook(data);
    return single === null ? [] : [single];
  }
  return list.map(parseWebhook).filter((webhook): webhook is Smtp2goWebhook => webhook !== null);
}

export async function listWebhooks(connection: ApiConnection): Promise<Smtp2goWebhook[]> {
  return parseWebhookList((await callEndpoint(connection, '/webhook/view', {})).json);
}

/** Creates a webhook; a plan's webhook limit comes back as `WebhookLimitError`. */
export async function addWebhook(
  connection: ApiConnection,
  spec: WebhookSpec,
): Promise<Smtp2goWebhook | null> {
  try {
    return parseWebhook(rawData((await callEndpoint(connection, '/webhook/add', webhookBody(spec))).json));
  } catch (error) {
    throw isWebhookLimit(error) ? new WebhookLimitError(error) : error;
  }
}

export async function editWebhook(
  connection: ApiConnection,
  id: string,
  spec: WebhookSpec,
): Promise<Smtp2goWebhook | null> {
  const body = { id: idValue(id), ...webhookBody(spec) };
  return parseWebhook(rawData((await callEndpoint(connection, '/webhook/edit', body)).json));
}

export async function removeWebhook(connection: ApiConnection, id: string): Promise<void> {
  await callEndpoint(connection, '/webhook/remove', { id: idValue(id) });
}

// SMTP2Go documents ids as integers; send a number when it is one so a strict parser accepts it.
function idValue(id: string): number | string {
  return /^\d+$/.test(id) ? Number(id) : id;
}

const LIMIT_PATTERN = /limit|maximum|max(imum)? number|only (one|1)|upgrade|plan/i;

function isWebhookLimit(error: unknown): error is Smtp2goHttpError {
  if (
    !(error instanceof Smtp2goHttpError) ||
    error.errorClass === 'auth' ||
    error.errorClass === 'rate_limited'
  )
    return false;
  return LIMIT_PATTERN.test(`${error.errorCode ?? ''} ${error.message}`);
}

/** Free plans allow one webhook: adding a second is refused. */
export class WebhookLimitError extends Smtp2goHttpError {
  constructor(cause: Smtp2goHttpError) {
    super({
      status: cause.status,
      errorClass: cause.errorClass,
      errorCode: cause.errorCode,
      requestId: cause.requestId,
      message: cause.message,
    });
    this.name = 'WebhookLimitError';
  }
}
