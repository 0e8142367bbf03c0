import { ConfigError, PortalError, UsageError } from '../core/errors.js';
import type { Settings } from '../core/settings.js';
import type { ApiConnection } from '../smtp2go/api-connection.js';
import {
  diffWebhook,
  findPortalWebhook,
  impliedEvents,
  listenerUrl,
  portalListenerUrl,
  readBackProblems,
  sameUrl,
  subscriptionName,
  TRACKING_HEADER,
  viewWebhook,
  type FieldChange,
  type WebhookView,
} from '../smtp2go/portal-webhook.js';
import * as webhooksApi from '../smtp2go/webhooks-api.js';
import { WebhookLimitError, type Smtp2goWebhook, type WebhookSpec } from '../smtp2go/webhooks-api.js';

export interface WebhookRegisterOptions {
  /** Public URL of the listener, or a bare origin (the listener path is appended). */
  url?: string;
  events?: string[];
  dryRun: boolean;
}

export type WebhooksApi = Pick<
  typeof webhooksApi,
  'listWebhooks' | 'addWebhook' | 'editWebhook' | 'removeWebhook'
>;

export interface WebhookRegisterDeps {
  settings: Settings;
  /** Overrides for tests (timeouts, dispatcher); the URL and key come from the settings. */
  connection?: Partial<ApiConnection>;
  api?: WebhooksApi;
}

export interface WebhookRegisterResult {
  action: 'created' | 'updated' | 'unchanged' | 'would-create' | 'would-update';
  dryRun: boolean;
  webhookId: string | null;
  url: string;
  events: string[];
  before: WebhookView | null;
  after: WebhookView | null;
  changes: FieldChange[];
  /** Fields that did not read back as sent (SMTP2Go ignored something). */
  problems: string[];
  /** Other webhooks on the account, left alone. */
  others: Array<{ id: string; url: string }>;
}

export function apiConnection(settings: Settings, overrides: Partial<ApiConnection> = {}): ApiConnection {
  if (settings.apiKey === null)
    throw new ConfigError('no SMTP2Go API key is configured', 'configure --api-key (or SMTP2GO_API_KEY)');
  return { apiUrl: settings.apiUrl, apiKey: settings.apiKey, ...overrides };
}

/** What the portal wants SMTP2Go's webhook to be, from the settings and the command's options. */
function desiredWebhook(
  settings: Settings,
  options: Pick<WebhookRegisterOptions, 'url' | 'events'>,
): WebhookSpec {
  if (settings.webhookSecret === null) {
    throw new ConfigError(
      'no webhook secret is configured, so the listener would reject every callback',
      'configure --generate-webhook-secret',
    );
  }
  return {
    url: targetUrl(settings, options.url),
    events: eventsFor(settings, options.events),
    headers: [TRACKING_HEADER],
    authHeaderType: 'bearer',
    authHeaderValue: settings.webhookSecret,
  };
}

function targetUrl(settings: Settings, url: string | undefined): string {
  if (url !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UsageError(
        `--public-url "${url}" is not a URL`,
        'give the public https URL of the portal or of its listener',
      );
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
      throw new UsageError(`--public-url "${url}" must use http or https`);
    return listenerUrl(url);
  }
  if (settings.portalUrl === null)
    throw new ConfigError(
      'no portal URL is configured, so the webhook URL is unknown',
      'pass --public-url <url> or configure --portal-url',
    );
  return portalListenerUrl(settings.portalUrl);
}

function eventsFor(settings: Settings, events: string[] | undefined): string[] {
  if (events === undefined || events.length === 0) return impliedEvents(settings);
  const names = events
    .flatMap((item) => item.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
  const unknown = names.filter((name) => subscriptionName(name) === null);
  if (unknown.length > 0)
    throw new UsageError(
      `--events: unknown event ${unknown.map((n) => `"${n}"`).join(', ')}`,
      'use processed, delivered, bounce, reject, spam, unsubscribe, resubscribe, open, click',
    );
  return [...new Set(names.map((name) => subscriptionName(name) as string))];
}

/** Creates or updates this portal's webhook (never a second one), then reads it back and reports the difference. */
export async function runWebhookRegister(
  options: WebhookRegisterOptions,
  deps: WebhookRegisterDeps,
): Promise<WebhookRegisterResult> {
  const spec = desiredWebhook(deps.settings, options);
  const connection = apiConnection(deps.settings, deps.connection);
  const api = deps.api ?? webhooksApi;
  const webhooks = await api.listWebhooks(connection);
  const current = findPortalWebhook(webhooks, spec.url);
  const changes = diffWebhook(current, spec);
  const base = {
    dryRun: options.dryRun,
    url: spec.url,
    events: spec.events,
    changes,
    problems: [] as string[],
    before: current === null ? null : viewWebhook(current),
    webhookId: current?.id ?? null,
    others: webhooks
      .filter((webhook) => webhook !== current)
      .map((webhook) => ({ id: webhook.id, url: webhook.url })),
  };
  if (current !== null && changes.length === 0) return { ...base, action: 'unchanged', after: base.before };
  if (options.dryRun)
    return { ...base, action: current === null ? 'would-create' : 'would-update', after: null };
  const written =
    current === null
      ? await create(api, connection, spec, base.others)
      : await api.editWebhook(connection, current.id, spec);
  const id = current?.id ?? written?.id ?? null;
  const readBack =
    (await api.listWebhooks(connection)).find((webhook) =>
      id === null ? sameUrl(webhook.url, spec.url) : webhook.id === id,
    ) ?? null;
  return {
    ...base,
    action: current === null ? 'created' : 'updated',
    webhookId: readBack?.id ?? id,
    after: readBack === null ? null : viewWebhook(readBack),
    problems: readBackProblems(readBack, spec),
  };
}

async function create(
  api: WebhooksApi,
  connection: ApiConnection,
  spec: WebhookSpec,
  others: Array<{ id: string; url: string }>,
): Promise<Smtp2goWebhook | null> {
  try {
    return await api.addWebhook(connection, spec);
  } catch (error) {
    if (!(error instanceof WebhookLimitError)) throw error;
    const existing = others.map((other) => `#${other.id} ${other.url}`).join(', ') || 'another webhook';
    throw new PortalError(
      'runtime',
      `SMTP2Go refused a new webhook: the plan's limit is reached (${existing})`,
      {
        hint: `point the existing webhook here with \`webhook register --public-url ${spec.url}\` only if it is this portal's; otherwise remove it (\`webhook unregister --id <id>\`) or upgrade the plan`,
        cause: error,
      },
    );
  }
}
