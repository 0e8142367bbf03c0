import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/context.js';
import type { Prompter } from '../../src/cli/prompts.js';
import { assertNoSecretLeak } from './secret-guard.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  now?: () => Date;
  prompter?: Prompter;
  tty?: boolean;
  /** The terminal width the CLI lays out for (`process.stdout.columns`); unset is an unknown width (80). */
  columns?: number;
  /** Piped to the CLI's standard input, then closed; without it stdin stays open and empty. */
  stdin?: string | Buffer;
  onParsed?: CliIo['onParsed'];
}

function capture(tty: boolean) {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean };
  stream.isTTY = tty;
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { stream, read: () => text };
}

/** Runs the CLI in-process with captured streams; the environment is isolated from the test runner's. */
export async function runCliInProcess(args: string[], options: RunCliOptions = {}): Promise<CliRun> {
  const tty = options.tty ?? false;
  const stdout = capture(tty);
  const stderr = capture(tty);
  const stdin = new PassThrough() as PassThrough & { isTTY?: boolean };
  stdin.isTTY = tty;
  if (options.stdin !== undefined) stdin.end(options.stdin);
  const io: CliIo = {
    stdin,
    stdout: stdout.stream,
    stderr: stderr.stream,
    env: { ...(options.env ?? { CI: '1' }) },
    cwd: options.cwd ?? process.cwd(),
    now: options.now ?? (() => new Date()),
    ...(options.columns === undefined ? {} : { columns: options.columns }),
    ...(options.prompter ? { prompter: options.prompter } : {}),
    ...(options.onParsed ? { onParsed: options.onParsed } : {}),
  };
  const code = await runCli(args, io);
  await new Promise((resolve) => setImmediate(resolve));
  const run = { code, stdout: stdout.read(), stderr: stderr.read() };
  assertNoSecretLeak(args, io.env, { stdout: run.stdout, stderr: run.stderr });
  return run;
}
