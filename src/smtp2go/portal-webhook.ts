import { createLookupTable } from '../core/lookup-table.js';
import { maskSecret } from '../core/mask.js';
import type { Settings } from '../core/settings.js';
import type { Smtp2goWebhook, WebhookSpec } from './webhooks-api.js';

/** Where the portal's listener takes SMTP2Go's callbacks (`webhook serve`). */
export const LISTENER_PATH = '/api/webhooks/smtp2go/events';

/** Our header, echoed back by SMTP2Go as a top-level field once it is listed in the webhook's `headers`. */
export const TRACKING_HEADER = 'X-Portal-Tracking-Id';

/** Subscription names `/webhook/add` accepts (the callbacks then say `open`, `bounce` + `bounce: hard`...). */
const WEBHOOK_EVENT_NAMES = [
  'processed',
  'delivered',
  'bounce',
  'reject',
  'spam',
  'unsubscribe',
  'resubscribe',
  'open',
  'click',
] as const;

const EVENT_ALIASES = createLookupTable<string>({
  opened: 'open',
  clicked: 'click',
  bounced: 'bounce',
  'hard-bounced': 'bounce',
  'soft-bounced': 'bounce',
  rejected: 'reject',
  unsubscribed: 'unsubscribe',
  resubscribed: 'resubscribe',
  spam_complaint: 'spam',
  delivery: 'delivered',
});

// Delivery-status events tell a reply's story whatever the tracking switches say; opens and clicks only
// exist when tracking and the matching switch are on (SMTP2Go then rewrites links and adds the pixel).
const DELIVERY_EVENTS = ['processed', 'delivered', 'bounce', 'reject', 'spam', 'unsubscribe'];

export function impliedEvents(
  settings: Pick<Settings, 'trackingEnabled' | 'trackOpens' | 'trackClicks'>,
): string[] {
  return [
    ...DELIVERY_EVENTS,
    ...(settings.trackingEnabled && settings.trackOpens ? ['open'] : []),
    ...(settings.trackingEnabled && settings.trackClicks ? ['click'] : []),
  ];
}

/** Maps `opened`, `Bounce`... to subscription names; `null` for a name SMTP2Go would silently ignore. */
export function subscriptionName(name: string): string | null {
  const lower = name.trim().toLowerCase();
  const mapped = EVENT_ALIASES[lower] ?? lower;
  return (WEBHOOK_EVENT_NAMES as readonly string[]).includes(mapped) ? mapped : null;
}

/** portalUrl + listener path: where SMTP2Go must post for this portal. */
export function portalListenerUrl(portalUrl: string): string {
  return `${portalUrl.replace(/\/+$/, '')}${LISTENER_PATH}`;
}

/** A `--url` given by the operator: a bare origin gets the listener path; one with a path is taken whole. */
export function listenerUrl(base: string): string {
  const url = new URL(base);
  if (url.pathname === '/' || url.pathname === '') return `${url.origin}${LISTENER_PATH}`;
  return base.replace(/\/+$/, '');
}

/** Compared without credentials, trailing slash or host case, which SMTP2Go may normalise. */
export function sameUrl(a: string, b: string): boolean {
  return normaliseUrl(a) === normaliseUrl(b);
}

function normaliseUrl(value: string): string {
  try {
    const url = new URL(value);
    return `${url.protocol}//${url.host.toLowerCase()}${url.pathname.replace(/\/+$/, '')}${url.search}`;
  } catch {
    return value.trim().replace(/\/+$/, '');
  }
}

/**
 * The account's webhook that belongs to this portal: the one at exactly `url`, otherwise the only one on
 * the listener path (the portal moved host). Never a stranger's webhook, so register never duplicates ours
 * and never hijacks someone else's.
 */
export function findPortalWebhook(webhooks: Smtp2goWebhook[], url: string): Smtp2goWebhook | null {
  const exact = webhooks.find((webhook) => sameUrl(webhook.url, url));
  if (exact !== undefined) return exact;
  const onPath = webhooks.filter((webhook) => pathOf(webhook.url) === LISTENER_PATH);
  return onPath.length === 1 ? (onPath[0] ?? null) : null;
}

function pathOf(value: string): string | null {
  try {
    return new URL(value).pathname.replace(/\/+$/, '');
  } catch {
    return null;
  }
}

export interface FieldChange {
  field: 'url' | 'events' | 'headers' | 'output_format' | 'auth_header_type' | 'auth_header_value';
  before: string;
  after: string;
}

/** A webhook as it may be shown: the auth value masked. */
export interface WebhookView {
  id: string | null;
  url: string;
  events: string[];
  headers: string[];
  output_format: string | null;
  auth_header_type: string | null;
  auth_header_value: string | null;
}

export function viewWebhook(webhook: Smtp2goWebhook): WebhookView {
  return {
    id: webhook.id,
    url: webhook.url,
    events: webhook.events,
    headers: webhook.headers,
    output_format: webhook.outputFormat,
    auth_header_type: webhook.authHeaderType,
    auth_header_value: maskSecret(webhook.authHeaderValue),
  };
}

const setKey = (items: string[]) => [...new Set(items.map((item) => item.toLowerCase()))].sort().join(',');
const setText = (items: string[]) => [...new Set(items)].sort((a, b) => a.localeCompare(b)).join(', ');

/** What differs between a webhook (or none) and the wanted spec. Secrets appear only masked. */
export function diffWebhook(current: Smtp2goWebhook | null, spec: WebhookSpec): FieldChange[] {
  const changes: FieldChange[] = [];
  const add = (field: FieldChange['field'], before: string, after: string) => {
    if (before !== after) changes.push({ field, before, after });
  };
  add('url', current?.url ?? '', spec.url);
  const addSet = (field: FieldChange['field'], before: string[], after: string[]) => {
    if (setKey(before) !== setKey(after))
      changes.push({ field, before: setText(before), after: setText(after) });
  };
  addSet('events', current?.events ?? [], spec.events);
  addSet('headers', current?.headers ?? [], spec.headers);
  add('output_format', current?.outputFormat ?? '', 'json');
  add('auth_header_type', current?.authHeaderType ?? '', spec.authHeaderType);
  if (current === null || current.authHeaderValue !== spec.authHeaderValue) {
    const before =
      current === null
        ? ''
        : current.authHeaderValue === null
          ? '(not shown by SMTP2Go)'
          : (maskSecret(current.authHeaderValue) ?? '');
    // An empty value is "no authentication"; an absent one is a value SMTP2Go chose not to show.
    changes.push({ field: 'auth_header_value', before, after: maskSecret(spec.authHeaderValue) ?? '' });
  }
  return changes;
}

/** The difference between what was asked for and what a read-back shows, ignoring a hidden auth value. */
export function readBackProblems(readBack: Smtp2goWebhook | null, spec: WebhookSpec): string[] {
  if (readBack === null) return ['the webhook was not found when read back'];
  return diffWebhook(readBack, spec)
    .filter((change) => !(change.field === 'auth_header_value' && readBack.authHeaderValue === null))
    .map((change) => `${change.field} reads back as "${change.before}", expected "${change.after}"`);
}
