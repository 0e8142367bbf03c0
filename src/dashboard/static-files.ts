import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StaticFile {
  body: Buffer;
  type: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The page's files, read once at start into memory: a fixed table of URL paths, so no request path ever
 * reaches the file system (no traversal to guard). The page is hand-written ES modules with no build step;
 * uPlot is served from its own npm package, never from a CDN.
 */
export function loadStaticFiles(): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  // src/dashboard/static in the sources (tests), dist/dashboard/static once built (the build copies it).
  const folder = fileURLToPath(new URL('./static/', import.meta.url));
  for (const name of readdirSync(folder)) {
    const type = TYPES[extname(name)];
    if (type !== undefined) files.set(`/static/${name}`, { body: readFileSync(join(folder, name)), type });
  }
  const require = createRequire(import.meta.url);
  files.set('/static/vendor/uplot.js', {
    body: readFileSync(require.resolve('uplot/dist/uPlot.esm.js')),
    type: TYPES['.js'] as string,
  });
  files.set('/static/vendor/uplot.css', {
    body: readFileSync(require.resolve('uplot/dist/uPlot.min.css')),
    type: TYPES['.css'] as string,
  });
  return files;
}
