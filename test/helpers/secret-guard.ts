import { SECRET_KEYS, SETTING_ENV_VARS, SETTING_FLAGS } from '../../src/core/settings.js';

// Flags whose value is a secret; `--secret` is replay's and trigger's signing secret.
const SECRET_FLAGS = new Set(['--secret', ...[...SECRET_KEYS].map((key) => SETTING_FLAGS[key])]);
// Shorter values ("x", "secret") would match ordinary words; real secrets in tests are longer.
const MIN_SECRET_LENGTH = 8;

/** The password in a PostgreSQL URL (the authority's, as written and decoded, or a `password` parameter). */
function urlPasswords(location: string | undefined): string[] {
  if (location === undefined || !/^postgres(ql)?:\/\//i.test(location)) return [];
  try {
    const url = new URL(location);
    const parameter = url.searchParams.get('password');
    const found = [
      url.password,
      decodeURIComponent(url.password),
      ...(parameter === null ? [] : [parameter]),
    ];
    return [...new Set(found.filter((value) => value !== ''))];
  } catch {
    return [];
  }
}

/** The secret values a CLI run was given, through its environment or its flags. */
export function secretsGiven(args: string[], env: NodeJS.ProcessEnv): string[] {
  const values = [...SECRET_KEYS].map((key) => env[SETTING_ENV_VARS[key]]);
  // Issue 17: a PostgreSQL store's password, wherever it came from.
  values.push(env.PGPASSWORD, ...urlPasswords(env.SMTP2GO_PORTAL_DB));
  args.forEach((arg, index) => {
    const [flag, inline] = arg.split(/=(.*)/s, 2);
    if (flag !== undefined && SECRET_FLAGS.has(flag)) values.push(inline ?? args[index + 1]);
    if (flag === '--db') values.push(...urlPasswords(inline ?? args[index + 1]));
  });
  return values.filter(
    (value): value is string => value !== undefined && value.trim().length >= MIN_SECRET_LENGTH,
  );
}

/**
 * Every in-process CLI run of the whole suite passes through this: a secret it was given must not come
 * back in stdout or stderr, in any mode (issue 7: "a test greps every output of the whole suite").
 */
export function assertNoSecretLeak(
  args: string[],
  env: NodeJS.ProcessEnv,
  outputs: { stdout: string; stderr: string },
): void {
  for (const secret of secretsGiven(args, env)) {
    for (const [name, text] of Object.entries(outputs)) {
      if (text.includes(secret))
        throw new Error(
          `secret leak: a secret given to \`${args.join(' ').replace(secret, '***')}\` appeared in ${name}`,
        );
    }
  }
}
