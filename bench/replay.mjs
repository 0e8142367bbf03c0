#!/usr/bin/env node
// `webhook replay` at scale: 100,000 stored events replayed into a real local listener, with flat memory,
// at a rate set by the listener rather than by the tool.
//
//   npm run build && node bench/replay.mjs [--quick] [--events 100000] [--concurrency 32] [--rate 2000]
//     [--write] [--no-write]
//
// Phases, each replaying through runWebhookReplay from the build (dist/), the code the command runs:
//   1. seed: a source store gets --events events through the real ingest (ingestEvents);
//   2. ceiling: --from-store into a bare node:http sink (bench/floor-servers.mjs bare: reads the body, answers 200), so the
//      tool's own cost is all there is;
//   3. listener: --from-store into the built `webhook serve --json` on a fresh store (child process; a
//      startWebhookServer child when the command is not built), hmac-signed; the replaying process samples
//      its heap and RSS every 100 ms and its live heap after a full GC at every tenth of the events; at the
//      end the listener's store must hold every event exactly once;
//   4. the same listener (fresh store) under bench/load.mjs at the same concurrency with as many signed
//      events, just before and just after phase 3, to compare phase 3 with on the same machine load;
//   5. rate: a JSON-array file (streamed) replayed into the sink at --rate, achieved rate measured;
//   6. local: --from-store without --to into the source store itself (every event a duplicate).
// A full run writes its table into BENCHMARKS.md (`## webhook replay`); --quick (10,000 events, under a minute) only prints
// unless --write.
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseBenchArgs } from './args.mjs';
import { writeBenchmarksSection } from './benchmarks-md.mjs';
import { runLoad } from './load.mjs';
import { cpuMs, startServer, stopServer } from './server-process.mjs';

// A collection before each phase, so "heap before" is the live heap, not the previous phase's garbage.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SELF = fileURLToPath(import.meta.url);
const BIN = join(ROOT, 'bin', 'smtp2go-portal.js');
const FLOOR_SERVERS = join(ROOT, 'bench', 'floor-servers.mjs');
const SECRET = `bench-${randomBytes(16).toString('hex')}`;
const dist = (path) => import(pathToFileURL(join(ROOT, 'dist', path)).href);
const log = (text) => process.stderr.write(`${text}\n`);

function parseArgs(argv) {
  const quick = argv.includes('--quick');
  const defaults = {
    quick,
    events: quick ? 10_000 : 100_000,
    concurrency: 32,
    rate: 2000,
    rateSeconds: quick ? 2 : 5,
    write: !quick,
    child: null,
    db: null,
  };
  const o = parseBenchArgs(
    argv,
    defaults,
    {
      '--events': ['events', Number],
      '--concurrency': ['concurrency', Number],
      '--rate': ['rate', Number],
      '--child': ['child', String],
      '--db': ['db', String],
    },
    'replay.mjs',
  );
  for (const key of ['events', 'concurrency', 'rate'])
    if (!(o[key] > 0)) throw new Error(`--${key} must be a positive number`);
  return o;
}

// ---------------------------------------------------------------- children

async function listenerChild(db) {
  const [{ openStore }, { startWebhookServer }] = await Promise.all([
    dist('store/open-store.js'),
    dist('webhook/server.js'),
  ]);
  const store = openStore(db);
  const server = await startWebhookServer({ store, secrets: [process.env.BENCH_REPLAY_SECRET], port: 0 });
  console.log(JSON.stringify({ type: 'ready', url: server.url }));
  process.once('SIGTERM', async () => {
    await server.close();
    store.close();
    process.exit(0);
  });
}

/** The listener as an operator runs it: the built `webhook serve --json`, its secret from the environment. */
function listenerArgs(db) {
  return existsSync(join(ROOT, 'dist', 'cli', 'commands', 'webhook', 'serve', 'index.js'))
    ? [BIN, '--db', db, 'webhook', 'serve', '--port', '0', '--json']
    : [SELF, '--child', 'listener', '--db', db];
}

