import { UsageError } from '../../core/errors.js';
import { resolveSettings } from '../../core/resolve-settings.js';
import { parseSince } from '../../core/since.js';
import { SETTING_ENV_VARS } from '../../core/settings.js';
import type { WebhookReplayOptions } from '../webhook-replay.js';
import { parseListenerTarget } from '../listener-target.js';
import { loadModuleSettings } from '../../store/module-settings.js';
import type { Store } from '../../store/open-store.js';
import type { SignMode } from '../../webhook/deliver.js';
import { parseRecipientFilter, parseTypeFilter, type ReplayFilter } from './filter.js';

/** What the command line gave, already checked for shape (see the command's toReplayOptions). */
export interface ReplayRequest {
  source: WebhookReplayOptions['source'];
  replyId?: number;
  types?: string[];
  since?: string;
  until?: string;
  recipient?: string;
  emailId?: string;
  to?: string;
  sign: SignMode;
  secret?: string;
  ratePerSecond: number | null;
  concurrency: number;
  dryRun: boolean;
}

export interface ResolveReplayDeps {
  env: NodeJS.ProcessEnv;
  now: Date;
  openStore: () => Promise<Store>;
}

/**
 * Turns the request into operation options: times against the clock, type spellings as the store keeps
 * them, the target URL, and the secret (flag, else environment, else stored). The store is opened only
 * when something needs it, so a file replayed to a listener with `--secret` touches no database.
 */
export async function resolveReplayOptions(
  request: ReplayRequest,
  deps: ResolveReplayDeps,
): Promise<{ options: WebhookReplayOptions; store: Store | null }> {
  const filter = replayFilter(request, deps.now);
  const local = request.to === undefined;
  const signs = !local && request.sign !== 'none';
  const secretFromEnv = deps.env[SETTING_ENV_VARS.webhookSecret]?.trim() || undefined;
  const needsStore =
    request.source.kind === 'store' ||
    local ||
    filter.replyId !== undefined ||
    (signs && request.secret === undefined && secretFromEnv === undefined);
  const store = needsStore ? await deps.openStore() : null;
  let secret: string | null = null;
  if (signs)
    secret =
      request.secret ??
      resolveSettings({ env: deps.env, stored: store === null ? {} : loadModuleSettings(store) }).settings
        .webhookSecret;
  const options: WebhookReplayOptions = {
    source: request.source,
    filter,
    target: local
      ? { kind: 'local' }
      : { kind: 'http', url: parseListenerTarget(request.to as string), sign: request.sign, secret },
    ratePerSecond: request.ratePerSecond,
    concurrency: request.concurrency,
    dryRun: request.dryRun,
    collectEvents: false,
  };
  return { options, store };
}

function replayFilter(request: ReplayRequest, now: Date): ReplayFilter {
  const filter: ReplayFilter = {};
  if (request.replyId !== undefined) filter.replyId = request.replyId;
  if (request.types !== undefined) filter.types = parseTypeFilter(request.types);
  if (request.since !== undefined) filter.since = parseSince(request.since, now);
  if (request.until !== undefined) filter.until = parseSince(request.until, now, '--until');
  if (request.recipient !== undefined) filter.recipient = parseRecipientFilter(request.recipient);
  if (request.emailId !== undefined) {
    if (!/^[\w.-]{1,100}$/.test(request.emailId))
      throw new UsageError(`--email-id "${request.emailId}" is not an SMTP2Go email id`);
    filter.emailId = request.emailId;
  }
  return filter;
}
