// Child-process plumbing for the benchmarks that put a server under load: start one (its first stdout
// line is `{"type":"ready","url":...}`), stop it, and read what it costs from /proc. Each server is a
// process of its own, so the load generator's CPU is never counted as the server's.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts `node ...args` with stdout and stderr in files under `workDir`; resolves once it is ready. */
export async function startServer(name, args, env, workDir) {
  const outPath = join(workDir, `${name}.out`);
  const errPath = join(workDir, `${name}.err`);
  const out = openSync(outPath, 'w');
  const err = openSync(errPath, 'w');
  const child = spawn(process.execPath, args, { cwd: workDir, env, stdio: ['ignore', out, err] });
  closeSync(out);
  closeSync(err);
  let exited = null;
  const exit = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve((exited = { code, signal }))),
  );
  const startedAt = Date.now();
  for (;;) {
    const text = readFileSync(outPath, 'utf8');
    const newline = text.indexOf('\n');
    if (newline !== -1) {
      const first = JSON.parse(text.slice(0, newline));
      if (first.type !== 'ready')
        throw new Error(`${name}: expected a ready line first, got ${text.slice(0, newline)}`);
      return { name, child, url: first.url, exit, outPath, errPath };
    }
    if (exited !== null || Date.now() - startedAt > 15_000) {
      child.kill('SIGKILL');
      throw new Error(
        `${name} did not start (${exited ? `exit ${exited.code ?? exited.signal}` : 'timeout'}): ${readFileSync(errPath, 'utf8').trim().slice(0, 500)}`,
      );
    }
    await sleep(20);
  }
}

/** SIGTERM, then SIGKILL if the server has not exited 15 s later. */
export async function stopServer(server) {
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 15_000);
  const result = await server.exit;
  clearTimeout(timer);
  return result;
}

export function rssMb(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 102.4) / 10 : null;
  } catch {
    return null;
  }
}

/** CPU time (user + system, ms) a process has used so far; /proc ticks are 10 ms, fine over whole phases. */
export function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}
