/** `--db postgres://…` or `postgresql://…` selects PostgreSQL; any other value is a SQLite path. */
export function isPostgresLocation(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * The URL as it may be printed: the password (in the authority or as a `password` parameter) replaced by
 * `***`, so a store's name is safe in logs, errors and `configure --show`.
 */
export function redactPostgresUrl(location: string): string {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    // Unparseable: show only the scheme, which is all that can be trusted not to hold a secret.
    return `${location.slice(0, location.indexOf(':'))}://***`;
  }
  if (url.password !== '') url.password = '***';
  if (url.searchParams.has('password')) url.searchParams.set('password', '***');
  return url.toString().replace(/%2A%2A%2A/g, '***');
}
