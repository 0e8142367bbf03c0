import type { Command } from 'commander';
import { withExamples } from '../../help.js';

/** The `webhook` command group, created once whichever subcommand registers first. */
export function webhookCommand(program: Command): Command {
  const existing = program.commands.find((command) => command.name() === 'webhook');
  if (existing !== undefined) return existing;
  const webhook = program
    .command('webhook')
    .description('receive, replay, trigger and register SMTP2Go webhooks');
  return withExamples(webhook, [
    'webhook serve',
    'webhook register --dry-run',
    'webhook trigger delivered --reply 1',
  ]);
}
