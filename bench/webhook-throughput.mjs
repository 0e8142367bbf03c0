#!/usr/bin/env node
// Throughput, latency and memory of the webhook listener against a bare node:http server, in one run.
//
//   npm run build && node bench/webhook-throughput.mjs [--quick] [--concurrency 64] [--duration 10]
//     [--events 100000] [--rounds 3] [--half-rounds 2] [--replies 10000] [--format json|form] [--target auto|cli|script]
//     [--store-dir <dir>] [--write] [--no-write] [--profile <dir>] [--server-module <path>] [--floors fsync,sqlite|none]
//
// Phases, all with the same load generator (bench/load.mjs) and the same signed requests:
//   1. max throughput, closed loop at --concurrency: the bare server (reads the body, answers 200), the
//      durable floors (bench/floor-servers.mjs: the same server that also appends each body to a file and
//      fdatasyncs, or inserts it into a one-table SQLite store with synchronous=FULL, group commit, nothing
//      else) and the listener, alternated --rounds times; the best round of each counts (noise only ever
//      slows a round). The floors show how much of the gap to bare is the guarantee and how much the code;
//   2. p99 at half the listener's max, open loop (fixed arrival rate), alternated --half-rounds times with
//      the bare server (this machine's latency floor) and the durable floors at the same rate; the round
//      with the lowest p99 counts;
//   3. memory: a fresh listener takes --events events; its RSS is sampled every second from /proc;
//   4. the stores are counted: every acknowledged event must be there, exactly once.
// Each server is a child process (bench/server-process.mjs), so the load generator's CPU is not the
// server's. The listener is the built CLI (`webhook serve --json`, stdout to a file) on a temp store with
// a configured secret; with --target script (or when the command is not built) a small child calls
// startWebhookServer on the real store instead. Every event carries a fresh notification id and an `X-Smtp2go-Signature: t=..,v1=..`.
// A full run writes its table into BENCHMARKS.md; --quick (under 30 s) only prints unless --write.
// --store-dir puts the stores elsewhere (default: the temp dir); on tmpfs (/dev/shm) fsync costs nothing,
// which shows how much of the gap is the disk and how much the code (not durable: a diagnostic only).
// --profile <dir> runs the listeners with --cpu-prof into <dir>; --server-module <path> (with --target
// script) takes startWebhookServer from another build, to measure a proposed change without touching src/.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseBenchArgs } from './args.mjs';
import { writeBenchmarksSection } from './benchmarks-md.mjs';
import { runLoad } from './load.mjs';
import { seedSentReplies } from './seed-replies.mjs';
import { cpuMs, rssMb, startServer, stopServer } from './server-process.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SELF = fileURLToPath(import.meta.url);
const BIN = join(ROOT, 'bin', 'smtp2go-portal.js');
const FLOOR_SERVERS = join(ROOT, 'bench', 'floor-servers.mjs');
const SECRET_ENV = 'BENCH_WEBHOOK_SECRET';
const dist = (path) => import(pathToFileURL(join(ROOT, 'dist', path)).href);

function parseArgs(argv) {
  const quick = argv.includes('--quick');
  const defaults = {
    quick,
    concurrency: 64,
    durationS: quick ? 3 : 10,
    events: quick ? 10_000 : 100_000,
    rounds: quick ? 1 : 3,
    halfRounds: quick ? 1 : 2,
    format: 'json',
    target: 'auto',
    write: !quick,
    replies: quick ? 2000 : 10_000,
    floors: 'fsync,sqlite',
    profile: null,
    serverModule: null,
    storeDir: null,
    child: null,
    db: null,
  };
  const o = parseBenchArgs(
    argv,
    defaults,
    {
      '--concurrency': ['concurrency', Number],
      '--duration': ['durationS', Number],
      '--events': ['events', Number],
      '--rounds': ['rounds', Number],
      '--format': ['format', String],
      '--target': ['target', String],
      '--half-rounds': ['halfRounds', Number],
      '--store-dir': ['storeDir', String],
      '--replies': ['replies', Number],
      '--profile': ['profile', String],
      '--server-module': ['serverModule', String],
      '--floors': ['floors', String],
      '--child': ['child', String],
      '--db': ['db', String],
    },
    'webhook-throughput.mjs',
  );
  if (!['json', 'form'].includes(o.format)) throw new Error('--format is json or form');
  if (!['auto', 'cli', 'script'].includes(o.target)) throw new Error('--target is auto, cli or script');
  o.floors = o.floors === 'none' ? [] : o.floors.split(',');
  for (const floor of o.floors)
    if (!(floor in FLOORS))
      throw new Error(`--floors takes ${Object.keys(FLOORS).join(',')} or none, not ${floor}`);
  for (const key of ['concurrency', 'durationS', 'events', 'rounds', 'halfRounds', 'replies'])
    if (!(o[key] > 0)) throw new Error(`--${key} must be a positive number`);
  return o;
}

