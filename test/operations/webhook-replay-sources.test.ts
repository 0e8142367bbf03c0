import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import {
  openFileSource,
  openStreamSource,
  sniffFormat,
} from '../../src/operations/webhook-replay/file-source.js';
import { JsonValueSplitter, type SplitPiece } from '../../src/operations/webhook-replay/json-splitter.js';
import type { SourceItem } from '../../src/operations/webhook-replay/source.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { formBody, makeEvent, writeFile } from '../webhook/replay-harness.js';

const tempDir = useTempDir();

async function readAll(
  path: string,
  maxRecordChars?: number,
): Promise<{ format: string | null; items: SourceItem[] }> {
  const source = await openFileSource(path, maxRecordChars === undefined ? {} : { maxRecordChars });
  const items: SourceItem[] = [];
  for await (const item of source.items) items.push(item);
  return { format: source.format, items };
}

function split(text: string, chunkSize: number): SplitPiece[] {
  const splitter = new JsonValueSplitter();
  const out: SplitPiece[] = [];
  for (let i = 0; i < text.length; i += chunkSize) out.push(...splitter.push(text.slice(i, i + chunkSize)));
  return [...out, ...splitter.end()];
}

describe('JsonValueSplitter', () => {
  const tricky =
    '[\n  {"event":"open","note":"braces } ] { [ and \\"quotes\\" and , commas"},\n  {"event":"click",\n   "url":"https://x.example/?a=[1]"}\n, 42, "text", {"nested":{"a":[{"b":"}"}]}}\n]\n';

  it.each([1, 2, 3, 7, 64, 100_000])(
    'gives the same elements and start lines whatever the chunk size (%i)',
    (size) => {
      const pieces = split(tricky, size);
      expect(pieces.map((piece) => (piece.kind === 'value' ? [piece.line, piece.text] : piece))).toEqual([
        [2, '{"event":"open","note":"braces } ] { [ and \\"quotes\\" and , commas"}'],
        [3, '{"event":"click",\n   "url":"https://x.example/?a=[1]"}'],
        [5, '42'],
        [5, '"text"'],
        [5, '{"nested":{"a":[{"b":"}"}]}}'],
      ]);
    },
  );

  it('splits concatenated pretty-printed objects', () => {
    const pieces = split('{\n "event": "open"\n}\n{\n "event": "click"\n}\n', 5);
    expect(pieces).toEqual([
      { kind: 'value', line: 1, text: '{\n "event": "open"\n}' },
      { kind: 'value', line: 4, text: '{\n "event": "click"\n}' },
    ]);
  });

  it('stops with the line of a structural error, keeping what came before', () => {
    const pieces = split('[\n{"a":1}\n{"b":2}\n]', 4);
    expect(pieces[0]).toEqual({ kind: 'value', line: 2, text: '{"a":1}' });
    expect(pieces[1]).toMatchObject({ kind: 'error', line: 3, fatal: true });
    expect(pieces).toHaveLength(2);
  });

  it('reports an unclosed value and an unclosed array', () => {
    expect(split('[{"a":1},\n{"b":', 3).at(-1)).toMatchObject({
      kind: 'error',
      line: 2,
      message: expect.stringContaining('not closed'),
    });
    expect(split('[{"a":1}', 3).at(-1)).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('array is not closed'),
    });
  });

  it('does not hold an oversized record, and goes on after it', () => {
    const splitter = new JsonValueSplitter(20);
    const pieces = [
      ...splitter.push(`[{"big":"${'x'.repeat(100)}"},`),
      ...splitter.push('{"ok":1}]'),
      ...splitter.end(),
    ];
    expect(pieces).toEqual([
      { kind: 'error', line: 1, message: 'record larger than 20 characters', fatal: false },
      { kind: 'value', line: 1, text: '{"ok":1}' },
    ]);
  });
});

describe('sniffFormat', () => {
  it.each([
    ['[{"event":"open"}]', 'json'],
    ['  \n[\n', 'json'],
    ['{"event":"open"}\n{"event":"click"}\n', 'ndjson'],
    ['{"event":"open"}', 'ndjson'],
    ['{\n  "event": "open"\n}\n', 'json'],
    ['\uFEFF{"events":[{"event":"open"}]}', 'ndjson'],
    ['event=open&rcpt=a%40b.c\n', 'form'],
    ['', null],
    ['  \n\n', null],
  ])('%j → %s', (head, format) => {
    expect(sniffFormat(head)).toBe(format);
  });
});

