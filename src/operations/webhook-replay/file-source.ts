import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { FORM_TYPE, JSON_TYPE } from '../../webhook/parse-body.js';
import { DEFAULT_MAX_VALUE_CHARS, JsonValueSplitter } from './json-splitter.js';
import type { ReplaySource, SourceItem } from './source.js';

export type FileFormat = 'json' | 'ndjson' | 'form';

const SNIFF_BYTES = 64 * 1024;

/**
 * Decides how to read a file from its first bytes: `[` is a JSON array; a first line that is a whole
 * `{...}` is NDJSON (read line by line, so one bad line costs only that line); any other `{` is one or
 * more pretty-printed objects; anything else is form bodies, one per line.
 */
export function sniffFormat(head: string): FileFormat | null {
  const text = head.replace(/^\uFEFF/, '');
  const start = text.search(/\S/);
  if (start === -1) return null;
  const first = text[start];
  if (first === '[') return 'json';
  if (first !== '{') return 'form';
  const lineEnd = text.indexOf('\n', start);
  if (lineEnd === -1 && text.length >= SNIFF_BYTES) return 'json';
  const line = text.slice(start, lineEnd === -1 ? undefined : lineEnd).trim();
  return line.length > 1 && line.endsWith('}') ? 'ndjson' : 'json';
}

async function readHead(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** A file source that streams: memory holds one record (and one read chunk) at a time. */
export async function openFileSource(
  path: string,
  options: { maxRecordChars?: number } = {},
): Promise<ReplaySource & { format: FileFormat | null }> {
  const size = (await stat(path)).size;
  const format = sniffFormat(await readHead(path));
  // Opened only when reading starts, so a source that is never read holds no file descriptor.
  let stream: ReturnType<typeof createReadStream> | null = null;
  const open = (): Readable =>
    (stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 64 * 1024 }));
  return {
    positionName: 'line',
    format,
    items: itemsOf(format, open, options),
    progress: () => ({ done: format === null ? size : (stream?.bytesRead ?? 0), total: size, unit: 'bytes' }),
  };
}

/**
 * The same, from a stream read once (`--file -`, standard input): the first 64 KiB are read ahead to sniff
 * the format, then handed on ahead of the rest. The total is unknown, so progress reports bytes read only.
 */
export async function openStreamSource(
  input: AsyncIterable<Buffer | string>,
  options: { maxRecordChars?: number } = {},
): Promise<ReplaySource & { format: FileFormat | null }> {
  const chunks = input[Symbol.asyncIterator]();
  // A decoder, not chunk.toString(): a UTF-8 character split across two chunks must not become two U+FFFDs.
  const decoder = new StringDecoder('utf8');
  let bytesRead = 0;
  const nextText = async (): Promise<string | null> => {
    const next = await chunks.next();
    if (next.done === true) return null;
    bytesRead += Buffer.byteLength(next.value);
    return typeof next.value === 'string' ? next.value : decoder.write(next.value);
  };
  let head = '';
  let ended = false;
  while (head.length < SNIFF_BYTES) {
    const text = await nextText();
    if (text === null) {
      ended = true;
      head += decoder.end();
      break;
    }
    head += text;
  }
  const format = sniffFormat(head);
  async function* rest(): AsyncGenerator<string> {
    if (head !== '') yield head;
    if (ended) return;
    for (let text = await nextText(); text !== null; text = await nextText()) if (text !== '') yield text;
    const tail = decoder.end();
    if (tail !== '') yield tail;
  }
  return {
    positionName: 'line',
    format,
    items: itemsOf(format, () => Readable.from(rest()), options),
    progress: () => ({ done: bytesRead, total: null, unit: 'bytes' }),
  };
}

function itemsOf(
  format: FileFormat | null,
  open: () => Readable,
  options: { maxRecordChars?: number },
): AsyncGenerator<SourceItem> {
  if (format === null) return emptyItems();
  return format === 'json'
    ? jsonItems(open, options.maxRecordChars)
    : lineItems(open, format === 'ndjson' ? JSON_TYPE : FORM_TYPE);
}

async function* emptyItems(): AsyncGenerator<SourceItem> {}

async function* lineItems(open: () => Readable, contentType: string): AsyncGenerator<SourceItem> {
  const stream = open();
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let number = 0;
  try {
    for await (const raw of lines) {
      number += 1;
      const text = (number === 1 ? raw.replace(/^\uFEFF/, '') : raw).trim();
      if (text === '') continue;
      yield { kind: 'record', position: number, rawBody: text, contentType, stored: null };
    }
  } finally {
    lines.close();
    stream.destroy();
  }
}

async function* jsonItems(
  open: () => Readable,
  maxRecordChars = DEFAULT_MAX_VALUE_CHARS,
): AsyncGenerator<SourceItem> {
  const stream = open();
  const splitter = new JsonValueSplitter(maxRecordChars);
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      for (const piece of splitter.push(chunk)) {
        yield toItem(piece);
        if (piece.kind === 'error' && piece.fatal) return;
      }
    }
    for (const piece of splitter.end()) yield toItem(piece);
  } finally {
    stream.destroy();
  }
}

function toItem(piece: ReturnType<JsonValueSplitter['push']>[number]): SourceItem {
  if (piece.kind === 'error') return { kind: 'malformed', position: piece.line, message: piece.message };
  return { kind: 'record', position: piece.line, rawBody: piece.text, contentType: JSON_TYPE, stored: null };
}
