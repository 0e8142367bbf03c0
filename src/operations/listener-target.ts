import { UsageError } from '../core/errors.js';
import { listenerUrl } from '../smtp2go/portal-webhook.js';

/**
 * `--listener` of `webhook replay` and `webhook trigger`: an http(s) URL, a bare origin getting the listener
 * path. Credentials in the URL are refused: they would be printed with the result, and `--sign bearer`
 * is the way to pass a token.
 */
export function parseListenerTarget(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--listener "${value}" is not a URL`, 'e.g. --listener http://127.0.0.1:8787');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(
      `--listener "${value}" is not an http(s) URL`,
      'e.g. --listener http://127.0.0.1:8787',
    );
  if (url.username !== '' || url.password !== '')
    throw new UsageError('--listener must not carry credentials', 'use --sign bearer --secret <token>');
  return listenerUrl(value);
}
