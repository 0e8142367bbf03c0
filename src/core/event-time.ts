// Epoch values above this are milliseconds: 1e11 seconds is the year 5138, 1e11 ms is 1973.
const EPOCH_MS_THRESHOLD = 1e11;

/**
 * An event's `time` as a Date in UTC: ISO-8601 with `Z` or any offset (a zone-less time is UTC, as
 * SMTP2Go sends UTC), or epoch seconds or milliseconds (some relays send those). Null when absent or
 * not a time, so the caller stands in the receipt time and says so, instead of dropping the event.
 */
export function parseEventTime(value: string | null): Date | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) {
    const number = Number(text);
    return valid(new Date(number >= EPOCH_MS_THRESHOLD ? number : number * 1000));
  }
  const iso =
    /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(text);
  if (iso === null) return null;
  const [, date, clock, zone] = iso;
  const offset = zone === undefined ? 'Z' : normaliseOffset(zone);
  return valid(new Date(`${date}T${(clock ?? '').replace(',', '.')}${offset}`));
}

function normaliseOffset(zone: string): string {
  if (/^z$/i.test(zone)) return 'Z';
  const match = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  return match === null ? zone : `${match[1]}${match[2]}:${match[3] ?? '00'}`;
}

function valid(date: Date): Date | null {
  const time = date.getTime();
  // Outside 1990..2200 is a unit mix-up or garbage, not an event time.
  return Number.isNaN(time) || time < 631_152_000_000 || time > 7_258_118_400_000 ? null : date;
}
