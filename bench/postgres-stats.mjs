#!/usr/bin/env node
// `stats` on PostgreSQL against SQLite (issue 17), on the same 1,000,000 events, in one run.
//
//   npm run build && node bench/postgres-stats.mjs [--quick] [--db <sqlite store>] [--runs 7] [--write|--no-write]
//
// The SQLite store is bench/generate-store.mjs's (built when the file is not there: 100,000 replies and
// 1,000,000 events; --quick: 10,000 and 100,000); a throwaway PostgreSQL cluster (bench/postgres-cluster.mjs,
// fsync on) gets a copy of every row (bench/postgres-copy.mjs), then VACUUM ANALYZE and a checkpoint, as
// autovacuum would leave a store. Timed, interleaved run by run so machine load hits both engines alike:
// `smtp2go-portal stats --json` (the summary over the whole store) and `stats --by day --json`, as whole
// processes (wall time, and the process's own CPU: PostgreSQL's work is in the server's), and
// runStatsSummary in process (the query alone: no start-up, no connection). Both engines must print the
// same document. A full run writes its table into BENCHMARKS.md (between the stats-postgres markers, when
// they are there); --quick only prints unless --write.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseBenchArgs } from './args.mjs';
import { writeBenchmarksSection } from './benchmarks-md.mjs';
import { generateStore, parseArgs as parseGeneratorArgs } from './generate-store.mjs';
import { startBenchCluster } from './postgres-cluster.mjs';
import { copyStoreToPostgres } from './postgres-copy.mjs';
import { inProcessSummary, median, timeProcess } from './stats.mjs';
import { machine } from './webhook-throughput.mjs';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'smtp2go-portal.js');
const QUICK_SIZE = { replies: 10_000, events: 100_000 };

function parseArgs(argv) {
  const quick = argv.includes('--quick');
  const full = parseGeneratorArgs([]).db;
  const o = parseBenchArgs(
    argv,
    {
      quick,
      db: quick ? full.replace(/stats-1m\.db$/, 'stats-100k.db') : full,
      runs: quick ? 3 : 7,
      write: !quick,
    },
    { '--db': ['db', String], '--runs': ['runs', Number] },
    'postgres-stats.mjs',
  );
  if (!(o.runs >= 1)) throw new Error('--runs must be at least 1');
  return o;
}

const COMMANDS = { summary: ['stats', '--json'], 'by day': ['stats', '--by', 'day', '--json'] };

async function main(o) {
  const log = (line) => process.stderr.write(`${line}\n`);
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js')))
    throw new Error('dist/ is missing: run `npm run build` first');
  if (!existsSync(o.db)) {
    log(`building ${o.db} with bench/generate-store.mjs…`);
    const size = o.quick ? QUICK_SIZE : {};
    const made = await generateStore({ ...parseGeneratorArgs([]), ...size, db: o.db });
    log(`  ${made.events} events, ${made.replies} replies in ${made.seconds.toFixed(1)} s`);
  }
  const cluster = await startBenchCluster();
  try {
    const url = await cluster.createDatabase('bench_stats');
    const started = performance.now();
    const copied = await copyStoreToPostgres(o.db, url);
    const copySeconds = (performance.now() - started) / 1000;
    log(
      `copied ${Object.entries(copied)
        .filter(([, rows]) => rows > 0)
        .map(([table, rows]) => `${rows} ${table}`)
        .join(', ')} into PostgreSQL in ${copySeconds.toFixed(1)} s (with VACUUM ANALYZE)`,
    );
    const passwordless = url.replace(`:${encodeURIComponent(cluster.password)}@`, '@');
    // The commands get the password the documented way (PGPASSWORD); this process opens the full URL.
    const engines = {
      sqlite: { db: o.db, env: {}, inProcess: o.db },
      postgres: { db: passwordless, env: { PGPASSWORD: cluster.password }, inProcess: url },
    };
    const run = (engine, name, cpu = false) =>
      timeProcess([BIN, '--db', engines[engine].db, ...COMMANDS[name]], engines[engine].env, cpu);

    // Same document from both engines, and a first run of each (page cache, shared buffers) that does not count.
    const same = {};
    for (const name of Object.keys(COMMANDS)) {
      const [a, b] = [run('sqlite', name).stdout, run('postgres', name).stdout];
      same[name] = a === b;
      if (!same[name]) log(`NOTE: stats ${COMMANDS[name].join(' ')} differs between the engines`);
    }
    const times = {};
    for (let i = 0; i < o.runs; i += 1)
      for (const name of Object.keys(COMMANDS))
        for (const engine of Object.keys(engines)) {
          const wall = run(engine, name);
          const cpu = run(engine, name, true);
          (times[`${engine} ${name}`] ??= { wall: [], cpu: [], inProcess: [] }).wall.push(wall.ms);
          times[`${engine} ${name}`].cpu.push(cpu.cpuMs);
        }
    for (let i = 0; i < o.runs; i += 1)
      for (const [name, by] of [
        ['summary', 'none'],
        ['by day', 'day'],
      ])
        for (const engine of Object.keys(engines))
          times[`${engine} ${name}`].inProcess.push(await inProcessSummary(engines[engine].inProcess, by));
    const table = renderTable({ o, times, same, copied, copySeconds });
    console.log(table);
    if (o.write) {
      try {
        writeBenchmarksSection(ROOT, 'stats-postgres', table);
        log('BENCHMARKS.md: the stats-postgres block updated');
      } catch (error) {
        log(`BENCHMARKS.md not updated: ${error.message}`);
      }
    }
    if (!Object.values(same).every(Boolean)) process.exitCode = 1;
  } finally {
    await cluster.stop();
  }
}

function renderTable({ o, times, same, copied, copySeconds }) {
  const m = machine();
  const f = (ms) => (ms >= 100 ? Math.round(ms) : Math.round(ms * 10) / 10);
  const lines = [
    `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${m.cpus}, ${m.memGb} GB, Node ${m.node}, ${m.platform}. The same rows on both engines: ${copied.email_tracking_events} events, ${copied.ticket_replies} replies (${o.db.split('/').pop()} copied into PostgreSQL in ${copySeconds.toFixed(0)} s, then VACUUM ANALYZE). PostgreSQL: a throwaway cluster with its default memory settings (shared_buffers 128 MB). Medians of ${o.runs} interleaved runs, after one unmeasured run of each.`,
    '',
    '| `stats` over the whole store | SQLite (ms) | PostgreSQL (ms) | PostgreSQL / SQLite | same `--json` document |',
    '| --- | ---: | ---: | ---: | --- |',
  ];
  for (const name of Object.keys(COMMANDS)) {
    const sqlite = times[`sqlite ${name}`];
    const postgres = times[`postgres ${name}`];
    const row = (label, pick, sameCell) => {
      const [a, b] = [median(pick(sqlite)), median(pick(postgres))];
      lines.push(`| ${label} | ${f(a)} | ${f(b)} | ${(b / a).toFixed(2)}x | ${sameCell} |`);
    };
    const command = `\`${COMMANDS[name].join(' ')}\``;
    row(`${command}, process wall time`, (t) => t.wall, same[name] ? 'yes' : '**no**');
    row(`${command}, the process's own CPU (PostgreSQL's is in the server)`, (t) => t.cpu, '');
    row(
      `runStatsSummary${name === 'summary' ? '' : ` --by ${name.split(' ')[1]}`} in process`,
      (t) => t.inProcess,
      '',
    );
  }
  return lines.join('\n');
}

try {
  await main(parseArgs(process.argv.slice(2)));
} catch (error) {
  process.stderr.write(`postgres stats bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
