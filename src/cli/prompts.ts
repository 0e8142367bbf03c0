import { CancelledError } from '../core/errors.js';

export interface TextPrompt {
  message: string;
  default?: string;
  validate?: (value: string) => true | string;
}

/** The prompts the CLI uses, as an interface so tests can drive an interactive flow. */
export interface Prompter {
  input(prompt: TextPrompt): Promise<string>;
  password(prompt: TextPrompt): Promise<string>;
  confirm(prompt: { message: string; default?: boolean }): Promise<boolean>;
}

export interface InteractivityInput {
  stdin: { isTTY?: boolean };
  stdout: { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  json: boolean;
}

/** Prompt only on a real terminal, outside CI, and never in --json mode. */
export function isInteractive({ stdin, stdout, env, json }: InteractivityInput): boolean {
  if (json) return false;
  if (env.CI !== undefined && env.CI !== '' && env.CI !== '0' && env.CI !== 'false') return false;
  return stdin.isTTY === true && stdout.isTTY === true;
}

function isExitPrompt(error: unknown): boolean {
  return error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError');
}

async function cancellable<T>(ask: () => Promise<T>): Promise<T> {
  try {
    return await ask();
  } catch (error) {
    if (isExitPrompt(error)) throw new CancelledError();
    throw error;
  }
}

type InquirerModule = Pick<typeof import('@inquirer/prompts'), 'input' | 'password' | 'confirm'>;

/** @inquirer/prompts is loaded only when a prompt is actually shown (tests pass their own module). */
export function createInquirerPrompter(
  load: () => Promise<InquirerModule> = () => import('@inquirer/prompts'),
): Prompter {
  return {
    input: (prompt) => cancellable(async () => (await load()).input(prompt)),
    password: (prompt) =>
      cancellable(async () => {
        const { password } = await load();
        return password({
          message: prompt.message,
          mask: '•',
          ...(prompt.validate ? { validate: prompt.validate } : {}),
        });
      }),
    confirm: (prompt) => cancellable(async () => (await load()).confirm(prompt)),
  };
}
