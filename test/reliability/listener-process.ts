import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { BIN } from '../helpers/run-binary.js';

// A test that times out never reaches its finally: whatever is still running dies with the test worker.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface ListenerProcess {
  url: string;
  healthUrl: string;
  child: ChildProcess;
  /** Every NDJSON line after the ready line. */
  lines: Array<Record<string, unknown>>;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface SpawnListenerOptions {
  dbPath: string;
  env?: NodeJS.ProcessEnv;
  args?: string[];
  /** Shell commands run before exec'ing node, e.g. `ulimit -f 2048` (the limit then binds the listener). */
  shellPrefix?: string;
  readyTimeoutMs?: number;
}

/** Starts the built `webhook serve --port 0 --json` and resolves on its `ready` line. */
export function spawnListener(options: SpawnListenerOptions): Promise<ListenerProcess> {
  const argv = [
    BIN,
    '--db',
    options.dbPath,
    '--json',
    'webhook',
    'serve',
    '--port',
    '0',
    ...(options.args ?? []),
  ];
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', CI: '1', ...options.env };
  const child =
    options.shellPrefix === undefined
      ? spawn(process.execPath, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('bash', ['-c', `${options.shellPrefix}; exec "$0" "$@"`, process.execPath, ...argv], {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let out = '';
  let err = '';
  const lines: Array<Record<string, unknown>> = [];
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the listener did not print its ready line in time; stderr: ${err}`));
    }, options.readyTimeoutMs ?? 15_000);
    let ready = false;
    createInterface({ input: child.stdout }).on('line', (line) => {
      out += `${line}\n`;
      let doc: Record<string, unknown>;
      try {
        doc = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (!ready && doc.type === 'ready') {
        ready = true;
        clearTimeout(timer);
        resolve({
          url: String(doc.url),
          healthUrl: String(doc.health_url),
          child,
          lines,
          stdout: () => out,
          stderr: () => err,
          exited,
          kill(signal = 'SIGTERM') {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            return exited;
          },
        });
      } else lines.push(doc);
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      if (!ready)
        reject(
          new Error(
            `the listener exited (code ${code}, signal ${signal}) before it was ready; stderr: ${err}`,
          ),
        );
    });
  });
}