/** A child server with this benchmark's environment: no SMTP2Go settings, the listener's secret set. */
function startChild(name, args, workDir) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(SMTP2GO_|SMTP_|PORTAL_)/.test(key)),
  );
  return startServer(
    name,
    args,
    {
      ...env,
      HOME: workDir,
      CI: '1',
      NO_COLOR: '1',
      BENCH_REPLAY_SECRET: SECRET,
      SMTP2GO_WEBHOOK_SECRET: SECRET,
    },
    workDir,
  );
}

// ---------------------------------------------------------------- phases

function eventFields(index) {
  const types = ['delivered', 'open', 'click', 'processed', 'bounce'];
  const type = types[index % types.length];
  const fields = {
    id: randomBytes(16).toString('hex'),
    event: type,
    email_id: `1bench-${Math.floor(index / 5)}`,
    time: new Date(Date.parse('2026-11-01T00:00:00Z') + index * 1000).toISOString(),
    sender: 'help@desk.example',
    host: 'mx.example.net [192.0.2.1]',
    message: '250 2.0.0 Ok: queued',
  };
  if (type === 'processed') fields.recipients = [`user${index % 997}@example.com`];
  else fields.rcpt = `user${index % 997}@example.com`;
  if (type === 'click') fields.url = 'https://help.example.com/kb/reset-password';
  if (type === 'bounce') fields.bounce = 'soft';
  return fields;
}

async function seed(db, events) {
  const [{ openStore }, { ingestEvents }, { parseWebhookBody }] = await Promise.all([
    dist('store/open-store.js'),
    dist('store/ingest-events.js'),
    dist('webhook/parse-body.js'),
  ]);
  const store = openStore(db);
  const now = new Date();
  for (let start = 0; start < events; start += 5000) {
    const batch = [];
    for (let index = start; index < Math.min(events, start + 5000); index += 1)
      batch.push(...parseWebhookBody(JSON.stringify(eventFields(index)), 'application/json', now).events);
    store.transaction(() => ingestEvents(store, batch, { receivedAt: now, source: 'webhook' }))();
  }
  store.close();
}