/** The durable floors bench/floor-servers.mjs serves, by --floors name, with their column headings. */
const FLOORS = { fsync: 'floor: append + fdatasync', sqlite: 'floor: SQLite FULL insert' };

// ---------------------------------------------------------------- children

// Stand-in for `webhook serve` when the command is not built: the same server, store and NDJSON log.
async function listenerChild(db, serverModule) {
  const { openStore } = await dist('store/open-store.js');
  const { startWebhookServer } = serverModule
    ? await import(pathToFileURL(resolve(serverModule)).href)
    : await dist('webhook/server.js');
  const store = openStore(db);
  const server = await startWebhookServer({
    store,
    secrets: [process.env[SECRET_ENV] ?? ''],
    port: 0,
    // As `webhook serve` does; builds before the commit thread ignore it.
    commitThread: true,
    onEvent: (record) =>
      process.stdout.write(
        `${JSON.stringify({ type: 'event', status: record.status, ms: record.ms, events: record.events.length })}\n`,
      ),
  });
  console.log(JSON.stringify({ type: 'ready', url: server.url }));
  process.once('SIGTERM', async () => {
    await server.close();
    store.close();
    process.exit(0);
  });
}

// ---------------------------------------------------------------- processes

/** One load phase, plus the server's CPU microseconds per answered request. */
async function measure(server, options) {
  const before = cpuMs(server.child.pid);
  const result = await runLoad(options);
  const after = cpuMs(server.child.pid);
  return {
    ...result,
    cpuUsPerRequest:
      before === null || after === null || result.completed === 0
        ? null
        : Math.round(((after - before) * 1000) / result.completed),
  };
}

// ---------------------------------------------------------------- store and events

export function childEnv(home, secret) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(SMTP2GO_|SMTP_|PORTAL_)/.test(key)),
  );
  return {
    ...env,
    HOME: home,
    CI: '1',
    NO_COLOR: '1',
    ...(secret === undefined ? {} : { [SECRET_ENV]: secret }),
  };
}

/** A temp store with `replies` sent replies (email id, two recipients), as `send-test` leaves them. */
function prepareStore(workDir, storeDir, name, replies, secret, useCli) {
  return seedStore(workDir, join(storeDir, `${name}.db`), replies, secret, useCli);
}

/** The same for any store location (a SQLite path or a PostgreSQL database's URL). */
export async function seedStore(workDir, db, replies, secret, useCli) {
  const { openStore } = await dist('store/open-store.js');
  const store = openStore(db);
  const list = await seedSentReplies(store, replies);
  store.close();
  if (useCli) {
    // The command reads its secret from the store, as a configured install does (never from argv of the server).
    execFileSync(process.execPath, [BIN, '--db', db, 'configure', '--webhook-secret', secret, '--json'], {
      cwd: workDir,
      env: childEnv(workDir),
      stdio: 'ignore',
    });
  }
  return { db, replies: list };
}

const TYPES = ['processed', 'delivered', 'open', 'click'];

