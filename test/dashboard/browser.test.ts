// The dashboard as a person uses it: the built CLI's `webhook serve --dashboard` in a child process, Debian's
// Chromium driven by playwright-core, one browser for the whole file and a fresh context (cookie jar) per test.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { WEBHOOK_SECRET } from '../helpers/constants.js';
import { BIN } from '../helpers/run-binary.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { launchChromium } from '../helpers/chromium.js';
import { LIVE_EMAIL_ID, LIVE_RECIPIENT, seedHistory, seedHostileReply } from './browser-seed.js';

// page.evaluate callbacks run in the browser. The project compiles without the DOM library, so the few
// browser names they use are declared for this file only.
interface Canvas {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  };
}
interface AxeResult {
  violations: Array<{ id: string; impact: string | null; nodes: unknown[] }>;
}
declare const window: { __pwned?: unknown; axe: { run(context: unknown): Promise<AxeResult> } };
declare const document: {
  querySelectorAll<T = { href: string }>(selector: string): Iterable<T> & { length: number };
  querySelector(selector: string): { textContent: string | null } | null;
};
declare const location: { href: string };

// `npm run screenshots` points this at docs/screenshots; otherwise they go to a temp folder.
const SHOTS = resolve(process.env.DASHBOARD_SCREENSHOTS ?? join(tmpdir(), 'smtp2go-portal-screenshots'));
// One store for the whole file: useTempDir would delete its folder after the first test, under the running
// listener, which then rightly answers 503 (the store file is gone).
let dir = '';

