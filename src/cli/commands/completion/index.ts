import { Argument, type Command } from 'commander';
import type { CliIo } from '../../context.js';

export function registerCompletion(program: Command, io: CliIo): void {
  program
    .command('completion')
    .description('print a shell completion script for every command and option')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(['bash', 'zsh', 'fish']))
    .action(async (shell: 'bash' | 'zsh' | 'fish', _opts: unknown, command: Command) => {
      if (io.onParsed?.('completion', { shell }) === true) return;
      const { completionModel } = await import('./model.js');
      const { renderCompletion } = await import('./render.js');
      let root = command;
      while (root.parent !== null) root = root.parent;
      // Written straight to stdout: a script, not a data document, so --json does not wrap it.
      io.stdout.write(renderCompletion(shell, completionModel(root), root.name()));
    });
}
