import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import {
  clusterUser,
  findPostgresBinaries,
  type ClusterUser,
  type PostgresBinaries,
} from './postgres-binaries.js';

/** Server settings (`name = value` in postgresql.conf) over the test defaults, e.g. `{ fsync: 'on' }` for benchmarks. */
type ServerSettings = Readonly<Record<string, string | number | boolean>>;

interface ClusterOptions {
  readonly settings?: ServerSettings;
}

/** A throwaway PostgreSQL cluster in its own temp folder, listening on 127.0.0.1 and a socket in that folder. */
export interface PostgresCluster {
  readonly port: number;
  /** The superuser's password, generated per cluster: tests look for it in output that must not leak it. */
  readonly password: string;
  /** The superuser's URL for the `postgres` database. */
  readonly adminUrl: string;
  readonly dataDir: string;
  readonly socketDir: string;
  /** `postgres://postgres:<password>@127.0.0.1:<port>/<database>` (default `postgres`). */
  url(database?: string): string;
  /** Creates an empty database (a random name when none is given) and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Starts the server again after kill() or a stop through pg_ctl; a no-op while it runs. */
  start(): Promise<void>;
  /** Clean shutdown, then the temp folder is removed: the cluster cannot be started again. */
  stop(): Promise<void>;
  /** Clean shutdown and start on the same port and data. */
  restart(): Promise<void>;
  /** Immediate shutdown (`pg_ctl stop -m immediate`): no checkpoint, the next start runs crash recovery. */
  kill(): Promise<void>;
}

/**
 * fsync and full-page writes are off only for speed: what the tests prove is that committed data survives
 * the server's processes dying (kill() and restart()), and the operating system keeps written pages across
 * that; both settings guard against the machine itself losing power, which no test does.
 */
const testSettings: ServerSettings = {
  listen_addresses: '127.0.0.1',
  fsync: 'off',
  full_page_writes: 'off',
  max_connections: 200,
};

const running = new Set<() => void>();
let exitHookInstalled = false;

/** A server left running by an interrupted run would outlive it; clean up whatever is still up as the process exits. */
function killAtExit(cleanUp: () => void): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const each of running) each();
    });
  }
  running.add(cleanUp);
  return () => running.delete(cleanUp);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function confLine(name: string, value: string | number | boolean): string {
  return `${name} = '${String(value).replaceAll("'", "''")}'\n`;
}

async function initCluster(user: ClusterUser, binaries: PostgresBinaries, dir: string, password: string) {
  const passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  user.own(passwordFile);
  const dataDir = join(dir, 'data');
  try {
    await user.run(
      binaries.initdb,
      [
        ...['-D', dataDir, '-U', 'postgres', `--pwfile=${passwordFile}`],
        ...['--auth-local=trust', '--auth-host=scram-sha-256', '--no-locale', '-E', 'UTF8', '--no-sync'],
      ],
      dir,
    );
  } finally {
    rmSync(passwordFile, { force: true });
  }
  return dataDir;
}

/** Starts a throwaway cluster: initdb in a fresh temp folder, then the server on a free port of 127.0.0.1. */
export async function startCluster(options: ClusterOptions = {}): Promise<PostgresCluster> {
  const binaries = findPostgresBinaries();
  const user = await clusterUser();
  const dir = mkdtempSync(join(user.tempRoot, 'smtp2go-pg-'));
  user.own(dir);
  const password = randomBytes(18).toString('base64url');
  let dataDir: string;
  try {
    dataDir = await initCluster(user, binaries, dir, password);
    const settings = { ...testSettings, unix_socket_directories: dir, ...options.settings };
    appendFileSync(
      join(dataDir, 'postgresql.conf'),
      Object.entries(settings)
        .map(([name, value]) => confLine(name, value))
        .join(''),
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const logFile = join(dir, 'server.log');
  const pgCtl = (...args: string[]) => user.run(binaries.pgCtl, ['-D', dataDir, ...args], dir);
  let port = 0;
  let up = false;
  let removed = false;

  const launch = async (): Promise<void> => {
    try {
      await pgCtl('-l', logFile, '-w', '-t', '30', '-o', `-p ${port}`, 'start');
    } catch (error) {
      const fatal = readLog(logFile)
        .split('\n')
        .filter((line) => /FATAL|PANIC/.test(line))
        .at(-1);
      throw new Error(
        `PostgreSQL test cluster did not start on port ${port}: ${fatal ?? (error as Error).message}`,
      );
    }
    up = true;
  };
  const halt = async (mode: 'fast' | 'immediate'): Promise<void> => {
    if (!up) return;
    await pgCtl('-m', mode, '-w', 'stop');
    up = false;
  };
  const forget = killAtExit(() => {
    if (up) user.runAtExit(binaries.pgCtl, ['-D', dataDir, '-m', 'immediate', 'stop']);
    rmSync(dir, { recursive: true, force: true });
  });

  // The port is free when probed but may be taken before the server binds it: try a few.
  for (let attempt = 1; !up; attempt += 1) {
    port = await freePort();
    try {
      await launch();
    } catch (error) {
      if (attempt < 3) continue;
      forget();
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  const assertPresent = () => {
    if (removed) throw new Error('this PostgreSQL test cluster was stopped and removed: start a new one');
  };
  const url = (database = 'postgres') => `postgres://postgres:${password}@127.0.0.1:${port}/${database}`;
  return {
    port,
    password,
    adminUrl: url(),
    dataDir,
    socketDir: dir,
    url,
    createDatabase: (name) => createDatabase(url(), name),
    start: async () => {
      assertPresent();
      if (!up) await launch();
    },
    stop: async () => {
      if (removed) return;
      try {
        await halt('fast');
      } finally {
        removed = true;
        forget();
        rmSync(dir, { recursive: true, force: true });
      }
    },
    restart: async () => {
      assertPresent();
      await halt('fast');
      await launch();
    },
    kill: () => halt('immediate'),
  };
}

function readLog(logFile: string): string {
  try {
    return readFileSync(logFile, 'utf8');
  } catch {
    return '';
  }
}

/** CREATE DATABASE through a superuser's URL (a random name when none is given); returns the new database's URL. */
export async function createDatabase(
  adminUrl: string,
  name = `test_${randomBytes(6).toString('hex')}`,
): Promise<string> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`database name ${JSON.stringify(name)} is not a plain lower-case identifier`);
  }
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.href;
}
