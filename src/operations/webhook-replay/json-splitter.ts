/** One top-level JSON value (or one element of a top-level array) as text, or why the stream broke. */
export type SplitPiece =
  | { kind: 'value'; line: number; text: string }
  | { kind: 'error'; line: number; message: string; fatal: boolean };

export const DEFAULT_MAX_VALUE_CHARS = 32 * 1024 * 1024;

type ValueKind = 'bracket' | 'string' | 'scalar';

/**
 * Splits JSON text arriving in chunks into values without parsing the whole: a file of one object, of
 * several objects one after another (pretty-printed or NDJSON), or one huge array whose elements come
 * out one at a time. Only the value being read is held in memory, so a 100,000-event array costs one
 * event. It tracks strings and bracket depth only; each value's own syntax is left to JSON.parse, which
 * the caller runs on each piece so that a bad element is reported on its line and the rest survive.
 */
export class JsonValueSplitter {
  private line = 1;
  private inArray = false;
  private expectComma = false;
  private dead = false;
  private value: {
    kind: ValueKind;
    line: number;
    parts: string[];
    chars: number;
    depth: number;
    inString: boolean;
    escape: boolean;
    oversize: boolean;
  } | null = null;

  constructor(private readonly maxValueChars = DEFAULT_MAX_VALUE_CHARS) {}

  push(chunk: string): SplitPiece[] {
    const out: SplitPiece[] = [];
    let segment = 0;
    for (let i = 0; i < chunk.length && !this.dead; i += 1) {
      const c = chunk[i] as string;
      const value = this.value;
      if (value !== null) {
        const end = this.scan(value, c);
        if (end === 'include') {
          this.finish(out, chunk.slice(segment, i + 1));
        } else if (end === 'before') {
          this.finish(out, chunk.slice(segment, i));
          i -= 1; // the delimiter belongs to the structure around the value
          continue;
        }
        if (c === '\n') this.line += 1;
        continue;
      }
      if (c === '\n') this.line += 1;
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\uFEFF') continue;
      if (this.inArray && this.expectComma) {
        if (c === ',') this.expectComma = false;
        else if (c === ']') this.inArray = false;
        else this.fail(out, `expected "," or "]" between array elements, found "${c}"`);
        continue;
      }
      if (c === ']' && this.inArray) {
        this.inArray = false;
        continue;
      }
      if (c === '[' && !this.inArray) {
        this.inArray = true;
        continue;
      }
      segment = i;
      this.value = {
        kind: c === '{' || c === '[' ? 'bracket' : c === '"' ? 'string' : 'scalar',
        line: this.line,
        parts: [],
        chars: 0,
        depth: c === '{' || c === '[' ? 1 : 0,
        inString: c === '"',
        escape: false,
        oversize: false,
      };
    }
    if (this.value !== null && !this.dead) this.keep(chunk.slice(segment));
    return out;
  }

  end(): SplitPiece[] {
    const out: SplitPiece[] = [];
    if (this.dead) return out;
    if (this.value !== null) {
      if (this.value.kind === 'scalar') this.finish(out, '');
      else
        this.fail(
          out,
          `the value that starts on line ${this.value.line} is not closed before the end of the file`,
          this.value.line,
        );
    } else if (this.inArray) {
      this.fail(out, 'the array is not closed before the end of the file');
    }
    return out;
  }

  /** Whether `c` ends the current value, and whether `c` itself is part of it. */
  private scan(value: NonNullable<JsonValueSplitter['value']>, c: string): 'include' | 'before' | null {
    if (value.inString) {
      if (value.escape) value.escape = false;
      else if (c === '\\') value.escape = true;
      else if (c === '"') {
        value.inString = false;
        if (value.kind === 'string') return 'include';
      }
      return null;
    }
    if (value.kind === 'scalar')
      return c === ',' || c === ']' || c === ' ' || c === '\t' || c === '\r' || c === '\n' ? 'before' : null;
    if (c === '"') value.inString = true;
    else if (c === '{' || c === '[') value.depth += 1;
    else if (c === '}' || c === ']') {
      value.depth -= 1;
      if (value.depth === 0) return 'include';
    }
    return null;
  }

  private keep(text: string): void {
    const value = this.value;
    if (value === null || value.oversize || text === '') return;
    value.chars += text.length;
    if (value.chars > this.maxValueChars) {
      // Keep scanning to find its end, but stop holding it: one oversized record must not exhaust memory.
      value.oversize = true;
      value.parts = [];
      return;
    }
    value.parts.push(text);
  }

  private finish(out: SplitPiece[], tail: string): void {
    const value = this.value;
    if (value === null) return;
    this.keep(tail);
    this.value = null;
    if (this.inArray) this.expectComma = true;
    if (value.oversize)
      out.push({
        kind: 'error',
        line: value.line,
        message: `record larger than ${this.maxValueChars} characters`,
        fatal: false,
      });
    else out.push({ kind: 'value', line: value.line, text: value.parts.join('') });
  }

  private fail(out: SplitPiece[], message: string, line = this.line): void {
    // Past a structural error there is no telling where the next element starts; the caller stops.
    this.dead = true;
    this.value = null;
    out.push({ kind: 'error', line, message, fatal: true });
  }
}
