import { Command, Option } from 'commander';
import { UsageError } from '../../../core/errors.js';
import type { SettingFlags } from '../../../core/resolve-settings.js';
import {
  DEFAULT_SETTINGS,
  REGION_API_URLS,
  SETTING_ENV_VARS,
  SETTING_FLAGS,
  SETTING_KEYS,
  type SettingKey,
} from '../../../core/settings.js';
import type { CliContext, CliIo } from '../../context.js';
import { documentOptions, withExamples, type OptionFacts } from '../../help.js';
import { runParsed } from '../../run-command.js';
import { escapeControls } from '../../output.js';

interface ConfigureCliOptions {
  show?: boolean;
  apiKey?: string;
  enable?: boolean;
  disable?: boolean;
  tracking?: boolean;
  trackOpens?: boolean;
  trackClicks?: boolean;
  webhookSecret?: string;
  generateWebhookSecret?: boolean;
  rotateWebhookSecret?: boolean;
  sender?: string;
  apiUrl?: string;
  region?: string;
  smtpHost?: string;
  smtpPort?: string;
  smtpUser?: string;
  smtpPassword?: string;
  smtpSecure?: boolean;
  smtpFrom?: string;
  portalUrl?: string;
  fallbackOnTimeout?: boolean;
  firstPartyTracking?: string;
  firstPartyTrackingDays?: string;
  plausibleUrl?: string;
  plausibleDomain?: string;
}

function toConfigureFlags(o: ConfigureCliOptions): SettingFlags {
  if (o.enable && o.disable)
    throw new UsageError('--enable and --disable contradict each other', 'give only one');
  if (o.apiUrl !== undefined && o.region !== undefined)
    throw new UsageError('--api-url and --region both set the API URL', 'give only one');
  const flags: SettingFlags = {
    apiKey: o.apiKey,
    enabled: o.enable ? true : o.disable ? false : undefined,
    trackingEnabled: o.tracking,
    trackOpens: o.trackOpens,
    trackClicks: o.trackClicks,
    webhookSecret: o.webhookSecret,
    sender: o.sender,
    apiUrl: o.region === undefined ? o.apiUrl : REGION_API_URLS[o.region],
    smtpHost: o.smtpHost,
    smtpPort: o.smtpPort,
    smtpUser: o.smtpUser,
    smtpPassword: o.smtpPassword,
    smtpSecure: o.smtpSecure,
    smtpFrom: o.smtpFrom,
    portalUrl: o.portalUrl,
    fallbackOnTimeout: o.fallbackOnTimeout,
    firstPartyTracking: o.firstPartyTracking,
    firstPartyTrackingDays: o.firstPartyTrackingDays,
    plausibleUrl: o.plausibleUrl,
    plausibleDomain: o.plausibleDomain,
  };
  return Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined));
}

export function registerConfigure(program: Command, io: CliIo): void {
  const command = program
    .command('configure')
    .description(
      'set up the SMTP2Go module: interactive on a terminal, or entirely from flags and environment',
    )
    .option('--show', 'print the effective configuration and where each value comes from (secrets masked)')
    .option('--api-key <key>', 'SMTP2Go API key: api- and 32 letters or digits')
    .option('--enable', 'enable the module')
    .option('--disable', 'disable the module')
    .option('--tracking', 'master tracking switch on')
    .option('--no-tracking', 'master tracking switch off')
    .option('--track-opens', 'track opens')
    .option('--no-track-opens', 'do not track opens')
    .option('--track-clicks', 'track clicks')
    .option('--no-track-clicks', 'do not track clicks')
    .option('--webhook-secret <secret>', 'webhook secret, 16 characters or more')
    .option('--generate-webhook-secret', 'generate a webhook secret (printed once)')
    .option('--rotate-webhook-secret', 'keep the current secret valid as "previous" and generate a new one')
    .option('--sender <address>', 'the verified SMTP2Go sender replies come from')
    .option('--api-url <url>', 'API base URL')
    .addOption(
      new Option('--region <region>', 'regional API endpoint, which sets the API URL').choices([
        'us',
        'eu',
        'au',
        'global',
      ]),
    )
    .option('--smtp-host <host>', 'SMTP relay host')
    .option('--smtp-port <port>', 'SMTP relay port')
    .option('--smtp-user <user>', 'SMTP user')
    .option('--smtp-password <password>', 'SMTP password')
    .option('--smtp-secure', 'implicit TLS')
    .option('--no-smtp-secure', 'STARTTLS or plain')
    .option('--smtp-from <address>', 'relay From address')
    .option('--portal-url <url>', 'public portal URL')
    .option(
      '--fallback-on-timeout',
      'relay even when the API outcome is ambiguous, at the risk of a duplicate',
    )
    .option('--no-fallback-on-timeout', 'never relay after an ambiguous API timeout')
    .option(
      '--first-party-tracking <mode>',
      'relay|always|off: the portal tracks relay mail itself [PORTAL_FIRST_PARTY_TRACKING]',
    )
    .option(
      '--first-party-tracking-days <n>',
      'days a tracking link records events [PORTAL_FIRST_PARTY_TRACKING_DAYS]',
    )
    .option(
      '--plausible-url <url>',
      'forward first-party opens/clicks to this Plausible [PORTAL_PLAUSIBLE_URL]',
    )
    .option('--plausible-domain <domain>', 'the Plausible site domain [PORTAL_PLAUSIBLE_DOMAIN]')
    .action(async (opts: ConfigureCliOptions, command: Command) => {
      const flags = toConfigureFlags(opts);
      const options = {
        flags,
        show: opts.show === true,
        generateWebhookSecret: opts.generateWebhookSecret === true,
        rotateWebhookSecret: opts.rotateWebhookSecret === true,
      };
      await runParsed(io, command, 'configure', options, (ctx) =>
        options.show ? show(ctx, flags) : configure(ctx, options),
      );
    });
  documentOptions(command, settingFacts(command));
  withExamples(command, [
    'configure',
    'configure --api-key api-… --enable --generate-webhook-secret',
    'configure --show',
  ]);
}

