import { Command, Option } from 'commander';
import type { SendTestOptions, TransportChoice } from '../../../operations/send-test-plan.js';
import type { SendTestProgress } from '../../../operations/send-test-recorder.js';
import type { CliContext, CliIo } from '../../context.js';
import { parsePositiveInt } from '../../flag-values.js';
import { reportResult, runParsed } from '../../run-command.js';
import { documentOptions, withExamples } from '../../help.js';

interface SendTestCliOptions {
  to?: string[];
  cc?: string[];
  bcc?: string[];
  subject?: string;
  html?: string;
  text?: string;
  from?: string;
  replyTo?: string;
  reply?: string;
  ticket?: string;
  transport: TransportChoice;
  fallback: boolean;
  fallbackOnTimeout?: boolean;
  timeout?: string;
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  return parsePositiveInt(value, `${flag} must be a positive whole number, not "${value}"`);
}

function toSendTestOptions(o: SendTestCliOptions): SendTestOptions {
  const defined = <T extends object>(value: T) =>
    Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
  return defined({
    to: o.to ?? [],
    cc: o.cc ?? [],
    bcc: o.bcc ?? [],
    subject: o.subject,
    html: o.html,
    text: o.text,
    from: o.from,
    replyTo: o.replyTo,
    replyId: positiveInt(o.reply, '--reply'),
    ticketId: positiveInt(o.ticket, '--ticket'),
    transport: o.transport,
    fallback: o.fallback,
    fallbackOnTimeout: o.fallbackOnTimeout,
    timeoutMs: positiveInt(o.timeout, '--timeout'),
  });
}

export function registerSendTest(program: Command, io: CliIo): void {
  const command = program
    .command('send-test')
    .description(
      'send one tracked test email through the SMTP2Go API, falling back to the SMTP relay only when that cannot duplicate it',
    )
    .option('--to <addr...>', 'recipients ("Name <a@x>", comma lists allowed)')
    .option('--cc <addr...>', 'Cc recipients')
    .option('--bcc <addr...>', 'Bcc recipients (envelope only, never in headers)')
    .option('--subject <s>', 'subject')
    .option('--html <html>', 'HTML body')
    .option('--text <t>', 'text body')
    .option('--from <addr>', 'sender')
    .option('--reply-to <addr>', 'Reply-To address')
    .option('--reply <id>', 'attach to this ticket reply id (created if missing)')
    .option('--ticket <id>', 'ticket id to record')
    .addOption(
      new Option('--transport <t>', 'auto: API then relay; api: API only; smtp: relay only')
        .choices(['auto', 'api', 'smtp'])
        .default('auto'),
    )
    .option('--no-fallback', 'never use the SMTP relay after an API failure')
    .option(
      '--fallback-on-timeout',
      'relay even when the API outcome is ambiguous, at the risk of a duplicate',
    )
    .option('--timeout <ms>', 'overall API timeout including retries')
    .action(async (opts: SendTestCliOptions, command: Command) => {
      await runParsed(io, command, 'send-test', toSendTestOptions(opts), sendTest);
    });
  documentOptions(command, {
    '--subject': { default: 'one naming the tracking id' },
    '--from': { default: 'the configured sender, or SMTP From for the relay' },
    '--fallback-on-timeout': { default: 'the stored setting', env: 'SMTP2GO_FALLBACK_ON_TIMEOUT' },
    '--timeout': { default: '20000' },
  });
  withExamples(command, [
    'send-test --to customer@example.com',
    'send-test --to a@example.com --cc b@example.com --reply 12',
    'send-test --to a@example.com --transport smtp --json',
  ]);
}

function progressText(event: SendTestProgress): string | null {
  if (event.type === 'warning') return null;
  if (event.type === 'sending')
    return `sending through ${event.transport === 'api' ? 'the SMTP2Go API' : 'the SMTP relay'}…`;
  return event.attempt.outcome === 'retry'
    ? `SMTP2Go answered HTTP ${event.attempt.status ?? '?'}; retrying…`
    : null;
}

async function sendTest(ctx: CliContext, options: SendTestOptions): Promise<void> {
  const { runSendTest, SendFailedError } = await import('../../../operations/send-test.js');
  const { renderSendTest, sendTestDocument } = await import('./render.js');
  const { startSpinner } = await import('../../spinner.js');
  const store = await ctx.store();
  const settings = await ctx.settings();
  const spinner = await startSpinner(ctx);
  try {
    const result = await runSendTest(options, {
      store,
      settings,
      now: ctx.now,
      onProgress: (event) =>
        event.type === 'warning' ? ctx.output.warn(event.message) : spinner.update(progressText(event)),
    });
    spinner.stop();
    if (ctx.json) return ctx.output.data(sendTestDocument(result));
    renderSendTest(ctx.output, result);
  } catch (error) {
    spinner.stop();
    if (!(error instanceof SendFailedError)) throw error;
    reportResult(
      ctx,
      () => sendTestDocument(error.result),
      () => renderSendTest(ctx.output, error.result),
      error,
    );
  }
}
