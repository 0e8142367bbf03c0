import {
  Smtp2goAmbiguousError,
  Smtp2goNotSentError,
  Smtp2goTransportError,
  type Smtp2goErrorClass,
} from './errors.js';

const CONNECT_PHASE: Record<string, Smtp2goErrorClass> = {
  ECONNREFUSED: 'connection_refused',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_FAIL: 'dns',
  EAI_NONAME: 'dns',
  UND_ERR_CONNECT_TIMEOUT: 'connect_timeout',
  EHOSTUNREACH: 'network',
  ENETUNREACH: 'network',
  EADDRNOTAVAIL: 'network',
};

const TLS_CODES =
  /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|HOSTNAME_MISMATCH|ERR_OSSL_)/;

const DESCRIPTIONS: Partial<Record<Smtp2goErrorClass, string>> = {
  connection_refused: 'connection refused',
  dns: 'host name did not resolve',
  tls: 'TLS handshake failed',
  connect_timeout: 'connect timed out',
  timeout: 'timed out waiting for the answer after the request was sent',
  reset: 'connection closed after the request was sent',
};

/** The `code` of an error or of the first error in its cause chain that has one. */
export function errorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Turns whatever undici threw into certain/ambiguous. A failure while connecting (refused, DNS, TLS,
 * connect timeout) or anything before the body was fully written cannot have delivered a request;
 * a timeout or reset after it was written may have.
 */
export function classifyTransportError(
  error: unknown,
  requestSent: boolean,
  label: string,
): Smtp2goTransportError {
  if (error instanceof Smtp2goTransportError) return error;
  const code = errorCode(error) ?? 'unknown';
  const connectClass = CONNECT_PHASE[code] ?? (TLS_CODES.test(code) ? 'tls' : undefined);
  if (connectClass !== undefined) return notSent(connectClass, label, code, error);
  if (!requestSent) return notSent('network', label, code, error);
  const errorClass: Smtp2goErrorClass =
    code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'ETIMEDOUT'
      ? 'timeout'
      : code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE' || code === 'UND_ERR_CLOSED'
        ? 'reset'
        : 'network';
  return new Smtp2goAmbiguousError(
    errorClass,
    `${label}: ${DESCRIPTIONS[errorClass] ?? 'network error after the request was sent'} (${code})`,
    error,
  );
}

function notSent(
  errorClass: Smtp2goErrorClass,
  label: string,
  code: string,
  cause: unknown,
): Smtp2goNotSentError {
  return new Smtp2goNotSentError(
    errorClass,
    `${label}: ${DESCRIPTIONS[errorClass] ?? 'network error before the request was sent'} (${code})`,
    cause,
  );
}
