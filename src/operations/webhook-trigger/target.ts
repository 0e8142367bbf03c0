import { messageIdHost } from '../../mail/message-id.js';
import { NotFoundError, UsageError } from '../../core/errors.js';
import type { Settings } from '../../core/settings.js';
import { isValidAddress } from '../../mail/mailbox.js';
import type { Store } from '../../store/open-store.js';
import {
  createReply,
  findReplyByEmailId,
  findReplyByEventEmailId,
  getReply,
  type ReplyRow,
} from '../../store/replies.js';
import { recordSmtp2goEmailId } from '../../store/reply-sends.js';
import type { TriggerTarget } from './build-event.js';
import { derivedEmailId, smtpcorpMessageId, type RandomBytes } from './smtp2go-ids.js';

export type TargetChoice =
  { kind: 'reply'; replyId: number } | { kind: 'email'; emailId: string } | { kind: 'demo' };

export interface ResolvedTarget {
  target: TriggerTarget;
  replyId: number | null;
  /** True when a demo reply was created for this event. */
  created: boolean;
}

export interface TargetContext {
  recipient: string | undefined;
  /** Store an event for a recipient the reply was not sent to (refused otherwise). */
  force?: boolean;
  store: Store;
  settings: Settings;
  now: Date;
  random: RandomBytes;
}

const DEMO_RECIPIENT = 'customer@example.com';
const DEMO_SENDER = 'Support <support@example.com>';
export const DEMO_SUBJECT = 'Demo reply (created by webhook trigger --demo; nothing was sent)';

/** The email an event is about: an existing reply, an SMTP2Go email id (with or without a reply), or a new demo reply. */
export function resolveTarget(choice: TargetChoice, context: TargetContext): ResolvedTarget {
  const recipient = context.recipient === undefined ? undefined : checkedRecipient(context.recipient);
  if (choice.kind === 'demo') {
    const reply = createDemoReply(context, recipient ?? DEMO_RECIPIENT);
    return { target: fromReply(reply, recipient, null), replyId: reply.id, created: true };
  }
  if (choice.kind === 'reply') {
    const reply = getReply(context.store, choice.replyId);
    if (reply === undefined)
      throw new NotFoundError(
        `reply ${choice.replyId} not found`,
        'list replies with `replies`, or create a demo one with --demo',
      );
    return { target: fromReply(reply, recipient, null, context.force), replyId: reply.id, created: false };
  }
  // A reply SMTP2Go gave no email id (relay-only, a send in doubt) is known by the one its events carry.
  const reply =
    findReplyByEmailId(context.store, choice.emailId) ??
    findReplyByEventEmailId(context.store, choice.emailId);
  if (reply !== undefined)
    return {
      target: fromReply(reply, recipient, choice.emailId, context.force),
      replyId: reply.id,
      created: false,
    };
  // No reply has this email id: the event is built anyway and stays unlinked, as a real early webhook would.
  if (recipient === undefined)
    throw new UsageError(
      `no reply has email id ${choice.emailId}, so --recipient is needed`,
      'e.g. --recipient customer@example.com',
    );
  const target: TriggerTarget = {
    emailId: choice.emailId,
    messageId: smtpcorpMessageId(choice.emailId),
    trackingId: null,
    sender: context.settings.sender,
    subject: null,
    recipients: [recipient],
    recipient,
    sentAt: context.now,
  };
  return { target, replyId: null, created: false };
}

function fromReply(
  reply: ReplyRow,
  recipient: string | undefined,
  emailId: string | null,
  force = false,
): TriggerTarget {
  const recipients = replyRecipients(reply);
  const chosen = recipient ?? recipients[0];
  if (chosen === undefined)
    throw new UsageError(`reply ${reply.id} has no recipients`, 'pass --recipient <addr>');
  // An event for someone the reply never went to would enter its timeline as if they had received it.
  if (recipient !== undefined && !force && !recipients.includes(recipient)) {
    throw new UsageError(
      `${recipient} is not a recipient of reply ${reply.id}`,
      `its recipients: ${recipients.join(', ') || 'none'}; pass --force to store the event anyway`,
    );
  }
  const id =
    emailId ?? reply.smtp2go_email_id ?? derivedEmailId(reply.email_tracking_id ?? `reply-${reply.id}`);
  return {
    emailId: id,
    messageId: reply.rfc_message_id ?? smtpcorpMessageId(id),
    trackingId: reply.email_tracking_id,
    sender: reply.sender,
    subject: reply.subject,
    recipients: recipient === undefined ? recipients : [recipient],
    recipient: chosen,
    sentAt: new Date(reply.sent_at ?? reply.created_at),
  };
}

function replyRecipients(reply: ReplyRow): string[] {
  try {
    const parsed: unknown = JSON.parse(reply.recipients);
    return Array.isArray(parsed)
      ? parsed.filter((item): item is string => typeof item === 'string').map((item) => item.toLowerCase())
      : [];
  } catch {
    return [];
  }
}

function checkedRecipient(value: string): string {
  const address = value.trim().toLowerCase();
  if (!isValidAddress(address))
    throw new UsageError(
      `--recipient "${value}" is not an email address`,
      'e.g. --recipient customer@example.com',
    );
  return address;
}

/**
 * A reply row like the one send-test writes before sending, clearly labelled, so a fresh machine with no
 * SMTP2Go account or network can watch events arrive. Its transport stays `pending`: nothing was sent.
 */
function createDemoReply(context: TargetContext, recipient: string): ReplyRow {
  const trackingId = context.random(18).toString('base64url');
  const reply = createReply(
    context.store,
    {
      ticketId: null,
      subject: DEMO_SUBJECT,
      sender: context.settings.sender ?? DEMO_SENDER,
      trackingId,
      messageId: `<${trackingId}@${messageIdHost(context.settings.portalUrl)}>`,
      recipients: [{ email: recipient, displayName: null, role: 'to' }],
    },
    context.now,
  );
  // The email id its events will carry, as if SMTP2Go had accepted it: `stats` shows it and `--email-id` finds it.
  recordSmtp2goEmailId(context.store, reply.id, derivedEmailId(trackingId), context.now);
  return getReply(context.store, reply.id) as ReplyRow;
}
