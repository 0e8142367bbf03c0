import type { ChalkInstance } from 'chalk';
import type { PortalError } from '../core/errors.js';
import { layoutWidth, wrap } from './text-width.js';

export const JSON_VERSION = 1;

export interface OutputStreams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** The terminal's width (`process.stdout.columns`); undefined when stdout is not a terminal. */
  columns?: number;
}

/**
 * The one place that decides colour and where text goes: data to stdout, everything else to stderr.
 * chalk 5 ignores NO_COLOR, so it is mapped here.
 */
export interface Output {
  readonly json: boolean;
  readonly color: ChalkInstance;
  readonly stderrColor: ChalkInstance;
  /** Columns human output is laid out for: the terminal's, 80 when unknown. */
  readonly width: number;
  /** Box-drawing and block characters for pictures; plain ASCII when stdout is not coloured (a pipe, NO_COLOR). */
  readonly unicode: boolean;
  /** A line of data (human mode) on stdout. */
  line(text?: string): void;
  /** Progress, warnings and notices on stderr. */
  info(text: string): void;
  warn(text: string): void;
  /** One JSON document on stdout, always carrying the contract version. */
  data(document: Record<string, unknown>): void;
  /** One NDJSON record on stdout (for streaming commands such as `webhook serve --json`). */
  record(document: Record<string, unknown>): void;
  error(error: Pick<PortalError, 'code' | 'message' | 'hint'>): void;
}

/**
 * A failure the command has already reported (its --json document carries the error, or its own output
 * says what failed): the error boundary in main.ts prints nothing more and exits with `exitCode`. It is
 * declared here, in the module main.ts loads anyway, so the `stats --reply` fast path loads nothing more.
 */
export class ReportedFailure extends Error {
  readonly exitCode: number;

  constructor(readonly failure: PortalError) {
    super(failure.message, { cause: failure });
    this.name = 'ReportedFailure';
    this.exitCode = failure.exitCode;
  }
}

export function colorLevel(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, json: boolean): 0 | 1 | 2 | 3 {
  if (json) return 0;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return 1;
  if (!stream.isTTY || env.TERM === 'dumb') return 0;
  return 1;
}

/**
 * A colourless stand-in with chalk's chaining API (`color.red.bold(text)` returns text unchanged).
 * Most runs (pipes, --json, CI, benchmarks) never colour anything, so chalk is not even loaded for them.
 */
const PLAIN: ChalkInstance = new Proxy(((...text: unknown[]) => text.join(' ')) as unknown as ChalkInstance, {
  get: (target, property) => (property === 'level' ? 0 : property in Function.prototype ? Reflect.get(target, property) : PLAIN),
});

export interface Painters {
  stdout: ChalkInstance;
  stderr: ChalkInstance;
}

/** Loads chalk only when some stream will actually be coloured. */
export async function loadPainters(streams: OutputStreams, env: NodeJS.ProcessEnv, json: boolean): Promise<Painters> {
  const stdoutLevel = colorLevel(streams.stdout, env, json);
  const stderrLevel = colorLevel(streams.stderr, env, json);
  if (stdoutLevel === 0 && stderrLevel === 0) return { stdout: PLAIN, stderr: PLAIN };
  const { Chalk } = await import('chalk');
  return {
    stdout: stdoutLevel === 0 ? PLAIN : new Chalk({ level: stdoutLevel }),
    stderr: stderrLevel === 0 ? PLAIN : new Chalk({ level: stderrLevel }),
  };
}

export function createOutput(streams: OutputStreams, json: boolean, painters: Painters = { stdout: PLAIN, stderr: PLAIN }): Output {
  const color = painters.stdout;
  const stderrColor = painters.stderr;
  const write = (stream: NodeJS.WritableStream, text: string) => stream.write(`${text}\n`);
  const width = layoutWidth(streams.columns);
  // Notices and warnings wrap at the width; errors stay one line (scripts read them) and data is laid out by its renderer.
  const fitted = (text: string) => text.split('\n').flatMap((line) => wrap(line, width, '  ')).join('\n');
  return {
    json,
    color,
    stderrColor,
    width,
    unicode: color.level > 0,
    line: (text = '') => write(streams.stdout, text),
    info: (text) => write(streams.stderr, fitted(text)),
    warn: (text) => write(streams.stderr, fitted(`warning: ${text}`).replace(/^warning:/, stderrColor.yellow('warning:'))),
    data: (document) => write(streams.stdout, JSON.stringify({ version: JSON_VERSION, ...document }, null, 2)),
    record: (document) => write(streams.stdout, JSON.stringify(document)),
    error: ({ code, message, hint }) => {
      if (json) {
        write(streams.stdout, JSON.stringify({ version: JSON_VERSION, error: { code, message, hint: hint ?? null } }));
        return;
      }
      const suffix = hint === undefined ? '' : ` ${stderrColor.dim(`(${oneLine(hint)})`)}`;
      write(streams.stderr, `${stderrColor.red('error:')} ${oneLine(message)}${suffix}`);
    },
  };
}

/**
 * Error text often echoes what the operator typed; a CR/LF in it (`--recipient $'a@b\r\nX: y'`) would
 * split the error over lines and could forge a log line. Control characters are shown escaped instead.
 */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (char) => JSON.stringify(char).slice(1, -1));
}