/** One replay through the operation, with memory sampled every 100 ms and CPU measured for this process. */
async function replay(options, store, expected = null) {
  const { runWebhookReplay } = await dist('operations/webhook-replay.js');
  const samples = [];
  // With `expected`, a full collection at every tenth of the events and the live heap after it: growth
  // there is a leak, whereas the 100 ms samples also count garbage not yet collected.
  const live = [];
  const checkpoint = (matched) => {
    if (expected === null || matched < ((live.length + 1) * expected) / 10) return;
    gc();
    live.push(process.memoryUsage().heapUsed);
  };
  const sample = (progress) =>
    samples.push({
      at: performance.now(),
      done: progress?.summary?.matched ?? null,
      heap: process.memoryUsage().heapUsed,
      rss: process.memoryUsage().rss,
    });
  gc();
  sample();
  let last = null;
  const timer = setInterval(() => sample(last), 100);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await runWebhookReplay(
    { filter: {}, ratePerSecond: null, concurrency: 8, dryRun: false, collectEvents: false, ...options },
    {
      store,
      now: () => new Date(),
      onProgress: (progress) => ((last = progress), checkpoint(progress.summary.matched)),
    },
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  clearInterval(timer);
  sample(last);
  return {
    result,
    seconds,
    rate: result.summary.matched / seconds,
    cpu: (used.user + used.system) / 1e6 / seconds,
    samples,
    live,
  };
}

function memory(samples) {
  const mb = (bytes) => Math.round(bytes / 1048576);
  const peak = (key) => mb(Math.max(...samples.map((s) => s[key])));
  const withDone = samples.filter((s) => s.done !== null && s.done > 0);
  const at = (fraction) => {
    const target = (withDone.at(-1)?.done ?? 0) * fraction;
    return mb((withDone.find((s) => s.done >= target) ?? withDone.at(-1) ?? samples[0]).heap);
  };
  return {
    startHeap: mb(samples[0].heap),
    heap10: at(0.1),
    heap50: at(0.5),
    heap100: at(1),
    peakHeap: peak('heap'),
    peakRss: peak('rss'),
  };
}

/** The listener (fresh store, child process) under bench/load.mjs: as many signed events as the replay sends. */
async function listenerUnderLoad(o, workDir, name, children) {
  const server = await startChild(name, listenerArgs(join(workDir, `${name}.db`)), workDir);
  children.push(server);
  const cpuStart = cpuMs(server.child.pid);
  const { signWebhookBody } = await dist('webhook/sign.js');
  const load = await runLoad({
    url: server.url,
    concurrency: o.concurrency,
    requests: o.events,
    makeRequest: (index) => {
      const body = JSON.stringify(eventFields(index + 20_000_000));
      return {
        headers: {
          'content-type': 'application/json',
          'x-smtp2go-signature': signWebhookBody(body, SECRET, Math.floor(Date.now() / 1000)),
        },
        body,
      };
    },
  });
  const cpuEnd = cpuMs(server.child.pid);
  await stopServer(server);
  children.splice(children.indexOf(server), 1);
  const rate = load.ok / (load.elapsedMs / 1000);
  log(
    `bench/load.mjs → listener (${name}): ${Math.round(rate)} events/s (${load.ok} ok of ${load.sent}), p50 ${load.p50} ms`,
  );
  return {
    rate,
    ok: load.ok,
    p50: load.p50,
    cpu: cpuStart === null || cpuEnd === null ? null : (cpuEnd - cpuStart) / load.elapsedMs,
  };
}

async function writeArrayFile(path, events) {
  const out = createWriteStream(path);
  out.write('[\n');
  for (let index = 0; index < events; index += 1)
    out.write(`${index === 0 ? '' : ',\n'}${JSON.stringify(eventFields(index + 10_000_000))}`);
  out.write('\n]\n');
  await new Promise((resolve) => out.end(resolve));
}

async function main(o) {
  if (!existsSync(join(ROOT, 'dist', 'operations', 'webhook-replay.js')))
    throw new Error('dist/operations/webhook-replay.js is missing: run `npm run build` first');
  const workDir = mkdtempSync(join(tmpdir(), 'smtp2go-replay-bench-'));
  const children = [];
  try {
    const { openStore } = await dist('store/open-store.js');
    const sourceDb = join(workDir, 'source.db');
    log(
      `replay bench: ${o.events} events, concurrency ${o.concurrency}, ${cpus().length} CPUs, work dir ${workDir}`,
    );
    const t = performance.now();
    await seed(sourceDb, o.events);
    log(`seeded ${o.events} events through ingestEvents in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const source = openStore(sourceDb);
    const hmac = (url) => ({ kind: 'http', url, sign: 'hmac', secret: SECRET });

    const sink = await startChild('sink', [FLOOR_SERVERS, 'bare'], workDir);
    children.push(sink);
    const ceiling = await replay(
      { source: { kind: 'store' }, target: hmac(sink.url), concurrency: o.concurrency },
      source,
    );
    log(
      `ceiling (bare sink): ${Math.round(ceiling.rate)} events/s, tool CPU ${(ceiling.cpu * 100).toFixed(0)}%`,
    );

    // The listener's own maximum, measured just before and just after the replay into it (same count,
    // fresh store each time), so the comparison sees the same machine load.
    const before = await listenerUnderLoad(o, workDir, 'load-before', children);
    const listener = await startChild('listener', listenerArgs(join(workDir, 'listener.db')), workDir);
    children.push(listener);
    const cpuBefore = cpuMs(listener.child.pid);
    const into = await replay(
      { source: { kind: 'store' }, target: hmac(listener.url), concurrency: o.concurrency },
      source,
      o.events,
    );
    const cpuAfter = cpuMs(listener.child.pid);
    await stopServer(listener);
    children.splice(children.indexOf(listener), 1);
    const check = openStore(join(workDir, 'listener.db'));
    const stored = check.prepare('SELECT count(*) FROM email_tracking_events').pluck().get();
    const distinct = check
      .prepare('SELECT count(DISTINCT raw_body) FROM email_tracking_events')
      .pluck()
      .get();
    check.close();
    const listenerCpu =
      cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / 1000 / into.seconds;
    log(
      `into the listener: ${Math.round(into.rate)} events/s, ok ${into.result.summary.ok}, failed ${into.result.summary.failed}, retried ${into.result.summary.retried}; listener store ${stored} (${distinct} distinct)`,
    );
    const after = await listenerUnderLoad(o, workDir, 'load-after', children);
    const loads = [before, after];

    const arrayFile = join(workDir, 'events.json');
    await writeArrayFile(arrayFile, o.rate * o.rateSeconds);
    const paced = await replay(
      {
        source: { kind: 'file', path: arrayFile },
        target: hmac(sink.url),
        concurrency: o.concurrency,
        ratePerSecond: o.rate,
      },
      null,
    );
    log(`rate ${o.rate}/s: achieved ${Math.round(paced.rate)}/s over ${paced.result.summary.sent} events`);

    const local = await replay({ source: { kind: 'store' }, target: { kind: 'local' } }, source);
    log(
      `local (all duplicates): ${Math.round(local.rate)} events/s, duplicate ${local.result.summary.duplicate}`,
    );
    source.close();

    const table = render(o, { ceiling, into, stored, distinct, listenerCpu, loads, paced, local });
    console.log(table);
    if (o.write) {
      writeBenchmarksSection(ROOT, 'webhook-replay', table);
      log('BENCHMARKS.md: `## webhook replay` updated');
    }
    if (stored !== o.events || distinct !== o.events || into.result.summary.failed > 0) process.exitCode = 1;
  } finally {
    for (const child of children) await stopServer(child);
    rmSync(workDir, { recursive: true, force: true });
  }
}

function render(o, r) {
  const n = (value) => Math.round(value).toLocaleString('en-US');
  const m = memory(r.into.samples);
  const row = (name, run, note) =>
    `| ${name} | ${n(run.result.summary.matched)} | ${run.seconds.toFixed(1)} s | ${n(run.rate)} | ${run.result.summary.p50Ms ?? '-'} / ${run.result.summary.p95Ms ?? '-'} ms | ${(run.cpu * 100).toFixed(0)}% | ${memory(run.samples).peakHeap} MB | ${note} |`;
  return [
    `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${o.quick ? 'quick' : 'full'}, Node ${process.versions.node}, ${cpus().length} CPUs; concurrency ${o.concurrency}, hmac-signed.`,
    '',
    '| phase | events | time | events/s | p50 / p95 | replay CPU | peak heap | note |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    row('store → bare sink (tool ceiling)', r.ceiling, 'sink answers 200 at once'),
    row(
      'store → listener',
      r.into,
      `listener store: ${n(r.stored)} rows, ${n(r.distinct)} distinct; listener CPU ${r.listenerCpu === null ? '?' : `${(r.listenerCpu * 100).toFixed(0)}%`}`,
    ),
    ...r.loads.map(
      (load, index) =>
        `| bench/load.mjs → listener, ${index === 0 ? 'before' : 'after'} | ${n(load.ok)} | | ${n(load.rate)} | ${load.p50} ms / - | | | same concurrency, fresh store; listener CPU ${load.cpu === null ? '?' : `${(load.cpu * 100).toFixed(0)}%`} |`,
    ),
    row(
      `JSON-array file → sink, --rate ${o.rate}`,
      r.paced,
      `achieved ${((r.paced.rate / o.rate) * 100).toFixed(1)}% of the limit`,
    ),
    row('store → local store (no --to)', r.local, `all ${n(r.local.result.summary.duplicate)} duplicates`),
    '',
    `Replay into the listener ran at ${((r.into.rate / mean(r.loads.map((load) => load.rate))) * 100).toFixed(0)}% of the rate the load generator got from the same listener at the same concurrency (mean of the runs just before and after), and at ${((r.into.rate / r.ceiling.rate) * 100).toFixed(0)}% of the tool's own ceiling.`,
    `Memory of the replaying process during store → listener: live heap after a full GC ${m.startHeap} MB before, then at each tenth of the events ${r.into.live.map((bytes) => (bytes / 1048576).toFixed(1)).join(', ')} MB; peak heap (garbage included, sampled every 100 ms) ${m.peakHeap} MB, peak RSS ${m.peakRss} MB.`,
  ].join('\n');
}

const mean = (values) => values.reduce((sum, value) => sum + value, 0) / values.length;

const o = parseArgs(process.argv.slice(2));
if (o.child === 'listener') await listenerChild(o.db);
else
  await main(o).catch((error) => {
    log(`replay bench failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
