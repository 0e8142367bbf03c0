import type { Settings } from '../core/settings.js';
import type { DotEnv } from '../core/dotenv.js';
import type { Store } from '../store/open-store.js';
import { createOutput, loadPainters, type Output, type OutputStreams } from './output.js';
import { createInquirerPrompter, isInteractive, type Prompter } from './prompts.js';

/** Everything a command may touch, filled in once by the composition root (and by tests with fakes). */
export interface CliIo extends OutputStreams {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  now: () => Date;
  prompter?: Prompter;
  /** What main.ts read from `.env`, when it filled in anything. */
  dotenv?: DotEnv;
  /** Test hook for the argv table: receives each command's typed options; returning true skips the run. */
  onParsed?: (command: string, options: unknown) => boolean;
}

export interface GlobalOptions {
  db?: string;
  json?: boolean;
}

export interface CliContext {
  readonly io: CliIo;
  readonly env: NodeJS.ProcessEnv;
  readonly now: () => Date;
  readonly output: Output;
  readonly json: boolean;
  /** The store's location: a SQLite path, or a PostgreSQL URL that may hold the password (never print it). */
  readonly dbPath: string;
  /** The location as it may be printed: the path, or the URL with its password replaced by `***`. */
  readonly dbLabel: string;
  readonly interactive: boolean;
  readonly prompter: Prompter;
  /**
   * Opens the store on first use; the error boundary closes it. Commands that only read pass
   * `{ mustExist: true }`: a missing store is then an error (exit 1, with the path) and nothing is created.
   */
  store(options?: { mustExist?: boolean }): Promise<Store>;
  /** The module's settings, environment over stored (opening the store), resolved once on first use. */
  settings(): Promise<Settings>;
  close(): void;
}

export async function createContext(io: CliIo, globals: GlobalOptions): Promise<CliContext> {
  const json = globals.json === true;
  const [{ resolveDbPath }, { isPostgresLocation, redactPostgresUrl }] = await Promise.all([
    import('../store/db-path.js'),
    import('../store/postgres/location.js'),
  ]);
  const dbPath = resolveDbPath(globals.db, io.env);
  const dbLabel = isPostgresLocation(dbPath) ? redactPostgresUrl(dbPath) : dbPath;
  let store: Store | undefined;
  let settings: Promise<Settings> | undefined;
  const output = createOutput(io, json, await loadPainters(io, io.env, json));
  const ctx: CliContext = {
    io,
    env: io.env,
    now: io.now,
    json,
    dbPath,
    dbLabel,
    output,
    interactive: isInteractive({ stdin: io.stdin, stdout: io.stdout, env: io.env, json }),
    prompter: io.prompter ?? createInquirerPrompter(),
    async store(options = {}) {
      if (store === undefined) {
        const { openStore } = await import('../store/open-store.js');
        store = openStore(dbPath, { mustExist: options.mustExist === true });
        if (io.dotenv !== undefined) await warnDotEnvOverrides(store, io.dotenv, io.env, output);
      }
      return store;
    },
    settings() {
      settings ??= (async () => {
        const [{ resolveSettings }, { loadModuleSettings }] = await Promise.all([
          import('../core/resolve-settings.js'),
          import('../store/module-settings.js'),
        ]);
        return resolveSettings({ env: io.env, stored: loadModuleSettings(await ctx.store()) }).settings;
      })();
      return settings;
    },
    close() {
      if (store?.open) store.close();
      store = undefined;
    },
  };
  return ctx;
}

/**
 * A `.env` in the working directory is read silently, so one that takes over a stored setting (say, points
 * the API at another host, where the stored key would go) is named once on stderr.
 */
async function warnDotEnvOverrides(
  store: Store,
  dotenv: DotEnv,
  env: NodeJS.ProcessEnv,
  output: Output,
): Promise<void> {
  const [{ dotEnvOverrides }, { loadModuleSettings }] = await Promise.all([
    import('../core/dotenv.js'),
    import('../store/module-settings.js'),
  ]);
  let stored;
  try {
    stored = loadModuleSettings(store);
  } catch {
    return; // the command reading the settings reports a damaged row itself
  }
  const overrides = dotEnvOverrides(dotenv.filled, env, stored);
  if (overrides.length > 0)
    output.warn(
      `${dotenv.path} overrides stored settings: ${overrides.join(', ')}; if that is not meant, remove them from it`,
    );
}
