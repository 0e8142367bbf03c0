#!/usr/bin/env node
// Issue 6's performance targets, measured in one run on the same machine:
//   1. `smtp2go-portal --db X stats --reply N` answers in under 1.5x a bare `node -e 0`;
//   2. the summary over the whole store (1,000,000 events, 100,000 replies) takes under one second.
// Issue 14's `replies` (the newest page, and searches) is measured the same way, with no target of its own.
//
//   npm run build && node bench/stats.mjs [--quick] [--db <path>] [--runs 31] [--json] [--check] [--write|--no-write]
//
// The store is built by bench/generate-store.mjs when the file does not exist yet. Process timings are
// wall-clock times of whole child processes (spawn to exit), interleaved run by run with the baseline so
// that machine load affects both alike; the medians and their ratio are reported, plus the minimums.
// A full run writes its table into BENCHMARKS.md (between the stats markers); --quick (fewer runs, and a
// 100,000-event store if the 1M one is not built yet) only prints unless --write. --check exits 1 when a
// target is missed; --json prints the result as one JSON document.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeBenchmarksSection } from './benchmarks-md.mjs';
import { generateStore, parseArgs as parseGeneratorArgs } from './generate-store.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'smtp2go-portal.js');
const REPLY_TARGET = 1.5;
const SUMMARY_TARGET_MS = 1000;

function parseArgs(argv) {
  const quick = argv.includes('--quick');
  const full = parseGeneratorArgs([]).db;
  const small = full.replace(/stats-1m\.db$/, 'stats-100k.db');
  const options = {
    quick,
    db: quick && !existsSync(full) ? small : full,
    runs: quick ? 9 : 31,
    json: false,
    check: false,
    write: !quick,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    if (flag === '--quick') continue;
    if (flag === '--db') options.db = argv[(i += 1)];
    else if (flag === '--runs') options.runs = Number(argv[(i += 1)]);
    else if (flag === '--json') options.json = true;
    else if (flag === '--check') options.check = true;
    else if (flag === '--write') options.write = true;
    else if (flag === '--no-write') options.write = false;
    else
      throw new Error(
        `unknown option ${flag} (use --quick, --db, --runs, --json, --check, --write, --no-write)`,
      );
  }
  if (!(options.runs >= 3)) throw new Error('--runs must be at least 3');
  return options;
}

export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const min = (values) => Math.min(...values);

// Preloaded (CommonJS, a few lines) into a child to report its own CPU time on exit, on file descriptor 3.
// Wall time is the target's measure; CPU time is what a loaded machine distorts least.
const CPU_REPORTER = join(tmpdir(), `smtp2go-portal-bench-cpu-${process.pid}.cjs`);
writeFileSync(
  CPU_REPORTER,
  `process.on('exit', () => { const u = process.cpuUsage(); try { require('fs').writeSync(3, String((u.user + u.system) / 1000)); } catch {} });\n`,
);
process.on('exit', () => rmSync(CPU_REPORTER, { force: true }));

