#!/usr/bin/env node
// The dashboard's live stream under webhook load, in one run.
//
//   npm run build && node bench/dashboard.mjs [--quick] [--rate 1000] [--duration 10] [--rounds 2] [--concurrency 64]
//     [--clients 10] [--replies 2000] [--big-store <path>] [--write] [--no-write]
//
//   1. delivery latency: events POSTed at --rate per second (open loop) to the built CLI's
//      `webhook serve --dashboard`, one stream reader on the dashboard; for each event, the time from its 200
//      (read by the load generator) to the moment the stream brought it to the reader. Then the same against
//      a `dashboard` process of its own on the same store, which only polls (no nudge from the listener).
//   2. the listener's throughput, closed loop at --concurrency, in three alternated variants: `webhook serve`
//      alone, with `--dashboard` and no page open, and with --clients open streams each reading every event;
//      the best round of each counts. Every stream reader must end with every stored event.
//   3. with a big store (--big-store, default bench/stats.mjs's 1,000,000-event store when it exists): the
//      listener's /healthz latency, probed every 5 ms, while the portal page's three reads run against it.
// Servers are child processes (bench/server-process.mjs); the load generator and the stream readers run here.
// A full run writes its table into BENCHMARKS.md when it has a `dashboard` block; --quick only prints unless --write.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseBenchArgs } from './args.mjs';
import { writeBenchmarksSection } from './benchmarks-md.mjs';
import { runLoad } from './load.mjs';
import { sleep, startServer, stopServer } from './server-process.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'smtp2go-portal.js');
const dist = (path) => import(pathToFileURL(join(ROOT, 'dist', path)).href);

function parseArgs(argv) {
  const quick = argv.includes('--quick');
  const bigStore = join(tmpdir(), 'smtp2go-portal-bench', 'stats-1m.db');
  const defaults = {
    quick,
    rate: 1000,
    durationS: quick ? 3 : 10,
    rounds: quick ? 1 : 2,
    concurrency: 64,
    clients: 10,
    replies: 2000,
    bigStore: existsSync(bigStore) ? bigStore : null,
    write: !quick,
  };
  const o = parseBenchArgs(
    argv,
    defaults,
    {
      '--rate': ['rate', Number],
      '--duration': ['durationS', Number],
      '--rounds': ['rounds', Number],
      '--concurrency': ['concurrency', Number],
      '--clients': ['clients', Number],
      '--replies': ['replies', Number],
      '--big-store': ['bigStore', String],
    },
    'dashboard.mjs',
  );
  for (const key of ['rate', 'durationS', 'rounds', 'concurrency', 'clients', 'replies'])
    if (!(o[key] > 0)) throw new Error(`--${key} must be a positive number`);
  return o;
}

function childEnv(home) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(SMTP2GO_|SMTP_|PORTAL_)/.test(key)),
  );
  return { ...env, HOME: home, CI: '1', NO_COLOR: '1', TZ: 'UTC' };
}

/** A store with `replies` sent replies and a configured webhook secret, as a real install has. */
async function prepareStore(workDir, name, replies, secret) {
  const { openStore } = await dist('store/open-store.js');
  const { createReply } = await dist('store/replies.js');
  const { recordSmtp2goEmailId } = await dist('store/reply-sends.js');
  const db = join(workDir, `${name}.db`);
  const store = openStore(db);
  const emailIds = [];
  const now = new Date();
  store.transaction(() => {
    for (let i = 0; i < replies; i += 1) {
      const tracking = `dash-${name}-${i}`;
      const reply = createReply(
        store,
        {
          ticketId: 1000 + i,
          subject: `Re: ticket ${1000 + i}`,
          sender: 'help@example.com',
          trackingId: tracking,
          messageId: `<${tracking}@help.example.com>`,
          recipients: [{ email: `customer${i}@example.org`, displayName: null, role: 'to' }],
        },
        now,
      );
      const emailId = `1d${name}-${String(i).padStart(6, '0')}-BENCH`;
      recordSmtp2goEmailId(store, reply.id, emailId, now);
      emailIds.push(emailId);
    }
  })();
  store.close();
  execFileSync(process.execPath, [BIN, '--db', db, 'configure', '--webhook-secret', secret, '--json'], {
    cwd: workDir,
    env: childEnv(workDir),
    stdio: 'ignore',
  });
  return { db, emailIds };
}

