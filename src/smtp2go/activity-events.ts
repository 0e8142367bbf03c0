import { createLookupTable } from '../core/lookup-table.js';
import { asRecord } from './api-connection.js';
import type { ActivityEvent } from './activity-api.js';
import { TRACKING_HEADER } from './portal-webhook.js';

/**
 * /activity/search names events differently from webhooks. Mapped to the webhook spelling (and, for
 * bounces, the webhook's separate `bounce: hard|soft` field) so the listener's own normaliser and
 * storing code see exactly what a webhook for the same event would have carried.
 */
const ACTIVITY_TO_WEBHOOK = createLookupTable<{ event: string; bounce?: 'hard' | 'soft' }>({
  processed: { event: 'processed' },
  delivered: { event: 'delivered' },
  opened: { event: 'open' },
  clicked: { event: 'click' },
  'hard-bounced': { event: 'bounce', bounce: 'hard' },
  'soft-bounced': { event: 'bounce', bounce: 'soft' },
  rejected: { event: 'reject' },
  spam: { event: 'spam' },
  unsubscribed: { event: 'unsubscribe' },
  resubscribed: { event: 'resubscribe' },
});

const text = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : null;

/** The clicked link: not documented for activity rows; seen at top level and inside `metadata`. */
function clickedUrl(raw: Record<string, unknown>): string | null {
  const metadata = asRecord(raw.metadata);
  return (
    text(raw.url) ??
    text(raw.link) ??
    text(raw.click_url) ??
    text(metadata.url) ??
    text(metadata.link) ??
    text(metadata.click_url)
  );
}

function userAgent(raw: Record<string, unknown>): string | null {
  const client = asRecord(raw.email_client);
  const metadata = asRecord(raw.metadata);
  return (
    text(raw['user-agent']) ??
    text(raw.user_agent) ??
    text(metadata['user-agent']) ??
    text(metadata.user_agent) ??
    text(client.user_agent) ??
    text(client['user-agent'])
  );
}

/** One activity row as the fields of the equivalent webhook callback (keys as SMTP2Go's webhooks send them). */
export function activityToWebhookFields(row: ActivityEvent): Record<string, string | string[]> {
  const raw = row.raw;
  const lower = row.event.trim().toLowerCase();
  const mapped = ACTIVITY_TO_WEBHOOK[lower] ?? { event: lower };
  const trackingId =
    text(asRecord(raw.custom_headers)[TRACKING_HEADER]) ??
    caseInsensitive(asRecord(raw.custom_headers), TRACKING_HEADER);
  const fields: Record<string, string | string[] | null> = {
    event: mapped.event,
    bounce: mapped.bounce ?? null,
    time: row.date,
    email_id: row.emailId,
    rcpt: mapped.event === 'processed' ? null : row.recipient,
    recipients:
      mapped.event === 'processed' && Array.isArray(raw.recipients)
        ? raw.recipients.filter((r): r is string => typeof r === 'string')
        : null,
    sender: text(raw.sender),
    subject: text(raw.subject),
    url: mapped.event === 'click' ? clickedUrl(raw) : null,
    'user-agent': userAgent(raw),
    host: text(raw.host),
    message: text(raw.smtp_response) ?? text(raw.reason) ?? text(raw.error),
    [TRACKING_HEADER]: trackingId,
  };
  return Object.fromEntries(
    Object.entries(fields).filter((entry): entry is [string, string | string[]] => entry[1] !== null),
  );
}

function caseInsensitive(record: Record<string, unknown>, key: string): string | null {
  const found = Object.keys(record).find((candidate) => candidate.toLowerCase() === key.toLowerCase());
  return found === undefined ? null : text(record[found]);
}
