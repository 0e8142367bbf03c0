// Terminal columns a text takes, and the few ways renderers make text fit them. No dependency on purpose:
// `stats --reply` loads this, and string-width with its emoji tables costs more start-up than its query.

/** What a terminal is assumed to be when it does not say (a pipe, a file, CI). */
const DEFAULT_COLUMNS = 80;
/** Narrower than this, no layout can be kept tidy; renderers lay out for this width and the terminal wraps. */
const MIN_COLUMNS = 40;

/** The width to lay out for: the terminal's when it reports one, else 80. */
export function layoutWidth(columns: number | undefined): number {
  if (columns === undefined || !Number.isFinite(columns) || columns <= 0) return DEFAULT_COLUMNS;
  return Math.max(MIN_COLUMNS, Math.floor(columns));
}

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;
// Variation selectors (U+FE00-FE0F) are Mn and the zero-width space (U+200B) is Cf: both take no column.
const ZERO_WIDTH = /[\p{Mn}\p{Me}\p{Cf}]/u;
const EMOJI = /\p{Emoji_Presentation}/u;

// East Asian Wide and Fullwidth blocks (Unicode 15, UAX #11), the ranges a help-desk subject or name uses.
const WIDE: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f],
  [0x231a, 0x231b],
  [0x2329, 0x232a],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x1b000, 0x1b2ff],
  [0x1f200, 0x1f2ff],
  [0x20000, 0x2fffd],
  [0x30000, 0x3fffd],
];

function isWide(code: number): boolean {
  if (code < 0x1100) return false;
  for (const [from, to] of WIDE) if (code >= from && code <= to) return true;
  return false;
}

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** Columns on a terminal: colour codes and combining marks take none, CJK and emoji two, the rest one. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of stripAnsi(text)) {
    const code = char.codePointAt(0) as number;
    if (code < 0x20 || (code >= 0x7f && code < 0xa0)) continue;
    if (code < 0x300) width += 1;
    else if (ZERO_WIDTH.test(char)) continue;
    else width += isWide(code) || EMOJI.test(char) ? 2 : 1;
  }
  return width;
}

/** Cuts plain text (no colour codes) to `width` columns, ending with "…" when something was cut. */
export function truncate(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const char of text) {
    const w = displayWidth(char);
    if (used + w > width - 1) break;
    out += char;
    used += w;
  }
  return `${out}…`;
}

/** Cuts the middle out of plain text (a URL keeps its host and its end): "https://help.example.com/…/article-42". */
export function truncateMiddle(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  const chars = [...text];
  const keepEnd = Math.floor((width - 1) / 3);
  let end = '';
  for (let i = chars.length - 1, used = 0; i >= 0; i -= 1) {
    const w = displayWidth(chars[i] as string);
    if (used + w > keepEnd) break;
    end = chars[i] + end;
    used += w;
  }
  return `${truncate(text, width - displayWidth(end)).slice(0, -1)}…${end}`;
}

/**
 * Word-wraps text to `width` columns; a word longer than a line is split. Continuation lines start with
 * `indent` (counted in the width). Spacing the text has itself (a leading indent, a padded column) is kept;
 * only where wrapping starts a line is it dropped.
 */
export function wrap(text: string, width: number, indent = ''): string[] {
  // A line that fits is kept as it is, spacing included.
  if (displayWidth(text) <= width) return [text];
  const lines: string[] = [];
  let line = '';
  const room = () => Math.max(1, width - (lines.length === 0 ? 0 : displayWidth(indent)));
  const push = () => {
    lines.push(lines.length === 0 ? line : indent + line);
    line = '';
  };
  for (const [, spaces = '', word = ''] of text.matchAll(/( *)([^ ]+)/g)) {
    let gap = line === '' && lines.length > 0 ? '' : spaces;
    let rest = word;
    while (rest !== '') {
      if (displayWidth(line) + gap.length + displayWidth(rest) <= room()) {
        line += gap + rest;
        rest = '';
      } else if (line.trim() !== '') {
        push();
        gap = '';
      } else {
        // Nothing but spacing on the line yet: split the word where the line ends.
        const left = Math.max(1, room() - displayWidth(line) - gap.length);
        const head = truncate(rest, left + 1).slice(0, -1) || ([...rest][0] as string);
        line += gap + head;
        rest = rest.slice(head.length);
        push();
        gap = '';
      }
    }
  }
  if (line !== '' || lines.length === 0) push();
  return lines;
}
