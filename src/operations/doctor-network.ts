import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Settings } from '../core/settings.js';
import { relayTlsRule, type RelayConfig } from '../mail/smtp-relay.js';
import type { ApiConnection } from '../smtp2go/api-connection.js';
import { isSmtp2goFailure } from '../smtp2go/errors.js';
import { fetchApiKeyPermissions } from '../smtp2go/permissions-api.js';
import { findPortalWebhook, impliedEvents, portalListenerUrl } from '../smtp2go/portal-webhook.js';
import { listWebhooks, type Smtp2goWebhook } from '../smtp2go/webhooks-api.js';
import type { DoctorCheck } from './doctor.js';
import { fail, ok, warn } from './doctor-check.js';

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

export async function apiKeyCheck(connection: ApiConnection | null): Promise<DoctorCheck> {
  if (connection === null) return fail('api-key', 'no API key to check', 'configure --api-key');
  try {
    const permissions = await fetchApiKeyPermissions(connection);
    if (permissions.canSend) return ok('api-key', 'API key accepted and allowed to send (/email/send)');
    return fail(
      'api-key',
      'API key accepted but not allowed to call /email/send',
      'SMTP2Go app: Sending > API Keys > edit the key > Permissions: allow /email/send',
    );
  } catch (error) {
    const auth = isSmtp2goFailure(error) && error.errorClass === 'auth';
    return fail(
      'api-key',
      auth ? `API key rejected: ${reason(error)}` : `SMTP2Go API unreachable: ${reason(error)}`,
      auth
        ? 'configure --api-key with a valid key (Sending > API Keys)'
        : 'check --api-url / --region and the network',
    );
  }
}

export type RelayVerifier = (config: RelayConfig) => Promise<void>;

/**
 * Reachable under the TLS rule a send uses (relayTlsRule: credentials only over TLS, except on loopback),
 * which the message names, and credentials accepted.
 */
export async function relayCheck(
  settings: Settings,
  timeoutMs: number,
  verify: RelayVerifier,
  tls?: RelayConfig['tls'],
  isLoopback?: (host: string) => boolean,
): Promise<DoctorCheck> {
  if (settings.smtpHost === null)
    return warn(
      'smtp-relay',
      'no SMTP relay configured: no fallback when the API fails',
      'configure --smtp-host mail.smtp2go.com --smtp-user … --smtp-password …',
    );
  const config: RelayConfig = {
    host: settings.smtpHost,
    port: settings.smtpPort,
    secure: settings.smtpSecure,
    user: settings.smtpUser,
    password: settings.smtpPassword,
    timeoutMs,
    ...(isLoopback === undefined ? {} : { loopback: isLoopback(settings.smtpHost) }),
    ...(tls === undefined ? {} : { tls }),
  };
  const where = `${settings.smtpHost}:${settings.smtpPort} (${relayTlsRule(config).description})`;
  try {
    await verify(config);
    return ok(
      'smtp-relay',
      `${where}: reachable${settings.smtpUser === null ? '' : ', credentials accepted'}`,
    );
  } catch (error) {
    return fail('smtp-relay', `${where}: ${relayProblem(error)}`, relayFix(error));
  }
}

function relayProblem(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EAUTH') return `credentials rejected (${reason(error)})`;
  if (code === 'ETLS' || /STARTTLS|TLS|certificate/i.test(reason(error)))
    return `TLS failed (${reason(error)})`;
  return `unreachable (${reason(error)})`;
}

function relayFix(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EAUTH')
    return 'configure --smtp-user and --smtp-password with an SMTP user from SMTP2Go (Sending > SMTP Users)';
  if (code === 'ETLS' || /STARTTLS|TLS|certificate/i.test(reason(error)))
    return 'use port 465 with --smtp-secure, or a port where the relay offers STARTTLS (2525/587) with --no-smtp-secure';
  return 'check --smtp-host/--smtp-port and that outbound SMTP is allowed (try port 2525)';
}

/** SMTP2Go's webhook points at our listener, posts JSON with our bearer secret, for the events we need. */
export async function webhookCheck(
  settings: Settings,
  connection: ApiConnection | null,
): Promise<DoctorCheck> {
  const fix = 'run `smtp2go-portal webhook register`';
  if (connection === null || settings.portalUrl === null)
    return fail(
      'webhook',
      'cannot check the webhook without an API key and a portal URL',
      'configure --api-key and --portal-url',
    );
  let webhooks: Smtp2goWebhook[];
  try {
    webhooks = await listWebhooks(connection);
  } catch (error) {
    return fail(
      'webhook',
      `cannot list webhooks: ${reason(error)}`,
      'allow /webhook/view for the API key, or check the network',
    );
  }
  const url = portalListenerUrl(settings.portalUrl);
  const webhook = findPortalWebhook(webhooks, url);
  if (webhook === null) return fail('webhook', `no SMTP2Go webhook posts to ${url}`, fix);
  const problems = webhookProblems(webhook, settings, url);
  if (problems.fail.length > 0)
    return fail('webhook', `webhook #${webhook.id}: ${problems.fail.join('; ')}`, fix);
  if (problems.warn.length > 0)
    return warn('webhook', `webhook #${webhook.id}: ${problems.warn.join('; ')}`, fix);
  return ok(
    'webhook',
    `webhook #${webhook.id} posts JSON to ${url} with the bearer secret for ${webhook.events.join(', ')}`,
  );
}

function webhookProblems(
  webhook: Smtp2goWebhook,
  settings: Settings,
  url: string,
): { fail: string[]; warn: string[] } {
  const failures: string[] = [];
  const warnings: string[] = [];
  if (webhook.url.replace(/\/+$/, '') !== url) failures.push(`points at ${webhook.url}`);
  if (webhook.outputFormat !== 'json')
    failures.push(`output_format is ${webhook.outputFormat ?? 'unset (form)'}, not json`);
  if (webhook.authHeaderType !== 'bearer')
    failures.push(`sends no bearer Authorization (auth_header_type: ${webhook.authHeaderType || 'none'})`);
  else if (webhook.authHeaderValue === null)
    warnings.push('SMTP2Go does not show the bearer token, so it cannot be compared');
  else if (webhook.authHeaderValue === settings.previousWebhookSecret)
    warnings.push('it still sends the previous webhook secret');
  else if (webhook.authHeaderValue !== settings.webhookSecret)
    failures.push('its bearer token is not the webhook secret, so the listener answers 401');
  const missing = impliedEvents(settings).filter((event) => !webhook.events.includes(event));
  if (missing.length > 0) failures.push(`not subscribed to ${missing.join(', ')}`);
  return { fail: failures, warn: warnings };
}

/** GET the local listener's /healthz. Nothing listening is a warning (it may run elsewhere); a bad answer fails. */
export function listenerCheck(url: string, timeoutMs: number): Promise<DoctorCheck> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      resolve(fail('listener', `"${url}" is not a URL`, 'pass --listener http://127.0.0.1:8787'));
      return;
    }
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(target, { method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(
        status >= 200 && status < 300
          ? ok('listener', `${url} answered ${status}`)
          : fail('listener', `${url} answered ${status}`, 'check the listener log (`webhook serve`)'),
      );
    });
    req.on('timeout', () =>
      req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })),
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      resolve(
        error.code === 'ECONNREFUSED'
          ? warn(
              'listener',
              `nothing listens at ${url}`,
              'start `smtp2go-portal webhook serve` here, or pass --listener where it runs',
            )
          : fail('listener', `${url}: ${error.message}`, 'restart `smtp2go-portal webhook serve`'),
      );
    });
    req.end();
  });
}
