import type { Dispatcher } from 'undici';
import type { Smtp2goResponse } from './api-request.js';
import { smtp2goCall } from './api-response.js';

/** What every management endpoint needs to reach SMTP2Go; tests point `apiUrl` at 127.0.0.1. */
export interface ApiConnection {
  apiUrl: string;
  apiKey: string;
  /** Overall budget per request (default: the request module's 20 s; `doctor` passes a short one). */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  dispatcher?: Dispatcher;
}

/** POSTs to one management endpoint; a non-2xx answer or `data.error_code` is thrown as `Smtp2goHttpError`. */
export function callEndpoint(
  connection: ApiConnection,
  path: string,
  body: Record<string, unknown>,
): Promise<Smtp2goResponse> {
  return smtp2goCall({
    apiUrl: connection.apiUrl,
    apiKey: connection.apiKey,
    path,
    body,
    ...(connection.timeoutMs === undefined ? {} : { timeoutMs: connection.timeoutMs }),
    ...(connection.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: connection.connectTimeoutMs }),
    ...(connection.dispatcher === undefined ? {} : { dispatcher: connection.dispatcher }),
  });
}

/** `json.data` exactly as sent (an object, an array or anything else), without `envelopeOf`'s object-only filter. */
export function rawData(json: unknown): unknown {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return json;
  return (json as { data?: unknown }).data;
}

export function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** A list field that SMTP2Go sends as an array or, in some answers, as one comma-separated string. */
export function stringList(value: unknown): string[] {
  if (Array.isArray(value))
    return value
      .filter((item): item is string => typeof item === 'string' && item.trim() !== '')
      .map((item) => item.trim());
  if (typeof value === 'string')
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  return [];
}

export function stringOrNull(value: unknown): string | null {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}
