import type { Settings } from '../core/settings.js';
import type { RelayConfig } from '../mail/smtp-relay.js';
import type { ApiConnection } from '../smtp2go/api-connection.js';
import type { Store } from '../store/open-store.js';
import { configCheck, databaseChecks, loadSettingsCheck } from './doctor-local.js';
import {
  apiKeyCheck,
  listenerCheck,
  relayCheck,
  webhookCheck,
  type RelayVerifier,
} from './doctor-network.js';
import { plausibleCheck } from './doctor-plausible.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  name: string;
  status: CheckStatus;
  message: string;
  /** What to do about a warn or fail; null when ok. */
  fix: string | null;
}

export interface DoctorOptions {
  listenerUrl: string;
  /** Budget for each network check; they all run at once, so this bounds the whole run. */
  timeoutMs: number;
}

export interface DoctorDeps {
  env: NodeJS.ProcessEnv;
  dbPath: string;
  /** Opens the store; a throw is reported as a failed database check rather than aborting. */
  openStore: () => Promise<Store>;
  verifyRelay?: RelayVerifier;
  /** Tests only: trust the test relay's self-signed certificate. */
  relayTls?: RelayConfig['tls'];
  /** Tests only: decide whether the relay host is loopback (they all run there). */
  relayIsLoopback?: (host: string) => boolean;
  connection?: Partial<ApiConnection>;
}

export interface DoctorResult {
  ok: boolean;
  checks: DoctorCheck[];
}

/** Local checks first (cheap, synchronous), then every network check in parallel, each with a short timeout. */
export async function runDoctor(options: DoctorOptions, deps: DoctorDeps): Promise<DoctorResult> {
  let store: Store | null = null;
  let openError: unknown = null;
  try {
    store = await deps.openStore();
  } catch (error) {
    openError = error;
  }
  const loaded = loadSettingsCheck(store, deps.env);
  const checks: DoctorCheck[] = [
    ...(loaded.check === null ? [] : [loaded.check]),
    ...(loaded.settings === null ? [] : configCheck(loaded.settings)),
    ...databaseChecks(store, deps.dbPath, openError),
  ];
  const [network, plausible] = await Promise.all([
    networkChecks(loaded.settings, options, deps),
    loaded.settings === null ? null : plausibleCheck(loaded.settings, store, options.timeoutMs),
  ]);
  checks.push(...network, ...(plausible === null ? [] : [plausible]));
  return { ok: checks.every((check) => check.status !== 'fail'), checks };
}

async function networkChecks(
  settings: Settings | null,
  options: DoctorOptions,
  deps: DoctorDeps,
): Promise<DoctorCheck[]> {
  const listener = listenerCheck(options.listenerUrl, options.timeoutMs);
  if (settings === null) {
    const skipped = (name: string): DoctorCheck => ({
      name,
      status: 'fail',
      message: 'not checked: the configuration could not be read',
      fix: 'fix the configuration first',
    });
    return [skipped('api-key'), skipped('smtp-relay'), skipped('webhook'), await listener];
  }
  const connection =
    settings.apiKey === null
      ? null
      : {
          apiUrl: settings.apiUrl,
          apiKey: settings.apiKey,
          timeoutMs: options.timeoutMs,
          connectTimeoutMs: options.timeoutMs,
          ...deps.connection,
        };
  const verify =
    deps.verifyRelay ??
    (async (config: RelayConfig) => (await import('../mail/relay-verify.js')).verifySmtpRelay(config));
  return Promise.all([
    apiKeyCheck(connection),
    relayCheck(settings, options.timeoutMs, verify, deps.relayTls, deps.relayIsLoopback),
    webhookCheck(settings, connection),
    listener,
  ]);
}
