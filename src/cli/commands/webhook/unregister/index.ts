import type { Command } from 'commander';
import { UsageError } from '../../../../core/errors.js';
import type { WebhookUnregisterOptions } from '../../../../operations/webhook-unregister.js';
import type { CliContext, CliIo } from '../../../context.js';
import { runParsed } from '../../../run-command.js';
import { webhookCommand } from '../index.js';
import { escapeControls } from '../../../output.js';

interface UnregisterCliOptions {
  id?: string;
  url?: string;
  yes?: boolean;
}

export function registerWebhookUnregister(program: Command, io: CliIo): void {
  webhookCommand(program)
    .command('unregister')
    .description("remove this portal's SMTP2Go webhook after confirmation")
    .option('--id <id>', 'remove this webhook id instead of the one at the portal URL')
    .option('--url <public url>', 'the listener URL to look for (default: portal URL + listener path)')
    .option('-y, --yes', 'do not ask for confirmation (scripts, CI, --json)')
    .action(async (opts: UnregisterCliOptions, command: Command) => {
      const options: WebhookUnregisterOptions & { yes: boolean } = {
        ...(opts.id === undefined ? {} : { id: opts.id }), ...(opts.url === undefined ? {} : { url: opts.url }), yes: opts.yes === true,
      };
      await runParsed(io, command, 'webhook unregister', options, unregister);
    });
}

async function unregister(ctx: CliContext, options: WebhookUnregisterOptions & { yes: boolean }): Promise<void> {
  if (!options.yes && !ctx.interactive) {
    throw new UsageError('webhook unregister needs confirmation and cannot ask here', 'pass --yes to remove the webhook without asking');
  }
  const { runWebhookUnregister } = await import('../../../../operations/webhook-unregister.js');
  const result = await runWebhookUnregister(options, {
    settings: await ctx.settings(),
    confirm: (webhook) => (options.yes ? Promise.resolve(true) : ctx.prompter.confirm({ message: `Remove SMTP2Go webhook #${escapeControls(String(webhook.id ?? '?'))} (${escapeControls(webhook.url)})? Callbacks will stop.`, default: false })),
  });
  if (ctx.json) return ctx.output.data({ removed: result.removed, webhook: result.webhook });
  ctx.output.line(result.removed ? `Removed SMTP2Go webhook #${escapeControls(String(result.webhook.id ?? '?'))} (${escapeControls(result.webhook.url)}).` : 'Nothing removed.');
}