/** Each setting's flags (and their --no- forms) name its environment variable and default. */
function settingFacts(command: Command): Record<string, OptionFacts> {
  const facts: Record<string, OptionFacts> = {};
  const extra: Partial<Record<SettingKey, string[]>> = { enabled: ['--disable'] };
  // The previous secret has no flag of its own: --rotate-webhook-secret moves the current one there.
  for (const key of SETTING_KEYS.filter((name) => name !== 'previousWebhookSecret')) {
    const flag = SETTING_FLAGS[key];
    const names = [flag, `--no-${flag.slice(2)}`, ...(extra[key] ?? [])].filter((name) =>
      command.options.some((option) => option.long === name),
    );
    const fallback = DEFAULT_SETTINGS[key];
    for (const name of names) {
      facts[name] = {
        env: SETTING_ENV_VARS[key],
        ...(typeof fallback === 'string' || typeof fallback === 'number'
          ? { default: String(fallback) }
          : {}),
      };
    }
  }
  facts['--region'] = { default: 'global', env: SETTING_ENV_VARS.apiUrl };
  return facts;
}

async function show(ctx: CliContext, flags: SettingFlags): Promise<void> {
  const { runShowConfig } = await import('../../../operations/show-config.js');
  const result = runShowConfig(flags, { store: await ctx.store(), env: ctx.env, dbPath: ctx.dbPath });
  if (ctx.json)
    return ctx.output.data({ db: result.dbPath, settings: result.settings, warnings: result.warnings });
  const { renderSettingsTable } = await import('./render-settings.js');
  ctx.output.line(`database: ${escapeControls(result.dbPath)}`);
  renderSettingsTable(ctx.output, result.settings);
  for (const warning of result.warnings) ctx.output.warn(warning);
}

async function configure(
  ctx: CliContext,
  options: { flags: SettingFlags; generateWebhookSecret: boolean; rotateWebhookSecret: boolean },
): Promise<void> {
  const { interactiveConfigure } = await import('./interactive.js');
  const { planConfigure, applyConfigurePlan } = await import('../../../operations/configure.js');
  const store = await ctx.store();
  const deps = { store, env: ctx.env, now: ctx.now };
  const wantsWizard =
    ctx.interactive &&
    Object.keys(options.flags).length === 0 &&
    !options.generateWebhookSecret &&
    !options.rotateWebhookSecret;
  const plan = wantsWizard ? await interactiveConfigure(ctx, deps) : planConfigure(options, deps);
  if (plan === null) return ctx.output.info('Nothing saved.');
  const result = applyConfigurePlan(plan, deps);
  if (ctx.json)
    return ctx.output.data({
      saved: result.saved,
      changed: result.changed,
      settings: result.settings,
      generated_webhook_secret: result.generatedWebhookSecret,
      warnings: result.warnings,
    });
  if (result.saved)
    ctx.output.info(
      ctx.output.stderrColor.green(`Saved the SMTP2Go module settings to ${escapeControls(ctx.dbLabel)}.`),
    );
  else ctx.output.info('Nothing to change: the stored settings already say this.');
  if (result.generatedWebhookSecret !== null) {
    ctx.output.line("Webhook secret (shown once; SMTP2Go's webhook sends it as a Bearer token):");
    ctx.output.line(`  ${result.generatedWebhookSecret}`);
  }
  for (const warning of result.warnings) ctx.output.warn(warning);
}
