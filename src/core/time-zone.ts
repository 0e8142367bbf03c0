/**
 * The operator's time zone: an IANA name from `TZ` when it is one Intl knows, otherwise the
 * process default. POSIX forms such as `UTC0` or `:/etc/localtime` are not names, so they fall back.
 */
export function resolveTimeZone(tz: string | undefined): string {
  const wanted = tz?.trim().replace(/^:/, '');
  if (wanted !== undefined && wanted !== '') {
    try {
      return new Intl.DateTimeFormat('en-US', { timeZone: wanted }).resolvedOptions().timeZone;
    } catch {
      // Not a zone Intl knows: use the process default rather than failing a read-only report.
    }
  }
  return new Intl.DateTimeFormat().resolvedOptions().timeZone;
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** `YYYY-MM-DD` of an instant in the given zone. */
export function localDay(at: Date, timeZone: string): string {
  let format = dayFormats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}
