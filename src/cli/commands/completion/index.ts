import { Argument, type Command } from 'commander';
import type { CliIo } from '../../context.js';
import { withExamples } from '../../help.js';

export function registerCompletion(program: Command, io: CliIo): void {
  const command = program
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
  withExamples(command, [
    'completion bash > smtp2go-portal.bash',
    'completion zsh > "${fpath[1]}/_smtp2go-portal"',
    'completion fish > smtp2go-portal.fish',
  ]);
}
