import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

export interface RawOutcome {
  /** Status line of whatever the server answered, or null if it only closed. */
  status: number | null;
  closedAfterMs: number;
  bytesSent: number;
}

function target(url: string): { port: number; path: string } {
  const parsed = new URL(url);
  return { port: Number(parsed.port), path: parsed.pathname };
}

function track(socket: Socket, started: number, sent: () => number, giveUpMs: number): Promise<RawOutcome> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    const done = () => {
      clearTimeout(timer);
      const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({
        status: match ? Number(match[1]) : null,
        closedAfterMs: Math.round(performance.now() - started),
        bytesSent: sent(),
      });
    };
    // A server that never cuts the client is the failure this guards against: give up and report it.
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ status: null, closedAfterMs: Number.POSITIVE_INFINITY, bytesSent: sent() });
    }, giveUpMs);
    socket.once('close', done);
  });
}

/** Slowloris: a request line, then one more header byte every `intervalMs`, never finishing the headers. */
export function slowHeaders(url: string, intervalMs: number, giveUpMs: number): Promise<RawOutcome> {
  const { port, path } = target(url);
  const socket = connect(port, '127.0.0.1');
  const started = performance.now();
  let sent = 0;
  const write = (text: string) => {
    if (!socket.destroyed && socket.writable) {
      socket.write(text);
      sent += text.length;
    }
  };
  socket.once('connect', () => write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: `));
  const drip = setInterval(() => write('a'), intervalMs);
  socket.once('close', () => clearInterval(drip));
  return track(socket, started, () => sent, giveUpMs);
}

/**
 * Complete headers declaring `declared` bytes, then one body byte every `intervalMs`. `headerLines` carry
 * credentials: without them the listener refuses on the headers and never waits for the body.
 */
export function slowBody(
  url: string,
  declared: number,
  intervalMs: number,
  giveUpMs: number,
  headerLines: string[] = [],
): Promise<RawOutcome> {
  const { port, path } = target(url);
  const socket = connect(port, '127.0.0.1');
  const started = performance.now();
  let sent = 0;
  socket.once('connect', () =>
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n${headerLines.map((line) => `${line}\r\n`).join('')}\r\n`,
    ),
  );
  const drip = setInterval(() => {
    if (!socket.destroyed && socket.writable && sent < declared) {
      socket.write(' ');
      sent += 1;
    }
  }, intervalMs);
  socket.once('close', () => clearInterval(drip));
  return track(socket, started, () => sent, giveUpMs);
}

/**
 * Pushes a `total`-byte body as fast as the socket takes it (declared, or chunked when `declared` is
 * false) and counts how much went out before the server answered or cut the connection.
 */
export function bigBody(
  url: string,
  total: number,
  declared: boolean,
  giveUpMs: number,
  headerLines: string[] = [],
): Promise<RawOutcome & { sentBeforeAnswer: number }> {
  const { port, path } = target(url);
  const socket = connect(port, '127.0.0.1');
  const started = performance.now();
  let sent = 0;
  let sentBeforeAnswer = -1;
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  socket.once('data', () => (sentBeforeAnswer = sent));
  socket.once('connect', () => {
    const length = declared ? `Content-Length: ${total}` : 'Transfer-Encoding: chunked';
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${length}\r\n${headerLines.map((line) => `${line}\r\n`).join('')}\r\n`,
    );
    const pump = () => {
      while (sent < total && !socket.destroyed) {
        const piece = declared
          ? chunk
          : Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
        sent += chunk.length;
        if (!socket.write(piece)) return void socket.once('drain', pump);
      }
      if (!declared && !socket.destroyed) socket.write('0\r\n\r\n');
    };
    pump();
  });
  return track(socket, started, () => sent, giveUpMs).then((outcome) => ({
    ...outcome,
    sentBeforeAnswer: sentBeforeAnswer < 0 ? sent : sentBeforeAnswer,
  }));
}

/** Opens `count` TCP connections that never send a byte. */
export async function openIdle(url: string, count: number): Promise<Socket[]> {
  const { port } = target(url);
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i += 200) {
    const batch = Array.from(
      { length: Math.min(200, count - i) },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1');
          socket.once('connect', () => resolve(socket));
          socket.once('error', reject);
        }),
    );
    sockets.push(...(await Promise.all(batch)));
  }
  // Flowing, so a server-side close is seen (end, then close) without anyone reading.
  for (const socket of sockets) socket.on('error', () => undefined).resume();
  return sockets;
}

/** Resident memory of a process, from /proc (Linux). */
export function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : Number.NaN;
}

/** One request written byte for byte (header lines as given, latin1), answered status or null. */
export function rawRequest(
  url: string,
  headerLines: string[],
  body: Buffer | string,
): Promise<number | null> {
  const { port, path } = target(url);
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const socket = connect(port, '127.0.0.1');
  const head = [
    `POST ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Connection: close',
    `Content-Length: ${bytes.length}`,
    ...headerLines,
    '',
    '',
  ].join('\r\n');
  // Written, not ended: node's http server drops the answer to a client that half-closes first.
  socket.once('connect', () => socket.write(Buffer.concat([Buffer.from(head, 'latin1'), bytes])));
  return track(socket, performance.now(), () => bytes.length, 10_000).then((outcome) => outcome.status);
}
