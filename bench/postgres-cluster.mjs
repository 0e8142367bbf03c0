// A throwaway PostgreSQL cluster for the benchmarks: the tests' own helper (test/helpers/postgres-cluster.ts:
// initdb in a temp folder, pg_ctl as the `postgres` user when root, a free port of 127.0.0.1, removed on
// stop), with fsync and full-page writes ON, so a commit pays for its durability as in production.
//
// tsc builds only src/, so the helper's two files are transpiled here (types stripped, nothing checked:
// `npm run typecheck` checks them) into bench/out/, under the project so that `pg` resolves, and imported
// from there. One copy of the code, always the tests' current one.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

const ROOT = join(import.meta.dirname, '..');
const HELPERS = ['postgres-cluster', 'postgres-binaries'];

/** Durable commits, as a production server makes them (the tests turn both off for speed). */
const DURABLE = { fsync: 'on', full_page_writes: 'on', synchronous_commit: 'on' };

/**
 * Starts a cluster; resolves with the helper's handle ({ port, adminUrl, url(db), createDatabase(name),
 * stop(), ... }). `settings` go into postgresql.conf over the durable ones.
 */
export async function startBenchCluster(settings = {}) {
  const out = join(ROOT, 'bench', 'out', 'postgres-cluster');
  mkdirSync(out, { recursive: true });
  for (const name of HELPERS) {
    const source = readFileSync(join(ROOT, 'test', 'helpers', `${name}.ts`), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      fileName: `${name}.ts`,
    });
    writeFileSync(join(out, `${name}.js`), outputText);
  }
  const { startCluster } = await import(pathToFileURL(join(out, 'postgres-cluster.js')).href);
  return startCluster({ settings: { ...DURABLE, ...settings } });
}
