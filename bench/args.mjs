/**
 * A bench script's command line mapped onto its defaults: `flags` names each `--flag value` option as
 * `[key, convert]` (Number or String); `--write` / `--no-write` toggle `write`. `--quick` is skipped here:
 * the caller reads it first, because it changes the defaults.
 */
export function parseBenchArgs(argv, defaults, flags, script) {
  const options = { ...defaults };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    if (flag === '--quick') continue;
    if (flag === '--write' || flag === '--no-write') {
      options.write = flag === '--write';
      continue;
    }
    const spec = flags[flag];
    if (spec === undefined)
      throw new Error(`unknown option ${flag} (see the comment at the top of bench/${script})`);
    i += 1;
    if (argv[i] === undefined) throw new Error(`${flag} needs a value`);
    const [key, convert] = spec;
    options[key] = convert(argv[i]);
  }
  return options;
}
