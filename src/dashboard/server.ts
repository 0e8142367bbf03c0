import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorAnswer, sendJson, serveApi, type DashboardData } from './api.js';
import {
  createDashboardToken,
  findCredential,
  hostAllowed,
  sameOriginRequest,
  sessionCookie,
} from './auth.js';
import { loadStaticFiles, type StaticFile } from './static-files.js';
import { createEventStream, type EventStream, type StreamOptions } from './stream.js';

const DEFAULT_DASHBOARD_HOST = '127.0.0.1';
const DEFAULT_DASHBOARD_PORT = 8788;

export interface DashboardServerOptions {
  data: DashboardData;
  host?: string;
  port?: number;
  /** Fixed for tests; otherwise a fresh random token per start. */
  token?: string;
  stream?: Pick<StreamOptions, 'pollMs' | 'pingMs' | 'writeDeadlineMs' | 'maxClients' | 'batch'>;
  onLog?: (entry: { level: 'warn' | 'error'; message: string }) => void;
}

export interface DashboardServer {
  /** The page's address with its token: the one URL to print (`http://127.0.0.1:8788/?token=…`). */
  url: string;
  origin: string;
  token: string;
  stream: EventStream;
  close(): Promise<void>;
}

// No inline script or style and no other origin: a payload that reached the page as markup could run nothing.
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CSP,
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

const PAGE = /^\/(?:|replies|summary|replies\/[1-9]\d{0,15})$/;

/** Starts the read-only dashboard on its own port (never the webhook's); resolves once it accepts connections. */
export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const token = options.token ?? createDashboardToken();
  const host = options.host ?? DEFAULT_DASHBOARD_HOST;
  const files = loadStaticFiles();
  const page = files.get('/static/index.html') as StaticFile;
  const stream = createEventStream({
    eventsAfter: (...args) => options.data.eventsAfter(...args),
    latestId: () => options.data.latestId(),
    ...options.stream,
  });
  // A bound name (not an address) is how the operator reaches it, so it is allowed as a Host too.
  const boundNames = /^[a-z0-9.-]+$/i.test(host) && !/^[\d.]+$/.test(host) ? [host.toLowerCase()] : [];
  let port = 0;

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
    // Split by hand: WHATWG URL would read `//x/api` as a host and a path.
    const raw = request.url ?? '/';
    const mark = raw.indexOf('?');
    const path = mark === -1 ? raw : raw.slice(0, mark);
    const query = new URLSearchParams(mark === -1 ? '' : raw.slice(mark + 1));
    if (!hostAllowed(request.headers.host, boundNames))
      return text(
        request,
        response,
        403,
        'This Host name is not allowed (DNS rebinding guard): open the dashboard by its IP address or localhost.',
      );
    const credential = findCredential(request, query, port, token);
    if (credential === null) {
      if (path.startsWith('/api/'))
        return sendJson(request, response, 401, {
          error: {
            code: 'unauthorized',
            message: 'a valid dashboard token is required',
            hint: 'send Authorization: Bearer <token> with the token printed at start',
          },
        });
      return text(
        request,
        response,
        401,
        'Open the dashboard with the URL printed at start: it carries the token (?token=…).',
      );
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      return text(request, response, 405, 'The dashboard is read-only: GET and HEAD only.');
    }
    if (path.startsWith('/api/')) {
      if (!sameOriginRequest(request))
        return sendJson(request, response, 403, {
          error: { code: 'forbidden', message: 'cross-origin requests are refused', hint: null },
        });
      if (!(await serveApi(request, response, path, query, options.data, stream)))
        sendJson(request, response, 404, {
          error: { code: 'not_found', message: 'no such API route', hint: null },
        });
      return;
    }
    if (PAGE.test(path)) {
      if (credential === 'query') return exchangeToken(response, path, query);
      return file(request, response, page);
    }
    const found = files.get(path);
    if (found === undefined || path === '/static/index.html')
      return text(request, response, 404, 'Not found.');
    file(request, response, found);
  }

  /** The token moves from the URL into a cookie, and the address bar and history lose it. */
  function exchangeToken(response: ServerResponse, path: string, query: URLSearchParams): void {
    query.delete('token');
    const rest = query.toString();
    response.writeHead(303, {
      Location: `${path}${rest === '' ? '' : `?${rest}`}`,
      'Set-Cookie': sessionCookie(port, token),
      'Cache-Control': 'no-store',
      'Content-Length': 0,
    });
    response.end();
  }

  const server = createServer(
    { headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 5_000 },
    (request, response) => {
      route(request, response).catch((error: unknown) => {
        const answer = errorAnswer(error);
        if (answer.internal)
          options.onLog?.({
            level: 'error',
            message: `dashboard ${request.url ?? ''}: ${error instanceof Error ? error.message : String(error)}`,
          });
        if (!response.headersSent) sendJson(request, response, answer.status, answer.document);
        else response.destroy();
      });
    },
  );
  await listen(server, host, options.port ?? DEFAULT_DASHBOARD_PORT);
  const address = server.address() as AddressInfo;
  port = address.port;
  // Bound to every interface, it is still this machine's loopback address that the operator opens.
  const shown =
    address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  const origin = `http://${address.family === 'IPv6' ? `[${shown}]` : shown}:${port}`;
  let closed: Promise<void> | undefined;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    token,
    stream,
    close() {
      closed ??= new Promise<void>((resolve) => {
        stream.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

function file(request: IncomingMessage, response: ServerResponse, found: StaticFile): void {
  response.writeHead(200, {
    'Content-Type': found.type,
    'Content-Length': found.body.length,
    'Cache-Control': 'no-cache',
  });
  response.end(request.method === 'HEAD' ? undefined : found.body);
}

function text(request: IncomingMessage, response: ServerResponse, status: number, message: string): void {
  const body = `${message}\n`;
  response.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
