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
  readonly dbPath: string;
  readonly interactive: boolean;
  readonly prompter: Prompter;
  /**
   * Opens the store on first use; the error boundary closes it. Commands that only read pass
   * `{ mustExist: true }`: a missing store is then an error (exit 1, with the path) and nothing is created.
   */
  store(options?: { mustExist?: boolean }): Promise<Store>;
  close(): void;
}

export async function createContext(io: CliIo, globals: GlobalOptions): Promise<CliContext> {
  const json = globals.json === true;
  const { resolveDbPath } = await import('../store/db-path.js');
  const dbPath = resolveDbPath(globals.db, io.env);
  let store: Store | undefined;
  return {
    io,
    env: io.env,
    now: io.now,
    json,
    dbPath,
    output: createOutput(io, json, await loadPainters(io, io.env, json)),
    interactive: isInteractive({ stdin: io.stdin, stdout: io.stdout, env: io.env, json }),
    prompter: io.prompter ?? createInquirerPrompter(),
    async store(options = {}) {
      if (store === undefined) {
        const { openStore } = await import('../store/open-store.js');
        store = openStore(dbPath, { mustExist: options.mustExist === true });
      }
      return store;
    },
    close() {
      if (store?.open) store.close();
      store = undefined;
    },
  };
}