/** Unique, realistic SMTP2Go events (fresh notification id each), signed as `t=<now>,v1=<hmac>`. */
export function createEventFactory(replies, secret, format, signWebhookBody) {
  const prefix = randomBytes(8).toString('hex');
  const base = Date.now() - 3_600_000;
  const contentType = format === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
  return (index) => {
    const reply = replies[index % replies.length];
    const type = TYPES[Math.floor(index / replies.length) % TYPES.length];
    const fields = {
      id: `${prefix}${index.toString(16).padStart(16, '0')}`,
      email_id: reply.emailId,
      event: type,
      time: new Date(base + index).toISOString(),
      sendtime: new Date(base).toISOString(),
      sender: 'help@example.com',
      'message-id': `<E${reply.emailId}@message-id.smtpcorp.com>`,
      srchost: '192.0.2.44',
      auth: 'api-BENCH',
    };
    if (type === 'processed') fields.recipients = reply.rcpt;
    else fields.rcpt = reply.rcpt[index % 2];
    if (type === 'delivered')
      Object.assign(fields, {
        host: 'mx.example.org [192.0.2.25]',
        context: 'RCPT TO',
        message: '250 2.0.0 Ok: queued as 4f7f4b3tWbzKy',
      });
    if (type === 'open' || type === 'click')
      Object.assign(fields, {
        'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)',
        client: 'Apple Mail',
        'geoip-country': 'NL',
      });
    if (type === 'click') fields.url = `https://help.example.com/kb/${index % 50}`;
    const body = format === 'json' ? JSON.stringify(fields) : formEncode(fields);
    return {
      headers: {
        'content-type': contentType,
        'x-smtp2go-signature': signWebhookBody(body, secret, Date.now() / 1000),
      },
      body,
    };
  };
}

function formEncode(fields) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields))
    for (const item of [value].flat()) params.append(key, item);
  return params.toString();
}

export function countStored(db, openStore) {
  const store = openStore(db, { readonly: true });
  try {
    return store.prepare('SELECT COUNT(*) FROM email_tracking_events').pluck().get();
  } finally {
    store.close();
  }
}

// ---------------------------------------------------------------- the run

/** Tracks what the listener acknowledged: the `stored` count of every 2xx answer. */
export function createTally() {
  const tally = { acked: 0, stored: 0, duplicates: 0, non2xx: 0 };
  tally.onResponse = (status, text) => {
    if (status < 200 || status >= 300) {
      tally.non2xx += 1;
      return;
    }
    tally.acked += 1;
    const body = JSON.parse(text);
    tally.stored += body.stored;
    tally.duplicates += body.duplicates;
  };
  return tally;
}

