#!/usr/bin/env node
// `webhook serve` on PostgreSQL (issue 17): one, two and three listener processes on ONE database, the
// load split across them as a round-robin load balancer would, against one listener on SQLite, in one run.
//
//   npm run build && node bench/postgres-listeners.mjs [--quick] [--concurrency 64] [--duration 10]
//     [--rounds 3] [--replies 10000] [--listeners 1,2,3] [--analyze yes|no] [--write|--no-write]
//
// The PostgreSQL server is a throwaway cluster (bench/postgres-cluster.mjs) with fsync, full-page writes
// and synchronous_commit ON: every acknowledged event is on disk, as on SQLite (WAL, synchronous=FULL).
// Contenders, all under the same load generator (bench/load.mjs: closed loop at --concurrency, the same
// signed events, a fresh notification id each), alternated --rounds times, the best round of each counting:
//   - the bare node:http server and the durable floors (bench/floor-servers.mjs): a one-table SQLite
//     insert (synchronous=FULL) and a one-table PostgreSQL insert per group-committed batch (one INSERT that
//     commits on its own, synchronous_commit on): the least each engine's acknowledgement costs;
//   - the built CLI's `webhook serve --json` on a SQLite store;
//   - 1, 2 and 3 `webhook serve --json` processes on one PostgreSQL database (a database per count).
// Then each at one fixed rate, open loop (half the slowest listener's median round): p50/p99 where none is
// saturated. At the end every store is counted: it must hold exactly the events acknowledged.
// A full run writes its table into BENCHMARKS.md (between the webhook-serve-postgres markers, when they
// are there); --quick (3 s phases, one round, about a minute) only prints unless --write.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { parseBenchArgs } from './args.mjs';
import { writeBenchmarksSection } from './benchmarks-md.mjs';
import { runLoad } from './load.mjs';
import { startBenchCluster } from './postgres-cluster.mjs';
import { copyStoreToPostgres } from './postgres-copy.mjs';
import { cpuMs, startServer, stopServer } from './server-process.mjs';
import {
  childEnv,
  countStored,
  createEventFactory,
  createTally,
  fmt,
  machine,
  seedStore,
} from './webhook-throughput.mjs';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'smtp2go-portal.js');
const FLOOR_SERVERS = join(ROOT, 'bench', 'floor-servers.mjs');
const dist = (path) => import(pathToFileURL(join(ROOT, 'dist', path)).href);

function parseArgs(argv) {
  const quick = argv.includes('--quick');
  const o = parseBenchArgs(
    argv,
    {
      quick,
      concurrency: 64,
      durationS: quick ? 3 : 10,
      rounds: quick ? 1 : 3,
      replies: quick ? 2000 : 10_000,
      listeners: '1,2,3',
      analyze: 'yes',
      write: !quick,
    },
    {
      '--concurrency': ['concurrency', Number],
      '--duration': ['durationS', Number],
      '--rounds': ['rounds', Number],
      '--replies': ['replies', Number],
      '--listeners': ['listeners', String],
      '--analyze': ['analyze', String],
    },
    'postgres-listeners.mjs',
  );
  for (const key of ['concurrency', 'durationS', 'rounds', 'replies'])
    if (!(o[key] > 0)) throw new Error(`--${key} must be a positive number`);
  if (!['yes', 'no'].includes(o.analyze)) throw new Error('--analyze is yes or no');
  o.listeners = o.listeners.split(',').map(Number);
  if (!o.listeners.every((n) => Number.isInteger(n) && n >= 1 && n <= 8))
    throw new Error('--listeners takes counts from 1 to 8, e.g. 1,2,3');
  return o;
}

/** The cluster's processes (postmaster and every backend) from /proc, to charge PostgreSQL's CPU too. */
function postgresPids(dataDir) {
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const pids = [postmaster];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      if (ppid === postmaster) pids.push(Number(entry));
    } catch {
      // Gone since the listing.
    }
  }
  return pids;
}

async function query(url, sql) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

const serverVersion = async (url) => (await query(url, 'SHOW server_version'))[0].server_version;
const analyze = (url) => query(url, 'ANALYZE');

const sumCpu = (pids) => pids.reduce((total, pid) => total + (cpuMs(pid) ?? 0), 0);

/** One load phase over a contender's processes (round robin), with its CPU and PostgreSQL's per request. */
async function measure(contender, dataDir, options) {
  const pgPids = postgresPids(dataDir);
  const pids = contender.servers.map((server) => server.child.pid);
  const before = { own: sumCpu(pids), pg: sumCpu(pgPids) };
  const result = await runLoad({ urls: contender.servers.map((server) => server.url), ...options });
  const perRequest = (ms) => (result.completed === 0 ? null : Math.round((ms * 1000) / result.completed));
  return {
    ...result,
    cpuUsPerRequest: perRequest(sumCpu(pids) - before.own),
    pgCpuUsPerRequest: perRequest(sumCpu(pgPids) - before.pg),
  };
}

