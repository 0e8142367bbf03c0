/**
 * The operator's time zone: an IANA name from `TZ` when it is one Intl knows; the system's zone when TZ
 * is unset or a path (`:/etc/localtime`); otherwise UTC, with a warning to show once. A read-only report
 * should not fail over its zone, but neither should it name no zone at all: with a TZ it does not know,
 * the process's own default comes back undefined ("Times in undefined.").
 */
export function resolveTimeZone(tz: string | undefined): { timeZone: string; warning: string | null } {
  const given = tz?.trim() ?? '';
  const wanted = given.replace(/^:/, '');
  if (wanted !== '' && !wanted.startsWith('/')) {
    const known = knownZone(wanted);
    if (known !== null) return { timeZone: known, warning: null };
    return {
      timeZone: 'UTC',
      warning: `TZ "${given}" is not a time zone this system knows; times are shown in UTC`,
    };
  }
  const system = knownZone(new Intl.DateTimeFormat().resolvedOptions().timeZone);
  return system === null
    ? { timeZone: 'UTC', warning: 'the system time zone is unknown; times are shown in UTC' }
    : { timeZone: system, warning: null };
}

function knownZone(name: string | undefined): string | null {
  if (name === undefined || name === '' || name === 'Etc/Unknown') return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** Minutes east of UTC in force in the zone at an instant ("GMT+05:30" → 330). */
export function utcOffsetMinutes(at: Date, timeZone: string): number {
  let format = offsetFormats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    offsetFormats.set(timeZone, format);
  }
  const name = format.formatToParts(at).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /^GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
  if (match === null) return 0;
  return (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3] ?? 0));
}

/**
 * The zone's UTC offsets over [from, to], as spans each ending where the next offset starts (the last one
 * open-ended), so a store can fold UTC times into local days in one pass. Checked day by day; each change
 * is then located to the minute (zones change offset on whole minutes).
 */
export function offsetSpans(
  timeZone: string,
  from: Date,
  to: Date,
): Array<{ until: string | null; offsetMinutes: number }> {
  const [MINUTE, DAY] = [60_000, 86_400_000];
  const spans: Array<{ until: string | null; offsetMinutes: number }> = [];
  // Whole minutes throughout, so the search below always lands on the minute the offset changes.
  let at = Math.floor((from.getTime() - DAY) / MINUTE) * MINUTE;
  let offset = utcOffsetMinutes(new Date(at), timeZone);
  const end = Math.ceil((to.getTime() + DAY) / MINUTE) * MINUTE;
  while (at < end) {
    const next = Math.min(at + DAY, end);
    const nextOffset = utcOffsetMinutes(new Date(next), timeZone);
    if (nextOffset !== offset) {
      let [low, high] = [at, next];
      while (high - low > MINUTE) {
        const middle = low + Math.max(1, Math.floor((high - low) / (2 * MINUTE))) * MINUTE;
        if (utcOffsetMinutes(new Date(middle), timeZone) === offset) low = middle;
        else high = middle;
      }
      spans.push({ until: new Date(high).toISOString(), offsetMinutes: offset });
      offset = nextOffset;
    }
    at = next;
  }
  spans.push({ until: null, offsetMinutes: offset });
  return spans;
}
