import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { openStore, type Store } from '../../src/store/open-store.js';
import {
  startWebhookServer,
  type LogEntry,
  type RequestRecord,
  type WebhookServer,
  type WebhookServerOptions,
} from '../../src/webhook/server.js';
import { PREVIOUS_WEBHOOK_SECRET, WEBHOOK_SECRET } from '../helpers/constants.js';

export const NOW = new Date('2026-09-10T09:00:00Z');
export const NOW_SECONDS = NOW.getTime() / 1000;
export const JSON_TYPE = 'application/json';
export const FORM_TYPE = 'application/x-www-form-urlencoded';

/**
 * The listener's default commit thread, compiled: a worker thread cannot load the TypeScript sources the
 * tests run from (`npm test` builds first).
 */
export const COMMIT_THREAD_URL = new URL('../../dist/webhook/commit/commit-thread-main.js', import.meta.url);
export const COMMIT_THREAD = { commitThread: { workerUrl: COMMIT_THREAD_URL } } as const;

export const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/smtp2go/${name}`, import.meta.url), 'utf8');

export interface Listener {
  store: Store;
  server: WebhookServer;
  records: RequestRecord[];
  logs: LogEntry[];
  post(body: string | Buffer, options?: PostOptions): Promise<Answer>;
}

export interface PostOptions {
  contentType?: string;
  headers?: OutgoingHttpHeaders;
  /** Default: a bearer token with the current secret. */
  auth?: 'bearer' | 'none';
  path?: string;
  method?: string;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/**
 * Starts a listener on 127.0.0.1:0 over a fresh store in `dir`; closed (server, then store) after the test.
 * It commits on its thread, as `webhook serve` does, unless the overrides inject `ingest` or say otherwise.
 * `locate` puts the store elsewhere (a PostgreSQL database from storeBackends()).
 */
export function useListeners(
  locate?: () => Promise<string>,
): (dir: string, overrides?: Partial<WebhookServerOptions>) => Promise<Listener> {
  const open: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of open.splice(0).reverse()) await close();
  });
  return async (dir, overrides = {}) => {
    const store = openStore(locate === undefined ? join(dir, 'portal.db') : await locate());
    const records: RequestRecord[] = [];
    const logs: LogEntry[] = [];
    let server: WebhookServer;
    try {
      server = await startWebhookServer({
        store,
        secrets: [WEBHOOK_SECRET, PREVIOUS_WEBHOOK_SECRET],
        port: 0,
        now: () => NOW,
        onEvent: (record) => records.push(record),
        onLog: (entry) => logs.push(entry),
        ...(overrides.ingest === undefined ? COMMIT_THREAD : {}),
        ...overrides,
      });
    } catch (error) {
      store.close();
      throw error;
    }
    open.push(async () => {
      await server.close();
      if (store.open) store.close();
    });
    return {
      store,
      server,
      records,
      logs,
      post: (body, options = {}) => {
        const headers: OutgoingHttpHeaders = {
          'content-type': options.contentType ?? JSON_TYPE,
          ...options.headers,
        };
        if ((options.auth ?? 'bearer') === 'bearer') headers.authorization = `Bearer ${WEBHOOK_SECRET}`;
        const url = new URL(server.url);
        if (options.path !== undefined) url.pathname = options.path;
        return send(url, options.method ?? 'POST', headers, body);
      },
    };
  };
}

/** One request on its own connection (no agent), so closing the server never waits on a pooled socket. */
export function send(
  url: URL,
  method: string,
  headers: OutgoingHttpHeaders,
  body?: string | Buffer,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
        });
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}

export function count(store: Store, sql = 'SELECT COUNT(*) AS n FROM email_tracking_events'): number {
  return (store.prepare(sql).get() as { n: number }).n;
}
