import { describe, expect, it } from 'vitest';
import { useTempDir } from '../helpers/temp-dir.js';
import { count, fixture, useListeners } from './listener-harness.js';

const tempDir = useTempDir();
const listen = useListeners();

describe('webhook listener: graceful close', () => {
  it('finishes in-flight requests (committed, then answered), then stops accepting', async () => {
    const { store, post, server } = await listen(tempDir(), { groupCommit: { windowMs: 150 } });
    const inFlight = post(fixture('delivered.live.json'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closing = server.close();
    const answer = await inFlight;
    await closing;
    expect(answer).toMatchObject({ status: 200, body: { stored: 1 }, headers: { connection: 'close' } });
    expect(count(store)).toBe(1);
    await expect(post(fixture('open.docs.json'))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await server.close();
  });

  it('cuts connections that outlive the grace period', async () => {
    const { server } = await listen(tempDir(), { timeouts: { closeGraceMs: 100, bodyIdleMs: 60_000 } });
    const { request } = await import('node:http');
    const stuck = request(server.url, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': 50 },
    });
    const ended = new Promise((resolve) => stuck.on('error', resolve).on('close', resolve));
    stuck.write('{');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await server.close();
    await ended;
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
