import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');
export const BIN = join(REPO_ROOT, 'bin', 'smtp2go-portal.js');

/** For a beforeAll: the binary runs dist/, which only `npm run build` (npm test's pretest) makes. */
export function assertBuilt(): void {
  if (!existsSync(join(REPO_ROOT, 'dist', 'cli', 'main.js')))
    throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
}

/** The whole environment of a binary run: PATH, its own HOME, CI=1 (no prompts), and `extra`; nothing else leaks in from the runner. */
export function binaryEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', HOME: home, CI: '1', ...extra };
}

export interface BinaryRunOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to the binary's standard input, which is then closed; without it stdin stays an open, empty pipe. */
  input?: string;
  timeoutMs?: number;
}

export interface BinaryRun {
  /** The exit code; 128 + the signal's number when a signal ended it (as a shell reports it), so a killed hang never passes for an exit 1. */
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from start to exit, for the "exits at once" checks. */
  ms: number;
}

/**
 * Runs `node bin/smtp2go-portal.js ...args` to its end. One past its timeout is killed outright: a hang is
 * the failure being reported, not something to shut down politely.
 */
export function runBinary(args: string[], options: BinaryRunOptions): Promise<BinaryRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: options.env,
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 15_000,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      resolve({
        code: code ?? 128 + (signal === null ? 0 : constants.signals[signal]),
        signal,
        stdout,
        stderr,
        ms: Date.now() - started,
      });
    });
    // A binary that exits before reading its input closes the pipe under us; its exit code tells that story.
    child.stdin.on('error', () => {});
    if (options.input !== undefined) child.stdin.end(options.input);
  });
}

export type BinaryProcess = ChildProcessByStdio<null, Readable, Readable>;

/** Starts the binary and leaves it running (a listener, a `cmd &` job); stdin is closed, stdout and stderr are pipes. */
export function spawnBinary(
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string },
): BinaryProcess {
  return spawn(process.execPath, [BIN, ...args], {
    env: options.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
