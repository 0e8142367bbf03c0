import type { Command } from 'commander';
import type {
  WebhookRegisterOptions,
  WebhookRegisterResult,
} from '../../../../operations/webhook-register.js';
import type { CliContext, CliIo } from '../../../context.js';
import { escapeControlsDeep, type Output } from '../../../output.js';
import { PUBLIC_URL, renamedOption, takeRenamedFlags } from '../../../renamed-flags.js';
import { collect, runParsed } from '../../../run-command.js';
import { wrap } from '../../../text-width.js';
import { documentOptions, withExamples } from '../../../help.js';
import { webhookCommand } from '../index.js';

interface RegisterCliOptions {
  publicUrl?: string;
  events?: string[];
  dryRun?: boolean;
}

function toWebhookRegisterOptions(o: RegisterCliOptions): WebhookRegisterOptions {
  return {
    ...(o.publicUrl === undefined ? {} : { url: o.publicUrl }),
    ...(o.events === undefined ? {} : { events: o.events }),
    dryRun: o.dryRun === true,
  };
}

export function registerWebhookRegister(program: Command, io: CliIo): void {
  const command = webhookCommand(program)
    .command('register')
    .description(
      "create or update this portal's SMTP2Go webhook (never a second one), then read it back and show the difference",
    )
    .option(
      '--public-url <url>',
      'the listener URL SMTP2Go posts to; a bare origin gets /api/webhooks/smtp2go/events',
    )
    .addOption(renamedOption(PUBLIC_URL))
    .option('--events <list>', 'events to subscribe to, comma-separated or repeated', collect)
    .option('--dry-run', 'show what would change without changing anything')
    .action(async (opts: RegisterCliOptions, command: Command) => {
      await runParsed(
        io,
        command,
        'webhook register',
        toWebhookRegisterOptions(takeRenamedFlags(io, command, opts, [PUBLIC_URL])),
        register,
      );
    });
  documentOptions(command, {
    '--public-url': { default: 'the portal URL and that path' },
    '--events': { default: 'what the tracking switches need' },
  });
  withExamples(command, [
    'webhook register --dry-run',
    'webhook register',
    'webhook register --public-url https://portal.example.com',
  ]);
}

async function register(ctx: CliContext, options: WebhookRegisterOptions): Promise<void> {
  const { runWebhookRegister } = await import('../../../../operations/webhook-register.js');
  const result = await runWebhookRegister(options, { settings: await ctx.settings() });
  if (ctx.json) return ctx.output.data({ webhook: registerDocument(result) });
  renderRegister(ctx.output, result);
}

function registerDocument(r: WebhookRegisterResult): Record<string, unknown> {
  return {
    action: r.action,
    dry_run: r.dryRun,
    webhook_id: r.webhookId,
    url: r.url,
    events: r.events,
    changes: r.changes,
    before: r.before,
    after: r.after,
    problems: r.problems,
    others: r.others,
  };
}

const HEADLINES: Record<WebhookRegisterResult['action'], string> = {
  created: 'Created the SMTP2Go webhook',
  updated: 'Updated the SMTP2Go webhook',
  unchanged: 'The SMTP2Go webhook is already as wanted',
  'would-create': 'Would create an SMTP2Go webhook',
  'would-update': 'Would update the SMTP2Go webhook',
};

function renderRegister(output: Output, unsafe: WebhookRegisterResult): void {
  // Webhook URLs and fields are as SMTP2Go lists them.
  const result = escapeControlsDeep(unsafe);
  const id = result.webhookId === null ? '' : ` #${result.webhookId}`;
  const say = (text: string, indent: string) =>
    wrap(text, output.width, indent).forEach((line) => output.line(line));
  say(
    `${HEADLINES[result.action]}${id}: ${result.url}${result.dryRun && result.changes.length > 0 ? ' (dry run, nothing changed)' : ''}`,
    '  ',
  );
  for (const change of result.changes) {
    say(`  ${change.field}: ${change.before === '' ? '(none)' : change.before} → ${change.after}`, '    ');
  }
  for (const problem of result.problems) output.warn(`SMTP2Go did not keep what was sent: ${problem}`);
  for (const other of result.others) output.info(`left alone: webhook #${other.id} ${other.url}`);
}
