import { Agent, type Dispatcher } from 'undici';
import { classifyTransportError } from './transport-error.js';
import { Smtp2goAmbiguousError, Smtp2goNotSentError } from './errors.js';

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 20_000;

export interface Smtp2goRequestOptions {
  /** Base URL such as `https://api.smtp2go.com/v3` (tests point it at 127.0.0.1). */
  apiUrl: string;
  apiKey: string;
  /** Endpoint path such as `/email/send` or `/webhook/view`. */
  path: string;
  body: unknown;
  /** Overall budget for this one request: connect, send, and read the whole answer. */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  /** An undici dispatcher (Agent, MockAgent, a composed one); defaults to a shared keep-alive Agent. */
  dispatcher?: Dispatcher;
}

export interface Smtp2goResponse {
  status: number;
  /** Parsed JSON body, or `null` when the body was empty or not JSON. */
  json: unknown;
  /** The raw body when it was not JSON (truncated), for error messages. */
  text: string | null;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  ms: number;
}

const agents = new Map<number, Agent>();

/** One keep-alive Agent per connect timeout, shared by every call in the process. */
function defaultDispatcher(connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS): Agent {
  let agent = agents.get(connectTimeoutMs);
  if (agent === undefined) {
    agent = new Agent({
      connect: { timeout: connectTimeoutMs },
      keepAliveTimeout: 10_000,
      keepAliveMaxTimeout: 60_000,
    });
    agents.set(connectTimeoutMs, agent);
  }
  return agent;
}

function endpointUrl(apiUrl: string, path: string): URL {
  const base = apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`;
  return new URL(path.replace(/^\//, ''), base);
}

/**
 * POSTs JSON to one SMTP2Go endpoint and returns whatever HTTP answer came back (any status; classify it
 * with `apiErrorOf`). Throws only when no answer arrived: `Smtp2goNotSentError` if the request certainly
 * never reached SMTP2Go, `Smtp2goAmbiguousError` if it was sent and then timed out or was cut.
 * The key travels only in the `X-Smtp2go-Api-Key` header, never in the body or in any message.
 */
export function smtp2goRequest(options: Smtp2goRequestOptions): Promise<Smtp2goResponse> {
  const url = endpointUrl(options.apiUrl, options.path);
  const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const dispatcher = options.dispatcher ?? defaultDispatcher(options.connectTimeoutMs);
  const payload = Buffer.from(JSON.stringify(options.body ?? {}), 'utf8');
  return new Promise<Smtp2goResponse>((resolve, reject) => {
    const call = trackCall(`POST ${url.origin}${url.pathname}`, timeoutMs, resolve, reject);
    try {
      dispatcher.dispatch(
        {
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            'content-length': String(payload.length),
            'x-smtp2go-api-key': options.apiKey,
          },
          body: payload,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        },
        call.handler,
      );
    } catch (error) {
      call.fail(error);
    }
  });
}

// onRequestSent is part of undici's (still supported) legacy handler interface, missing from its types.
type Handler = Dispatcher.DispatchHandler & { onRequestSent?: () => void };

/**
 * One call's state: whether the request has been handed to the socket (the line between "certainly not
 * sent" and "ambiguous"), the overall timer, and the collected answer.
 */
function trackCall(
  label: string,
  timeoutMs: number,
  resolve: (response: Smtp2goResponse) => void,
  reject: (error: Error) => void,
) {
  const started = performance.now();
  let requestSent = false;
  let settled = false;
  let abort: ((reason: Error) => void) | undefined;
  let status = 0;
  const headers: Record<string, string> = {};
  const chunks: Buffer[] = [];
  const settle = () => {
    if (settled) return false;
    settled = true;
    clearTimeout(timer);
    return true;
  };
  const fail = (error: unknown) => {
    if (settle()) reject(classifyTransportError(error, requestSent, label));
  };
  const timer = setTimeout(() => {
    const error = requestSent
      ? new Smtp2goAmbiguousError(
          'timeout',
          `${label}: no answer within ${timeoutMs} ms after the request was sent`,
        )
      : new Smtp2goNotSentError(
          'connect_timeout',
          `${label}: could not send the request within ${timeoutMs} ms`,
        );
    fail(error);
    abort?.(error);
  }, timeoutMs);
  const handler: Handler = {
    // undici calls this just before writing; aborting here guarantees nothing is written after a timeout.
    onConnect: (abortRequest) => {
      abort = abortRequest;
      if (settled) abortRequest(new Error('request already timed out'));
    },
    onRequestSent: () => {
      requestSent = true;
    },
    onHeaders: (statusCode, rawHeaders) => {
      requestSent = true;
      status = statusCode;
      for (let i = 0; i + 1 < rawHeaders.length; i += 2)
        headers[String(rawHeaders[i]).toLowerCase()] = String(rawHeaders[i + 1]);
      return true;
    },
    onData: (chunk) => {
      chunks.push(chunk);
      return true;
    },
    onComplete: () => {
      if (settle())
        resolve({
          status,
          headers,
          ...parseBody(Buffer.concat(chunks)),
          ms: Math.round(performance.now() - started),
        });
    },
    onError: fail,
  };
  return { handler, fail };
}

function parseBody(body: Buffer): { json: unknown; text: string | null } {
  const text = body.toString('utf8');
  if (text.trim() === '') return { json: null, text: null };
  try {
    return { json: JSON.parse(text) as unknown, text: null };
  } catch {
    return { json: null, text: text.slice(0, 500) };
  }
}
