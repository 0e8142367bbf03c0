import type { Command, HelpConfiguration, Option } from 'commander';

/** What the help says after an option's description: its default and the environment variable it stands for. */
export interface OptionFacts {
  default?: string;
  env?: string;
}

const FACTS = new WeakMap<Option, OptionFacts>();

/**
 * Records each named option's default and environment variable for --help. Defaults that only the
 * operation applies (commander's would change the typed options) are written here, not in descriptions.
 */
export function documentOptions(command: Command, facts: Record<string, OptionFacts>): Command {
  for (const [flag, fact] of Object.entries(facts)) {
    const option = command.options.find((candidate) => candidate.long === flag);
    if (option === undefined) throw new Error(`${command.name()} has no option ${flag}`);
    FACTS.set(option, fact);
  }
  return command;
}

/** Two or three command lines a reader can copy, after the options. */
export function withExamples(command: Command, lines: string[]): Command {
  return command.addHelpText(
    'after',
    `\nExamples:\n${lines.map((line) => `  $ smtp2go-portal ${line}`).join('\n')}\n`,
  );
}

/**
 * Every command's help: the global --db and --json listed too, and choices, default and environment
 * variable written one way, "(choices: a, b; default: x; env: Y)", unquoted.
 */
export const HELP_CONFIGURATION: HelpConfiguration = {
  showGlobalOptions: true,
  optionDescription(option: Option): string {
    const facts = FACTS.get(option) ?? {};
    const own =
      option.defaultValue !== undefined && typeof option.defaultValue !== 'boolean'
        ? String(option.defaultValue)
        : undefined;
    const extra = [
      option.argChoices === undefined ? null : `choices: ${option.argChoices.join(', ')}`,
      (facts.default ?? own) === undefined ? null : `default: ${facts.default ?? own}`,
      facts.env === undefined ? null : `env: ${facts.env}`,
    ].filter((part) => part !== null);
    return extra.length === 0 ? option.description : `${option.description} (${extra.join('; ')})`;
  },
};
