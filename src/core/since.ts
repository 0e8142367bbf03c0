import { UsageError } from './errors.js';

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * `--since` (or `--until`: `flag` names it in the error): a duration back from now (`90m`, `48h`, `7d`, `2w`) or an ISO-8601 date or
 * time (`2026-09-01`, `2026-09-01T08:00:00Z`, with an offset). A date or time without a zone is UTC,
 * so the same command means the same window on every machine.
 */
export function parseSince(value: string, now: Date, flag = '--since'): Date {
  const text = value.trim();
  const relative = /^(\d+)\s*([mhdw])$/i.exec(text);
  if (relative !== null) return new Date(now.getTime() - Number(relative[1]) * (UNITS[(relative[2] ?? 'd').toLowerCase()] ?? 0));
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return checked(new Date(`${text}T00:00:00Z`), value, flag);
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) return checked(new Date(`${text.replace(' ', 'T')}Z`), value, flag);
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(text)) return checked(new Date(text.replace(' ', 'T')), value, flag);
  throw invalid(value, flag);
}

function checked(date: Date, value: string, flag: string): Date {
  if (Number.isNaN(date.getTime())) throw invalid(value, flag);
  return date;
}

function invalid(value: string, flag: string): UsageError {
  return new UsageError(`${flag} "${value}" is not a time`, 'give a duration such as 48h or 7d, or a date such as 2026-09-01 or 2026-09-01T08:00:00Z');
}