describe('file sources', () => {
  const a = makeEvent({ event: 'open' });
  const b = makeEvent({ event: 'click', url: 'https://x.example/' });

  it('a single JSON object', async () => {
    const path = writeFile(tempDir(), 'one.json', `${JSON.stringify(a, null, 2)}\n`);
    const { format, items } = await readAll(path);
    expect(format).toBe('json');
    expect(items).toEqual([
      {
        kind: 'record',
        position: 1,
        rawBody: JSON.stringify(a, null, 2),
        contentType: 'application/json',
        stored: null,
      },
    ]);
  });

  it('a pretty JSON array: each element is a record at its own line', async () => {
    const path = writeFile(tempDir(), 'many.json', JSON.stringify([a, b], null, 2));
    const { format, items } = await readAll(path);
    expect(format).toBe('json');
    expect(items.map((item) => item.position)).toEqual([2, 2 + Object.keys(a).length + 2]);
    expect(items.map((item) => item.kind === 'record' && JSON.parse(item.rawBody))).toEqual([a, b]);
  });

  it('NDJSON: one record per line, blank lines skipped, CRLF tolerated, bad lines kept for the parser', async () => {
    const path = writeFile(
      tempDir(),
      'events.ndjson',
      `${JSON.stringify(a)}\r\n\r\n{"event": "open",\r\n${JSON.stringify(b)}\n`,
    );
    const { format, items } = await readAll(path);
    expect(format).toBe('ndjson');
    expect(
      items.map((item) => [item.position, item.kind === 'record' ? item.rawBody : '']).map(([line]) => line),
    ).toEqual([1, 3, 4]);
    expect(items[1]).toMatchObject({ rawBody: '{"event": "open",', contentType: 'application/json' });
  });

  it('form lines', async () => {
    const path = writeFile(tempDir(), 'events.form', `${formBody(a)}\n${formBody(b)}\n`);
    const { format, items } = await readAll(path);
    expect(format).toBe('form');
    expect(items).toMatchObject([
      { position: 1, rawBody: formBody(a), contentType: 'application/x-www-form-urlencoded' },
      { position: 2, rawBody: formBody(b) },
    ]);
  });

  it('an empty file has no records', async () => {
    expect((await readAll(writeFile(tempDir(), 'empty.json', '\n'))).items).toEqual([]);
  });

  it('streams a large array: progress in bytes, one record at a time', async () => {
    const events = Array.from({ length: 5000 }, (_, index) =>
      makeEvent({ event: index % 2 === 0 ? 'open' : 'delivered' }),
    );
    const path = writeFile(
      tempDir(),
      'big.json',
      `[\n${events.map((event) => JSON.stringify(event)).join(',\n')}\n]\n`,
    );
    const source = await openFileSource(path);
    let seen = 0;
    let firstProgress = -1;
    for await (const item of source.items) {
      seen += 1;
      if (seen === 1) firstProgress = source.progress().done;
      expect(item.kind).toBe('record');
      if (item.kind === 'record') expect(item.position).toBe(seen + 1);
    }
    expect(seen).toBe(5000);
    // Only one read chunk was in memory when the first record came out.
    expect(firstProgress).toBeLessThanOrEqual(64 * 1024);
    expect(source.progress()).toEqual({
      done: source.progress().total,
      total: expect.any(Number),
      unit: 'bytes',
    });
  });
});

describe('standard input (--file -)', () => {
  const a = makeEvent({ event: 'open', note: 'Zoë 📬 naïve' });
  const b = makeEvent({ event: 'click', url: 'https://x.example/' });

  /** The bytes in chunks of `size`, so multi-byte characters are cut in half at chunk edges. */
  function chunked(text: string, size: number): Readable {
    const bytes = Buffer.from(text, 'utf8');
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
    return Readable.from(chunks);
  }

  async function readStream(
    input: Readable,
  ): Promise<{ format: string | null; items: SourceItem[]; done: number; total: number | null }> {
    const source = await openStreamSource(input);
    const items: SourceItem[] = [];
    for await (const item of source.items) items.push(item);
    return { format: source.format, items, ...source.progress() };
  }

  const big = `[\n${Array.from({ length: 2000 }, (_, index) => JSON.stringify(makeEvent({ event: index % 2 === 0 ? 'open' : 'delivered', note: 'ü'.repeat(index % 7) }))).join(',\n')}\n]\n`;
  const cases: Array<[string, string]> = [
    ['a JSON array', JSON.stringify([a, b], null, 2)],
    [
      'NDJSON with CRLF and a bad line',
      `${JSON.stringify(a)}\r\n\r\n{"event": "open",\r\n${JSON.stringify(b)}\n`,
    ],
    ['form lines', `${formBody(a)}\n${formBody(b)}\n`],
    ['a single pretty object', `${JSON.stringify(a, null, 2)}\n`],
    ['nothing at all', ''],
    ['an array far past the 64 KiB read ahead to sniff it', big],
  ];

  it.each(cases)(
    'reads %s exactly as the same bytes in a file, whatever the chunk size',
    async (_name, text) => {
      const fromFile = await readAll(writeFile(tempDir(), 'same.txt', text));
      // Byte-sized chunks for the small inputs; the big one in odd sizes that still split its two-byte ü.
      for (const size of text.length > 10_000 ? [997, 4096, 1 << 20] : [1, 3, 4096, 1 << 20]) {
        const fromStdin = await readStream(chunked(text, size));
        expect(fromStdin.format).toBe(fromFile.format);
        expect(fromStdin.items).toEqual(fromFile.items);
        expect(fromStdin.done).toBe(Buffer.byteLength(text));
        expect(fromStdin.total).toBeNull();
      }
    },
  );

  it('reads ahead only what it needs to sniff the format, then streams', async () => {
    let pulled = 0;
    async function* lines() {
      for (let index = 0; index < 5000; index += 1) {
        pulled += 1;
        yield `${JSON.stringify(makeEvent({ event: 'open' }))}\n`;
      }
    }
    const source = await openStreamSource(lines());
    expect(source.format).toBe('ndjson');
    const pulledBeforeReading = pulled;
    expect(pulledBeforeReading).toBeLessThan(5000);
    let seen = 0;
    for await (const item of source.items) {
      expect(item).toMatchObject({ kind: 'record', position: seen + 1 });
      seen += 1;
    }
    expect(seen).toBe(5000);
  });
});
