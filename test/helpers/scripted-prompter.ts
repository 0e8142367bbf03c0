import type { Prompter, TextPrompt } from '../../src/cli/prompts.js';

/** An answer that deletes the default (Backspace, then Enter, in @inquirer/input): the prompt returns ''. */
export const CLEAR = Symbol('clear');

export type ScriptedAnswer = string | boolean | typeof CLEAR;

/**
 * Answers prompts by the start of their message, as @inquirer/prompts would: an empty answer takes the
 * default, CLEAR returns '' from a text prompt. Every prompt is kept, so tests can read its message and
 * default and call its validate.
 */
export class ScriptedPrompter implements Prompter {
  readonly prompts: Array<{
    kind: 'input' | 'password' | 'confirm';
    message: string;
    default?: string | boolean;
    validate?: TextPrompt['validate'];
  }> = [];
  constructor(private readonly answers: Record<string, ScriptedAnswer>) {}

  get asked(): string[] {
    return this.prompts.map((prompt) => prompt.message);
  }

  private answer(message: string): ScriptedAnswer {
    const key = Object.keys(this.answers).find((k) => message.startsWith(k));
    return key === undefined ? '' : (this.answers[key] as ScriptedAnswer);
  }

  async input(prompt: TextPrompt): Promise<string> {
    this.prompts.push({ kind: 'input', ...prompt });
    const value = this.answer(prompt.message);
    const chosen = value === CLEAR ? '' : value === '' ? (prompt.default ?? '') : String(value);
    const valid = prompt.validate?.(chosen) ?? true;
    if (valid !== true) throw new Error(`prompt "${prompt.message}" rejected "${chosen}": ${valid}`);
    return chosen;
  }

  async password(prompt: TextPrompt): Promise<string> {
    this.prompts.push({ kind: 'password', ...prompt });
    const value = this.answer(prompt.message);
    const chosen = value === CLEAR ? '' : String(value);
    const valid = prompt.validate?.(chosen) ?? true;
    if (valid !== true) throw new Error(`prompt "${prompt.message}" rejected: ${valid}`);
    return chosen;
  }

  async confirm(prompt: { message: string; default?: boolean }): Promise<boolean> {
    this.prompts.push({ kind: 'confirm', ...prompt });
    const value = this.answer(prompt.message);
    return value === '' || value === CLEAR ? (prompt.default ?? false) : value === true;
  }
}
