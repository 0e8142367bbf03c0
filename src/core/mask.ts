/** Below this length a secret shows nothing but dots: four characters of a short password are too many. */
const SHOW_TAIL_FROM = 16;

/**
 * Secrets are shown as a recognisable prefix, a fixed run of dots and at most the last four characters
 * (only of a secret of 16 characters or more, so never a quarter of it), so an operator can tell two keys
 * apart without the key ever being printed whole.
 */
export function maskSecret(value: string | undefined | null): string | null {
  if (value === undefined || value === null || value === '') return null;
  const prefix = value.startsWith('api-') ? 'api-' : '';
  if (value.length - prefix.length < SHOW_TAIL_FROM) return `${prefix}••••••••`;
  return `${prefix}••••••••${value.slice(-4)}`;
}
