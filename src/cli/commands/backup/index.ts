import type { Command } from 'commander';
import type { BackupOptions } from '../../../operations/backup.js';
import type { CliContext, CliIo } from '../../context.js';
import { runParsed } from '../../run-command.js';

interface BackupCliOptions {
  force?: boolean;
}

function toBackupOptions(file: string, o: BackupCliOptions): BackupOptions {
  return { file, force: o.force === true };
}

export function registerBackup(program: Command, io: CliIo): void {
  program
    .command('backup')
    .description(
      'copy the store to a file while the listener keeps running: consistent, 0600, integrity-checked',
    )
    .argument('<file>', 'the backup file (its folder must exist)')
    .option('--force', 'replace the file if it exists')
    .action(async (file: string, opts: BackupCliOptions, command: Command) => {
      await runParsed(io, command, 'backup', toBackupOptions(file, opts), backup);
    });
}

async function backup(ctx: CliContext, options: BackupOptions): Promise<void> {
  const [{ runBackup }, { backupDocument, renderBackup }] = await Promise.all([
    import('../../../operations/backup.js'),
    import('./render.js'),
  ]);
  const result = await runBackup(options, {
    dbPath: ctx.dbPath,
    openStore: () => ctx.store({ mustExist: true }),
  });
  if (ctx.json) ctx.output.data(backupDocument(result));
  else renderBackup(ctx.output, result);
}
