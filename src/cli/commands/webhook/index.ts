import type { Command } from 'commander';

/** The `webhook` command group, created once whichever subcommand registers first. */
export function webhookCommand(program: Command): Command {
  const existing = program.commands.find((command) => command.name() === 'webhook');
  return existing ?? program.command('webhook').description('receive, replay, trigger and register SMTP2Go webhooks');
}
