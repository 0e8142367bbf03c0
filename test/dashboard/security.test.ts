import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { useTempDir } from '../helpers/temp-dir.js';
import { bearer, get, readStream, startTestDashboard, type TestDashboard } from './harness.js';

const tempDir = useTempDir();
let dashboard: TestDashboard | null = null;
afterEach(async () => {
  await dashboard?.close();
  dashboard = null;
});

async function start(options: Parameters<typeof startTestDashboard>[1] = {}): Promise<TestDashboard> {
  dashboard = await startTestDashboard(tempDir(), options);
  return dashboard;
}

const ROUTES = [
  '/',
  '/replies',
  '/replies/1',
  '/summary',
  '/static/app.js',
  '/static/vendor/uplot.js',
  '/api/replies',
  '/api/replies/1',
  '/api/summary',
  '/api/activity',
  '/api/events',
  '/api/stream',
  '/nope',
  '/api/nope',
];

describe('dashboard security', () => {
  it('answers 401 on every route without the token, with the security headers, and 404 on unknown paths after it', async () => {
    const { origin, server } = await start();
    for (const path of ROUTES) {
      const answer = await get(origin, path);
      expect(answer.status, path).toBe(401);
      expect(answer.headers['content-security-policy'], path).toContain("default-src 'none'");
      expect(answer.headers['referrer-policy'], path).toBe('no-referrer');
      expect(answer.headers['x-frame-options'], path).toBe('DENY');
      expect(answer.body, path).not.toContain(server.token);
    }
    expect((await get(origin, '/api/replies', bearer('wrong-token'))).status).toBe(401);
    expect((await get(origin, '/?token=wrong-token')).status).toBe(401);
    expect((await get(origin, '/nope', bearer())).status).toBe(404);
    expect((await get(origin, '/api/nope', bearer())).status).toBe(404);
    expect((await get(origin, '/static/../package.json', bearer())).status).toBe(404);
    expect((await get(origin, '/static/index.html', bearer())).status).toBe(404);
  });

  it('swaps the printed token for an HttpOnly SameSite=Strict cookie named by port, and drops it from the address', async () => {
    const { origin, server } = await start();
    expect(server.url).toBe(`${origin}/?token=${server.token}`);
    const exchange = await get(origin, `/summary?since=7d&token=${server.token}`);
    expect(exchange.status).toBe(303);
    expect(exchange.headers.location).toBe('/summary?since=7d');
    const port = new URL(origin).port;
    const cookie = exchange.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toMatch(
      new RegExp(`^smtp2go_portal_dashboard_${port}=${server.token}; HttpOnly; SameSite=Strict; Path=/$`),
    );
    const jar = { cookie: cookie.split(';')[0] as string };
    expect((await get(origin, '/summary', jar)).status).toBe(200);
    expect((await get(origin, '/api/summary', jar)).status).toBe(200);
    expect(
      (await get(origin, '/api/summary', { cookie: `smtp2go_portal_dashboard_${port}=nope` })).status,
    ).toBe(401);
    // A script's wrong Authorization header is not rescued by a cookie.
    expect((await get(origin, '/api/summary', { ...jar, ...bearer('wrong') })).status).toBe(401);
    expect((await get(origin, '/api/summary', bearer())).status).toBe(200);
  });

  it('refuses Host names that DNS rebinding could point here, even with the token', async () => {
    const { origin } = await start();
    const port = new URL(origin).port;
    for (const host of [
      `evil.example:${port}`,
      'evil.example',
      `127.0.0.1.evil.example:${port}`,
      `localhost.evil.example:${port}`,
    ]) {
      const answer = await get(origin, '/api/replies', { ...bearer(), host });
      expect(answer.status, host).toBe(403);
    }
    // HTTP/1.0 without a Host header at all.
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.end('GET /api/replies HTTP/1.0\r\nAuthorization: Bearer test-token-0123456789\r\n\r\n'),
      );
      let text = '';
      socket
        .on('data', (chunk) => (text += chunk.toString()))
        .on('end', () => resolve(text))
        .on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 403 /);
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `app.localhost:${port}`,
      `[::1]:${port}`,
      `10.0.0.5:${port}`,
    ]) {
      expect((await get(origin, '/api/replies', { ...bearer(), host })).status, host).toBe(200);
    }
  });

  it('refuses another origin on every API and stream route, cookie or not, and lets the same origin and scripts in', async () => {
    const { origin, host } = await start();
    for (const path of ['/api/replies', '/api/summary', '/api/events', '/api/replies/1', '/api/stream']) {
      for (const headers of [
        { origin: 'http://evil.example' } as Record<string, string>,
        { origin: 'http://127.0.0.1:1' },
        { origin: 'null' },
        { 'sec-fetch-site': 'cross-site' },
        { 'sec-fetch-site': 'same-site' },
      ]) {
        const answer = await get(origin, path, { ...bearer(), ...headers });
        expect(answer.status, `${path} ${JSON.stringify(headers)}`).toBe(403);
        expect(answer.headers['access-control-allow-origin']).toBeUndefined();
      }
    }
    expect(
      (
        await get(origin, '/api/summary', {
          ...bearer(),
          origin: `http://${host}`,
          'sec-fetch-site': 'same-origin',
        })
      ).status,
    ).toBe(200);
    const stream = await readStream(
      origin,
      '/api/stream',
      { ...bearer(), origin: `http://${host}` },
      () => true,
    );
    expect(stream.status).toBe(200);
  });

  it('is read-only: every method but GET and HEAD is 405, and HEAD sends no body', async () => {
    const { origin } = await start();
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const answer = await get(origin, '/api/replies', bearer(), method);
      expect(answer.status, method).toBe(405);
      expect(answer.headers.allow).toBe('GET, HEAD');
    }
    const head = await get(origin, '/api/summary', bearer(), 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('serves a CSP with no inline script, no inline style and no other origin, and a page with no inline script', async () => {
    const { origin } = await start();
    const page = await get(origin, '/', bearer());
    expect(page.status).toBe(200);
    const csp = page.headers['content-security-policy'] as string;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    for (const script of page.body.match(/<script\b[^>]*>/g) ?? [])
      expect(script).toMatch(/\bsrc="\/static\//);
    expect(page.body).not.toMatch(/<script\b[^>]*>[^<]+<\/script>|\son[a-z]+=|\sstyle=|https?:\/\//i);
    for (const path of [
      '/static/app.js',
      '/static/dom.js',
      '/static/live.js',
      '/static/reply.js',
      '/static/replies.js',
      '/static/summary.js',
    ]) {
      const file = await get(origin, path, bearer());
      expect(file.headers['content-type'], path).toBe('text/javascript; charset=utf-8');
      // Text from webhooks reaches the DOM only as text.
      expect(file.body, path).not.toMatch(
        /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/,
      );
    }
  });
});
