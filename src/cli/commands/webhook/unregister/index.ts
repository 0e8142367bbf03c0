import type { Command } from 'commander';
import { UsageError } from '../../../../core/errors.js';
import type { WebhookUnregisterOptions } from '../../../../operations/webhook-unregister.js';
import type { CliContext, CliIo } from '../../../context.js';
import { PUBLIC_URL, renamedOption, takeRenamedFlags } from '../../../renamed-flags.js';
import { runParsed } from '../../../run-command.js';
import { wrap } from '../../../text-width.js';
import { documentOptions, withExamples } from '../../../help.js';
import { webhookCommand } from '../index.js';
import { escapeControls } from '../../../output.js';

interface UnregisterCliOptions {
  id?: string;
  publicUrl?: string;
  yes?: boolean;
}

export function registerWebhookUnregister(program: Command, io: CliIo): void {
  const command = webhookCommand(program)
    .command('unregister')
    .description("remove this portal's SMTP2Go webhook after confirmation")
    .option('--id <id>', 'remove this webhook id instead of the one at the portal URL')
    .option('--public-url <url>', 'the listener URL to look for; a bare origin gets the listener path')
    .addOption(renamedOption(PUBLIC_URL))
    .option('-y, --yes', 'do not ask for confirmation (scripts, CI, --json)')
    .action(async (given: UnregisterCliOptions, command: Command) => {
      const opts = takeRenamedFlags(io, command, given, [PUBLIC_URL]);
      const options: WebhookUnregisterOptions & { yes: boolean } = {
        ...(opts.id === undefined ? {} : { id: opts.id }),
        ...(opts.publicUrl === undefined ? {} : { url: opts.publicUrl }),
        yes: opts.yes === true,
      };
      await runParsed(io, command, 'webhook unregister', options, unregister);
    });
  documentOptions(command, { '--public-url': { default: 'the portal URL and the listener path' } });
  withExamples(command, [
    'webhook unregister',
    'webhook unregister --id 7 --yes',
    'webhook unregister --yes --json',
  ]);
}

async function unregister(
  ctx: CliContext,
  options: WebhookUnregisterOptions & { yes: boolean },
): Promise<void> {
  if (!options.yes && !ctx.interactive) {
    throw new UsageError(
      'webhook unregister needs confirmation and cannot ask here',
      'pass --yes to remove the webhook without asking',
    );
  }
  const { runWebhookUnregister } = await import('../../../../operations/webhook-unregister.js');
  const result = await runWebhookUnregister(options, {
    settings: await ctx.settings(),
    confirm: (webhook) =>
      options.yes
        ? Promise.resolve(true)
        : ctx.prompter.confirm({
            message: `Remove SMTP2Go webhook #${escapeControls(String(webhook.id ?? '?'))} (${escapeControls(webhook.url)})? Callbacks will stop.`,
            default: false,
          }),
  });
  if (ctx.json) return ctx.output.data({ removed: result.removed, webhook: result.webhook });
  const said = result.removed
    ? `Removed SMTP2Go webhook #${escapeControls(String(result.webhook.id ?? '?'))} (${escapeControls(result.webhook.url)}).`
    : 'Nothing removed.';
  for (const line of wrap(said, ctx.output.width, '  ')) ctx.output.line(line);
}
