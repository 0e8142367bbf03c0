import type { Command } from 'commander';
import { PortalError, UsageError } from '../../../core/errors.js';
import type { DoctorOptions, DoctorResult } from '../../../operations/doctor.js';
import type { CliContext, CliIo } from '../../context.js';
import { ReportedFailure, escapeControlsDeep } from '../../output.js';
import { LISTENER_URL, renamedOption, takeRenamedFlags } from '../../renamed-flags.js';
import { runParsed } from '../../run-command.js';
import { wrap } from '../../text-width.js';
import { documentOptions, withExamples } from '../../help.js';

interface DoctorCliOptions {
  listener?: string;
  timeout?: string;
}

function toDoctorOptions(o: DoctorCliOptions): DoctorOptions {
  const timeout = o.timeout ?? '5000';
  if (!/^\d+$/.test(timeout) || Number(timeout) < 1)
    throw new UsageError(`--timeout must be a positive number of milliseconds, not "${timeout}"`);
  return { listenerUrl: healthUrl(o.listener ?? 'http://127.0.0.1:8787'), timeoutMs: Number(timeout) };
}

/** As everywhere --listener is taken: a bare origin gets the path, here the listener's /healthz; a URL with a path is taken whole. */
function healthUrl(listener: string): string {
  if (!URL.canParse(listener)) return listener;
  const url = new URL(listener);
  return url.pathname === '/' && url.search === '' ? `${url.origin}/healthz` : listener;
}

export function registerDoctor(program: Command, io: CliIo): void {
  const command = program
    .command('doctor')
    .description(
      'check configuration, database, API key, SMTP relay, the SMTP2Go webhook and the local listener; exit 1 if any check fails',
    )
    .option('--listener <url>', 'the listener to check; a bare origin gets /healthz')
    .addOption(renamedOption(LISTENER_URL))
    .option('--timeout <ms>', 'timeout of each network check; they run in parallel')
    .action(async (opts: DoctorCliOptions, command: Command) => {
      await runParsed(
        io,
        command,
        'doctor',
        toDoctorOptions(takeRenamedFlags(io, command, opts, [LISTENER_URL])),
        doctor,
      );
    });
  documentOptions(command, {
    '--listener': { default: 'http://127.0.0.1:8787' },
    '--timeout': { default: '5000' },
  });
  withExamples(command, [
    'doctor',
    'doctor --listener https://portal.example.com --timeout 2000',
    'doctor --json',
  ]);
}

const MARKS = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' } as const;

async function doctor(ctx: CliContext, options: DoctorOptions): Promise<void> {
  const { runDoctor } = await import('../../../operations/doctor.js');
  const result = await runDoctor(options, {
    env: ctx.env,
    dbPath: ctx.dbPath,
    openStore: () => ctx.store({ mustExist: true }),
  });
  if (ctx.json) ctx.output.data({ ok: result.ok, checks: result.checks });
  else render(ctx, result);
  if (!result.ok) {
    const failed = result.checks.filter((check) => check.status === 'fail').map((check) => check.name);
    // The checks already say what is wrong and how to fix it; the boundary only sets the exit code.
    throw new ReportedFailure(
      new PortalError('runtime', `doctor: ${failed.length} check(s) failed: ${failed.join(', ')}`),
    );
  }
}

/** A check's message wraps under itself and its fix goes on a line of its own, so every line fits the terminal. */
function render(ctx: CliContext, unsafe: DoctorResult): void {
  // Checks quote SMTP2Go's answers, the relay's and the webhook URLs SMTP2Go lists.
  const result = escapeControlsDeep(unsafe);
  const paint = ctx.output.color;
  const colour = { ok: paint.green, warn: paint.yellow, fail: paint.red } as const;
  const indent = ' '.repeat(MARKS.ok.length + 14);
  for (const check of result.checks) {
    const [first = '', ...rest] = wrap(
      `${MARKS[check.status]} ${check.name.padEnd(12)} ${check.message}`,
      ctx.output.width,
      indent,
    );
    ctx.output.line(colour[check.status](MARKS[check.status]) + first.slice(MARKS[check.status].length));
    for (const line of rest) ctx.output.line(line);
    if (check.fix !== null)
      for (const line of wrap(`${indent}→ ${check.fix}`, ctx.output.width, `${indent}  `))
        ctx.output.line(paint.dim(line));
  }
  const counts = (status: keyof typeof MARKS) =>
    result.checks.filter((check) => check.status === status).length;
  ctx.output.info(`${counts('ok')} ok, ${counts('warn')} warning(s), ${counts('fail')} failed`);
}
