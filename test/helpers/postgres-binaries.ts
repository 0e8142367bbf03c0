import { execFile, spawnSync } from 'node:child_process';
import { accessSync, chownSync, constants, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The two PostgreSQL server programs the throwaway clusters need, taken from one folder so their versions match. */
export interface PostgresBinaries {
  readonly initdb: string;
  readonly pgCtl: string;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function binariesIn(dir: string): PostgresBinaries | undefined {
  const initdb = join(dir, 'initdb');
  const pgCtl = join(dir, 'pg_ctl');
  return executable(initdb) && executable(pgCtl) ? { initdb, pgCtl } : undefined;
}

/**
 * `initdb` and `pg_ctl` on the PATH, else the newest of Debian's /usr/lib/postgresql/<major>/bin (Debian
 * keeps them off the PATH and puts only its pg_ctlcluster wrappers there).
 */
export function findPostgresBinaries(
  env: NodeJS.ProcessEnv = process.env,
  debianRoot = '/usr/lib/postgresql',
): PostgresBinaries {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    const found = dir === '' ? undefined : binariesIn(dir);
    if (found) return found;
  }
  let majors: number[] = [];
  try {
    majors = readdirSync(debianRoot)
      .map(Number)
      .filter((major) => Number.isInteger(major));
  } catch {
    // No Debian PostgreSQL at all.
  }
  for (const major of majors.sort((a, b) => b - a)) {
    const found = binariesIn(join(debianRoot, String(major), 'bin'));
    if (found) return found;
  }
  throw new Error(
    'no PostgreSQL server programs (initdb, pg_ctl) on the PATH or in /usr/lib/postgresql/*/bin: the PostgreSQL tests need them (Debian: apt-get install -y postgresql)',
  );
}

/** PostgreSQL refuses to run as root, so as root (as CI runs) the cluster belongs to the `postgres` user. */
export interface ClusterUser {
  /** Runs one server program as the cluster's owner; rejects with its output on a non-zero exit. */
  run(program: string, args: readonly string[], cwd: string): Promise<string>;
  /** The same, synchronously and ignoring failure: for clean-up while the process exits. */
  runAtExit(program: string, args: readonly string[]): void;
  /** Hands a file or folder made by this process over to the cluster's owner. */
  own(path: string): void;
  /** A folder for the cluster's temp folder whose every parent the owner can pass through. */
  readonly tempRoot: string;
}

function traversableByAll(dir: string): boolean {
  for (let at = dir; ; at = dirname(at)) {
    if ((statSync(at).mode & 0o001) === 0) return false;
    if (dirname(at) === at) return true;
  }
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    throw new Error(
      'running as root but there is no `postgres` user to own the test cluster (Debian: apt-get install -y postgresql creates it)',
    );
  }
}

async function runProgram(
  program: string,
  file: string,
  args: readonly string[],
  cwd: string,
): Promise<string> {
  try {
    // LC_ALL=C: initdb takes the cluster's locale and its messages from the environment.
    const { stdout, stderr } = await run(file, args, { cwd, env: { ...process.env, LC_ALL: 'C' } });
    return stdout + stderr;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    // One line: the program's last error line, else its last line (the whole output stays on `cause`).
    const lines = `${failed.stdout ?? ''}\n${failed.stderr ?? ''}`.split('\n').filter((line) => line.trim());
    const line = lines.filter((each) => /error|FATAL/i.test(each)).at(-1) ?? lines.at(-1) ?? failed.message;
    throw new Error(`${basename(program)} failed: ${line.trim()}`, { cause: error });
  }
}

/** The user the cluster runs as: this process's own, or `postgres` through runuser when this process is root. */
export async function clusterUser(): Promise<ClusterUser> {
  if (process.getuid?.() !== 0) {
    return {
      run: (program, args, cwd) => runProgram(program, program, args, cwd),
      runAtExit: (program, args) => spawnSync(program, args, { stdio: 'ignore', cwd: '/' }),
      own: () => undefined,
      tempRoot: tmpdir(),
    };
  }
  const { uid, gid } = await postgresIds();
  return {
    run: (program, args, cwd) =>
      runProgram(program, 'runuser', ['-u', 'postgres', '--', program, ...args], cwd),
    runAtExit: (program, args) =>
      spawnSync('runuser', ['-u', 'postgres', '--', program, ...args], { stdio: 'ignore', cwd: '/' }),
    own: (path) => chownSync(path, uid, gid),
    // A TMPDIR under /root would hide the cluster's files from the postgres user; /tmp never does.
    tempRoot: traversableByAll(tmpdir()) ? tmpdir() : '/tmp',
  };
}
