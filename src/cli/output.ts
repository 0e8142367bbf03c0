import type { ChalkInstance } from 'chalk';
import type { PortalError } from '../core/errors.js';
import { layoutWidth, wrap } from './text-width.js';

const JSON_VERSION = 1;

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

function colorLevel(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, json: boolean): 0 | 1 | 2 | 3 {
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
  get: (target, property) =>
    property === 'level'
      ? 0
      : property in Function.prototype
        ? (Reflect.get(target, property) as unknown)
        : PLAIN,
});

export interface Painters {
  stdout: ChalkInstance;
  stderr: ChalkInstance;
}

/** Loads chalk only when some stream will actually be coloured. */
export async function loadPainters(
  streams: OutputStreams,
  env: NodeJS.ProcessEnv,
  json: boolean,
): Promise<Painters> {
  const stdoutLevel = colorLevel(streams.stdout, env, json);
  const stderrLevel = colorLevel(streams.stderr, env, json);
  if (stdoutLevel === 0 && stderrLevel === 0) return { stdout: PLAIN, stderr: PLAIN };
  const { Chalk } = await import('chalk');
  return {
    stdout: stdoutLevel === 0 ? PLAIN : new Chalk({ level: stdoutLevel }),
    stderr: stderrLevel === 0 ? PLAIN : new Chalk({ level: stderrLevel }),
  };
}

export function createOutput(
  streams: OutputStreams,
  json: boolean,
  painters: Painters = { stdout: PLAIN, stderr: PLAIN },
): Output {
  const color = painters.stdout;
  const stderrColor = painters.stderr;
  const write = (stream: NodeJS.WritableStream, text: string) => stream.write(`${text}\n`);
  // The backstop behind the renderers' own escaping: whatever a renderer or a lower layer's log message let
  // through, no control character but a line feed (and, on a coloured stream, our own SGR colours) is written.
  const human = (stream: NodeJS.WritableStream, painter: ChalkInstance) => (text: string) =>
    write(stream, escapeControls(text, painter.level > 0 ? LINES_AND_COLOURS : LINES));
  const out = human(streams.stdout, color);
  const err = human(streams.stderr, stderrColor);
  const width = layoutWidth(streams.columns);
  // On a terminal, notices and warnings wrap at its width; into a pipe or a log (journald) each stays one line,
  // which is what a reader with grep expects. Errors stay one line everywhere (scripts read them), and data is
  // laid out by its renderer.
  const fitted = (text: string) =>
    streams.columns === undefined
      ? text
      : text
          .split('\n')
          .flatMap((line) => wrap(line, width, '  '))
          .join('\n');
  return {
    json,
    color,
    stderrColor,
    width,
    unicode: color.level > 0,
    line: (text = '') => out(text),
    info: (text) => err(fitted(text)),
    // A warning's own text cannot break its lines: they come from wrapping only, indented.
    warn: (text) =>
      err(fitted(`warning: ${escapeControls(text)}`).replace(/^warning:/, stderrColor.yellow('warning:'))),
    data: (document) => write(streams.stdout, jsonText({ version: JSON_VERSION, ...document }, 2)),
    record: (document) => write(streams.stdout, jsonText(document)),
    error: ({ code, message, hint }) => {
      if (json) {
        write(
          streams.stdout,
          jsonText({ version: JSON_VERSION, error: { code, message, hint: hint ?? null } }),
        );
        return;
      }
      const suffix = hint === undefined ? '' : ` ${stderrColor.dim(`(${escapeControls(hint)})`)}`;
      err(`${stderrColor.red('error:')} ${escapeControls(message)}${suffix}`);
    },
  };
}

// C0 controls, DEL and the C1 controls U+0080-U+009F: a terminal may read U+009B alone as ESC [ (CSI).
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
const LINES = /(\n)|[\u0000-\u001f\u007f-\u009f]/g;
const LINES_AND_COLOURS = /(\n|\u001b\[[0-9;]*m)|[\u0000-\u001f\u007f-\u009f]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(char: string): string {
  return NAMED[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * The one escaping function for text bound for a terminal. Webhook fields (a bounce message comes from a
 * remote mail server), SMTP2Go's answers, stored values and operator input can all carry ESC sequences
 * (`\u001b[2J` clears the screen), CR/LF that would forge a line of output, or C1 controls; each is shown
 * as its JSON-style escape instead (`\u001b[2J`, `\r\n`, `\u009b`). `keep` lets the output layer leave
 * its own line feeds and colours alone (the captured group).
 */
export function escapeControls(text: string, keep?: RegExp): string {
  const pattern = keep ?? CONTROLS;
  pattern.lastIndex = 0;
  if (!pattern.test(text)) return text;
  pattern.lastIndex = 0;
  // Without a `keep` group the second argument is the match's offset, not a kept text.
  return text.replace(pattern, (char: string, kept: unknown) =>
    typeof kept === 'string' ? kept : escapeOne(char),
  );
}

/**
 * A renderer's input with every string in it (object keys too) escaped, so a renderer cannot forget one.
 * Only plain objects and arrays are walked.
 */
export function escapeControlsDeep<T>(value: T): T {
  if (typeof value === 'string') return escapeControls(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => escapeControlsDeep(item)) as T;
  if (value === null || typeof value !== 'object') return value;
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return value;
  const copy = Object.create(prototype) as Record<string, unknown>;
  for (const [key, item] of Object.entries(value)) copy[escapeControls(key)] = escapeControlsDeep(item);
  return copy as T;
}

/**
 * JSON as written to stdout. JSON.stringify escapes C0 controls but writes DEL and C1 controls raw; as
 * \u escapes they are the same JSON value and cannot act on a terminal that shows the document.
 */
export function jsonText(document: unknown, indent?: number): string {
  return JSON.stringify(document, null, indent).replace(/[\u007f-\u009f]/g, escapeOne);
}
