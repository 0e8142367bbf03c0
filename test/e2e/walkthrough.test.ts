import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  binaryEnv,
  REPO_ROOT,
  runBinary,
  spawnBinary,
  type BinaryProcess,
} from '../helpers/run-binary.js';
import { useTempDir } from '../helpers/temp-dir.js';

const MARKER = '<!-- walkthrough';
const LISTENER_PORT = 8787;
const DASHBOARD_PORT = 8788;
const MAIL_PORT = 2525;
const DEMO_MAIL_CLIENT = 'node contrib/demo-mail-client.mjs';

/** The shell lines of every ```sh block that follows a walkthrough marker in the README, in order. */
function walkthroughLines(readme: string): string[] {
  const lines: string[] = [];
  for (let at = readme.indexOf(MARKER); at >= 0; at = readme.indexOf(MARKER, at + 1)) {
    const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
    if (block === null) throw new Error('no ```sh block after a walkthrough marker');
    lines.push(
      ...(block[1] ?? '')
        .split('\n')
        .map((line) => line.replace(/\s+#.*$/, '').trim())
        .filter((line) => line !== ''),
    );
  }
  if (lines.length === 0) throw new Error(`README.md has no "${MARKER}" marker`);
  return lines;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer().once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** A `cmd &` job: its output so far, and a promise of its exit code. */
interface Job {
  child: BinaryProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startJob(args: string[], cwd: string, env: NodeJS.ProcessEnv, script?: string): Job {
  const child =
    script === undefined
      ? spawnBinary(args, { cwd, env })
      : spawn(process.execPath, [join(REPO_ROOT, script), ...args], {
          cwd,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return {
    child,
    output: () => text,
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
}

async function until(check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

const jobs: Job[] = [];
afterEach(() => {
  for (const job of jobs.splice(0)) if (job.child.exitCode === null) job.child.kill('SIGKILL');
});

// The walkthrough's listener uses the default port; on a machine where something already holds it the
// test cannot run the lines as written, so it says so instead of failing on someone else's process.
const portFree =
  (await portIsFree(LISTENER_PORT)) && (await portIsFree(DASHBOARD_PORT)) && (await portIsFree(MAIL_PORT));

describe('README Quick start walkthrough, built binary', () => {
  const tempDir = useTempDir();
  beforeAll(assertBuilt);

  it.skipIf(!portFree)(
    `runs every line as written on a fresh HOME with no network, and the demo reply's story is what the prose says (needs ports ${LISTENER_PORT}, ${DASHBOARD_PORT} and ${MAIL_PORT} free)`,
    async () => {
      const lines = walkthroughLines(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'));
      const cwd = tempDir();
      // No SMTP2Go settings and an unroutable proxy: anything that tried to reach the internet would fail.
      const env = binaryEnv(cwd, {
        HTTPS_PROXY: 'http://127.0.0.1:9',
        HTTP_PROXY: 'http://127.0.0.1:9',
        NO_PROXY: '127.0.0.1',
      });
      const outputs: Array<{ line: string; stdout: string; stderr: string }> = [];
      // The shell's job table: `cmd &` takes the lowest number above the jobs still running, `kill %N` names one.
      const shellJobs = new Map<number, Job>();
      for (const line of lines) {
        if (line.startsWith('npm install')) continue; // the suite runs on a built checkout (npm test builds first)
        const exported = /^export ([A-Z][A-Z0-9_]*)=(\S+)$/.exec(line);
        if (exported !== null) {
          env[exported[1] as string] = exported[2];
          continue;
        }
        const sleep = /^sleep (\d+)$/.exec(line);
        if (sleep !== null) {
          // At least as long as the README waits, and until the job is listening (a loaded machine starts slowly).
          const started = Date.now();
          await until(() => jobs.every((job) => job.output().includes('Listening on')), 10_000);
          await new Promise((resolve) =>
            setTimeout(resolve, Math.max(0, Number(sleep[1]) * 1000 - (Date.now() - started))),
          );
          continue;
        }
        const kill = /^kill %(\d+)$/.exec(line);
        if (kill !== null) {
          const job = shellJobs.get(Number(kill[1]));
          expect(job, `${line} without such a job`).toBeDefined();
          shellJobs.delete(Number(kill[1]));
          if (job?.child.spawnargs.includes('--dashboard') === true) {
            // The dashboard the listener printed is up, and its live API already has the bounce just posted.
            // At 80 columns (a pipe) the URL goes whole on the line under "Dashboard:".
            const dashboard =
              /^Dashboard:(?: |\n {2})(http:\/\/127\.0\.0\.1:8788\/\?token=([\w-]{43}))$/m.exec(job.output());
            expect(dashboard, job.output()).not.toBeNull();
            const events = await fetch(new URL('/api/events', dashboard![1]), {
              headers: { authorization: `Bearer ${dashboard![2]}` },
            });
            expect(
              ((await events.json()) as { events: Array<{ event: string; reply_id: number }> }).events[0],
            ).toMatchObject({ event: 'bounce', reply_id: 1 });
          }
          job?.child.kill('SIGTERM');
          expect(await job?.exited, job?.output()).toBe(0);
          outputs.push({ line, stdout: job?.output() ?? '', stderr: '' });
          continue;
        }
        // In the checkout, `npx smtp2go-portal` and `node bin/smtp2go-portal.js` run the same binary. Plain words only,
        // so splitting on spaces is exactly what the shell does.
        expect(line, 'a walkthrough line this test cannot run as the shell would').toMatch(
          /^(npx smtp2go-portal|node bin\/smtp2go-portal\.js|node contrib\/demo-mail-client\.mjs) [\w@:/.= -]+( &)?$/,
        );
        const script = line.startsWith(DEMO_MAIL_CLIENT) ? 'contrib/demo-mail-client.mjs' : undefined;
        const args = line
          .replace(
            /^(npx smtp2go-portal|node bin\/smtp2go-portal\.js|node contrib\/demo-mail-client\.mjs) /,
            '',
          )
          .replace(/ &$/, '')
          .split(/\s+/);
        if (line.endsWith(' &')) {
          const job = startJob(args, cwd, env, script);
          jobs.push(job);
          shellJobs.set(Math.max(0, ...shellJobs.keys()) + 1, job);
          continue;
        }
        const result = await runBinary(args, { cwd, env });
        expect(result.code, `${line}\n${result.stderr}`).toBe(0);
        outputs.push({ line, ...result });
      }
      const out = (pattern: RegExp) => outputs.filter((o) => pattern.test(o.line));

      const [demo, delivered, open, click] = out(/webhook trigger \w+ (--demo|--reply 1)(?! .*--to)/);
      const ids = String.raw` {2}email id \S+(, |
 {2})notification [0-9a-f]{32}
$`;
      expect(demo?.stdout).toMatch(
        new RegExp(String.raw`^Created demo reply 1 \(nothing was sent\)\.
Stored processed: reply 1\.
${ids}`),
      );
      expect(delivered?.stdout).toMatch(
        new RegExp(String.raw`^Stored delivered for customer@example\.com: reply 1\.
${ids}`),
      );
      expect(open?.stdout).toMatch(
        new RegExp(String.raw`^Stored open for customer@example\.com: reply 1\.
${ids}`),
      );
      expect(click?.stdout).toMatch(
        new RegExp(String.raw`^Stored click for customer@example\.com: reply 1\.
${ids}`),
      );
      const [firstStory, lastStory] = out(/^npx smtp2go-portal stats --reply 1$/);
      expect(firstStory?.stdout).toContain(
        'Demo reply (created by webhook trigger --demo; nothing was sent)',
      );
      expect(firstStory?.stdout).toMatch(/\bstatus[\s│]+clicked\b/);
      expect(firstStory?.stdout).toContain('https://example.com/help');
      // The search line finds the demo reply by part of its address, in the state the story above shows.
      const [found] = out(/^npx smtp2go-portal replies --recipient customer@$/);
      expect(found?.stdout).toMatch(
        /^ +reply {2}sent +status +via +recipient +ticket\n +1 {2}\d{4}-\d{2}-\d{2} \d{2}:\d{2} {2}clicked {2}pending {2}customer@example\.com {2}—\n$/m,
      );
      for (const o of outputs) expect(o.stderr, o.line).not.toMatch(/error/i);

      const [posted] = out(/--listener http:\/\/127\.0\.0\.1:8787$/);
      expect(posted?.stdout).toMatch(
        /^POST bounce for customer@example\.com to\n? +http:\/\/127\.0\.0\.1:8787\/api\/webhooks\/smtp2go\/events \(json, hmac\)\n {2}email id \S+(, |\n {2})notification [0-9a-f]{32}\nHTTP 200 in \d+ ms/,
      );
      expect(out(/^kill %1$/)[0]?.stdout).toMatch(/200 bounce +reply 1 customer@example\.com/);
      expect(lastStory?.stdout).toMatch(/\bstatus[\s│]+bounced\b/);
      expect(lastStory?.stdout).toContain('452 4.2.2');

      // What the prose promises, from the same store.
      const json = await runBinary(['stats', '--reply', '1', '--json'], { cwd, env });
      const doc = JSON.parse(json.stdout) as {
        status: string;
        transport: string;
        open_count: number;
        click_count: number;
        bounce_type: string;
        events: Array<{ type: string }>;
      };
      expect(doc).toMatchObject({
        status: 'bounced',
        bounce_type: 'soft',
        transport: 'pending',
        open_count: 1,
        click_count: 1,
      });
      expect(doc.events.map((event) => event.type)).toEqual([
        'processed',
        'delivered',
        'open',
        'click',
        'bounce',
      ]);

      // The tracked relay send: the demo client opened the copy before it answered, so the open is stored.
      const [relayed] = out(/^npx smtp2go-portal send-test /);
      expect(relayed?.stdout).toContain('tracked by the portal (first party)');
      const demoClient = jobs.find((job) =>
        job.child.spawnargs.some((arg) => arg.endsWith('demo-mail-client.mjs')),
      );
      expect(demoClient?.output()).toContain(
        'Received a message for customer@example.com and opened it: its pixel answered 200.',
      );
      expect(out(/^npx smtp2go-portal stats --reply 2$/)[0]?.stdout).toMatch(/\bstatus[\s│]+opened\b/);
      const tracked = JSON.parse(
        (await runBinary(['stats', '--reply', '2', '--json'], { cwd, env })).stdout,
      ) as {
        status: string;
        transport: string;
        tracker: string;
        open_count: number;
        events: Array<Record<string, unknown>>;
      };
      expect(tracked).toMatchObject({
        status: 'opened',
        transport: 'smtp',
        tracker: 'first_party',
        open_count: 1,
      });
      expect(tracked.events).toEqual([
        expect.objectContaining({
          type: 'open',
          recipient: 'customer@example.com',
          source: 'first_party',
          classification: 'human',
        }),
      ]);
    },
  );
});
