import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  /** Null when the connection closed (or was reset) before a whole answer arrived. */
  status: number | null;
  headers: Record<string, string>;
  body: string;
  /** From the connect to the answer (or the close). */
  ms: number;
}

export interface RawRequest {
  socket: Socket;
  /** The first whole answer on the connection. */
  answer: Promise<RawAnswer>;
  write(bytes: Buffer | string): void;
}

/**
 * One request written byte for byte: the header block as given, then `body` (which may be only the
 * start of what Content-Length declares). The socket stays open, so a test can hold a body half-sent.
 */
export function rawRequest(url: string, headerLines: string[], body: Buffer | string = ''): RawRequest {
  const { port, pathname } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  const started = performance.now();
  socket.on('error', () => undefined);
  const head = [`POST ${pathname} HTTP/1.1`, 'Host: 127.0.0.1', ...headerLines, '', ''].join('\r\n');
  // Queued until the socket connects, so whatever `write` adds later follows it.
  socket.write(Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body)]));
  const answer = new Promise<RawAnswer>((resolve) => {
    let text = '';
    const done = (status: number | null, headers: Record<string, string> = {}, content = '') =>
      resolve({ status, headers, body: content, ms: Math.round(performance.now() - started) });
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => [
          line.slice(0, line.indexOf(':')).toLowerCase(),
          line.slice(line.indexOf(':') + 1).trim(),
        ]),
      );
      const length = Number(headers['content-length'] ?? 0);
      if (text.length - end - 4 >= length)
        done(Number(statusLine.slice(9, 12)), headers, text.slice(end + 4, end + 4 + length));
    });
    socket.once('close', () => done(null));
  });
  return {
    socket,
    answer,
    write: (bytes) => {
      if (!socket.destroyed) socket.write(bytes);
    },
  };
}
