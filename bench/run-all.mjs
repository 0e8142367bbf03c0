#!/usr/bin/env node
// Runs every benchmark in bench/, one after the other, each as its own child process (so one script's heap,
// servers and stores never skew the next), passing through the options they all share.
//
//   npm run bench                 (builds first)
//   node bench/run-all.mjs [--quick] [--write|--no-write]
//
// A full run rewrites each script's table in BENCHMARKS.md; --quick only prints unless --write. For a
// script's own options, run it directly (see the comment at its top).
//
// A script that is not there yet is skipped with a note; one that fails is reported and the rest still run.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const SCRIPTS = [
  { file: 'webhook-throughput.mjs', section: 'webhook serve' },
  { file: 'stats.mjs', section: 'stats' },
  { file: 'replay.mjs', section: 'webhook replay' },
  { file: 'dashboard.mjs', section: 'dashboard' },
  { file: 'tracking.mjs', section: 'first-party tracking' },
  { file: 'postgres-listeners.mjs', section: 'webhook serve on PostgreSQL' },
  { file: 'postgres-stats.mjs', section: 'stats on PostgreSQL' },
];

const SHARED = new Set(['--quick', '--write', '--no-write']);
const args = process.argv.slice(2);
const unknown = args.filter((arg) => !SHARED.has(arg));
if (unknown.length > 0) {
  console.error(
    `run-all: ${unknown.join(' ')} is not shared by every script (use --quick, --write, --no-write); run the script in bench/ directly for its own options`,
  );
  process.exit(2);
}
const summary = [];
for (const { file, section } of SCRIPTS) {
  const path = join(HERE, file);
  if (!existsSync(path)) {
    summary.push(`${file.padEnd(24)} skipped (not in bench/ yet)`);
    console.error(`\n== ${file}: skipped, bench/${file} does not exist yet`);
    continue;
  }
  console.error(`\n== ${file} (${section}) ${args.join(' ')}`.trimEnd());
  const started = Date.now();
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [path, ...args], { stdio: 'inherit' });
    child.once('error', () => resolve(1));
    child.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
  });
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  summary.push(`${file.padEnd(24)} ${code === 0 ? 'ok' : `FAILED (exit ${code})`} in ${seconds} s`);
  if (code !== 0) process.exitCode = 1;
}
console.error(`\n== summary\n${summary.join('\n')}`);
