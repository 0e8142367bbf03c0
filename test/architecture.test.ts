import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, posix, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const SRC = join(ROOT, 'src');

// Higher imports lower, never the other way; modules of one rank do not import each other's folders.
const RANK: Record<string, number> = {
  cli: 5,
  operations: 4,
  webhook: 3,
  dashboard: 3,
  store: 2,
  smtp2go: 2,
  mail: 2,
  core: 1,
};

function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [relative(ROOT, path).split('\\').join('/')] : [];
  });
}

function relativeImports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)].map((match) =>
    posix.normalize(posix.join(posix.dirname(file), match[1]!)),
  );
}

const layer = (path: string) => path.split('/')[1] ?? '';

describe('layout (issue 13)', () => {
  it('issue 13: no module imports from a layer above its own or beside it', () => {
    const crossings = sourceFiles().flatMap((file) =>
      relativeImports(file)
        .filter((target) => {
          const [from, to] = [layer(file), layer(target)];
          return RANK[to]! > RANK[from]! || (RANK[to] === RANK[from] && to !== from);
        })
        .map((target) => `${file} -> ${target}`),
    );
    expect(sourceFiles().every((file) => RANK[layer(file)] !== undefined)).toBe(true);
    expect(crossings).toEqual([]);
  });

  it('issue 13: no two source files are named as mirror images of each other (worker-commit / commit-worker)', () => {
    const names = new Map(sourceFiles().map((file) => [basename(file, '.ts'), file]));
    const mirrored = [...names.keys()].filter((name) => {
      const words = name.split('-');
      const mirror = [...words].reverse().join('-');
      return words.length > 1 && mirror !== name && names.has(mirror);
    });
    expect(mirrored).toEqual([]);
  });

  it('issue 13: every command program.ts registers lives in a folder of its own under src/cli/commands/', () => {
    const program = readFileSync(join(SRC, 'cli', 'program.ts'), 'utf8');
    const registrations = [...program.matchAll(/import \{ register\w+ \} from '([^']+)'/g)].map(
      (match) => match[1]!,
    );
    expect(registrations.length).toBeGreaterThan(10);
    expect(
      registrations.filter((path) => !/^\.\/commands\/[\w-]+(\/[\w-]+)?\/index\.js$/.test(path)),
    ).toEqual([]);
  });
});
