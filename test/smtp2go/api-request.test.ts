import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { smtp2goRequest } from '../../src/smtp2go/api-request.js';
import { apiErrorOf, retryAfterMs, smtp2goCall } from '../../src/smtp2go/api-response.js';
import { Smtp2goAmbiguousError, Smtp2goHttpError, Smtp2goNotSentError } from '../../src/smtp2go/errors.js';
import { smtp2goRequestWithRetry } from '../../src/smtp2go/retry.js';
import { API_KEY } from '../helpers/constants.js';
import { closedPortUrl, fakeClock, startFakeSmtp2go, type FakeSmtp2go } from './fake-smtp2go.js';

let fake: FakeSmtp2go | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('smtp2goRequest', () => {
  it('POSTs JSON with the key only in the X-Smtp2go-Api-Key header', async () => {
    fake = await startFakeSmtp2go([{ status: 200, fixture: 'send-ok.json', headers: { 'x-extra': 'yes' } }]);
    const response = await smtp2goRequest({
      apiUrl: fake.url,
      apiKey: API_KEY,
      path: '/email/send',
      body: { subject: 'hi' },
    });
    expect(response.status).toBe(200);
    expect(response.headers['x-extra']).toBe('yes');
    expect((response.json as { data: { email_id: string } }).data.email_id).toBe('1u0SwL-B9zBpi9ffUq-JAB2');
    const [request] = fake.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/v3/email/send');
    expect(request?.headers['x-smtp2go-api-key']).toBe(API_KEY);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.body).toEqual({ subject: 'hi' });
    expect(request?.rawBody).not.toContain(API_KEY);
  });

  it('returns error answers as data; smtp2goCall throws them classified, without the key', async () => {
    fake = await startFakeSmtp2go([{ status: 403, fixture: 'error-permission.json' }]);
    const response = await smtp2goRequest({
      apiUrl: fake.url,
      apiKey: API_KEY,
      path: '/webhook/view',
      body: {},
    });
    expect(response.status).toBe(403);
    const error = await smtp2goCall({
      apiUrl: fake.url,
      apiKey: API_KEY,
      path: '/webhook/view',
      body: {},
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Smtp2goHttpError);
    expect((error as Smtp2goHttpError).errorClass).toBe('auth');
    expect((error as Smtp2goHttpError).errorCode).toBe('E_ApiResponseCodes.ENDPOINT_PERMISSION_DENIED');
    expect((error as Smtp2goHttpError).requestId).toBe('22e5acba-43bf-11e6-ae42-408d5cce2644');
    expect(String((error as Error).message)).not.toContain(API_KEY);
  });

  it('a refused connection is certainly not sent', async () => {
    const error = await smtp2goRequest({
      apiUrl: await closedPortUrl(),
      apiKey: API_KEY,
      path: '/email/send',
      body: {},
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Smtp2goNotSentError);
    expect((error as Smtp2goNotSentError).errorClass).toBe('connection_refused');
    expect(
      JSON.stringify({ m: (error as Error).message, h: (error as Smtp2goNotSentError).hint }),
    ).not.toContain(API_KEY);
  });

  it('a body accepted and never answered is ambiguous after the timeout', async () => {
    fake = await startFakeSmtp2go(['hang']);
    const started = Date.now();
    const error = await smtp2goRequest({
      apiUrl: fake.url,
      apiKey: API_KEY,
      path: '/email/send',
      body: { a: 1 },
      timeoutMs: 500,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Smtp2goAmbiguousError);
    expect((error as Smtp2goAmbiguousError).errorClass).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(fake.requests).toHaveLength(1);
  });

  it('a timeout before the request could be written (stalled TLS handshake) is certain, and nothing is sent later', async () => {
    const received: Buffer[] = [];
    const server = createServer((socket) => socket.on('data', (chunk: Buffer) => received.push(chunk)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const error = await smtp2goRequest({
        apiUrl: `https://127.0.0.1:${port}/v3`,
        apiKey: API_KEY,
        path: '/email/send',
        body: {},
        timeoutMs: 150,
        connectTimeoutMs: 5_000,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Smtp2goNotSentError);
      expect((error as Smtp2goNotSentError).errorClass).toBe('connect_timeout');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(Buffer.concat(received).toString('latin1')).not.toContain('POST');
    } finally {
      server.close();
    }
  });

  it('an untrusted certificate is a TLS failure: certain, and the request never arrives', async () => {
    const tls = (name: string) => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url));
    let requests = 0;
    const server = createHttpsServer(
      { key: tls('test-key.pem'), cert: tls('test-cert.pem') },
      (_req, res) => {
        requests += 1;
        res.end('{}');
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const error = await smtp2goRequest({
        apiUrl: `https://127.0.0.1:${port}/v3`,
        apiKey: API_KEY,
        path: '/email/send',
        body: {},
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Smtp2goNotSentError);
      expect((error as Smtp2goNotSentError).errorClass).toBe('tls');
      expect(requests).toBe(0);
    } finally {
      server.close();
    }
  });

  it('a connection cut after the request was sent is ambiguous (reset)', async () => {
    fake = await startFakeSmtp2go(['destroy']);
    const error = await smtp2goRequest({
      apiUrl: fake.url,
      apiKey: API_KEY,
      path: '/email/send',
      body: {},
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Smtp2goAmbiguousError);
    expect((error as Smtp2goAmbiguousError).errorClass).toBe('reset');
  });
});

describe('apiErrorOf', () => {
  it.each([
    [401, 'error-permission.json', 'auth'],
    [400, 'error-validation.json', 'validation'],
    [429, 'error-rate-limit.json', 'rate_limited'],
    [503, undefined, 'server_error'],
  ])('HTTP %i %s → %s', async (status, name, expected) => {
    const { fixture } = await import('./fake-smtp2go.js');
    const error = apiErrorOf({ status, json: name === undefined ? null : fixture(name), text: null });
    expect(error?.errorClass).toBe(expected);
  });

  it('a bad key reported as 400 API_EXCEPTION is auth, not validation', () => {
    const json = { data: { error_code: 'E_ApiResponseCodes.API_EXCEPTION', error: 'Invalid API key' } };
    expect(apiErrorOf({ status: 400, json, text: null })?.errorClass).toBe('auth');
  });

  it('validation errors name the field', () => {
    const json = {
      data: {
        error_code: 'E_ApiResponseCodes.NON_VALIDATING_IN_PAYLOAD',
        error: 'bad',
        field_validation_errors: { fieldname: 'to', message: 'nope' },
      },
    };
    expect(apiErrorOf({ status: 400, json, text: null })?.message).toContain('to: nope');
  });

  it('a 2xx without error_code is no error', () => {
    expect(apiErrorOf({ status: 200, json: { data: {} }, text: null })).toBeNull();
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs({ 'retry-after': '3' }, 0)).toBe(3_000);
    expect(retryAfterMs({ 'retry-after': new Date(10_000).toUTCString() }, 4_000)).toBe(6_000);
    expect(retryAfterMs({}, 0)).toBeNull();
  });
});

describe('smtp2goRequestWithRetry', () => {
  it('retries 429 honouring Retry-After, then succeeds', async () => {
    fake = await startFakeSmtp2go([
      { status: 429, fixture: 'error-rate-limit.json', headers: { 'retry-after': '2' } },
      { status: 200, fixture: 'send-ok.json' },
    ]);
    const clock = fakeClock();
    const response = await smtp2goRequestWithRetry({
      apiUrl: fake.url,
      apiKey: API_KEY,
      path: '/email/send',
      body: {},
      timeoutMs: 10_000,
      clock,
    });
    expect(response.status).toBe(200);
    expect(clock.sleeps).toEqual([2_000]);
    expect(fake.requests).toHaveLength(2);
  });

  it('retries 5xx with growing jittered backoff and gives up after maxAttempts', async () => {
    fake = await startFakeSmtp2go([{ status: 500, json: { data: { error: 'boom' } } }]);
    const clock = fakeClock();
    const reports: unknown[] = [];
    const response = await smtp2goRequestWithRetry({
      apiUrl: fake.url,
      apiKey: API_KEY,
      path: '/email/send',
      body: {},
      timeoutMs: 60_000,
      clock,
      policy: { maxAttempts: 3 },
      onAttempt: (report) =>
        reports.push({
          attempt: report.attempt,
          status: report.response?.status,
          retryInMs: report.retryInMs,
          gaveUp: report.gaveUp,
        }),
    });
    expect(response.status).toBe(500);
    expect(clock.sleeps).toEqual([375, 750]);
    expect(reports).toEqual([
      { attempt: 1, status: 500, retryInMs: 375, gaveUp: null },
      { attempt: 2, status: 500, retryInMs: 750, gaveUp: null },
      { attempt: 3, status: 500, retryInMs: null, gaveUp: 'attempts' },
    ]);
  });

  it('does not wait past the overall timeout for a long Retry-After', async () => {
    fake = await startFakeSmtp2go([
      { status: 429, fixture: 'error-rate-limit.json', headers: { 'retry-after': '60' } },
    ]);
    const clock = fakeClock();
    const response = await smtp2goRequestWithRetry({
      apiUrl: fake.url,
      apiKey: API_KEY,
      path: '/email/send',
      body: {},
      timeoutMs: 5_000,
      clock,
    });
    expect(response.status).toBe(429);
    expect(clock.sleeps).toEqual([]);
    expect(fake.requests).toHaveLength(1);
  });

  it('never retries other 4xx', async () => {
    fake = await startFakeSmtp2go([
      { status: 400, fixture: 'error-validation.json' },
      { status: 200, fixture: 'send-ok.json' },
    ]);
    const response = await smtp2goRequestWithRetry({
      apiUrl: fake.url,
      apiKey: API_KEY,
      path: '/email/send',
      body: {},
      clock: fakeClock(),
    });
    expect(response.status).toBe(400);
    expect(fake.requests).toHaveLength(1);
  });
});
