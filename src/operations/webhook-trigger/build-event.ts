import { KNOWN_EVENT_TYPES, type BounceType } from '../../core/tracking-event.js';
import { TRACKING_HEADER } from '../../smtp2go/portal-webhook.js';
import type { EventFields } from '../../webhook/parse-body.js';
import { notificationId, queueId, webhookSendTime, webhookTime, type RandomBytes } from './smtp2go-ids.js';

/** Event types `webhook trigger` can build: SMTP2Go's webhook names. */
export const TRIGGER_EVENT_TYPES = KNOWN_EVENT_TYPES;
export type TriggerEventType = (typeof TRIGGER_EVENT_TYPES)[number];

/** What an event says about the email it belongs to. */
export interface TriggerTarget {
  emailId: string;
  /** With angle brackets: the reply's own Message-ID, or SMTP2Go's `<E{email_id}@message-id.smtpcorp.com>`. */
  messageId: string;
  /** Echoed as `X-Portal-Tracking-Id`, as the registered webhook asks SMTP2Go to do; null leaves it out. */
  trackingId: string | null;
  /** `Name <addr>` or a bare address; null when unknown. */
  sender: string | null;
  subject: string | null;
  /** Every recipient, for `processed`. */
  recipients: string[];
  /** The one recipient (`rcpt`) of every other event. */
  recipient: string;
  sentAt: Date;
}

export interface BuildEventOptions {
  type: TriggerEventType;
  target: TriggerTarget;
  now: Date;
  random: RandomBytes;
  url?: string;
  bounce?: BounceType;
}

// Documentation addresses (RFC 5737) stand in for SMTP2Go's hosts and the reader's IP.
const READER_IP = '192.0.2.44';
const SMTP2GO_HOST = '203.0.113.30';
const MX_IP = '198.51.100.25';
const USER_AGENT =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15';

/**
 * One webhook event as SMTP2Go sends it: its key spellings (`rcpt`, `time`, `sendtime`, `message-id`,
 * `user-agent`, `read-secs`), a fresh notification `id` and `time` now. Keys SMTP2Go only sends for some
 * types (`recipients` on processed, `bounce`/`context`/`host` on bounces...) appear only there.
 */
export function buildEvent(options: BuildEventOptions): EventFields {
  const { type, target, now, random } = options;
  const from = splitMailbox(target.sender);
  const fields: EventFields = {
    event: type,
    time: webhookTime(now),
    sendtime: webhookSendTime(target.sentAt),
    email_id: target.emailId,
    id: notificationId(random),
    'message-id': target.messageId,
    ...(from === null
      ? {}
      : {
          sender: from.address,
          from: target.sender ?? from.address,
          from_address: from.address,
          from_name: from.name,
        }),
    ...(target.subject === null ? {} : { subject: target.subject }),
    ...typeFields(options),
  };
  if (target.trackingId !== null) fields[TRACKING_HEADER] = target.trackingId;
  return fields;
}

function typeFields({ type, target, random, url, bounce }: BuildEventOptions): EventFields {
  const rcpt = target.recipient;
  const mxHost = `mx.${rcpt.slice(rcpt.lastIndexOf('@') + 1)} [${MX_IP}]`;
  switch (type) {
    case 'processed':
      return { recipients: target.recipients, srchost: SMTP2GO_HOST };
    case 'delivered':
      return {
        rcpt,
        host: mxHost,
        context: 'Unavailable',
        message: `250 2.0.0 Ok: queued as ${queueId(random)}`,
        srchost: SMTP2GO_HOST,
      };
    case 'open':
      return {
        rcpt,
        'user-agent': USER_AGENT,
        'read-secs': String(2 + ((random(1)[0] ?? 0) % 28)),
        client: 'Apple Mail',
        'client-device': 'Desktop',
        'client-os': 'macOS',
        ...readerPlace(),
      };
    case 'click':
      return {
        rcpt,
        url: url ?? 'https://example.com/',
        'user-agent': USER_AGENT,
        client: 'Safari',
        'client-device': 'Desktop',
        'client-os': 'macOS',
        ...readerPlace(),
      };
    case 'bounce':
      return bounceFields(rcpt, bounce ?? 'hard', mxHost);
    case 'spam':
      return { rcpt, host: mxHost, srchost: SMTP2GO_HOST };
    case 'reject':
      // Constructed: SMTP2Go rejects before sending (suppression list, a sender it will not relay for).
      return {
        rcpt,
        context: 'Unavailable',
        message: 'Recipient address is on the suppression list',
        srchost: SMTP2GO_HOST,
      };
    case 'unsubscribe':
    case 'resubscribe':
      return { rcpt, 'user-agent': USER_AGENT, ...readerPlace() };
  }
}

function bounceFields(rcpt: string, bounce: BounceType, host: string): EventFields {
  if (bounce === 'hard') {
    return {
      rcpt,
      bounce,
      host,
      context: `RCPT TO:<${rcpt}>`,
      message: '550 5.1.1 The email account that you tried to reach does not exist',
    };
  }
  return {
    rcpt,
    bounce,
    host,
    context: 'DATA: 452 Mailbox full',
    message: '452 4.2.2 The email account that you tried to reach is over quota',
  };
}

function readerPlace(): EventFields {
  return { srchost: READER_IP, 'geoip-continent': 'EU', 'geoip-country': 'NL', 'geoip-city': 'Amsterdam' };
}

function splitMailbox(value: string | null): { address: string; name: string } | null {
  if (value === null || value.trim() === '') return null;
  const match = /^\s*"?([^"<]*?)"?\s*<([^<>\s]+)>\s*$/.exec(value);
  if (match === null) return { address: value.trim(), name: '' };
  return { address: match[2] ?? '', name: (match[1] ?? '').trim() };
}
