import type { IncomingMessage, ServerResponse } from 'node:http';
import { isPortalError } from '../core/errors.js';
import type { EventStream, LiveEvent } from './stream.js';

type Document = Record<string, unknown>;
type Answer<T> = T | Promise<T>;

/**
 * What the page reads, as the CLI's `--json` documents (without `version`): the composition fills these in
 * from the operations and parses each query with the matching command's own flag parser, so the API takes
 * the same parameters as the command line and answers a bad one as the CLI would (a PortalError).
 */
export interface DashboardData {
  /** `replies --json`; parameters named as its flags (`recipient`, `ticket`, `tracking-id`, `cursor`…). */
  replies(query: URLSearchParams): Answer<Document>;
  /** `stats --reply <id> --json`, plus the send attempts. */
  reply(id: number): Answer<Document>;
  /** `stats --json`; `since`, `until`, `by`. */
  summary(query: URLSearchParams): Answer<Document>;
  /** Events per local day by type and the commonest bounce reasons, for the same window. */
  activity(query: URLSearchParams): Answer<Document>;
  /** Stored events with id > after, oldest first. */
  eventsAfter(after: number, limit: number): Answer<LiveEvent[]>;
  /** The newest stored events, newest first. */
  latestEvents(limit: number): Answer<LiveEvent[]>;
  latestId(): Answer<number>;
}

const REPLY_PATH = /^\/api\/replies\/([^/]+)$/;
const ROW_ID = /^(0|[1-9]\d{0,15})$/;

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint: string | null = null,
  ) {
    super(message);
  }
}

/** Answers one authenticated, same-origin GET under /api/; false when the path is not an API route. */
export async function serveApi(
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  query: URLSearchParams,
  data: DashboardData,
  stream: EventStream,
): Promise<boolean> {
  if (path === '/api/stream') {
    const after = streamStart(request, query);
    if (!(await stream.attach(response, after)))
      throw new ApiError(503, 'busy', 'too many open streams', 'close other dashboard tabs');
    return true;
  }
  let document: Document;
  if (path === '/api/replies') document = await data.replies(query);
  else if (path === '/api/summary') document = await data.summary(query);
  else if (path === '/api/activity') document = await data.activity(query);
  else if (path === '/api/events') document = await recentEvents(query, data);
  else {
    const id = REPLY_PATH.exec(path)?.[1];
    if (id === undefined) return false;
    if (!/^[1-9]\d{0,15}$/.test(id) || !Number.isSafeInteger(Number(id)))
      throw new ApiError(400, 'usage', `a reply id is a positive whole number, not "${truncate(id)}"`);
    document = await data.reply(Number(id));
  }
  sendJson(request, response, 200, document);
  return true;
}

/** `/api/events`: the newest `limit` events newest first, or with `after` the ones stored since, oldest first. */
async function recentEvents(query: URLSearchParams, data: DashboardData): Promise<Document> {
  const limit = intParam(query, 'limit', 100, 1, 1000);
  const after = query.get('after');
  const latest = await data.latestId();
  if (after === null) return { events: await data.latestEvents(limit), last_id: latest };
  const events = await data.eventsAfter(rowId(after, 'after'), limit);
  return {
    events,
    last_id:
      events.length > 0 ? (events[events.length - 1] as LiveEvent).id : Math.max(latest, Number(after)),
  };
}

/** EventSource resends the last id it saw as `Last-Event-ID`; a first connection may say where to start. */
function streamStart(request: IncomingMessage, query: URLSearchParams): number | null {
  const header = request.headers['last-event-id'];
  if (typeof header === 'string' && header !== '') return rowId(header, 'Last-Event-ID');
  const after = query.get('after');
  return after === null ? null : rowId(after, 'after');
}

function rowId(text: string, name: string): number {
  if (!ROW_ID.test(text) || !Number.isSafeInteger(Number(text)))
    throw new ApiError(400, 'usage', `${name} must be an event id (a whole number), not "${truncate(text)}"`);
  return Number(text);
}

function intParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const text = query.get(name);
  if (text === null) return fallback;
  const value = Number(text);
  if (!/^\d{1,7}$/.test(text) || value < min || value > max)
    throw new ApiError(
      400,
      'usage',
      `${name} must be a whole number from ${min} to ${max}, not "${truncate(text)}"`,
    );
  return value;
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

export function sendJson(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  document: Document,
): void {
  const body = JSON.stringify({ version: 1, ...document });
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}

/** An error as the CLI's `--json` prints it, with the HTTP status its kind calls for. */
export function errorAnswer(error: unknown): { status: number; document: Document; internal: boolean } {
  if (error instanceof ApiError)
    return {
      status: error.status,
      document: { error: { code: error.code, message: error.message, hint: error.hint } },
      internal: false,
    };
  if (isPortalError(error) && (error.code === 'usage' || error.code === 'not_found')) {
    return {
      status: error.code === 'usage' ? 400 : 404,
      document: { error: { code: error.code, message: error.message, hint: error.hint ?? null } },
      internal: false,
    };
  }
  return {
    status: 500,
    document: { error: { code: 'runtime', message: 'internal error', hint: 'see the dashboard log' } },
    internal: true,
  };
}
