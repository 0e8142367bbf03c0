import { UsageError } from './errors.js';

const DAY_MS = 86_400_000;
const UNITS: Record<string, number> = { h: 3_600_000, d: DAY_MS, w: 7 * DAY_MS };

/**
 * SMTP2Go retries a webhook for 48 hours, and a retry carries the same notification id: while the event's
 * row exists the retry is a duplicate; once pruned it would be stored (and counted) again. Three days
 * keeps every retry SMTP2Go can still send inside the window.
 */
export const MIN_RETENTION_MS = 3 * DAY_MS;
const MAX_RETENTION_MS = 100 * 365 * DAY_MS;

/** A retention window (`--older-than 400d`, `--retention 26w`, `72h`), in milliseconds, at least three days. */
export function parseRetentionWindow(value: string, flag: string): number {
  const match = /^(\d{1,9})\s*([hdw])$/i.exec(value.trim());
  if (match === null)
    throw new UsageError(
      `${flag} "${value}" is not a duration`,
      'give a number of days, weeks or hours, e.g. 400d, 60w or 96h',
    );
  const ms = Number(match[1]) * (UNITS[(match[2] ?? 'd').toLowerCase()] ?? DAY_MS);
  if (ms < MIN_RETENTION_MS) {
    throw new UsageError(
      `${flag} ${value.trim()} is under the 3-day minimum: SMTP2Go retries a webhook for 48 hours, and a retry of a pruned event would be stored again`,
      'use 3d or more; 400d keeps a year of history',
    );
  }
  if (ms > MAX_RETENTION_MS)
    throw new UsageError(`${flag} ${value.trim()} is longer than 100 years`, 'give a window such as 400d');
  return ms;
}

/** `400d` for a whole number of days, else hours. */
export function formatRetentionWindow(ms: number): string {
  return ms % DAY_MS === 0 ? `${ms / DAY_MS}d` : `${Math.round(ms / 3_600_000)}h`;
}
