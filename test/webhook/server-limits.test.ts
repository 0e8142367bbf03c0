import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WEBHOOK_SECRET } from '../helpers/constants.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { count, fixture, FORM_TYPE, send, useListeners, type Answer } from './listener-harness.js';

const tempDir = useTempDir();
const listen = useListeners();
const MiB = 1024 * 1024;

/** Declares (or streams) a large body but writes only what the server lets through. */
function postLarge(
  url: string,
  options: { declared?: number; chunks: number; chunkBytes: number },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      authorization: `Bearer ${WEBHOOK_SECRET}`,
    };
    if (options.declared !== undefined) headers['content-length'] = options.declared;
    const request = httpRequest(url, { method: 'POST', headers, agent: false }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: JSON.parse(text) as Record<string, unknown>,
        }),
      );
    });
    // The server cuts the connection after answering; the writes that were still in flight fail, which is the point.
    request.on('error', (error) =>
      request.destroyed && (error as NodeJS.ErrnoException).code !== 'ECONNREFUSED'
        ? undefined
        : reject(error),
    );
    let written = 0;
    const chunk = Buffer.alloc(options.chunkBytes, 0x20);
    const pump = () => {
      while (written < options.chunks) {
        written += 1;
        if (!request.write(chunk)) return void request.once('drain', pump);
      }
      if (options.declared === undefined) request.end();
    };
    pump();
  });
}

/**
 * A client that writes a whole declared body in a tight loop and only then reads: what it finds is what
 * the listener left in its receive buffer (the status line, or nothing if a reset wiped it).
 */
function pushThenRead(
  url: string,
  total: number,
  contentType = 'application/json',
): Promise<{ status: number | null; error: string | null }> {
  const { port, pathname } = new URL(url);
  return new Promise((resolve) => {
    let text = '';
    let error: string | null = null;
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(
        `POST ${pathname} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${contentType}\r\nContent-Length: ${total}\r\n\r\n`,
      );
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent < total && !socket.destroyed) {
          const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
          sent += piece.length;
          if (!socket.write(piece)) return void socket.once('drain', pump);
        }
        socket.on('data', (data: Buffer) => (text += data.toString('latin1')));
      };
      pump();
    });
    socket.on('error', (failure: NodeJS.ErrnoException) => (error ??= failure.code ?? failure.message));
    socket.on('close', () =>
      resolve({ status: /^HTTP\/1\.1 (\d{3})/.test(text) ? Number(text.slice(9, 12)) : null, error }),
    );
  });
}