let child: ChildProcess;
let browser: Browser;
let webhookUrl = '';
let dashboardUrl = '';
let hostileReplyId = 0;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'smtp2go-dashboard-'));
  const db = join(dir, 'portal.db');
  const store = openStore(db);
  seedHistory(store, new Date());
  hostileReplyId = seedHostileReply(store, new Date());
  store.close();
  child = spawn(
    process.execPath,
    [BIN, '--db', db, '--json', 'webhook', 'serve', '--port', '0', '--dashboard', '--dashboard-port', '0'],
    {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: dir,
        CI: '1',
        TZ: 'UTC',
        SMTP2GO_WEBHOOK_SECRET: WEBHOOK_SECRET,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const ready = await new Promise<{ url: string; dashboard_url: string }>((resolveReady, reject) => {
    child.once('exit', (code) => reject(new Error(`webhook serve exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const record = JSON.parse(line) as { type: string; url: string; dashboard_url: string };
      if (record.type === 'ready') resolveReady(record);
    });
  });
  [webhookUrl, dashboardUrl] = [ready.url, ready.dashboard_url];
  browser = await launchChromium();
  mkdirSync(SHOTS, { recursive: true });
}, 30_000);

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  child?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh browser profile's tab that records every console error and uncaught exception. */
async function openPage(): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  contexts.push(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  // Opening the printed URL swaps its token for the cookie and lands on the live view without it.
  await page.goto(dashboardUrl);
  expect(page.url()).toBe(new URL('/', dashboardUrl).href);
  return { page, errors };
}

async function postWebhook(event: Record<string, unknown>): Promise<void> {
  const response = await fetch(webhookUrl, {
    method: 'POST',
    headers: { authorization: `Bearer ${WEBHOOK_SECRET}`, 'content-type': 'application/json' },
    body: JSON.stringify(event),
  });
  expect(response.status).toBe(200);
}

describe('dashboard in Chromium', () => {
  it('shows a webhook on the live view within a second of its 200, then the reply it belongs to: timeline and recipients', async () => {
    const { page, errors } = await openPage();
    await expect.poll(() => page.locator('#stream-status').textContent()).toBe('Live');
    const id = `live${Date.now().toString(16).padStart(28, '0')}`;
    await postWebhook({
      event: 'delivered',
      email_id: LIVE_EMAIL_ID,
      rcpt: LIVE_RECIPIENT,
      time: new Date().toISOString(),
      id,
      message: '250 2.0.0 Ok: queued',
    });
    const answered = Date.now();
    const row = page.locator('#live-rows tr[data-type="delivered"]', { hasText: LIVE_RECIPIENT }).first();
    await row.waitFor({ timeout: 1000 });
    const shownMs = Date.now() - answered;
    expect(shownMs).toBeLessThan(1000);
    console.info(`[live] shown ${shownMs} ms after the 200`);
    await page.screenshot({ path: join(SHOTS, 'live.png') });

    await row.getByRole('link').click();
    await page.waitForURL(/\/replies\/\d+$/);
    const timeline = page.locator('#timeline li');
    await expect.poll(() => timeline.count()).toBeGreaterThanOrEqual(3);
    expect(await timeline.last().textContent()).toContain('delivered');
    const recipients = page.locator('table.recipients tbody tr');
    expect(await recipients.count()).toBe(2);
    expect(await recipients.filter({ hasText: LIVE_RECIPIENT }).textContent()).toContain('delivered');
    expect(await page.locator('#permalink').getAttribute('href')).toMatch(/^\/replies\/\d+$/);
    await page.screenshot({ path: join(SHOTS, 'reply.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('marks a retried notification as a duplicate, filters by type, and holds events while paused', async () => {
    const { page, errors } = await openPage();
    await expect.poll(() => page.locator('#stream-status').textContent()).toBe('Live');
    const event = {
      event: 'open',
      email_id: LIVE_EMAIL_ID,
      rcpt: 'manager@example.org',
      time: new Date().toISOString(),
      id: `dup${Date.now().toString(16).padStart(29, '0')}`,
    };
    await postWebhook(event);
    await postWebhook(event);
    const rows = page.locator('#live-rows tr[data-type="open"]', { hasText: 'manager@example.org' });
    await rows.nth(1).waitFor({ timeout: 1000 });
    expect(await rows.first().getAttribute('class')).toBe('duplicate');
    expect(await rows.first().locator('td').last().textContent()).toBe('duplicate');
    expect(await rows.nth(1).getAttribute('data-id')).toMatch(/^\d+$/);

    await page.locator('#type-filter').selectOption('open');
    expect(await page.locator('#live-rows tr[data-type="processed"]').first().isHidden()).toBe(true);
    expect(await rows.first().isVisible()).toBe(true);
    await page.locator('#type-filter').selectOption('');

    await page.getByRole('button', { name: 'Pause' }).click();
    expect(await page.locator('#pause').getAttribute('aria-pressed')).toBe('true');
    await postWebhook({
      ...event,
      event: 'click',
      url: 'https://help.example.com/kb/7',
      id: `pause${Date.now().toString(16).padStart(27, '0')}`,
    });
    await expect.poll(() => page.locator('#stream-status').textContent()).toBe('Paused: 1 new');
    expect(
      await page.locator('#live-rows tr[data-type="click"]', { hasText: 'manager@example.org' }).count(),
    ).toBe(0);
    await page.getByRole('button', { name: 'Resume' }).click();
    expect(
      await page.locator('#live-rows tr[data-type="click"]', { hasText: 'manager@example.org' }).count(),
    ).toBe(1);
    expect(errors).toEqual([]);
  });

  it('draws the portal charts and lists and searches replies', async () => {
    const { page, errors } = await openPage();
    await page.getByRole('link', { name: 'Portal' }).click();
    await page.waitForURL(/\/summary$/);
    await page.locator('[data-drawn]').nth(2).waitFor({ timeout: 10_000 });
    // Each chart's canvas holds pixels of its first series' colour: lines were drawn, not only axes.
    const seriesPixels = await page.evaluate(() =>
      [...document.querySelectorAll<Canvas>('.plot canvas')].map((canvas) => {
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let count = 0;
        for (let i = 0; i < data.length; i += 4)
          if (
            Math.abs(data[i]! - 0x1f) < 24 &&
            Math.abs(data[i + 1]! - 0x5f) < 24 &&
            Math.abs(data[i + 2]! - 0x99) < 24
          )
            count += 1;
        return count;
      }),
    );
    expect(seriesPixels).toHaveLength(3);
    for (const count of seriesPixels) expect(count).toBeGreaterThan(50);
    expect(
      await page.locator('section', { hasText: 'Top bounce reasons' }).locator('tbody tr').count(),
    ).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'summary.png'), fullPage: true });

    await page.getByRole('link', { name: 'Replies' }).click();
    await page.locator('#reply-results table').waitFor();
    await page.locator('#search-text').fill('gmail.test');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/recipient=gmail\.test/);
    const rows = page.locator('#reply-results tbody tr');
    await rows.first().waitFor();
    for (const text of await rows.allTextContents()) expect(text).toContain('gmail.test');
    await page.screenshot({ path: join(SHOTS, 'replies.png') });
    expect(errors).toEqual([]);
  });

  it('runs nothing from webhook fields carrying markup and script, and links to no javascript: URL', async () => {
    const { page, errors } = await openPage();
    await expect.poll(() => page.locator('#stream-status').textContent()).toBe('Live');
    const hostile = {
      email_id: 'hostile-email-0001',
      rcpt: '"<img src=x onerror=window.__pwned=1>"@evil.test',
      time: new Date().toISOString(),
    };
    await postWebhook({
      ...hostile,
      event: 'bounce',
      bounce: 'hard',
      id: 'h1',
      message: '550 <script>window.__pwned=2</script><img src=x onerror=window.__pwned=3>',
    });
    await postWebhook({
      ...hostile,
      event: 'click',
      id: 'h2',
      url: 'javascript:window.__pwned=4',
      'user-agent': '<svg onload=window.__pwned=5>',
    });
    await postWebhook({ ...hostile, event: '<img src=x onerror=window.__pwned=6>', id: 'h3' });
    await page.locator('#live-rows tr', { hasText: '@evil.test' }).nth(2).waitFor({ timeout: 2000 });
    const views = ['/', `/replies/${hostileReplyId}`, '/replies?recipient=evil.test', '/summary?since='];
    for (const view of views) {
      if (view !== '/') await page.goto(new URL(view, dashboardUrl).href);
      await page.locator('main table, main ol').first().waitFor();
      const found = await page.evaluate(() => ({
        pwned: window.__pwned ?? null,
        scriptLinks: [...document.querySelectorAll('a')]
          .filter((a) => !/^https?:$/.test(new URL(a.href, location.href).protocol))
          .map((a) => a.href),
        injected: document.querySelectorAll(
          'main img, main script, main svg, main iframe, [onerror], [onload]',
        ).length,
        text: document.querySelector('main')!.textContent,
      }));
      expect(found, view).toMatchObject({ pwned: null, scriptLinks: [], injected: 0 });
      expect(found.text, view).toContain('<img src=x onerror=window.__pwned=');
    }
    await page.goto(new URL(`/replies/${hostileReplyId}`, dashboardUrl).href);
    await page.locator('#timeline').waitFor();
    expect(await page.locator('#timeline').textContent()).toContain('javascript:window.__pwned=4');
    expect(errors).toEqual([]);
  });

  it('has no serious or critical accessibility violation on any view (axe-core)', async () => {
    const { page, errors } = await openPage();
    const axe = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    const report: Record<string, string[]> = {};
    for (const [view, ready] of [
      ['/', '#live-rows tr'],
      ['/replies', '#reply-results table'],
      [`/replies/${hostileReplyId}`, '#timeline'],
      ['/summary', '[data-drawn]'],
    ] as const) {
      await page.goto(new URL(view, dashboardUrl).href);
      await page.locator(ready).first().waitFor();
      // Evaluated through the DevTools protocol, which the page's CSP does not govern (an injected <script> would be refused).
      await page.evaluate(axe);
      const violations = await page.evaluate(async () => {
        const result = await window.axe.run(document);
        return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
      });
      report[view] = violations.map((v) => `${v.impact}:${v.id}(${v.nodes})`);
      expect(
        violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'),
        view,
      ).toEqual([]);
    }
    console.info(`[axe] ${JSON.stringify(report)}`);
    expect(errors).toEqual([]);
  });
});
