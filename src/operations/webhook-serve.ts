import { PortalError } from '../core/errors.js';
import { resolveSettings } from '../core/resolve-settings.js';
import { generateWebhookSecret } from '../core/secrets.js';
import { loadModuleSettings, saveModuleSettings } from '../store/module-settings.js';
import type { Store } from '../store/open-store.js';
import {
  startPlausibleForwarding,
  type PlausibleForwardingOptions,
} from '../webhook/plausible-forwarding.js';
import {
  startWebhookServer,
  type LogEntry,
  type RequestRecord,
  type WebhookServer,
  type WebhookServerOptions,
  type WebhookTimeouts,
} from '../webhook/server.js';

export interface WebhookServeOptions {
  host: string;
  port: number;
  path: string;
  insecure: boolean;
  /** A reverse proxy sits in front: tracking hits take the client address from X-Forwarded-For. */
  trustProxy?: boolean;
}

export interface WebhookServeDeps {
  store: Store;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  onEvent?: (record: RequestRecord) => void;
  onLog?: (entry: LogEntry) => void;
  /** How long a commit waits for another writer before answering 503 (SMTP2Go gives up after 10 s). */
  busyTimeoutMs?: number;
  /** Commit on a thread of its own (default); tests running from sources pass the compiled worker. */
  commitThread?: boolean | { workerUrl?: URL };
  timeouts?: Partial<WebhookTimeouts>;
  startServer?: (options: WebhookServerOptions) => Promise<WebhookServer>;
  /** The click burst window (2 s); tests shorten it. */
  burstWindowMs?: number;
  /** Tests shorten the Plausible forwarder's timeouts and backoff. */
  plausible?: Pick<PlausibleForwardingOptions, 'forwarder' | 'flushMs'>;
}

/** Tracking URLs are `{PORTAL_URL}/t/...` (operations/send-test-tracked-relay.ts): the routes live under its path. */
function trackingPrefix(portalUrl: string | null): string {
  const path = portalUrl === null ? '' : new URL(portalUrl).pathname.replace(/\/+$/, '');
  return `${path}/t/`;
}

export interface WebhookServeResult {
  url: string;
  healthUrl: string;
  insecure: boolean;
  /** Set only when this run generated and stored the secret: the caller shows it once. */
  generatedSecret: string | null;
  /** Whether a previous (rotation) secret is also accepted. */
  acceptsPreviousSecret: boolean;
  close(): Promise<void>;
}

/**
 * Starts the listener with the configured secrets. With none configured it generates one and stores it
 * (only once the port is bound, so a failed start never leaves a secret nobody saw).
 */
export async function runWebhookServe(
  options: WebhookServeOptions,
  deps: WebhookServeDeps,
): Promise<WebhookServeResult> {
  const stored = loadModuleSettings(deps.store);
  const { settings } = resolveSettings({ env: deps.env, stored });
  const generatedSecret = settings.webhookSecret === null ? generateWebhookSecret() : null;
  const secrets = [generatedSecret ?? settings.webhookSecret, settings.previousWebhookSecret].filter(
    (secret): secret is string => secret !== null && secret !== '',
  );
  const plausible =
    settings.plausibleUrl === null
      ? null
      : startPlausibleForwarding({
          store: deps.store,
          plausibleUrl: settings.plausibleUrl,
          domain: settings.plausibleDomain,
          portalUrl: settings.portalUrl,
          now: deps.now,
          ...(deps.onLog === undefined ? {} : { onLog: deps.onLog }),
          ...deps.plausible,
        });
  const tracking = {
    prefix: trackingPrefix(settings.portalUrl),
    trustProxy: options.trustProxy === true,
    ...(deps.burstWindowMs === undefined ? {} : { burstWindowMs: deps.burstWindowMs }),
    ...(plausible === null
      ? {}
      : { onHit: (hit: Parameters<typeof plausible.onHit>[0]) => plausible.onHit(hit) }),
  };
  let server: WebhookServer;
  try {
    server = await (deps.startServer ?? startWebhookServer)({
      store: deps.store,
      secrets,
      insecure: options.insecure,
      host: options.host,
      port: options.port,
      path: options.path,
      now: deps.now,
      tracking,
      busyTimeoutMs: deps.busyTimeoutMs ?? 2000,
      commitThread: deps.commitThread ?? true,
      ...(deps.timeouts === undefined ? {} : { timeouts: deps.timeouts }),
      ...(deps.onEvent === undefined ? {} : { onEvent: deps.onEvent }),
      ...(deps.onLog === undefined ? {} : { onLog: deps.onLog }),
    });
  } catch (error) {
    await plausible?.close();
    throw listenError(error, options);
  }
  // Held clicks are released when the listener closes; only then is the forwarder's queue complete.
  const close = async () => {
    await server.close();
    await plausible?.close();
  };
  if (generatedSecret !== null) {
    try {
      const notice = saveModuleSettings(
        deps.store,
        { ...stored, webhookSecret: generatedSecret },
        deps.now(),
      );
      if (notice !== null) deps.onLog?.({ level: 'warn', message: notice });
    } catch (error) {
      await close();
      throw new PortalError(
        'store',
        `could not store the generated webhook secret: ${(error as Error).message}`,
        { hint: 'check the database, or set one with configure --webhook-secret', cause: error },
      );
    }
  }
  return {
    url: server.url,
    healthUrl: server.healthUrl,
    insecure: options.insecure,
    generatedSecret,
    acceptsPreviousSecret: secrets.length > 1,
    close,
  };
}

function listenError(error: unknown, options: WebhookServeOptions): unknown {
  const code = (error as { code?: unknown }).code;
  const where = `${options.host}:${options.port}`;
  if (code === 'EADDRINUSE')
    return new PortalError('runtime', `cannot listen on ${where}: the port is in use`, {
      hint: 'stop the other listener, or pass another --port (0 picks a free one)',
      cause: error,
    });
  if (code === 'EACCES')
    return new PortalError('runtime', `cannot listen on ${where}: permission denied`, {
      hint: 'use a port above 1023',
      cause: error,
    });
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
    return new PortalError('runtime', `cannot listen on ${where}: no such local address`, {
      hint: 'pass --host 127.0.0.1 or an address of this machine',
      cause: error,
    });
  return error;
}
