/** Presentation of stored UTC times in the operator's zone, for the `stats` tables. */
export interface TimeFormatter {
  readonly timeZone: string;
  /** "2026-11-24 11:00:05 CET", or "—" for an unknown time. */
  at(iso: string | null): string;
  /** "2026-11-24 11:05:05 CET (5 min after sending)"; the plain time when there is no send time. */
  since(iso: string | null, sentIso: string | null): string;
}

export const NONE = '—';

export function createTimeFormatter(timeZone: string): TimeFormatter {
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    hourCycle: 'h23', timeZoneName: 'short',
  });
  const at = (iso: string | null): string => {
    if (iso === null) return NONE;
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return iso;
    const p = Object.fromEntries(format.formatToParts(date).map((part) => [part.type, part.value]));
    return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${zoneName(date, p.timeZoneName ?? '')}`;
  };
  // ICU knows each zone's abbreviation only in some locales (en-GB: CET, BST; en-US: EST, PDT); elsewhere
  // it gives the offset ("GMT+1"), which is still exact.
  let american: Intl.DateTimeFormat | undefined;
  const zoneName = (date: Date, british: string): string => {
    if (!/^GMT[+-]/.test(british)) return british;
    american ??= new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'short' });
    const name = american.formatToParts(date).find((part) => part.type === 'timeZoneName')?.value ?? british;
    return /^GMT[+-]/.test(name) ? british : name;
  };
  return {
    timeZone,
    at,
    since(iso, sentIso) {
      const relative = relativeToSend(iso, sentIso);
      return relative === null ? at(iso) : `${at(iso)} (${relative})`;
    },
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

const UNITS: Array<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['min', 60_000], ['s', 1000]];

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
