import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import type { CliIo } from './context.js';
import { documentOptions, HELP_CONFIGURATION, withExamples } from './help.js';
import { layoutWidth } from './text-width.js';
import { registerConfigure } from './commands/configure/index.js';
import { registerSendTest } from './commands/send-test/index.js';
import { registerWebhookRegister } from './commands/webhook/register/index.js';
import { registerWebhookUnregister } from './commands/webhook/unregister/index.js';
import { registerWebhookTrigger } from './commands/webhook/trigger/index.js';
import { registerWebhookServe } from './commands/webhook/serve/index.js';
import { registerWebhookReplay } from './commands/webhook/replay/index.js';
import { registerDoctor } from './commands/doctor/index.js';
import { registerCompletion } from './commands/completion/index.js';
import { registerReconcile } from './commands/reconcile/index.js';
import { registerStats } from './commands/stats/index.js';
import { registerDashboard } from './commands/dashboard/index.js';
import { registerReplies } from './commands/replies/index.js';
import { registerBackup } from './commands/backup/index.js';
import { registerPrune } from './commands/prune/index.js';

function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

/**
 * The registry of every command. Command modules only declare options here; what a command runs
 * is imported inside its action, so `stats` never loads nodemailer and `--help` loads nothing heavy.
 */
export function createProgram(io: CliIo): Command {
  const program = new Command('smtp2go-portal')
    .description('Operate SMTP2Go-tracked help-desk replies: configure, send-test, webhook listener, stats')
    .version(packageVersion())
    .option('--db <path|url>', 'the tracking store: an SQLite file, or a postgres:// URL')
    .option('--json', 'print one JSON document (version 1) on stdout; never prompt')
    // Set before any command is added: subcommands copy it when they are created.
    .configureHelp(HELP_CONFIGURATION)
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      getOutHelpWidth: () => layoutWidth(io.columns),
      getErrHelpWidth: () => layoutWidth(io.columns),
      // Errors are rendered by the boundary in main.ts, so --json gets them as JSON.
      outputError: () => undefined,
    });
  documentOptions(program, {
    '--db': { default: '$XDG_DATA_HOME/smtp2go-portal/portal.db', env: 'SMTP2GO_PORTAL_DB' },
  });
  withExamples(program, ['configure', 'stats --reply 12', 'webhook serve --help']);

  registerConfigure(program, io);
  registerSendTest(program, io);
  registerWebhookRegister(program, io);
  registerWebhookUnregister(program, io);
  registerWebhookTrigger(program, io);
  registerWebhookServe(program, io);
  registerWebhookReplay(program, io);
  registerDoctor(program, io);
  registerReconcile(program, io);
  registerStats(program, io);
  registerDashboard(program, io);
  registerReplies(program, io);
  registerBackup(program, io);
  registerPrune(program, io);
  registerCompletion(program, io);

  program.exitOverride();
  for (const command of allCommands(program)) command.exitOverride();
  return program;
}

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((child) => [child, ...allCommands(child)]);
}
