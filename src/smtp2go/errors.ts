import { PortalError } from '../core/errors.js';

/**
 * Whether SMTP2Go may have acted on a request. `certain`: it certainly did not (nothing reached it, or it
 * answered with a refusal), so a retry or another transport cannot duplicate anything. `ambiguous`: the
 * request was sent and no usable answer came back, so it may have been accepted.
 */
export type Certainty = 'certain' | 'ambiguous';

/** Stable, loggable names for why a call failed; stored in `send_attempts.error_class`. */
export type Smtp2goErrorClass =
  | 'connection_refused'
  | 'dns'
  | 'tls'
  | 'connect_timeout'
  | 'network'
  | 'timeout'
  | 'reset'
  | 'bad_response'
  | 'auth'
  | 'validation'
  | 'account'
  | 'not_found'
  | 'rate_limited'
  | 'server_error'
  | 'rejected'
  | 'http_error';

/** A failure to get an HTTP answer at all. Never carries the API key: messages name only the URL. */
export class Smtp2goTransportError extends PortalError {
  readonly certainty: Certainty;
  readonly errorClass: Smtp2goErrorClass;

  constructor(certainty: Certainty, errorClass: Smtp2goErrorClass, message: string, cause?: unknown) {
    super('network', message, {
      cause,
      hint:
        certainty === 'ambiguous'
          ? 'SMTP2Go may have accepted the request; check before resending'
          : 'check the API URL and the network',
    });
    this.name = 'Smtp2goTransportError';
    this.certainty = certainty;
    this.errorClass = errorClass;
  }
}

/** Nothing reached SMTP2Go (refused, DNS, TLS, connect timeout, aborted before the body was sent). */
export class Smtp2goNotSentError extends Smtp2goTransportError {
  constructor(errorClass: Smtp2goErrorClass, message: string, cause?: unknown) {
    super('certain', errorClass, message, cause);
    this.name = 'Smtp2goNotSentError';
  }
}

/** The request was sent, then a timeout or reset: SMTP2Go may have accepted it. */
export class Smtp2goAmbiguousError extends Smtp2goTransportError {
  constructor(errorClass: Smtp2goErrorClass, message: string, cause?: unknown) {
    super('ambiguous', errorClass, message, cause);
    this.name = 'Smtp2goAmbiguousError';
  }
}

/** SMTP2Go answered with an error (non-2xx, or `data.error_code`). Always `certain`: it refused. */
export class Smtp2goHttpError extends PortalError {
  readonly certainty: Certainty = 'certain';
  readonly status: number;
  readonly errorClass: Smtp2goErrorClass;
  readonly errorCode: string | null;
  readonly requestId: string | null;

  constructor(details: {
    status: number;
    errorClass: Smtp2goErrorClass;
    errorCode: string | null;
    message: string;
    requestId: string | null;
  }) {
    super('network', details.message, { hint: hintFor(details.errorClass) });
    this.name = 'Smtp2goHttpError';
    this.status = details.status;
    this.errorClass = details.errorClass;
    this.errorCode = details.errorCode;
    this.requestId = details.requestId;
  }
}

function hintFor(errorClass: Smtp2goErrorClass): string | undefined {
  if (errorClass === 'auth') return 'check the API key and its permissions (configure --api-key)';
  if (errorClass === 'rate_limited') return 'SMTP2Go rate-limits by IP; wait a minute before trying again';
  if (errorClass === 'not_found') return 'check the API URL (configure --api-url or --region)';
  return undefined;
}

export function isSmtp2goFailure(error: unknown): error is Smtp2goTransportError | Smtp2goHttpError {
  return error instanceof Smtp2goTransportError || error instanceof Smtp2goHttpError;
}
