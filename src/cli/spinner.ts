import type { CliContext } from './context.js';

export interface SpinnerHandle {
  /** New text, or null to keep the current one. */
  update(text: string | null): void;
  stop(): void;
}

const NONE: SpinnerHandle = { update: () => undefined, stop: () => undefined };

/** A spinner on stderr only when stderr is a terminal and --json is off; otherwise nothing at all. */
export async function startSpinner(ctx: CliContext, text = 'working…'): Promise<SpinnerHandle> {
  if (ctx.json || ctx.io.stderr.isTTY !== true) return NONE;
  const { default: yoctoSpinner } = await import('yocto-spinner');
  const spinner = yoctoSpinner({ text, stream: ctx.io.stderr as NodeJS.WriteStream }).start();
  return {
    update: (next) => {
      if (next !== null) spinner.text = next;
    },
    stop: () => {
      if (spinner.isSpinning) spinner.stop();
    },
  };
}
