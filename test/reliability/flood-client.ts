import { connect, type Socket } from 'node:net';
import { rssMiB } from './raw-client.js';

export interface FloodOptions {
  connections: number;
  /** Header lines after Host and Content-Type (credentials, if any). */
  headerLines: string[];
  /** Body bytes each connection writes before it holds. */
  bodyBytes: number;
  /** Content-Length declared; more than `bodyBytes` leaves the body unfinished, so a listener that reads it waits. */
  declaredBytes: number;
}

export interface Flood {
  /** First status line each connection got so far (null: none yet, or cut without one). */
  statuses(): Map<number | null, number>;
  /** Connections the listener has closed. */
  closed(): number;
  end(): void;
}

/**
 * `connections` clients that each send a request head and `bodyBytes` of its body, as fast as the socket
 * takes it (with back-pressure, so this process does not buffer what the listener will not read), and
 * then hold the connection open without finishing the body.
 */
export async function startFlood(url: string, options: FloodOptions): Promise<Flood> {
  const { port, pathname } = new URL(url);
  const sockets: Socket[] = [];
  const firstStatus = new Map<Socket, number | null>();
  let closed = 0;
  const piece = Buffer.alloc(64 * 1024, 0x20);
  const head = Buffer.from(
    [
      `POST ${pathname} HTTP/1.1`,
      'Host: 127.0.0.1',
      'Content-Type: application/json',
      `Content-Length: ${options.declaredBytes}`,
      ...options.headerLines,
      '',
      '',
    ].join('\r\n'),
    'latin1',
  );
  const open = () =>
    new Promise<void>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1');
      sockets.push(socket);
      firstStatus.set(socket, null);
      let text = '';
      socket.on('error', () => undefined);
      socket.on('data', (chunk: Buffer) => {
        if (text.length > 16) return;
        text += chunk.toString('latin1');
        const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
        if (match) firstStatus.set(socket, Number(match[1]));
      });
      socket.once('close', () => (closed += 1));
      socket.once('connect', () => {
        resolve();
        socket.write(head);
        let sent = 0;
        const pump = () => {
          while (sent < options.bodyBytes && !socket.destroyed) {
            const part = piece.subarray(0, Math.min(piece.length, options.bodyBytes - sent));
            sent += part.length;
            if (!socket.write(part)) return void socket.once('drain', pump);
          }
        };
        pump();
      });
      socket.once('error', () => resolve());
    });
  for (let i = 0; i < options.connections; i += 100)
    await Promise.all(Array.from({ length: Math.min(100, options.connections - i) }, open));
  return {
    statuses: () => {
      const counts = new Map<number | null, number>();
      for (const status of firstStatus.values()) counts.set(status, (counts.get(status) ?? 0) + 1);
      return counts;
    },
    closed: () => closed,
    end: () => {
      for (const socket of sockets) socket.destroy();
    },
  };
}

/** Samples a process's RSS every `everyMs` until stopped; returns the highest seen. */
export function sampleRss(pid: number, everyMs = 100): { stop(): number } {
  let peak = rssMiB(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssMiB(pid));
    } catch {
      // The process is gone; keep the peak seen so far.
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

export function summary(counts: Map<number | null, number>): string {
  return (
    [...counts.entries()]
      .sort(([a], [b]) => (a ?? 0) - (b ?? 0))
      .map(([status, n]) => `${status ?? 'none'}×${n}`)
      .join(' ') || 'none'
  );
}
