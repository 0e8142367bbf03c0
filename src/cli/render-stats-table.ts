/**
 * Plain aligned columns for the `stats` tables. cli-table3 and its width libraries cost about as much
 * start-up time as the whole `stats --reply` query, and borderless columns also read better in a pipe.
 */
export interface TableOptions {
  head?: string[];
  /** Paints the header cells (colour is decided by the caller's Output). */
  paintHead?: (text: string) => string;
  indent?: string;
}

const ANSI = /\u001b\[[0-9;]*m/g;

/** Display width: colour codes take no room; every code point takes one column (all stats cells are narrow). */
export function visibleWidth(text: string): number {
  let width = 0;
  for (const _ of text.replace(ANSI, '')) width += 1;
  return width;
}

export function renderTable(rows: readonly string[][], options: TableOptions = {}): string {
  const indent = options.indent ?? '  ';
  const all = options.head === undefined ? rows : [options.head, ...rows];
  const widths: number[] = [];
  for (const row of all) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleWidth(cell))));
  const line = (row: readonly string[], paint: (text: string) => string = (text) => text) =>
    indent +
    row
      .map((cell, i) => (i === row.length - 1 ? paint(cell) : paint(cell) + ' '.repeat((widths[i] ?? 0) - visibleWidth(cell))))
      .join('  ')
      .trimEnd();
  const lines = rows.map((row) => line(row));
  if (options.head !== undefined) lines.unshift(line(options.head, options.paintHead));
  return lines.join('\n');
}
