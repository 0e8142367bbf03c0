import { UsageError } from '../core/errors.js';

/** A whole number from 1 up that survives Number() exactly (a longer one would silently name another id). */
export function parsePositiveInt(value: string, message: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < 1 || !Number.isSafeInteger(number)) throw new UsageError(message);
  return number;
}

/** `--reply <id>` as every command that takes one reads it. */
export function parseReplyId(value: string): number {
  return parsePositiveInt(value, `--reply must be a reply id (a positive whole number), not "${value}"`);
}