describe('webhook listener: refusals and limits', () => {
  it('answers 404 off the path, 405 for another method, 415, 400', async () => {
    const { store, post, server, records } = await listen(tempDir());
    expect((await post(fixture('open.docs.json'), { path: '/api/webhooks/other' })).status).toBe(404);
    const get = await post('', { method: 'GET' });
    expect(get).toMatchObject({ status: 405, headers: { allow: 'POST' } });
    expect((await post('event=open', { contentType: 'text/plain' })).status).toBe(415);
    expect((await post('event=open', { contentType: 'multipart/form-data; boundary=x' })).status).toBe(415);
    expect((await post('{"event":', {})).body).toEqual({
      status: 'error',
      error: 'the body is not valid JSON',
    });
    expect((await post('[]')).status).toBe(400);
    const noType = await post('rcpt=a%40b.org&time=2026-09-10T08%3A00%3A00Z', { contentType: FORM_TYPE });
    expect(noType.status).toBe(400);
    expect(noType.body.error).toMatch(/event/);
    expect((await post(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))).body).toEqual({
      status: 'error',
      error: 'the body is not valid UTF-8',
    });
    expect(count(store)).toBe(0);
    expect(records.map((record) => record.status)).toEqual([404, 405, 415, 415, 400, 400, 400, 400]);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/webhooks\/smtp2go\/events$/);
  });

  it('refuses a declared body over 1 MiB with 413 before reading it', async () => {
    const { server, records } = await listen(tempDir());
    const answer = await postLarge(server.url, { declared: 50 * MiB, chunks: 1, chunkBytes: 1024 });
    expect(answer).toMatchObject({ status: 413, headers: { connection: 'close' } });
    expect(records[0]?.status).toBe(413);
  });

  it('stops reading a streamed body at 1 MiB with 413 and never buffers the rest', async () => {
    const { server } = await listen(tempDir());
    const before = process.memoryUsage().arrayBuffers;
    const answer = await postLarge(server.url, { chunks: 50, chunkBytes: MiB });
    expect(answer.status).toBe(413);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(20 * MiB);
  });

  it('a client that writes a whole 20 MiB body before reading still gets its 413 (lingering close), 10 of 10', async () => {
    const { server, records } = await listen(tempDir(), {
      timeouts: { lingerMs: 1_000, lingerBytes: 32 * MiB },
    });
    const outcomes = [];
    for (let i = 0; i < 10; i++) outcomes.push(await pushThenRead(server.url, 20 * MiB));
    expect(outcomes).toEqual(Array.from({ length: 10 }, () => ({ status: 413, error: null })));
    expect(records.map((record) => record.status)).toEqual(Array.from({ length: 10 }, () => 413));
    const wrongType = await pushThenRead(server.url, 4 * MiB, 'text/plain');
    expect(wrongType.status).toBe(415);
  });

  it('a lingering connection is cut at the linger time, or at the byte cap if that comes first', async () => {
    const { server } = await listen(tempDir(), { timeouts: { lingerMs: 150, lingerBytes: 2 * MiB } });
    const { port, pathname } = new URL(server.url);
    // Keeps trickling its body and ignores the listener's FIN: only the linger time ends it (its next write meets the reset).
    const trickle = await new Promise<{ text: string; lingeredMs: number }>((resolve) => {
      let text = '';
      let answeredAt = 0;
      const socket = connect({ port: Number(port), host: '127.0.0.1', allowHalfOpen: true }, () =>
        socket.write(
          `POST ${pathname} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${100 * MiB}\r\n\r\n`,
        ),
      );
      const drip = setInterval(() => socket.write(Buffer.alloc(1024, 0x20)), 10);
      socket.on('data', (data: Buffer) => {
        answeredAt ||= Date.now();
        text += data.toString('latin1');
      });
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(drip);
        resolve({ text, lingeredMs: Date.now() - answeredAt });
      });
    });
    expect(trickle.text).toMatch(/^HTTP\/1\.1 413/);
    expect(trickle.lingeredMs).toBeGreaterThanOrEqual(140);
    expect(trickle.lingeredMs).toBeLessThan(1_500);
    // 20 MiB against a 2 MiB cap: the same client that gets its 413 when the cap is larger (above) is cut and meets the reset.
    const started = Date.now();
    const pushed = await pushThenRead(server.url, 20 * MiB);
    expect(pushed).toEqual({ status: null, error: expect.stringMatching(/^(EPIPE|ECONNRESET)$/) });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('does not serve a request pipelined behind a refused body: the lingering connection is cut instead', async () => {
    const { server, store, records } = await listen(tempDir(), {
      timeouts: { lingerMs: 300, lingerBytes: MiB },
    });
    const { port } = new URL(server.url);
    const event = fixture('open.docs.json');
    const refused = `POST /api/webhooks/other HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\n\r\n{}{}`;
    const valid = `POST ${new URL(server.url).pathname} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${WEBHOOK_SECRET}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(event)}\r\n\r\n${event}`;
    const reply = await new Promise<string>((resolve) => {
      let text = '';
      const socket = connect(Number(port), '127.0.0.1', () => socket.write(refused + valid));
      socket.on('data', (data: Buffer) => (text += data.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(text));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 404/);
    expect(reply.match(/HTTP\/1\.1/g)).toHaveLength(1);
    expect(records.map((record) => record.status)).toEqual([404]);
    expect(count(store)).toBe(0);
  });

  it('accepts a body of exactly the limit', async () => {
    const { post } = await listen(tempDir(), { maxBodyBytes: 2048 });
    const base = '{"event":"open","rcpt":"a@b.org","pad":""}';
    const exact = base.replace('"pad":""', `"pad":"${'x'.repeat(2048 - base.length)}"`);
    expect((await post(exact)).status).toBe(200);
    expect((await post(`${exact} `)).status).toBe(413);
  });

  it('answers 408 when the body stops arriving', async () => {
    const { server, records } = await listen(tempDir(), { timeouts: { bodyIdleMs: 100 } });
    const answer = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(
        server.url,
        {
          method: 'POST',
          agent: false,
          headers: {
            'content-type': 'application/json',
            'content-length': 100,
            authorization: `Bearer ${WEBHOOK_SECRET}`,
          },
        },
        (response) => {
          resolve(response.statusCode ?? 0);
          response.resume();
        },
      );
      request.on('error', reject);
      request.write('{"event":');
    });
    expect(answer).toBe(408);
    expect(records[0]?.status).toBe(408);
  });

  it('drops a connection whose headers never finish (slowloris)', async () => {
    const { server } = await listen(tempDir(), { timeouts: { headersMs: 150, requestMs: 150 } });
    const { port } = new URL(server.url);
    const started = Date.now();
    const reply = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.write('POST /api/webhooks/smtp2go/events HTTP/1.1\r\nHost: x\r\nX-Slow: '),
      );
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.on('close', () => resolve(text));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('serves /healthz without authentication or data', async () => {
    const { server, records } = await listen(tempDir());
    const answer = await send(new URL(server.healthUrl), 'GET', {});
    expect(answer).toEqual(
      expect.objectContaining({
        status: 200,
        body: { status: 'ok', store: 'ok', schema_version: expect.any(Number) },
      }),
    );
    expect((await send(new URL(server.healthUrl), 'POST', {}, '{}')).status).toBe(405);
    expect(records).toEqual([]);
  });
});
