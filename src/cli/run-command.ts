import type { Command } from 'commander';
import type { PortalError } from '../core/errors.js';
import { createContext, type CliContext, type CliIo, type GlobalOptions } from './context.js';
import { ReportedFailure } from './output.js';

/**
 * Wraps a command's action: builds the context from the global options and always closes the store,
 * whatever the action throws (the error boundary in main.ts renders it).
 */
async function withContext<T>(
  io: CliIo,
  command: Command,
  action: (ctx: CliContext) => Promise<T>,
): Promise<T> {
  const ctx = await createContext(io, command.optsWithGlobals<GlobalOptions>());
  try {
    return await action(ctx);
  } finally {
    ctx.close();
  }
}

/**
 * The end of every command's action once its options are typed: a test's `io.onParsed` may take them
 * instead of running the command; otherwise it runs inside withContext.
 */
export async function runParsed<T>(
  io: CliIo,
  command: Command,
  name: string,
  options: T,
  run: (ctx: CliContext, options: T) => Promise<unknown>,
): Promise<void> {
  if (io.onParsed?.(name, options) === true) return;
  await withContext(io, command, (ctx) => run(ctx, options));
}

/**
 * Prints a command's result, then throws its failure if it has one. With --json the two are one document,
 * the result plus `error`, so the failure is thrown as a ReportedFailure and the boundary prints no second.
 */
export function reportResult(
  ctx: CliContext,
  document: () => Record<string, unknown>,
  render: () => void,
  failure: PortalError | null,
): void {
  const error =
    failure === null
      ? {}
      : { error: { code: failure.code, message: failure.message, hint: failure.hint ?? null } };
  if (ctx.json) ctx.output.data({ ...document(), ...error });
  else render();
  if (failure !== null) throw ctx.json ? new ReportedFailure(failure) : failure;
}

/** Commander's collector for repeatable options such as `--to a --to b`. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