/** `delivered` events, each with a recipient of its own (how the stream reader tells them apart), bearer-signed. */
function createEventFactory(emailIds, secret) {
  const prefix = randomBytes(6).toString('hex');
  return (index) => {
    const body = JSON.stringify({
      id: `${prefix}${index.toString(16).padStart(20, '0')}`,
      event: 'delivered',
      email_id: emailIds[index % emailIds.length],
      rcpt: `r${index}.${prefix}@example.org`,
      time: new Date().toISOString(),
      sender: 'help@example.com',
      host: 'mx.example.org [192.0.2.25]',
      message: '250 2.0.0 Ok: queued',
    });
    return { headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` }, body };
  };
}

/** One `/api/stream` reader: counts events and notes when each recipient arrived. */
function openStream(dashboardUrl, onEvent) {
  const url = new URL(dashboardUrl);
  const token = url.searchParams.get('token');
  const state = { events: 0, open: false, request: null };
  state.ready = new Promise((resolve, reject) => {
    state.request = httpRequest(
      new URL('/api/stream', url),
      { headers: { authorization: `Bearer ${token}` }, agent: false },
      (response) => {
        if (response.statusCode !== 200) return reject(new Error(`stream answered ${response.statusCode}`));
        state.open = true;
        resolve();
        let buffer = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          buffer += chunk;
          let end;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = block.split('\n').find((line) => line.startsWith('data: '));
            if (data === undefined || !block.includes('event: tracking')) continue;
            state.events += 1;
            onEvent?.(JSON.parse(data.slice(6)), performance.now());
          }
        });
      },
    );
    state.request.on('error', (error) => (state.open ? undefined : reject(error)));
    state.request.end();
  });
  state.close = () => state.request.destroy();
  return state;
}

function percentiles(values) {
  const sorted = Float64Array.from(values).sort();
  const at = (p) =>
    sorted.length === 0 ? null : Math.round(sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] * 10) / 10;
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
}

async function startListener(workDir, name, db, dashboard) {
  const args = [
    BIN,
    '--db',
    db,
    '--json',
    'webhook',
    'serve',
    '--port',
    '0',
    ...(dashboard ? ['--dashboard', '--dashboard-port', '0'] : []),
  ];
  const server = await startServer(name, args, childEnv(workDir), workDir);
  const ready = JSON.parse(readFileSync(server.outPath, 'utf8').split('\n')[0]);
  return { ...server, dashboardUrl: ready.dashboard_url ?? null };
}

/** Phase 1: POST answered → event shown on the stream, at a fixed rate. */
async function latency(o, store, workDir, secret, standalone) {
  const listener = await startListener(
    workDir,
    standalone ? 'listener-plain' : 'listener-dash',
    store.db,
    !standalone,
  );
  const page = standalone
    ? await startServer(
        'dashboard',
        [BIN, '--db', store.db, '--json', 'dashboard', '--port', '0'],
        childEnv(workDir),
        workDir,
      )
    : null;
  const dashboardUrl = page?.url ?? listener.dashboardUrl;
  const answered = new Map();
  const shown = new Map();
  const stream = openStream(dashboardUrl, (event, at) => shown.set(event.recipient, at));
  await stream.ready;
  const makeRequest = createEventFactory(store.emailIds, secret);
  const recipients = [];
  const load = await runLoad({
    url: listener.url,
    rate: o.rate,
    durationMs: o.durationS * 1000,
    concurrency: 64,
    makeRequest: (index) => {
      const request = makeRequest(index);
      recipients[index] = JSON.parse(request.body).rcpt;
      return request;
    },
    onResponse: (status, _body, index) => {
      if (status === 200) answered.set(recipients[index], performance.now());
    },
  });
  const deadline = Date.now() + 5000;
  while (shown.size < answered.size && Date.now() < deadline) await sleep(20);
  const delays = [];
  for (const [recipient, at] of answered) if (shown.has(recipient)) delays.push(shown.get(recipient) - at);
  stream.close();
  if (page !== null) await stopServer(page);
  await stopServer(listener);
  return {
    mode: standalone ? '`dashboard` process (polls every 200 ms)' : '`webhook serve --dashboard`',
    rate: load.perSecond,
    answered: answered.size,
    missing: answered.size - delays.length,
    ...percentiles(delays),
  };
}

/** Phase 2: closed-loop events/s of one listener variant; `clients` stream readers read along. */
async function throughput(o, store, workDir, secret, variant) {
  const listener = await startListener(workDir, `listener-${variant.name}`, store.db, variant.dashboard);
  const streams = [];
  for (let i = 0; i < variant.clients; i += 1) streams.push(openStream(listener.dashboardUrl));
  await Promise.all(streams.map((s) => s.ready));
  const makeRequest = createEventFactory(store.emailIds, secret);
  let stored = 0;
  const load = await runLoad({
    url: listener.url,
    concurrency: o.concurrency,
    durationMs: o.durationS * 1000,
    makeRequest,
    onResponse: (status, body) => (stored += status === 200 ? JSON.parse(body).stored : 0),
  });
  const deadline = Date.now() + 10_000;
  while (streams.some((s) => s.events < stored) && Date.now() < deadline) await sleep(20);
  const behind = streams.filter((s) => s.events < stored).length;
  for (const s of streams) s.close();
  await stopServer(listener);
  return { eventsPerSecond: load.perSecond, p99: load.p99, stored, behind };
}

/** Phase 3: how long the listener takes to answer while the portal page reads a big store. */
async function stall(o, workDir) {
  const listener = await startListener(workDir, 'listener-big', o.bigStore, true);
  const dashboard = new URL(listener.dashboardUrl);
  const headers = { authorization: `Bearer ${dashboard.searchParams.get('token')}` };
  const health = new URL('/healthz', listener.url);
  const probes = [];
  let stop = false;
  const probing = (async () => {
    while (!stop) {
      const started = performance.now();
      await (await fetch(health)).text();
      probes.push(performance.now() - started);
      await sleep(5);
    }
  })();
  const reads = {};
  for (const path of ['/api/summary?by=day', '/api/summary?by=domain', '/api/activity']) {
    const started = performance.now();
    const response = await fetch(new URL(path, dashboard), { headers });
    await response.text();
    if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
    reads[path] = Math.round(performance.now() - started);
  }
  stop = true;
  await probing;
  await stopServer(listener);
  return { reads, probes: percentiles(probes) };
}

async function main(o) {
  const workDir = mkdtempSync(join(tmpdir(), 'smtp2go-portal-dashboard-bench-'));
  const secret = randomBytes(24).toString('base64url');
  const log = (line) => process.stderr.write(`${line}\n`);
  try {
    const result = { options: o, cpus: cpus().length, latency: [], throughput: {} };
    for (const standalone of [false, true]) {
      const store = await prepareStore(
        workDir,
        standalone ? 'lat-standalone' : 'lat-listener',
        o.replies,
        secret,
      );
      const row = await latency(o, store, workDir, secret, standalone);
      log(`latency ${row.mode}: ${JSON.stringify(row)}`);
      result.latency.push(row);
    }
    const variants = [
      { name: 'plain', label: '`webhook serve`', dashboard: false, clients: 0 },
      { name: 'dash0', label: '`webhook serve --dashboard`, no page open', dashboard: true, clients: 0 },
      {
        name: `dash${o.clients}`,
        label: `\`webhook serve --dashboard\`, ${o.clients} open streams`,
        dashboard: true,
        clients: o.clients,
      },
    ];
    for (let round = 1; round <= o.rounds; round += 1) {
      for (const variant of variants) {
        const store = await prepareStore(workDir, `${variant.name}-${round}`, o.replies, secret);
        const row = await throughput(o, store, workDir, secret, variant);
        log(`round ${round} ${variant.label}: ${JSON.stringify(row)}`);
        const best = result.throughput[variant.label];
        if (best === undefined || row.eventsPerSecond > best.eventsPerSecond)
          result.throughput[variant.label] = {
            ...row,
            rounds: [...(best?.rounds ?? []), row.eventsPerSecond],
          };
        else best.rounds.push(row.eventsPerSecond);
      }
    }
    if (o.bigStore !== null) {
      result.stall = await stall(o, workDir);
      log(`big store: ${JSON.stringify(result.stall)}`);
    }
    const table = render(result);
    console.log(table);
    if (o.write) {
      try {
        writeBenchmarksSection(ROOT, 'dashboard', table);
      } catch (error) {
        log(`not written: ${error.message}`);
      }
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

function render(r) {
  const o = r.options;
  const lines = [
    `Live stream delivery, ${o.rate} events/s open loop for ${o.durationS} s, one stream reader: ms from the POST's 200 to the event on the stream (${r.cpus} CPUs).`,
    '',
    '| served by | events/s | answered | missing | p50 ms | p95 ms | p99 ms | max ms |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.latency.map(
      (l) =>
        `| ${l.mode} | ${l.rate} | ${l.answered} | ${l.missing} | ${l.p50} | ${l.p95} | ${l.p99} | ${l.max} |`,
    ),
    '',
    `Listener throughput, closed loop at concurrency ${o.concurrency}, ${o.durationS} s, best of ${o.rounds} alternated round(s); every stream reader must get every stored event.`,
    '',
    '| listener | events/s (best) | p99 ms (best round) | rounds, events/s | streams behind at the end |',
    '| --- | --- | --- | --- | --- |',
    ...Object.entries(r.throughput).map(
      ([label, t]) => `| ${label} | ${t.eventsPerSecond} | ${t.p99} | ${t.rounds.join(', ')} | ${t.behind} |`,
    ),
  ];
  if (r.stall !== undefined) {
    lines.push(
      '',
      `The portal page on ${o.bigStore} under \`webhook serve --dashboard\` (reads on the dashboard's data thread): ms per read, and the listener's \`/healthz\` meanwhile.`,
      '',
      '| by day | by domain | activity (counts built) | /healthz probes | p50 ms | p99 ms | max ms |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      `| ${r.stall.reads['/api/summary?by=day']} | ${r.stall.reads['/api/summary?by=domain']} | ${r.stall.reads['/api/activity']} | ${r.stall.probes.count} | ${r.stall.probes.p50} | ${r.stall.probes.p99} | ${r.stall.probes.max} |`,
    );
  }
  return lines.join('\n');
}

main(parseArgs(process.argv.slice(2))).catch((error) => {
  process.stderr.write(`dashboard bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
