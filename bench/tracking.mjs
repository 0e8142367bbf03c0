#!/usr/bin/env node
// First-party tracking under load (issue 15): the pixel route of the built listener against the bare
// node:http server in the same run, and webhook ingest with and without a concurrent pixel flood.
//
//   npm run build && node bench/tracking.mjs [--quick] [--concurrency 64] [--duration 10] [--rounds 3]
//     [--replies 2000] [--valid-share 0.5]
//
// Phases, all with bench/load.mjs and each server a child process (bench/server-process.mjs):
//   1. pixel requests/s, closed loop at --concurrency: bare (bench/floor-servers.mjs bare) and the built
//      `webhook serve --json`, alternated --rounds times, best round of each; a --valid-share of the
//      pixels carry a stored token and a mail client's user agent (each records an open through the group
//      commit), the rest random tokens (answered, nothing stored);
//   2. webhook ingest events/s alone (signed SMTP2Go events, a fresh notification id each);
//   3. the same ingest while a second load generator floods the pixel at --concurrency;
//   then the listener's RSS, and every acknowledged webhook event counted in the store.
// It prints its table; the figures go to BENCHMARKS.md by hand (--write / --no-write are accepted and ignored).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseBenchArgs } from './args.mjs';
import { runLoad } from './load.mjs';
import { seedSentReplies } from './seed-replies.mjs';
import { rssMb, startServer, stopServer } from './server-process.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'smtp2go-portal.js');
const FLOOR_SERVERS = join(ROOT, 'bench', 'floor-servers.mjs');
const dist = (path) => import(pathToFileURL(join(ROOT, 'dist', path)).href);
const THUNDERBIRD = 'Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.5.0';

function parseArgs(argv) {
  const quick = argv.includes('--quick');
  const defaults = {
    quick,
    concurrency: 64,
    durationS: quick ? 3 : 10,
    rounds: quick ? 1 : 3,
    replies: quick ? 500 : 2000,
    validShare: 0.5,
    write: false,
  };
  const o = parseBenchArgs(
    argv,
    defaults,
    {
      '--concurrency': ['concurrency', Number],
      '--duration': ['durationS', Number],
      '--rounds': ['rounds', Number],
      '--replies': ['replies', Number],
      '--valid-share': ['validShare', Number],
    },
    'tracking.mjs',
  );
  for (const key of ['concurrency', 'durationS', 'rounds', 'replies'])
    if (!(o[key] > 0)) throw new Error(`--${key} must be a positive number`);
  if (!(o.validShare >= 0 && o.validShare <= 1)) throw new Error('--valid-share is a fraction from 0 to 1');
  return o;
}

function childEnv(home) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(SMTP2GO_|SMTP_|PORTAL_)/.test(key)),
  );
  return { ...env, HOME: home, CI: '1', NO_COLOR: '1' };
}

/** A store with `replies` replies sent through the API (for webhook events) and an open token for each recipient. */
async function prepareStore(workDir, replies, secret) {
  const { openStore } = await dist('store/open-store.js');
  const { createTrackingTokens } = await dist('store/tracking-tokens.js');
  const db = join(workDir, 'tracking.db');
  const store = openStore(db);
  const tokens = [];
  const expiresAt = new Date(Date.now() + 180 * 86_400_000);
  const list = await seedSentReplies(store, replies, (reply, rcpt, now) => {
    for (const recipient of rcpt)
      tokens.push(
        ...createTrackingTokens(store, { replyId: reply.id, recipient, expiresAt, now }, [
          { kind: 'open', url: null },
        ]),
      );
  });
  store.close();
  // As a configured install: the secret and PORTAL_URL (whose path the tracking routes live under) in the store.
  execFileSync(
    process.execPath,
    [
      BIN,
      '--db',
      db,
      'configure',
      '--webhook-secret',
      secret,
      '--portal-url',
      'http://127.0.0.1:9/',
      '--json',
    ],
    { cwd: workDir, env: childEnv(workDir), stdio: 'ignore' },
  );
  return { db, replies: list, tokens };
}

/** Signed SMTP2Go events, a fresh notification id each, delivered/open/click in turn. */
function createEventFactory(replies, secret, signWebhookBody) {
  const prefix = randomBytes(8).toString('hex');
  const base = Date.now() - 3_600_000;
  const types = ['delivered', 'open', 'click'];
  return (index) => {
    const reply = replies[index % replies.length];
    const event = types[Math.floor(index / replies.length) % types.length];
    const fields = {
      id: `${prefix}${index.toString(16).padStart(16, '0')}`,
      email_id: reply.emailId,
      event,
      time: new Date(base + index).toISOString(),
      sender: 'help@example.com',
      rcpt: reply.rcpt[index % 2],
      'user-agent': THUNDERBIRD,
    };
    if (event === 'click') fields.url = `https://help.example.com/kb/${index % 50}`;
    const body = JSON.stringify(fields);
    return {
      headers: {
        'content-type': 'application/json',
        'x-smtp2go-signature': signWebhookBody(body, secret, Date.now() / 1000),
      },
      body,
    };
  };
}

/** A pixel GET: a stored token with a mail client's agent for `validShare` of them, else a random token. */
function createPixelFactory(tokens, validShare) {
  const every = validShare === 0 ? Infinity : Math.round(1 / validShare);
  return (index) => {
    const valid = every !== Infinity && index % every === 0;
    const token = valid ? tokens[index % tokens.length] : randomBytes(18).toString('base64url');
    return { method: 'GET', path: `/t/o/${token}.gif`, headers: { 'user-agent': THUNDERBIRD } };
  };
}

