import { NotFoundError } from '../core/errors.js';
import type { Settings } from '../core/settings.js';
import type { ApiConnection } from '../smtp2go/api-connection.js';
import {
  findPortalWebhook,
  listenerUrl,
  portalListenerUrl,
  viewWebhook,
  type WebhookView,
} from '../smtp2go/portal-webhook.js';
import * as webhooksApi from '../smtp2go/webhooks-api.js';
import { apiConnection, type WebhooksApi } from './webhook-register.js';

export interface WebhookUnregisterOptions {
  /** A specific webhook id; otherwise the one at this portal's listener URL. */
  id?: string;
  url?: string;
}

export interface WebhookUnregisterDeps {
  settings: Settings;
  connection?: Partial<ApiConnection>;
  api?: WebhooksApi;
  /** Asked once the webhook is known; false leaves it in place. */
  confirm: (webhook: WebhookView) => Promise<boolean>;
}

export interface WebhookUnregisterResult {
  removed: boolean;
  webhook: WebhookView;
}

export async function runWebhookUnregister(
  options: WebhookUnregisterOptions,
  deps: WebhookUnregisterDeps,
): Promise<WebhookUnregisterResult> {
  const connection = apiConnection(deps.settings, deps.connection);
  const api = deps.api ?? webhooksApi;
  const webhooks = await api.listWebhooks(connection);
  const url =
    options.url !== undefined
      ? listenerUrl(options.url)
      : deps.settings.portalUrl === null
        ? null
        : portalListenerUrl(deps.settings.portalUrl);
  const target =
    options.id !== undefined
      ? (webhooks.find((webhook) => webhook.id === options.id) ?? null)
      : url === null
        ? null
        : findPortalWebhook(webhooks, url);
  if (target === null) {
    const listed = webhooks.map((webhook) => `#${webhook.id} ${webhook.url}`).join(', ') || 'none';
    throw new NotFoundError(
      options.id !== undefined
        ? `SMTP2Go has no webhook #${options.id}`
        : `SMTP2Go has no webhook for ${url ?? 'this portal (no portal URL configured)'}`,
      `webhooks on the account: ${listed}; choose one with --id`,
    );
  }
  const webhook = viewWebhook(target);
  if (!(await deps.confirm(webhook))) return { removed: false, webhook };
  await api.removeWebhook(connection, target.id);
  return { removed: true, webhook };
}
