import { UsageError } from './errors.js';

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * `--since` (or `--until`: `flag` names it in the error): a duration back from now (`90m`, `48h`, `7d`, `2w`) or an ISO-8601 date or
 * time (`2026-09-01`, `2026-09-01T08:00:00Z`, with an offset). A date or time without a zone is UTC,
 * so the same command means the same window on every machine.
 */
export function parseSince(value: string, now: Date, flag = '--since'): Date {
  const text = value.trim();
  const relative = /^(\d+)\s*([mhdw])$/i.exec(text);
  if (relative !== null) {
    const back = new Date(
      now.getTime() - Number(relative[1]) * (UNITS[(relative[2] ?? 'd').toLowerCase()] ?? 0),
    );
    if (Number.isNaN(back.getTime()))
      throw new UsageError(
        `${flag} "${value}" goes back further than any date`,
        'give a shorter duration, or a date such as 2026-09-01',
      );
    return back;
  }
  const parts = DATE_TIME.exec(text);
  if (parts === null || !fieldsExist(parts)) throw invalid(value, flag);
  const [, year, month, day, hour = '00', minute = '00', second = '00', fraction = '', zone = 'Z'] = parts;
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const parsed = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}${fraction}${offset}`);
  if (Number.isNaN(parsed.getTime())) throw invalid(value, flag);
  return parsed;
}

/**
 * Date's parser rolls impossible fields over (`2026-02-30` is March 2) or takes `24:00`; a day that does
 * not exist is a typo to report, not a time to guess.
 */
function fieldsExist(parts: RegExpExecArray): boolean {
  const [year, month, day, hour = 0, minute = 0, second = 0] = parts
    .slice(1, 7)
    .map((field) => (field === undefined ? undefined : Number(field))) as number[];
  const daysInMonth = new Date(Date.UTC(year as number, month as number, 0)).getUTCDate();
  if ((month as number) < 1 || (month as number) > 12 || (day as number) < 1 || (day as number) > daysInMonth)
    return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  const offset = /^[+-](\d{2}):?(\d{2})$/.exec(parts[8] ?? '');
  return offset === null || (Number(offset[1]) <= 23 && Number(offset[2]) <= 59);
}

function invalid(value: string, flag: string): UsageError {
  return new UsageError(
    `${flag} "${value}" is not a time`,
    'give a duration such as 48h or 7d, or a date such as 2026-09-01 or 2026-09-01T08:00:00Z',
  );
}
