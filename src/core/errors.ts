/**
 * Typed errors carry their exit code and a hint so that the single error boundary in
 * `src/cli/main.ts` can render them without knowing where they came from.
 */
export const EXIT_OK = 0;
export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;
const EXIT_CANCELLED = 130;

export type ErrorCode =
  'usage' | 'config' | 'not_found' | 'runtime' | 'store' | 'send_failed' | 'network' | 'cancelled';

export class PortalError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  readonly hint: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { hint?: string; exitCode?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PortalError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? defaultExitCode(code);
  }
}

function defaultExitCode(code: ErrorCode): number {
  if (code === 'usage' || code === 'config') return EXIT_USAGE;
  if (code === 'cancelled') return EXIT_CANCELLED;
  return EXIT_RUNTIME;
}

/** A bad flag, argument or value: exit 2. */
export class UsageError extends PortalError {
  constructor(message: string, hint?: string) {
    super('usage', message, hint === undefined ? {} : { hint });
    this.name = 'UsageError';
  }
}

/** Configuration missing or invalid: exit 2. */
export class ConfigError extends PortalError {
  constructor(message: string, hint?: string) {
    super('config', message, hint === undefined ? {} : { hint });
    this.name = 'ConfigError';
  }
}

/** Something the operator asked for does not exist (a reply id, say): exit 1. */
export class NotFoundError extends PortalError {
  constructor(message: string, hint?: string) {
    super('not_found', message, hint === undefined ? {} : { hint });
    this.name = 'NotFoundError';
  }
}

/** The store could not be opened, migrated or written: exit 1. */
export class StoreError extends PortalError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super('store', message, options);
    this.name = 'StoreError';
  }
}

/** Ctrl+C in a prompt: exit 130 with a plain "Cancelled.". */
export class CancelledError extends PortalError {
  constructor() {
    super('cancelled', 'Cancelled.');
    this.name = 'CancelledError';
  }
}

export function isPortalError(error: unknown): error is PortalError {
  return error instanceof PortalError;
}
