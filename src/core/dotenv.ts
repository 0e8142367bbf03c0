import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';

/**
 * Reads `.env` from the working directory into `env` without overriding variables already set,
 * so a value exported in the shell always wins over the file.
 * Returns the names that were filled in (never their values).
 */
export function loadDotEnv(cwd: string, env: NodeJS.ProcessEnv): string[] {
  let text: string;
  try {
    text = readFileSync(join(cwd, '.env'), 'utf8');
  } catch {
    return [];
  }
  const parsed = parseEnv(text) as Record<string, string>;
  const filled: string[] = [];
  for (const [name, value] of Object.entries(parsed)) {
    if (env[name] === undefined) {
      env[name] = value;
      filled.push(name);
    }
  }
  return filled;
}
