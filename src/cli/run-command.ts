import type { Command } from 'commander';
import { createContext, type CliContext, type CliIo, type GlobalOptions } from './context.js';

/**
 * Wraps a command's action: builds the context from the global options and always closes the store,
 * whatever the action throws (the error boundary in main.ts renders it).
 */
export async function withContext<T>(io: CliIo, command: Command, action: (ctx: CliContext) => Promise<T>): Promise<T> {
  const ctx = await createContext(io, command.optsWithGlobals<GlobalOptions>());
  try {
    return await action(ctx);
  } finally {
    ctx.close();
  }
}

/** Commander's collector for repeatable options such as `--to a --to b`. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
