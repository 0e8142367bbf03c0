import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { createDashboardData } from '../../src/cli/commands/dashboard/data.js';
import {
  startDashboardServer,
  type DashboardServer,
  type DashboardServerOptions,
} from '../../src/dashboard/server.js';
import { openStore, type Store } from '../../src/store/open-store.js';

export const NOW = new Date('2026-11-25T12:00:00.000Z');

export interface TestDashboard {
  store: Store;
  server: DashboardServer;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** The Host header a browser would send. */
  host: string;
  close(): Promise<void>;
}

/** A dashboard over a fresh store in `dir`, built by the same composition as the commands (UTC days). */
export async function startTestDashboard(
  dir: string,
  options: Partial<DashboardServerOptions> = {},
  fill?: (store: Store) => void,
): Promise<TestDashboard> {
  const store = openStore(join(dir, 'portal.db'));
  fill?.(store);
  const data = createDashboardData({ store, now: () => NOW, timeZone: 'UTC' });
  const server = await startDashboardServer({
    data,
    host: '127.0.0.1',
    port: 0,
    token: 'test-token-0123456789',
    ...options,
  });
  return {
    store,
    server,
    origin: server.origin,
    host: new URL(server.origin).host,
    async close() {
      await server.close();
      store.close();
    },
  };
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A GET (or other method) with full control of the headers, Host included (fetch would not let a test forge it). */
export function get(
  origin: string,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${origin}${path}`, { method, headers, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      );
    });
    request.on('error', reject);
    request.end();
  });
}

export const bearer = (token = 'test-token-0123456789') => ({ authorization: `Bearer ${token}` });

export interface SseFrame {
  id: string | null;
  event: string;
  data: string;
}

/**
 * Opens the stream and collects frames (pings and `retry:` left out) until `until` says so; resolves with
 * them and closes the connection.
 */
export function readStream(
  origin: string,
  path: string,
  headers: Record<string, string>,
  until: (frames: SseFrame[], comments: string[]) => boolean,
  timeoutMs = 5000,
): Promise<{ status: number; headers: IncomingHttpHeaders; frames: SseFrame[]; comments: string[] }> {
  return new Promise((resolve, reject) => {
    const frames: SseFrame[] = [];
    const comments: string[] = [];
    const request = httpRequest(`${origin}${path}`, { headers, agent: false }, (response) => {
      let buffer = '';
      const timer = setTimeout(() => {
        request.destroy();
        reject(new Error(`stream timed out with ${frames.length} frames`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        request.destroy();
        resolve({ status: response.statusCode ?? 0, headers: response.headers, frames, comments });
      };
      if (response.statusCode !== 200) {
        response.resume();
        return finish();
      }
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const frame: SseFrame = { id: null, event: 'message', data: '' };
          let isFrame = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) frame.id = line.slice(4);
            else if (line.startsWith('event: ')) frame.event = line.slice(7);
            else if (line.startsWith('data: ')) [frame.data, isFrame] = [line.slice(6), true];
          }
          if (isFrame) frames.push(frame);
          if (until(frames, comments)) return finish();
        }
      });
    });
    request.on('error', reject);
    request.end();
  });
}
