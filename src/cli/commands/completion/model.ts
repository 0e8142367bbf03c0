import type { Command, Option } from 'commander';

export interface CompletionOption {
  /** Every spelling, long first: `--json`, `-y`. */
  names: string[];
  description: string;
  takesValue: boolean;
  choices: string[];
}

export interface CompletionCommand {
  /** Space-separated path from the root: '' for the program, 'webhook register' for a subcommand. */
  path: string;
  name: string;
  description: string;
  subcommands: Array<{ name: string; description: string }>;
  /** The command's own options plus the program's global ones (commander accepts those anywhere). */
  options: CompletionOption[];
  /** Values a positional argument may take (e.g. `completion bash|zsh|fish`). */
  argumentChoices: string[];
}

const HELP: CompletionOption = {
  names: ['--help', '-h'],
  description: 'display help',
  takesValue: false,
  choices: [],
};

function optionOf(option: Option): CompletionOption {
  return {
    names: [option.long, option.short].filter((name): name is string => typeof name === 'string'),
    description: option.description,
    takesValue: option.required || option.optional,
    choices: option.argChoices ?? [],
  };
}

const visible = (command: Command) => (command as unknown as { _hidden?: boolean })._hidden !== true;

/**
 * Walks the live commander tree, so a completion script always covers every command and option
 * registered in `program.ts`, including ones added after this file was written.
 */
export function completionModel(program: Command): CompletionCommand[] {
  // --version only means something before a subcommand; --db and --json are accepted anywhere.
  const globals = program.options
    .filter((option) => !option.hidden && option.long !== '--version')
    .map(optionOf);
  const version = program.options.filter((option) => option.long === '--version').map(optionOf);
  const walk = (command: Command, path: string): CompletionCommand[] => {
    const children = command.commands.filter(visible);
    const own =
      command === program ? version : command.options.filter((option) => !option.hidden).map(optionOf);
    const node: CompletionCommand = {
      path,
      name: command.name(),
      description: command.description(),
      subcommands: children.map((child) => ({ name: child.name(), description: child.description() })),
      options: [...own, ...globals, HELP],
      argumentChoices: command.registeredArguments.flatMap((argument) => argument.argChoices ?? []),
    };
    return [
      node,
      ...children.flatMap((child) => walk(child, path === '' ? child.name() : `${path} ${child.name()}`)),
    ];
  };
  return walk(program, '');
}