async function main(o) {
  const { signWebhookBody } = await dist('webhook/sign.js');
  const { openStore } = await dist('store/open-store.js');
  const log = (line) => process.stderr.write(`${line}\n`);
  const workDir = mkdtempSync(join(tmpdir(), 'smtp2go-bench-pg-'));
  const secret = `bench-${randomBytes(16).toString('hex')}`;
  const contenders = [];
  let cluster = null;
  try {
    cluster = await startBenchCluster();
    o.serverVersion = await serverVersion(cluster.adminUrl);
    // The listeners get the password the documented way (PGPASSWORD), never on their command line.
    const serverEnv = { ...childEnv(workDir), PGPASSWORD: cluster.password };
    const passwordless = (url) => url.replace(`:${encodeURIComponent(cluster.password)}@`, '@');
    log(
      `postgres listeners bench: PostgreSQL on port ${cluster.port} (fsync, full_page_writes, synchronous_commit on); concurrency ${o.concurrency}, ${o.durationS} s phases, ${o.rounds} round(s)`,
    );
    const start = async (name, args) => startServer(name, args, serverEnv, workDir);
    const floorDb = await cluster.createDatabase('bench_floor');
    contenders.push(
      { name: 'bare', label: 'bare node:http', servers: [await start('bare', [FLOOR_SERVERS, 'bare'])] },
      {
        name: 'floor-sqlite',
        label: 'floor: SQLite FULL insert',
        servers: [await start('floor-sqlite', [FLOOR_SERVERS, 'sqlite', mkdtempSync(join(workDir, 'f-'))])],
      },
      {
        name: 'floor-postgres',
        label: 'floor: PostgreSQL insert + commit',
        servers: [await start('floor-postgres', [FLOOR_SERVERS, 'postgres', passwordless(floorDb)])],
      },
    );
    const listeners = [{ name: 'sqlite', label: 'webhook serve, SQLite', db: join(workDir, 'sqlite.db') }];
    for (const n of o.listeners)
      listeners.push({
        name: `postgres-${n}`,
        label: `webhook serve ×${n}, PostgreSQL`,
        db: await cluster.createDatabase(`bench_listeners_${n}`),
        count: n,
      });
    // One seeded, configured store (replies, secret); each PostgreSQL database gets a copy of its rows, so
    // every listener links the same events to the same replies.
    const { replies } = await seedStore(workDir, listeners[0].db, o.replies, secret, true);
    for (const listener of listeners.slice(1)) await copyStoreToPostgres(listeners[0].db, listener.db);
    const makeRequest = createEventFactory(replies, secret, 'json', signWebhookBody);
    for (const listener of listeners) {
      const location = listener.count === undefined ? listener.db : passwordless(listener.db);
      const servers = [];
      for (let i = 0; i < (listener.count ?? 1); i += 1)
        servers.push(
          await start(`${listener.name}-${i}`, [
            BIN,
            '--db',
            location,
            'webhook',
            'serve',
            '--port',
            '0',
            '--json',
          ]),
        );
      contenders.push({
        ...listener,
        servers,
        tally: createTally(),
      });
    }
    let next = 0;
    const phase = (contender, options) =>
      measure(contender, cluster.dataDir, {
        makeRequest: () => makeRequest(next++),
        concurrency: o.concurrency,
        readBody: true,
        ...(contender.tally ? { onResponse: contender.tally.onResponse } : {}),
        ...options,
      });

    // Warm-up: JIT, connections, page caches, PostgreSQL's prepared statements.
    for (const contender of contenders) await phase(contender, { durationMs: 1000 });
    // The databases started empty, and a listener's prepared statements keep the plans made then (a
    // sequential scan of an empty table is cheapest): autovacuum's ANALYZE replans them within a minute or
    // so, on a store with a history they never happen. Done here, so the rounds measure that steady state.
    if (o.analyze === 'yes')
      for (const contender of contenders.filter((c) => c.count !== undefined)) await analyze(contender.db);
    const rounds = Object.fromEntries(contenders.map((c) => [c.name, []]));
    for (let round = 1; round <= o.rounds; round += 1)
      for (const contender of contenders) {
        const result = await phase(contender, { durationMs: o.durationS * 1000 });
        rounds[contender.name].push(result);
        log(
          `  round ${round} ${contender.name.padEnd(14)} ${fmt(result)}  pg cpu ${result.pgCpuUsPerRequest} us/req`,
        );
      }
    const best = (list) => list.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
    for (const contender of contenders) contender.best = best(rounds[contender.name]);
    // One rate every listener sustains, so their latencies compare without a queue in any of them: half
    // the slowest listener's median round (its best round may have had the machine to itself).
    const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
    const slowest = Math.min(
      ...contenders.filter((c) => c.tally).map((c) => median(rounds[c.name].map((r) => r.perSecond))),
    );
    const rate = Math.max(1, Math.round(slowest / 2));
    for (const contender of contenders) {
      contender.fixed = await phase(contender, { rate, durationMs: o.durationS * 1000 });
      log(`  ${rate}/s ${contender.name.padEnd(14)} ${fmt(contender.fixed)}`);
    }
    for (const contender of contenders) for (const server of contender.servers) await stopServer(server);
    for (const contender of contenders.filter((c) => c.tally))
      contender.rows = countStored(contender.db, openStore);

    const table = renderTable(contenders, rounds, rate, o);
    console.log(table);
    if (o.write) {
      try {
        writeBenchmarksSection(ROOT, 'webhook-serve-postgres', table);
        log('BENCHMARKS.md: the webhook-serve-postgres block updated');
      } catch (error) {
        log(`BENCHMARKS.md not updated: ${error.message}`);
      }
    }
    if (!contenders.filter((c) => c.tally).every(verified)) {
      log('FAIL: a store does not hold exactly the acknowledged events (see the table)');
      process.exitCode = 1;
    }
  } finally {
    for (const contender of contenders)
      for (const server of contender.servers)
        if (server.child.exitCode === null && server.child.signalCode === null) await stopServer(server);
    await cluster?.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

const verified = (c) => c.rows === c.tally.stored && c.tally.acked === c.tally.stored && c.tally.non2xx === 0;

function renderTable(contenders, rounds, rate, o) {
  const byName = Object.fromEntries(contenders.map((c) => [c.name, c]));
  const ratio = (a, b) => (b ? `${(a / b).toFixed(2)}x` : 'n/a');
  const m = machine();
  const lines = [
    `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${m.cpus}, ${m.memGb} GB, Node ${m.node}, ${m.platform}; PostgreSQL ${o.serverVersion}, a throwaway cluster on the same disk, fsync, full_page_writes and synchronous_commit on.`,
    `Concurrency ${o.concurrency} (split round-robin over a contender's processes), ${o.durationS} s per phase, best of ${o.rounds} alternated round(s); then each at ${rate}/s open loop (half the slowest listener's median round). JSON bodies, signed, a fresh notification id per event, linked to ${o.replies} seeded replies. ${o.analyze === 'yes' ? 'The PostgreSQL databases were ANALYZEd after the warm-up (as autovacuum would soon), so the listeners plan for tables that are not empty.' : 'No ANALYZE after the warm-up (--analyze no): the listeners keep the plans made for empty tables.'}`,
    '',
    "| server | events/s | × SQLite listener | × its engine's floor | p50 / p99 (ms) | CPU µs/event: server processes / PostgreSQL | p50 / p99 at " +
      `${rate}/s (ms) | 2xx / stored per answers / rows |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const c of contenders) {
    const floor = c.name.startsWith('postgres')
      ? byName['floor-postgres']
      : c.name === 'sqlite'
        ? byName['floor-sqlite']
        : null;
    const pgCpu = c.name.includes('postgres') ? ` / ${c.best.pgCpuUsPerRequest}` : '';
    lines.push(
      `| ${c.label} | ${c.best.perSecond} | ${ratio(c.best.perSecond, byName.sqlite?.best.perSecond)} | ${floor ? ratio(c.best.perSecond, floor.best.perSecond) : ''} | ${c.best.p50} / ${c.best.p99} | ${c.best.cpuUsPerRequest ?? 'n/a'}${pgCpu} | ${c.fixed.p50} / ${c.fixed.p99} | ${c.tally ? `${c.tally.acked} / ${c.tally.stored} / ${c.rows}: ${verified(c) ? 'equal' : '**not equal**'}` : ''} |`,
    );
  }
  if (o.rounds > 1)
    lines.push(
      '',
      `All rounds, events/s: ${contenders.map((c) => `${c.name} ${rounds[c.name].map((r) => r.perSecond).join(', ')}`).join('; ')}.`,
    );
  return lines.join('\n');
}

try {
  await main(parseArgs(process.argv.slice(2)));
} catch (error) {
  process.stderr.write(
    `postgres listeners bench: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 1;
}
