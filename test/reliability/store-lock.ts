import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '../helpers/run-binary.js';

export interface HeldLock {
  release(): Promise<void>;
}

// A separate process, as an operator's sqlite3 shell or a backup job would be: it takes the write lock
// and keeps it until told to let go.
const LOCKER = `
const Database = require('better-sqlite3');
const db = new Database(process.argv[1]);
db.pragma('busy_timeout = 5000');
db.exec('BEGIN IMMEDIATE');
db.prepare("UPDATE integration_modules SET updated_at = updated_at").run();
process.stdout.write('locked\\n');
process.stdin.once('data', () => { db.exec('COMMIT'); db.close(); process.exit(0); });
`;

/** Holds the store's write lock from another process until release() is called. */
export function holdWriteLock(dbPath: string): Promise<HeldLock> {
  const child = spawn(process.execPath, ['-e', LOCKER, dbPath], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the locking process exited early (${code})`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      if (line !== 'locked') return reject(new Error(`unexpected locker output: ${line}`));
      resolve({
        release: async () => {
          child.stdin.end('release\n');
          await exited;
        },
      });
    });
  });
}
