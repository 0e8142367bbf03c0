import { Smtp2goHttpError, type Smtp2goErrorClass } from './errors.js';
import { smtp2goRequest, type Smtp2goRequestOptions, type Smtp2goResponse } from './api-request.js';

/** `{ request_id, data: {...} }`: every SMTP2Go answer, success or error. */
export interface Smtp2goEnvelope {
  request_id?: unknown;
  data?: Record<string, unknown>;
}

export function envelopeOf(json: unknown): Smtp2goEnvelope {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return {};
  const envelope = json as Smtp2goEnvelope;
  const data = envelope.data;
  return {
    request_id: envelope.request_id,
    data: data !== null && typeof data === 'object' && !Array.isArray(data) ? data : {},
  };
}

export function requestIdOf(json: unknown): string | null {
  const id = envelopeOf(json).request_id;
  return typeof id === 'string' && id !== '' ? id : null;
}

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

// Bad keys have been seen as 401, as 400 API_EXCEPTION and as 403 INVALID_IN_PAYLOAD, so status alone
// cannot tell a bad key from a bad payload.
const AUTH_CODES = /API_EXCEPTION|INVALID_IN_PAYLOAD|API_KEY|UNAUTHORI[SZ]ED|PERMISSION_DENIED|INVALID_API/i;

function errorClassOf(status: number, errorCode: string | null): Smtp2goErrorClass {
  if (status === 401 || (errorCode !== null && AUTH_CODES.test(errorCode) && status !== 429)) return 'auth';
  if (status === 429 || (errorCode !== null && /REQ_LIMIT|RATE_LIMIT/i.test(errorCode)))
    return 'rate_limited';
  if (status >= 500) return 'server_error';
  if (status === 403) return 'auth';
  if (status === 402) return 'account';
  if (status === 404) return 'not_found';
  if (status === 400 || status === 422) return 'validation';
  return status >= 200 && status < 300 ? 'rejected' : 'http_error';
}

/**
 * The error SMTP2Go answered with, or `null` when the answer is a 2xx without `data.error_code`.
 * Endpoint-specific success rules (such as `failed > 0` on /email/send) are checked by their callers.
 */
export function apiErrorOf(
  response: Pick<Smtp2goResponse, 'status' | 'json' | 'text'>,
): Smtp2goHttpError | null {
  const data = envelopeOf(response.json).data ?? {};
  const errorCode = typeof data.error_code === 'string' && data.error_code !== '' ? data.error_code : null;
  const ok = response.status >= 200 && response.status < 300;
  if (ok && errorCode === null) return null;
  const apiMessage =
    typeof data.error === 'string' && data.error !== '' ? data.error : (response.text ?? 'no error message');
  const fields = describeFieldErrors(data.field_validation_errors);
  return new Smtp2goHttpError({
    status: response.status,
    errorClass: errorClassOf(response.status, errorCode),
    errorCode,
    message: `SMTP2Go answered HTTP ${response.status}${errorCode === null ? '' : ` ${errorCode}`}: ${apiMessage}${fields}`,
    requestId: requestIdOf(response.json),
  });
}

function describeFieldErrors(value: unknown): string {
  if (value === null || typeof value !== 'object') return '';
  const entries = Array.isArray(value) ? value : [value];
  const parts = entries
    .map((entry) => (entry !== null && typeof entry === 'object' ? (entry as Record<string, unknown>) : {}))
    .map((entry) => [entry.fieldname, entry.message].filter((part) => typeof part === 'string').join(': '))
    .filter((part) => part !== '');
  return parts.length === 0 ? '' : ` (${parts.join('; ')})`;
}

/** `Retry-After` as milliseconds from now: delta-seconds or an HTTP date; `null` when absent or unusable. */
export function retryAfterMs(headers: Record<string, string>, nowMs: number): number | null {
  const value = headers['retry-after']?.trim();
  if (value === undefined || value === '') return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

/** A request whose non-2xx or `error_code` answer is thrown as `Smtp2goHttpError`; for simple endpoints. */
export async function smtp2goCall(options: Smtp2goRequestOptions): Promise<Smtp2goResponse> {
  const response = await smtp2goRequest(options);
  const error = apiErrorOf(response);
  if (error !== null) throw error;
  return response;
}
