import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Replaces the generated block `<!-- {name}:start --> ... <!-- {name}:end -->` of BENCHMARKS.md with
 * `table`, leaving the hand-written analysis around it alone.
 */
export function writeBenchmarksSection(root, name, table) {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const path = join(root, 'BENCHMARKS.md');
  const text = readFileSync(path, 'utf8');
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to === -1) throw new Error(`BENCHMARKS.md has no ${start} ... ${end} block to fill`);
  writeFileSync(path, `${text.slice(0, from + start.length)}\n${table}\n${text.slice(to)}`);
}
