import { existsSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { displayWidth, truncateMiddle, wrap } from '../../text-width.js';

// Formatting for the `stats` renderers: times in the operator's zone, durations, and aligned columns. One
// module on purpose: every module `stats --reply` loads costs about a millisecond of start-up.

/** Presentation of stored UTC times in the operator's zone. */
export interface TimeFormatter {
  readonly timeZone: string;
  /** "2026-11-24 11:00:05 +01:00" ("UTC" for a zero offset), or "—" for an unknown time. */
  at(iso: string | null): string;
  /** "2026-11-24 11:05:05 +01:00 (5 min after sending)"; the plain time when there is no send time. */
  since(iso: string | null, sentIso: string | null): string;
}

export const NONE = '—';

/** The operator's zone; `native` when it is this process's own zone, which Date's local-time methods give. */
export interface OperatorZone {
  name: string;
  native: boolean;
  /** Set when TZ named no zone this system knows and UTC stands in: the caller shows it once. */
  warning?: string;
}

const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/**
 * The operator's zone (`TZ`, else the system's /etc/localtime) when it is this process's own zone and the
 * system's tzdata knows it: then Date's local-time methods give it without starting ICU (the first
 * Intl.DateTimeFormat costs about 30 ms, a third of `stats --reply`'s start-up budget). Null otherwise
 * (a TZ given to an in-process run, a zone missing from tzdata, a copied /etc/localtime).
 */
export function nativeZone(
  env: NodeJS.ProcessEnv,
  processEnv: NodeJS.ProcessEnv = process.env,
): OperatorZone | null {
  const wanted = env.TZ?.trim().replace(/^:/, '') ?? '';
  if ((env.TZ ?? '') !== (processEnv.TZ ?? '')) return null;
  const zoneinfo = processEnv.TZDIR || '/usr/share/zoneinfo';
  if (wanted !== '')
    return IANA_NAME.test(wanted) && !wanted.includes('..') && existsSync(join(zoneinfo, wanted))
      ? { name: wanted, native: true }
      : null;
  const system = systemZone();
  return system === null ? null : { name: system, native: true };
}

/** The operator's zone: native when possible, else named by Intl (loaded only then). */
export async function operatorZone(env: NodeJS.ProcessEnv): Promise<OperatorZone> {
  const native = nativeZone(env);
  if (native !== null) return native;
  const { resolveTimeZone } = await import('../../../core/time-zone.js');
  const { timeZone, warning } = resolveTimeZone(env.TZ);
  return { name: timeZone, native: false, ...(warning === null ? {} : { warning }) };
}

function systemZone(): string | null {
  try {
    return /zoneinfo\/(.+)$/.exec(readlinkSync('/etc/localtime'))?.[1] ?? null;
  } catch {
    return null;
  }
}

const pad = (n: number) => String(n).padStart(2, '0');

/** "+05:30", "-05:00", or "UTC" for zero. */
export function formatOffset(minutes: number): string {
  if (minutes === 0) return 'UTC';
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

export function createTimeFormatter(zone: OperatorZone | string): TimeFormatter {
  const { name, native } = typeof zone === 'string' ? { name: zone, native: false } : zone;
  const local = native ? nativeLocal : intlLocal(name);
  const at = (iso: string | null): string => {
    if (iso === null) return NONE;
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : local(date);
  };
  return {
    timeZone: name,
    at,
    since(iso, sentIso) {
      const relative = relativeToSend(iso, sentIso);
      return relative === null ? at(iso) : `${at(iso)} (${relative})`;
    },
  };
}

function nativeLocal(d: Date): string {
  const time = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return `${time} ${formatOffset(-d.getTimezoneOffset())}`;
}

function intlLocal(timeZone: string): (d: Date) => string {
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  });
  return (d) => {
    const p = Object.fromEntries(format.formatToParts(d).map((part) => [part.type, part.value]));
    const offset = /^GMT([+-])(\d{2}):?(\d{2})?/.exec(p.timeZoneName ?? '');
    const minutes =
      offset === null ? 0 : (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3] ?? 0));
    return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${formatOffset(minutes)}`;
  };
}

/** "2 h after sending", "at sending", "3 s before sending" (a webhook can beat our own send record). */
export function relativeToSend(iso: string | null, sentIso: string | null): string | null {
  if (iso === null || sentIso === null) return null;
  const ms = Date.parse(iso) - Date.parse(sentIso);
  if (Number.isNaN(ms)) return null;
  if (Math.abs(ms) < 1000) return 'at sending';
  return `${formatDuration(Math.abs(ms))} ${ms > 0 ? 'after' : 'before'} sending`;
}

const UNITS: Array<[string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['min', 60_000],
  ['s', 1000],
];

/** Two units at most, largest first: "3 d 4 h", "2 h", "5 min 10 s", "45 s", "350 ms". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1000) * 1000;
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push(`${n} ${unit}`);
    if (parts.length === 2) break;
  }
  return parts.filter((part) => !part.startsWith('0 ')).join(' ');
}

/** Plain aligned columns: cli-table3 and its width libraries cost as much start-up as the whole query. */
export interface TableOptions {
  head?: string[];
  /** Paints the header cells (colour is decided by the caller's Output). */
  paintHead?: (text: string) => string;
  indent?: string;
  /** Right-aligned columns (numbers), by index. */
  right?: ReadonlySet<number>;
}

/** Display width: colour codes take no room, CJK and emoji take two columns. */
export const visibleWidth = displayWidth;

export function renderTable(rows: readonly string[][], options: TableOptions = {}): string {
  const indent = options.indent ?? '  ';
  const all = options.head === undefined ? rows : [options.head, ...rows];
  const widths: number[] = [];
  for (const row of all) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleWidth(cell))));
  const pad = (cell: string, i: number, last: boolean) => {
    const room = ' '.repeat((widths[i] ?? 0) - visibleWidth(cell));
    return options.right?.has(i) === true ? room + cell : last ? cell : cell + room;
  };
  const line = (row: readonly string[], paint: (text: string) => string = (text) => text) =>
    indent +
    row
      .map((cell, i) => paint(pad(cell, i, i === row.length - 1)))
      .join('  ')
      .trimEnd();
  const lines = rows.map((row) => line(row));
  if (options.head !== undefined) lines.unshift(line(options.head, options.paintHead));
  return lines.join('\n');
}

/** The columns renderTable would take (indent included). */
export function tableWidth(rows: readonly string[][], head?: readonly string[], indent = 2): number {
  const widths: number[] = [];
  for (const row of head === undefined ? rows : [head, ...rows])
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleWidth(cell))));
  return indent + widths.reduce((sum, w) => sum + w, 0) + 2 * Math.max(0, widths.length - 1);
}

/**
 * A table too wide for the terminal, stacked: each row's first cell on a line of its own (a long one cut in
 * the middle), then its other cells as "head value" pairs, wrapped under it.
 */
export function renderStacked(
  rows: readonly string[][],
  head: readonly string[],
  width: number,
  paintFirst: (text: string) => string = (text) => text,
): string {
  const lines: string[] = [];
  for (const row of rows) {
    lines.push(`  ${paintFirst(truncateMiddle(row[0] ?? '', width - 2))}`);
    const pairs = row
      .slice(1)
      .map((cell, i) => (head[i + 1] === '' ? cell : `${head[i + 1]} ${cell}`))
      .filter((pair) => pair !== '');
    lines.push(...wrap(pairs.join(' · '), width - 4, '  ').map((text) => `    ${text}`));
  }
  return lines.join('\n');
}
