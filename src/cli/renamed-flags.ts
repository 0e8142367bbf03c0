import { Option, type Command } from 'commander';
import { UsageError } from '../core/errors.js';
import type { CliIo } from './context.js';

/** A flag renamed so that one name has one meaning across commands; the old spelling stays, hidden. */
export interface RenamedFlag {
  /** `--to` */
  old: string;
  /** `--listener` */
  current: string;
}

/** `--to` is the recipients of `send-test`; in `webhook trigger` and `replay` it was the listener to POST to. */
export const LISTENER_TO: RenamedFlag = { old: '--to', current: '--listener' };
/** `--url` is the clicked link in `webhook trigger`; in `webhook register` and `unregister` it was the public listener URL. */
export const PUBLIC_URL: RenamedFlag = { old: '--url', current: '--public-url' };
/** `doctor` called the listener `--listener-url` and wanted its /healthz spelled out. */
export const LISTENER_URL: RenamedFlag = { old: '--listener-url', current: '--listener' };

const key = (flag: string) =>
  flag.replace(/^--/, '').replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());

/** The old spelling as a hidden option taking the same value (help and completion leave it out). */
export function renamedOption(flag: RenamedFlag, value = '<url>'): Option {
  return new Option(`${flag.old} ${value}`, `old name of ${flag.current}`).hideHelp();
}

/**
 * Moves an old spelling's value to the current name, with a one-line note on stderr (not part of any
 * --json document). Both at once is a usage error.
 */
export function takeRenamedFlags<T extends object>(
  io: CliIo,
  command: Command,
  options: T,
  flags: RenamedFlag[],
): T {
  const values = { ...options } as Record<string, unknown>;
  for (const flag of flags) {
    if (values[key(flag.old)] === undefined) continue;
    if (values[key(flag.current)] !== undefined)
      throw new UsageError(`${flag.old} is the old name of ${flag.current}; give only ${flag.current}`);
    io.stderr.write(
      `warning: ${commandPath(command)} ${flag.old} is now ${flag.current} (the old name still works for now)\n`,
    );
    values[key(flag.current)] = values[key(flag.old)];
    delete values[key(flag.old)];
  }
  return values as T;
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at?.parent != null; at = at.parent) names.unshift(at.name());
  return names.join(' ');
}