async function main(o) {
  if (!existsSync(join(ROOT, 'dist', 'webhook', 'server.js')))
    throw new Error('dist/webhook/server.js is missing: run `npm run build` first');
  const useCli =
    o.target === 'cli' ||
    (o.target === 'auto' &&
      o.serverModule === null &&
      existsSync(join(ROOT, 'dist', 'cli', 'commands', 'webhook', 'serve', 'index.js')));
  if (
    o.target === 'cli' &&
    !existsSync(join(ROOT, 'dist', 'cli', 'commands', 'webhook', 'serve', 'index.js'))
  )
    throw new Error('--target cli: dist/cli/commands/webhook/serve/index.js is not built');
  const { signWebhookBody } = await dist('webhook/sign.js');
  const { openStore } = await dist('store/open-store.js');
  const workDir = mkdtempSync(join(tmpdir(), 'smtp2go-bench-'));
  const storeDir = o.storeDir === null ? workDir : mkdtempSync(join(resolve(o.storeDir), 'smtp2go-bench-'));
  const storeFs = fsType(storeDir);
  const secret = `bench-${randomBytes(16).toString('hex')}`;
  const log = (line) => process.stderr.write(`${line}\n`);
  const durationMs = o.durationS * 1000;
  // Every server's answers are read in full, so the client does the same work for each.
  const load = { concurrency: o.concurrency, readBody: true };
  if (o.serverModule !== null && useCli) throw new Error('--server-module needs --target script');
  const nodeArgs = o.profile === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${resolve(o.profile)}`];
  const listenerArgs = (db) => [
    ...nodeArgs,
    ...(useCli
      ? [BIN, '--db', db, 'webhook', 'serve', '--port', '0', '--json']
      : [
          SELF,
          '--child',
          'listener',
          '--db',
          db,
          ...(o.serverModule ? ['--server-module', o.serverModule] : []),
        ]),
  ];
  const servers = [];
  try {
    log(
      `webhook bench: ${useCli ? 'built CLI `webhook serve --json`' : 'startWebhookServer child'} vs bare node:http; concurrency ${o.concurrency}, ${o.durationS} s phases, ${o.rounds} round(s), ${o.format} bodies, stores in ${storeDir} (${storeFs})`,
    );
    const main1 = await prepareStore(workDir, storeDir, 'listener', o.replies, secret, useCli);
    const makeRequest = createEventFactory(main1.replies, secret, o.format, signWebhookBody);
    const bare = await startServer('bare', [FLOOR_SERVERS, 'bare'], childEnv(workDir), workDir);
    servers.push(bare);
    const floors = [];
    for (const name of o.floors) {
      const floor = await startServer(
        name,
        [FLOOR_SERVERS, name, mkdtempSync(join(storeDir, `floor-${name}-`))],
        childEnv(workDir),
        workDir,
      );
      servers.push(floor);
      floors.push(floor);
    }
    const listener = await startServer(
      'listener',
      listenerArgs(main1.db),
      childEnv(workDir, useCli ? undefined : secret),
      workDir,
    );
    servers.push(listener);
    // Every server gets the same signed events; only the listener's answers are tallied against its store.
    let next = 0;
    const request = () => () => makeRequest(next++);
    const tally = createTally();
    const contenders = [bare, ...floors, listener];
    const phase = (server, options) =>
      measure(server, {
        url: server.url,
        makeRequest: request(),
        ...load,
        ...options,
        ...(server === listener ? { onResponse: tally.onResponse } : {}),
      });

    // Warm every server up (JIT, connections, SQLite page cache) before anything counts.
    for (const server of contenders) await phase(server, { durationMs: 1000 });
    const rounds = Object.fromEntries(contenders.map((server) => [server.name, []]));
    for (let round = 1; round <= o.rounds; round += 1) {
      for (const server of contenders) {
        const result = await phase(server, { durationMs });
        rounds[server.name].push(result);
        log(`  round ${round} ${server.name.padEnd(8)} ${fmt(result)}`);
      }
    }
    const best = (list) => list.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
    const bareBest = best(rounds.bare);
    const listenerBest = best(rounds.listener);
    const halfRate = Math.max(1, Math.round(listenerBest.perSecond / 2));
    // Alternated with the bare server (the latency floor this machine gives right now) and the durable
    // floors at the same rate.
    const halves = Object.fromEntries(contenders.map((server) => [server.name, []]));
    for (let round = 1; round <= o.halfRounds; round += 1) {
      for (const server of [listener, bare, ...floors]) {
        const result = await phase(server, { rate: halfRate, durationMs });
        halves[server.name].push(result);
        log(`  round ${round} ${halfRate}/s ${server.name.padEnd(8)} ${fmt(result)}`);
      }
    }
    const lowestP99 = (list) => list.reduce((a, b) => (b.p99 < a.p99 ? b : a));
    const half = lowestP99(halves.listener);
    const halfBare = lowestP99(halves.bare);
    const floorResults = floors.map((floor) => ({
      name: floor.name,
      label: FLOORS[floor.name],
      best: best(rounds[floor.name]),
      half: lowestP99(halves[floor.name]),
    }));
    for (const floor of floors) await stopServer(floor);
    await stopServer(listener);
    const stored1 = countStored(main1.db, openStore);

    // Memory: a fresh listener and store take the whole event count; RSS every second.
    const mem = await prepareStore(workDir, storeDir, 'memory', o.replies, secret, useCli);
    const memRequest = createEventFactory(mem.replies, secret, o.format, signWebhookBody);
    const memListener = await startServer(
      'memory',
      listenerArgs(mem.db),
      childEnv(workDir, useCli ? undefined : secret),
      workDir,
    );
    servers.push(memListener);
    const memTally = createTally();
    const samples = [{ s: 0, rss: rssMb(memListener.child.pid), done: 0 }];
    let memDone = 0;
    const sampler = setInterval(
      () => samples.push({ s: samples.length, rss: rssMb(memListener.child.pid), done: memDone }),
      1000,
    );
    const memResult = await measure(memListener, {
      url: memListener.url,
      makeRequest: memRequest,
      ...load,
      requests: o.events,
      onResponse: (status, text, i) => {
        memDone += 1;
        memTally.onResponse(status, text, i);
      },
    });
    clearInterval(sampler);
    samples.push({ s: samples.length, rss: rssMb(memListener.child.pid), done: memDone });
    log(`  memory run ${o.events} ev  ${fmt(memResult)}`);
    await stopServer(memListener);
    const stored2 = countStored(mem.db, openStore);

    const results = {
      target: useCli ? 'cli' : 'script',
      storeFs,
      concurrency: o.concurrency,
      durationS: o.durationS,
      format: o.format,
      bare: bareBest,
      listener: listenerBest,
      floors: floorResults,
      rounds,
      ratio: listenerBest.perSecond / bareBest.perSecond,
      half: { rate: halfRate, ...half },
      halfBare,
      halves,
      memory: { events: o.events, run: memResult, ...memorySummary(samples, o.events >= 50_000) },
      verify: [
        {
          store: 'throughput',
          acknowledged: tally.acked,
          storedAcked: tally.stored,
          duplicates: tally.duplicates,
          non2xx: tally.non2xx,
          rows: stored1,
        },
        {
          store: 'memory',
          acknowledged: memTally.acked,
          storedAcked: memTally.stored,
          duplicates: memTally.duplicates,
          non2xx: memTally.non2xx,
          rows: stored2,
        },
      ],
      machine: machine(),
    };
    const table = renderTable(results, o);
    console.log(table);
    if (o.write) {
      writeBenchmarksSection(ROOT, 'webhook-serve', table);
      log('BENCHMARKS.md: `## webhook serve` updated');
    }
    const ok = results.verify.every(
      (v) => v.rows === v.storedAcked && v.acknowledged === v.storedAcked && v.non2xx === 0,
    );
    if (!ok) {
      log('FAIL: the store does not hold exactly the acknowledged events (see the table)');
      process.exitCode = 1;
    }
  } finally {
    for (const server of servers)
      if (server.child.exitCode === null && server.child.signalCode === null) await stopServer(server);
    rmSync(workDir, { recursive: true, force: true });
    if (storeDir !== workDir) rmSync(storeDir, { recursive: true, force: true });
  }
}

