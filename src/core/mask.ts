/**
 * Secrets are shown as a recognisable prefix, a fixed run of dots and the last four characters,
 * so an operator can tell two keys apart without the key ever being printed whole.
 */
export function maskSecret(value: string | undefined | null): string | null {
  if (value === undefined || value === null || value === '') return null;
  const prefix = value.startsWith('api-') ? 'api-' : '';
  if (value.length - prefix.length <= 8) return `${prefix}••••••••`;
  return `${prefix}••••••••${value.slice(-4)}`;
}