/** Wall time of one child process, in ms (and its CPU time with `cpu`); fails loudly if the command does. */
export function timeProcess(args, env = {}, cpu = false) {
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, cpu ? ['--require', CPU_REPORTER, ...args] : args, {
    stdio: ['ignore', 'pipe', 'pipe', ...(cpu ? ['pipe'] : [])],
    env: { ...process.env, CI: '1', NO_COLOR: '1', ...env },
    maxBuffer: 64 << 20,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (child.status !== 0)
    // A --json command reports its error on stdout.
    throw new Error(
      `node ${args.join(' ')} exited ${child.status}: ${(child.stderr.toString().trim() || child.stdout.toString().trim()).slice(0, 500)}`,
    );
  return {
    ms,
    cpuMs: cpu ? Number(child.output[3]?.toString() ?? NaN) : null,
    stdout: child.stdout.toString(),
  };
}

// Searches timed in process (the operation alone, no start-up): name → runReplies options.
const REPLIES_SEARCHES = {
  'newest 20': {},
  'newest 1000': { limit: 1000 },
  '--recipient user4242': { recipient: 'user4242' },
  '--recipient (no match)': { recipient: 'nobody-has-this' },
  '--ticket': { ticketId: 20000 },
  '--status bounced': { status: 'bounced' },
  '--status ambiguous (none: reads every reply)': { status: 'ambiguous' },
  '--transport smtp --since 7d': {
    transport: 'smtp',
    since: new Date(Date.parse('2026-11-30T00:00:00Z') - 7 * 86_400_000),
  },
};

async function inProcessReplies(db, runs) {
  const [{ openStore }, { runReplies }] = await Promise.all([
    import(pathToFileURL(join(ROOT, 'dist', 'store', 'open-store.js')).href),
    import(pathToFileURL(join(ROOT, 'dist', 'operations', 'replies.js')).href),
  ]);
  const store = openStore(db);
  try {
    const result = {};
    for (const [name, options] of Object.entries(REPLIES_SEARCHES)) {
      const times = [];
      for (let i = 0; i < runs; i += 1) {
        const started = performance.now();
        runReplies({ limit: 20, cursor: null, ...options }, { store });
        times.push(performance.now() - started);
      }
      result[name] = median(times);
    }
    return result;
  } finally {
    store.close();
  }
}

export async function inProcessSummary(db, by) {
  const [{ openStore }, { runStatsSummary }] = await Promise.all([
    import(pathToFileURL(join(ROOT, 'dist', 'store', 'open-store.js')).href),
    import(pathToFileURL(join(ROOT, 'dist', 'operations', 'stats-summary.js')).href),
  ]);
  const store = openStore(db);
  try {
    const started = performance.now();
    runStatsSummary({ since: null, until: null, by, timeZone: 'UTC' }, { store });
    return performance.now() - started;
  } finally {
    store.close();
  }
}

function eventCount(db) {
  const script = `const D = require('better-sqlite3'); const db = new D(process.argv[1], { readonly: true }); console.log(db.prepare('SELECT COUNT(*) FROM email_tracking_events').pluck().get());`;
  const child = spawnSync(process.execPath, ['-e', script, db], { cwd: ROOT });
  return child.status === 0 ? Number(child.stdout.toString()) : null;
}

export async function benchStats(options) {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js')))
    throw new Error('dist/ is missing: run `npm run build` first');
  let generated = null;
  if (!existsSync(options.db)) {
    const size = /stats-100k\.db$/.test(options.db) ? { replies: 10_000, events: 100_000 } : {};
    if (!options.json) console.error(`building ${options.db} with bench/generate-store.mjs…`);
    generated = await generateStore({ ...parseGeneratorArgs([]), ...size, db: options.db });
  }

  // Replies spread over the file (the generator gives them about ten events each).
  const replies = generated?.replies ?? countReplies(options.db);
  const replyIds = [4242, 17, 31337, 50000, 77777, 99999, 65536].map((id) => (id % replies) + 1);
  const cli = (id, json) => [
    BIN,
    '--db',
    options.db,
    'stats',
    '--reply',
    String(id),
    ...(json ? ['--json'] : []),
  ];
  const sample = JSON.parse(timeProcess(cli(replyIds[0], true)).stdout);
  for (let i = 0; i < 3; i += 1) {
    timeProcess(['-e', '0']);
    timeProcess(cli(replyIds[i], false));
  }

  const listReplies = (...args) => [BIN, '--db', options.db, 'replies', ...args];
  const times = { baseline: [], reply: [], replyJson: [], replies: [], repliesJson: [], repliesSearch: [] };
  const cpu = { baseline: [], reply: [], replyJson: [], replies: [] };
  for (let i = 0; i < options.runs; i += 1) {
    const id = replyIds[i % replyIds.length];
    times.baseline.push(timeProcess(['-e', '0']).ms);
    times.reply.push(timeProcess(cli(id, false)).ms);
    times.replyJson.push(timeProcess(cli(id, true)).ms);
    times.replies.push(timeProcess(listReplies()).ms);
    times.repliesJson.push(timeProcess(listReplies('--json')).ms);
    times.repliesSearch.push(timeProcess(listReplies('--recipient', `user${id}.`)).ms);
    cpu.baseline.push(timeProcess(['-e', '0'], {}, true).cpuMs);
    cpu.reply.push(timeProcess(cli(id, false), {}, true).cpuMs);
    cpu.replyJson.push(timeProcess(cli(id, true), {}, true).cpuMs);
    cpu.replies.push(timeProcess(listReplies(), {}, true).cpuMs);
  }

  const summaryRuns = Math.max(3, Math.min(7, Math.floor(options.runs / 3)));
  const summaryCli = [];
  const summaryCpu = [];
  for (let i = 0; i < summaryRuns; i += 1) {
    summaryCli.push(timeProcess([BIN, '--db', options.db, '--json', 'stats']).ms);
    summaryCpu.push(timeProcess([BIN, '--db', options.db, '--json', 'stats'], {}, true).cpuMs);
  }
  const summaryInProcess = {};
  for (const by of ['none', 'day', 'transport', 'domain']) {
    const runs = [];
    for (let i = 0; i < summaryRuns; i += 1) runs.push(await inProcessSummary(options.db, by));
    summaryInProcess[by] = median(runs);
  }
  const whole = JSON.parse(timeProcess([BIN, '--db', options.db, '--json', 'stats']).stdout);
  const repliesInProcess = await inProcessReplies(options.db, summaryRuns);

  const baseline = median(times.baseline);
  return {
    name: 'stats',
    date: new Date().toISOString(),
    command: `node bench/stats.mjs${options.quick ? ' --quick' : ''} --runs ${options.runs}`,
    node: process.version,
    cpus: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown'}`,
    load_average: loadavg().map((n) => Number(n.toFixed(2))),
    store: {
      path: options.db,
      generated,
      replies: whole.total.replies,
      recipients: whole.total.recipients,
      events: eventCount(options.db),
      events_in_sample_reply: sample.events.length,
      unlinked_events: whole.unlinked.total,
    },
    runs: options.runs,
    baseline_ms: { median: baseline, min: min(times.baseline) },
    reply_ms: { median: median(times.reply), min: min(times.reply), ratio: median(times.reply) / baseline },
    reply_json_ms: {
      median: median(times.replyJson),
      min: min(times.replyJson),
      ratio: median(times.replyJson) / baseline,
    },
    replies_ms: {
      median: median(times.replies),
      min: min(times.replies),
      ratio: median(times.replies) / baseline,
    },
    replies_json_ms: {
      median: median(times.repliesJson),
      min: min(times.repliesJson),
      ratio: median(times.repliesJson) / baseline,
    },
    replies_search_ms: {
      median: median(times.repliesSearch),
      min: min(times.repliesSearch),
      ratio: median(times.repliesSearch) / baseline,
    },
    replies_in_process_ms: repliesInProcess,
    summary_cli_ms: { median: median(summaryCli), min: min(summaryCli) },
    cpu_ms: {
      baseline: median(cpu.baseline),
      reply: median(cpu.reply),
      reply_json: median(cpu.replyJson),
      summary: median(summaryCpu),
      reply_ratio: median(cpu.reply) / median(cpu.baseline),
      reply_json_ratio: median(cpu.replyJson) / median(cpu.baseline),
      replies: median(cpu.replies),
      replies_ratio: median(cpu.replies) / median(cpu.baseline),
    },
    summary_in_process_ms: summaryInProcess,
    targets: {
      reply_ratio: REPLY_TARGET,
      summary_ms: SUMMARY_TARGET_MS,
      reply_ok:
        median(times.reply) / baseline < REPLY_TARGET && median(times.replyJson) / baseline < REPLY_TARGET,
      summary_ok: median(summaryCli) < SUMMARY_TARGET_MS,
    },
  };
}

function countReplies(db) {
  const out = timeProcess([BIN, '--db', db, '--json', 'stats']).stdout;
  return Math.max(1, JSON.parse(out).total.replies);
}

/** The result as the Markdown block between the stats markers of BENCHMARKS.md. */
function markdown(r) {
  const f = (ms) => ms.toFixed(1);
  const yes = (ok) => (ok ? 'yes' : '**no**');
  const s = r.store;
  return [
    `Run ${r.date.slice(0, 16).replace('T', ' ')} UTC with \`${r.command}\`: ${r.cpus}, Node ${r.node}, load average ${r.load_average.join(' ')} at the end.`,
    `Store: ${s.replies.toLocaleString('en-US')} replies, ${s.recipients.toLocaleString('en-US')} recipients, ${s.events === null ? 'generated' : s.events.toLocaleString('en-US')} events` +
      ` (${s.unlinked_events.toLocaleString('en-US')} unlinked), built by \`bench/generate-store.mjs\`${s.generated === null ? '' : ` in ${s.generated.seconds.toFixed(0)} s during this run`}.`,
    `${r.runs} runs of each command, interleaved with the baseline; wall time of the whole process, spawn to exit.`,
    '',
    '| measure | median (ms) | min (ms) | ratio to `node -e 0` (median) | target | met |',
    '| --- | ---: | ---: | ---: | --- | --- |',
    `| \`node -e 0\` (baseline) | ${f(r.baseline_ms.median)} | ${f(r.baseline_ms.min)} | 1.00 | | |`,
    `| \`stats --reply N\` (tables) | ${f(r.reply_ms.median)} | ${f(r.reply_ms.min)} | ${r.reply_ms.ratio.toFixed(2)} | < ${REPLY_TARGET}x | ${yes(r.reply_ms.ratio < REPLY_TARGET)} |`,
    `| \`stats --reply N --json\` | ${f(r.reply_json_ms.median)} | ${f(r.reply_json_ms.min)} | ${r.reply_json_ms.ratio.toFixed(2)} | < ${REPLY_TARGET}x | ${yes(r.reply_json_ms.ratio < REPLY_TARGET)} |`,
    `| \`stats --json\`, whole store (process) | ${f(r.summary_cli_ms.median)} | ${f(r.summary_cli_ms.min)} | | < ${SUMMARY_TARGET_MS} ms | ${yes(r.targets.summary_ok)} |`,
    `| \`replies\` (newest 20, table) | ${f(r.replies_ms.median)} | ${f(r.replies_ms.min)} | ${r.replies_ms.ratio.toFixed(2)} | | |`,
    `| \`replies --json\` | ${f(r.replies_json_ms.median)} | ${f(r.replies_json_ms.min)} | ${r.replies_json_ms.ratio.toFixed(2)} | | |`,
    `| \`replies --recipient userN.\` | ${f(r.replies_search_ms.median)} | ${f(r.replies_search_ms.min)} | ${r.replies_search_ms.ratio.toFixed(2)} | | |`,
    '',
    `CPU time of the same commands (user + system, median of ${r.runs}, reported by each process on exit), which a loaded machine distorts`,
    `far less than wall time: \`node -e 0\` ${f(r.cpu_ms.baseline)} ms, \`stats --reply N\` ${f(r.cpu_ms.reply)} ms (${r.cpu_ms.reply_ratio.toFixed(2)}x),`,
    `\`--json\` ${f(r.cpu_ms.reply_json)} ms (${r.cpu_ms.reply_json_ratio.toFixed(2)}x), whole-store summary ${f(r.cpu_ms.summary)} ms.`,
    `\`runStatsSummary\` in process, whole store (median): ${Object.entries(r.summary_in_process_ms)
      .map(([by, ms]) => `${by === 'none' ? 'total' : `--by ${by}`} ${ms.toFixed(0)} ms`)
      .join(', ')}.`,
    `\`runReplies\` in process (median): ${Object.entries(r.replies_in_process_ms)
      .map(([name, ms]) => `${name} ${ms.toFixed(1)} ms`)
      .join(', ')}.`,
  ].join('\n');
}

function print(result) {
  const f = (ms) => `${ms.toFixed(1)} ms`;
  console.log(`stats benchmark — node ${result.node}, ${result.cpus}, load ${result.load_average.join(' ')}`);
  console.log(
    `store: ${result.store.path} (${result.store.replies} replies, ${result.store.recipients} recipients, ${result.store.unlinked_events} unlinked events)`,
  );
  if (result.store.generated !== null)
    console.log(
      `  generated in ${result.store.generated.seconds.toFixed(1)} s (${result.store.generated.events} events)`,
    );
  console.log(`runs: ${result.runs}, interleaved; medians (min)`);
  console.log(
    `  node -e 0                      ${f(result.baseline_ms.median)} (${f(result.baseline_ms.min)})`,
  );
  console.log(
    `  stats --reply N                ${f(result.reply_ms.median)} (${f(result.reply_ms.min)})  ratio ${result.reply_ms.ratio.toFixed(2)}x (target < ${REPLY_TARGET}x)`,
  );
  console.log(
    `  stats --reply N --json         ${f(result.reply_json_ms.median)} (${f(result.reply_json_ms.min)})  ratio ${result.reply_json_ms.ratio.toFixed(2)}x`,
  );
  console.log(
    `  stats --json (whole store)     ${f(result.summary_cli_ms.median)} (${f(result.summary_cli_ms.min)})  process wall time (target < ${SUMMARY_TARGET_MS} ms)`,
  );
  console.log(
    `  replies (newest 20)            ${f(result.replies_ms.median)} (${f(result.replies_ms.min)})  ratio ${result.replies_ms.ratio.toFixed(2)}x`,
  );
  console.log(
    `  replies --json                 ${f(result.replies_json_ms.median)} (${f(result.replies_json_ms.min)})  ratio ${result.replies_json_ms.ratio.toFixed(2)}x`,
  );
  console.log(
    `  replies --recipient userN.     ${f(result.replies_search_ms.median)} (${f(result.replies_search_ms.min)})  ratio ${result.replies_search_ms.ratio.toFixed(2)}x`,
  );
  console.log(
    `  CPU time (median)              node -e 0 ${f(result.cpu_ms.baseline)}, --reply ${f(result.cpu_ms.reply)} (${result.cpu_ms.reply_ratio.toFixed(2)}x), --reply --json ${f(result.cpu_ms.reply_json)} (${result.cpu_ms.reply_json_ratio.toFixed(2)}x), summary ${f(result.cpu_ms.summary)}`,
  );
  const inProcess = Object.entries(result.summary_in_process_ms)
    .map(([by, ms]) => `${by === 'none' ? 'total' : `--by ${by}`} ${f(ms)}`)
    .join(', ');
  console.log(`  runStatsSummary in process     ${inProcess}`);
  console.log(
    `  runReplies in process          ${Object.entries(result.replies_in_process_ms)
      .map(([name, ms]) => `${name} ${f(ms)}`)
      .join(', ')}`,
  );
  console.log(
    `  CPU time replies (median)      ${f(result.cpu_ms.replies)} (${result.cpu_ms.replies_ratio.toFixed(2)}x node -e 0)`,
  );
  console.log(
    `targets: reply ${result.targets.reply_ok ? 'met' : 'MISSED'}, summary ${result.targets.summary_ok ? 'met' : 'MISSED'}`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const options = parseArgs(process.argv.slice(2));
    const result = await benchStats(options);
    if (options.json) console.log(JSON.stringify(result, null, 2));
    else print(result);
    if (options.write) {
      writeBenchmarksSection(ROOT, 'stats', markdown(result));
      if (!options.json) console.log('BENCHMARKS.md: `## stats` updated');
    }
    if (options.check && !(result.targets.reply_ok && result.targets.summary_ok)) process.exitCode = 1;
  } catch (error) {
    console.error(`bench/stats: ${error.message}`);
    process.exitCode = 1;
  }
}