function memorySummary(samples, judged) {
  const values = samples.map((s) => s.rss).filter((v) => v !== null);
  if (values.length === 0) return { start: null, peak: null, end: null, flat: null, samples };
  // Growth after the first quarter (warm-up: JIT, page cache, pools) is what a leak looks like.
  const quarter = values[Math.floor(values.length / 4)];
  const end = values[values.length - 1];
  const growth = end - quarter;
  return {
    start: values[0],
    afterWarmup: quarter,
    peak: Math.max(...values),
    end,
    growthMb: Math.round(growth * 10) / 10,
    flat: judged ? growth <= Math.max(8, quarter * 0.1) : null,
    samples,
  };
}

function deciles(samples, events) {
  return Array.from(
    { length: 10 },
    (_, i) =>
      samples.find((sample) => sample.done >= ((i + 1) * events) / 10)?.rss ??
      samples[samples.length - 1]?.rss ??
      'n/a',
  );
}

function fsType(dir) {
  try {
    return (
      execFileSync('findmnt', ['-n', '-o', 'FSTYPE', '-T', dir], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim() || 'unknown'
    );
  } catch {
    return 'unknown';
  }
}

export function machine() {
  return {
    cpus: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown'}`,
    memGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

export const fmt = (r) =>
  `${String(r.perSecond).padStart(6)} ok/s  cpu ${r.cpuUsPerRequest ?? '?'} us/req  p50 ${r.p50} ms  p99 ${r.p99} ms  max ${r.max} ms  statuses ${JSON.stringify(r.statuses)}${r.errors ? `  errors ${r.errors} (${r.firstError})` : ''}`;

function renderTable(r, o) {
  const pct = (x) => `${Math.round(x * 1000) / 10}%`;
  const yes = (b) => (b ? 'yes' : '**no**');
  // Columns: bare, then each durable floor, then the listener; rows about the listener alone leave the
  // others empty.
  const floorCells = (pick) => r.floors.map((floor) => ` ${pick(floor)} |`).join('');
  const blankFloors = r.floors.map(() => ' |').join('');
  const ofBare = (perSecond) => `${perSecond} (${pct(perSecond / r.bare.perSecond)})`;
  const listenerRow = (measure, value, target = '', met = '') =>
    `| ${measure} | |${blankFloors} ${value} | ${target} | ${met} |`;
  const lines = [
    `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${r.machine.cpus}, ${r.machine.memGb} GB, Node ${r.machine.node}, ${r.machine.platform}.`,
    `Listener: ${r.target === 'cli' ? 'the built CLI `webhook serve --json` (NDJSON log to a file)' : 'a child calling startWebhookServer (the command was not built)'}, store on ${r.storeFs === 'tmpfs' ? '**tmpfs: fsync is free, so this run is not durable (diagnostic only)**' : `a ${r.storeFs} disk`} (WAL, synchronous=FULL, group commit). ${r.format.toUpperCase()} bodies, \`X-Smtp2go-Signature: t=..,v1=..\`, a fresh notification id per event, linked to ${o.replies} seeded replies. Concurrency ${r.concurrency}, ${r.durationS} s per phase, best of ${o.rounds} alternated round(s).${r.floors.length > 0 ? ' The floors (bench/floor-servers.mjs) are the bare server plus only a durable write of each body, group-committed, on the same disk: no authentication, parsing, dedupe or correlation.' : ''}`,
    '',
    `| measure | bare node:http |${r.floors.map((floor) => ` ${floor.label} |`).join('')} webhook serve | target | met |`,
    `| --- | ---: |${r.floors.map(() => ' ---: |').join('')} ---: | --- | --- |`,
    `| events/s at concurrency ${r.concurrency} (% of bare) | ${r.bare.perSecond} |${floorCells((floor) => ofBare(floor.best.perSecond))} ${ofBare(r.listener.perSecond)} | ≥ 60% of bare | ${yes(r.ratio >= 0.6)} |`,
    `| p50 / p99 at that load (ms) | ${r.bare.p50} / ${r.bare.p99} |${floorCells((floor) => `${floor.best.p50} / ${floor.best.p99}`)} ${r.listener.p50} / ${r.listener.p99} | | |`,
    `| server CPU per request (µs, user+sys) | ${r.bare.cpuUsPerRequest ?? 'n/a'} |${floorCells((floor) => floor.best.cpuUsPerRequest ?? 'n/a')} ${r.listener.cpuUsPerRequest ?? 'n/a'} | | |`,
    `| p50 / p99 at half the listener's max, ${r.half.rate}/s open loop (ms) | ${r.halfBare.p50} / ${r.halfBare.p99} |${floorCells((floor) => `${floor.half.p50} / ${floor.half.p99}`)} ${r.half.p50} / ${r.half.p99} | p99 < 10 ms | ${yes(r.half.p99 < 10)} |`,
    listenerRow(
      `RSS over ${r.memory.events.toLocaleString('en')} events: start / after 1st quarter / peak / end (MB)`,
      `${r.memory.start} / ${r.memory.afterWarmup} / ${r.memory.peak} / ${r.memory.end}`,
      'flat',
      r.memory.start === null
        ? 'n/a (no /proc)'
        : `${r.memory.growthMb >= 0 ? '+' : ''}${r.memory.growthMb} MB after warm-up: ${r.memory.flat === null ? 'not judged under 50,000 events (still warming up)' : yes(r.memory.flat)}`,
    ),
    listenerRow('that run: events/s, p99 (ms)', `${r.memory.run.perSecond}, ${r.memory.run.p99}`),
    listenerRow(
      'RSS (MB) after each tenth of those events',
      deciles(r.memory.samples, r.memory.events).join(', '),
    ),
    ...r.verify.map((v) =>
      listenerRow(
        `${v.store} store: 2xx answers / stored per answers / rows in store`,
        `${v.acknowledged} / ${v.storedAcked} / ${v.rows}`,
        'equal, no non-2xx',
        `${yes(v.rows === v.storedAcked && v.acknowledged === v.storedAcked && v.non2xx === 0)}${v.non2xx ? ` (${v.non2xx} non-2xx)` : ''}`,
      ),
    ),
  ];
  if (o.rounds > 1 || o.halfRounds > 1) {
    const list = (items, pick) => items.map(pick).join(', ');
    const each = (table, pick) =>
      Object.entries(table)
        .map(([name, items]) => `${name} ${list(items, pick)}`)
        .join('; ');
    lines.push(
      '',
      `All rounds. Events/s: ${each(r.rounds, (x) => x.perSecond)}. p99 at ${r.half.rate}/s (ms): ${each(r.halves, (x) => x.p99)}.`,
    );
  }
  return lines.join('\n');
}

// Run as a script; imported (bench/postgres-listeners.mjs), it only lends its event factory and tally.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const options = parseArgs(process.argv.slice(2));
  try {
    if (options.child === 'listener') await listenerChild(options.db, options.serverModule);
    else await main(options);
  } catch (error) {
    process.stderr.write(`webhook bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
