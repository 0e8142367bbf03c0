import { WebhookHttpError } from './errors.js';

export const UTF8 = 'utf-8';

export interface DecodedBody {
  text: string;
  /** The WHATWG name of the charset it was decoded from (`latin1` and `iso-8859-1` are `windows-1252`). */
  encoding: string;
}

interface Decoder {
  encoding: string;
  decode(bytes: Uint8Array): string;
}

const utf8: Decoder = new TextDecoder(UTF8, { fatal: true });

// WHATWG's index-windows-1252 for bytes 0x80-0x9f (`latin1` and `iso-8859-1` are labels of it). Node 20.18.3
// and later decode them as ISO-8859-1 instead, e.g. 0x80 as U+0080 rather than € (nodejs/node#56542).
const WINDOWS_1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';
const windows1252: Decoder = {
  encoding: 'windows-1252',
  decode: (bytes) =>
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      .toString('latin1')
      .replace(/[\x80-\x9f]/g, (c) => WINDOWS_1252_HIGH[c.charCodeAt(0) - 0x80]!),
};

/** The decoder for a charset label, or null when TextDecoder does not know the label. */
function decoderFor(label: string, fatal: boolean): Decoder | null {
  let decoder: Decoder;
  try {
    decoder = new TextDecoder(label, { fatal });
  } catch {
    return null;
  }
  return decoder.encoding === windows1252.encoding ? windows1252 : decoder;
}

/**
 * The body's bytes as text, in the charset its Content-Type declares (UTF-8 when none): some relays send
 * `charset=latin1`, and reading those bytes as UTF-8 would refuse an event that is fine. Throws 415 for
 * a charset TextDecoder does not know, 400 for bytes that are not what the charset says.
 */
export function decodeBody(raw: Uint8Array, contentType: string | undefined): DecodedBody {
  const declared = declaredCharset(contentType);
  const decoder = declared === null ? utf8 : decoderFor(declared, true);
  if (decoder === null)
    throw new WebhookHttpError(
      415,
      `unsupported charset "${declared}": send UTF-8 (or declare latin1, iso-8859-1 or windows-1252)`,
    );
  try {
    return { text: decoder.decode(raw), encoding: decoder.encoding };
  } catch {
    throw new WebhookHttpError(
      400,
      `the body is not valid ${decoder.encoding === UTF8 ? 'UTF-8' : decoder.encoding}`,
    );
  }
}

/** `application/json; charset="UTF-8"` → `UTF-8`; null when no charset (or an empty one) is given. */
export function declaredCharset(contentType: string | undefined): string | null {
  for (const parameter of (contentType ?? '').split(';').slice(1)) {
    const equals = parameter.indexOf('=');
    if (equals === -1 || parameter.slice(0, equals).trim().toLowerCase() !== 'charset') continue;
    const value = parameter
      .slice(equals + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .trim();
    return value === '' ? null : value;
  }
  return null;
}

/**
 * Decodes a form value's `+` and `%XX` escapes, the escaped bytes read in `encoding` (URLSearchParams
 * always reads them as UTF-8, so it does the UTF-8 case). A bad escape stays as written, as it does there.
 */
export function createFormDecoder(encoding: string): (text: string) => string {
  const decoder = decoderFor(encoding, false) ?? utf8;
  return (text) =>
    text
      .replace(/\+/g, ' ')
      .replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => decoder.decode(Buffer.from(run.replace(/%/g, ''), 'hex')));
}