const originOf = (url) => new URL(url).origin;

async function main(o) {
  const { signWebhookBody } = await dist('webhook/sign.js');
  const { openStore } = await dist('store/open-store.js');
  const workDir = mkdtempSync(join(tmpdir(), 'smtp2go-bench-tracking-'));
  const log = (line) => process.stderr.write(`${line}\n`);
  const durationMs = o.durationS * 1000;
  const servers = [];
  try {
    const secret = `bench-${randomBytes(16).toString('hex')}`;
    const prepared = await prepareStore(workDir, o.replies, secret);
    const bare = await startServer('bare', [FLOOR_SERVERS, 'bare'], childEnv(workDir), workDir);
    servers.push(bare);
    const listener = await startServer(
      'listener',
      [BIN, '--db', prepared.db, 'webhook', 'serve', '--port', '0', '--json'],
      childEnv(workDir),
      workDir,
    );
    servers.push(listener);
    log(
      `tracking bench: built \`webhook serve\` vs bare node:http; concurrency ${o.concurrency}, ${o.durationS} s phases, ${o.rounds} round(s), ${Math.round(o.validShare * 100)}% valid pixel tokens, ${cpus().length} CPUs`,
    );
    const pixels = createPixelFactory(prepared.tokens, o.validShare);
    const best = { bare: null, listener: null };
    for (let round = 0; round < o.rounds; round += 1) {
      for (const [name, server] of [
        ['bare', bare],
        ['listener', listener],
      ]) {
        const result = await runLoad({
          url: `${originOf(server.url)}/`,
          makeRequest: pixels,
          concurrency: o.concurrency,
          durationMs,
          readBody: true,
        });
        log(
          `  pixel ${name} round ${round + 1}: ${result.perSecond} req/s, p99 ${result.p99} ms, statuses ${JSON.stringify(result.statuses)}`,
        );
        if (best[name] === null || result.perSecond > best[name].perSecond) best[name] = result;
      }
    }
    const makeEvent = createEventFactory(prepared.replies, secret, signWebhookBody);
    let next = 0;
    const events = (i) => makeEvent(next + i);
    const alone = await runLoad({
      url: listener.url,
      makeRequest: events,
      concurrency: o.concurrency,
      durationMs,
      readBody: true,
    });
    next += alone.sent;
    log(
      `  ingest alone: ${alone.perSecond} events/s, p99 ${alone.p99} ms, statuses ${JSON.stringify(alone.statuses)}`,
    );
    const [flooded, flood] = await Promise.all([
      runLoad({
        url: listener.url,
        makeRequest: events,
        concurrency: o.concurrency,
        durationMs,
        readBody: true,
      }),
      runLoad({
        url: `${originOf(listener.url)}/`,
        makeRequest: pixels,
        concurrency: o.concurrency,
        durationMs,
        readBody: true,
      }),
    ]);
    next += flooded.sent;
    log(
      `  ingest under a pixel flood: ${flooded.perSecond} events/s, p99 ${flooded.p99} ms, statuses ${JSON.stringify(flooded.statuses)}; flood ${flood.perSecond} pixels/s`,
    );
    const rss = rssMb(listener.child.pid);
    await stopServer(listener);
    servers.splice(servers.indexOf(listener), 1);
    const store = openStore(prepared.db, { readonly: true });
    const count = (sql) => store.prepare(sql).pluck().get();
    const webhookRows = count("SELECT COUNT(*) FROM email_tracking_events WHERE source IS NOT 'first_party'");
    const firstParty = count("SELECT COUNT(*) FROM email_tracking_events WHERE source = 'first_party'");
    store.close();
    const acked = alone.ok + flooded.ok;
    const rows = [
      ['pixel, bare node:http', `${best.bare.perSecond} req/s`, `p99 ${best.bare.p99} ms`],
      [
        'pixel, webhook serve',
        `${best.listener.perSecond} req/s`,
        `p99 ${best.listener.p99} ms, ${(best.listener.perSecond / best.bare.perSecond).toFixed(2)}x bare`,
      ],
      ['ingest alone', `${alone.perSecond} events/s`, `p99 ${alone.p99} ms`],
      [
        'ingest under pixel flood',
        `${flooded.perSecond} events/s`,
        `p99 ${flooded.p99} ms, ${(flooded.perSecond / alone.perSecond).toFixed(2)}x alone; flood ${flood.perSecond} pixels/s`,
      ],
      ['listener RSS after', `${rss} MB`, ''],
      [
        'webhook events stored',
        `${webhookRows} of ${acked} acknowledged`,
        `${firstParty} first-party opens stored`,
      ],
    ];
    console.log(rows.map((row) => `| ${row.join(' | ')} |`).join('\n'));
    if (webhookRows !== acked) {
      log(`tracking bench: ${acked} webhook events acknowledged but ${webhookRows} stored`);
      process.exitCode = 1;
    }
  } finally {
    for (const server of servers) await stopServer(server);
    rmSync(workDir, { recursive: true, force: true });
  }
}

main(parseArgs(process.argv.slice(2))).catch((error) => {
  console.error(`tracking bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
