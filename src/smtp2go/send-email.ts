import type { Dispatcher } from 'undici';
import type { Smtp2goResponse } from './api-request.js';
import { apiErrorOf, envelopeOf, requestIdOf } from './api-response.js';
import { Smtp2goHttpError, Smtp2goTransportError, type Certainty, type Smtp2goErrorClass } from './errors.js';
import { smtp2goRequestWithRetry, type RetryClock, type RetryPolicy } from './retry.js';

export interface ApiMessage {
  /** `"Name" <addr>` or a bare address; SMTP2Go requires a verified sender. */
  sender: string;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  htmlBody: string;
  textBody: string;
  customHeaders: Array<{ header: string; value: string }>;
}

export type SendClassification =
  | { kind: 'accepted'; emailId: string; requestId: string | null }
  | {
      kind: 'partial';
      emailId: string;
      requestId: string | null;
      succeeded: number;
      failed: number;
      failures: string[];
    }
  | { kind: 'refused'; error: Smtp2goHttpError }
  | { kind: 'ambiguous'; errorClass: Smtp2goErrorClass; message: string; status: number | null };

export interface ApiAttempt {
  ok: boolean;
  /** `retry` marks a 429/5xx answer that was retried. */
  outcome: 'sent' | 'partial' | 'failed' | 'ambiguous' | 'retry';
  status: number | null;
  errorClass: Smtp2goErrorClass | null;
  error: string | null;
  emailId: string | null;
  ms: number;
}

export interface SendEmailOptions {
  apiUrl: string;
  apiKey: string;
  timeoutMs: number;
  connectTimeoutMs?: number;
  dispatcher?: Dispatcher;
  clock?: Partial<RetryClock>;
  policy?: Partial<RetryPolicy>;
  onAttempt?: (attempt: ApiAttempt) => void;
}

/** The JSON body of POST /email/send. `fastaccept` stays off: it hides rejections. No key in the body. */
function buildSendBody(message: ApiMessage): Record<string, unknown> {
  return {
    sender: message.sender,
    to: message.to,
    ...(message.cc.length > 0 ? { cc: message.cc } : {}),
    ...(message.bcc.length > 0 ? { bcc: message.bcc } : {}),
    subject: message.subject,
    ...(message.htmlBody !== '' ? { html_body: message.htmlBody } : {}),
    ...(message.textBody !== '' ? { text_body: message.textBody } : {}),
    custom_headers: message.customHeaders,
  };
}

const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/**
 * SMTP2Go's success rule: 2xx, no `error_code`, `failed` 0 or absent, no `failures`, and a non-empty
 * `email_id`. A 200 with failures and nothing sent is a refusal; a 2xx that is neither is ambiguous,
 * because SMTP2Go took the request and we cannot tell what it did. `request_id` is never an email id.
 */
function classifySendResponse(
  response: Pick<Smtp2goResponse, 'status' | 'json' | 'text'>,
): SendClassification {
  const error = apiErrorOf(response);
  if (error !== null) return { kind: 'refused', error };
  const data = envelopeOf(response.json).data ?? {};
  const requestId = requestIdOf(response.json);
  const emailId = typeof data.email_id === 'string' ? data.email_id.trim() : '';
  const failures = Array.isArray(data.failures) ? data.failures.map(String) : [];
  const failed = Math.max(count(data.failed), failures.length);
  const succeeded = count(data.succeeded);
  if (failed > 0 && succeeded > 0 && emailId !== '')
    return { kind: 'partial', emailId, requestId, succeeded, failed, failures };
  if (failed > 0) {
    const reasons = failures.length > 0 ? failures.join(' | ').replace(/\s*\n\s*/g, '; ') : 'no reason given';
    return {
      kind: 'refused',
      error: new Smtp2goHttpError({
        status: response.status,
        errorClass: 'rejected',
        errorCode: null,
        requestId,
        message: `SMTP2Go refused the email (HTTP ${response.status}, failed: ${failed}): ${reasons}`,
      }),
    };
  }
  if (emailId !== '') return { kind: 'accepted', emailId, requestId };
  const what = response.json === null ? 'an unreadable body' : 'no email_id';
  return {
    kind: 'ambiguous',
    errorClass: 'bad_response',
    status: response.status,
    message: `SMTP2Go answered HTTP ${response.status} with ${what}; it may have accepted the email`,
  };
}

/** Which of `addresses` a partial success's `failures` name (case-insensitive); the rest were accepted. */
export function failedAddresses(failures: string[], addresses: string[]): string[] {
  const text = failures.join('\n').toLowerCase();
  return addresses.filter((address) => text.includes(address.toLowerCase()));
}

export type ApiSendResult =
  SendClassification | { kind: 'unreachable'; certainty: Certainty; error: Smtp2goTransportError };

/** POST /email/send with retries; every HTTP attempt is reported through `onAttempt` as it ends. */
export async function sendEmailViaApi(
  message: ApiMessage,
  options: SendEmailOptions,
): Promise<ApiSendResult> {
  let last: SendClassification | undefined;
  try {
    await smtp2goRequestWithRetry({
      apiUrl: options.apiUrl,
      apiKey: options.apiKey,
      path: '/email/send',
      body: buildSendBody(message),
      timeoutMs: options.timeoutMs,
      ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
      ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.policy === undefined ? {} : { policy: options.policy }),
      onAttempt: (report) => {
        if (report.response === null) return options.onAttempt?.(transportAttempt(report.error, report.ms));
        last = classifySendResponse(report.response);
        options.onAttempt?.(attemptOf(last, report.response.status, report.ms, report.retryInMs !== null));
      },
    });
  } catch (error) {
    if (!(error instanceof Smtp2goTransportError)) throw error;
    return { kind: 'unreachable', certainty: error.certainty, error };
  }
  if (last === undefined) throw new Error('SMTP2Go request finished without an answer');
  return last;
}

function attemptOf(result: SendClassification, status: number, ms: number, retried: boolean): ApiAttempt {
  const base = { status, ms, emailId: null, errorClass: null, error: null };
  if (result.kind === 'accepted') return { ...base, ok: true, outcome: 'sent', emailId: result.emailId };
  if (result.kind === 'partial')
    return {
      ...base,
      ok: true,
      outcome: 'partial',
      emailId: result.emailId,
      error: result.failures.join(' | '),
    };
  if (result.kind === 'ambiguous')
    return { ...base, ok: false, outcome: 'ambiguous', errorClass: result.errorClass, error: result.message };
  return {
    ...base,
    ok: false,
    outcome: retried ? 'retry' : 'failed',
    errorClass: result.error.errorClass,
    error: result.error.message,
  };
}

function transportAttempt(error: unknown, ms: number): ApiAttempt {
  const failure = error instanceof Smtp2goTransportError ? error : null;
  return {
    ok: false,
    outcome: failure?.certainty === 'ambiguous' ? 'ambiguous' : 'failed',
    status: null,
    emailId: null,
    ms,
    errorClass: failure?.errorClass ?? 'network',
    error: failure?.message ?? (error instanceof Error ? error.message : String(error)),
  };
}
