import type { TrackingEvent } from '../core/tracking-event.js';
import type { Store } from './open-store.js';
import { statementCache } from './statement-cache.js';

/** The first-X column each event type sets, and the counter it bumps. */
const EFFECTS: Record<string, { first: string; counter?: string; alsoSent?: boolean }> = {
  processed: { first: 'processed_at', alsoSent: true },
  delivered: { first: 'delivered_at' },
  open: { first: 'opened_at', counter: 'open_count' },
  click: { first: 'clicked_at', counter: 'click_count' },
  spam: { first: 'spam_at' },
  reject: { first: 'rejected_at' },
  unsubscribe: { first: 'unsubscribed_at' },
  resubscribe: { first: 'resubscribed_at' },
};

/**
 * First-party hits (issue 15): a person's open (or an image proxy's, which a person triggered) counts and
 * sets human_opened_at; a machine's (Apple's prefetch, a scanner) only counts as machine. A person's click
 * is also an open when none came before (images blocked); a scanner's click is no click at all.
 */
const FIRST_PARTY_EFFECTS: Record<string, string[]> = {
  'open:person': ['opened_at', 'human_opened_at', 'open_count + 1'],
  'open:machine': ['opened_at', 'machine_open_count + 1'],
  'click:person': [
    'clicked_at',
    'click_count + 1',
    'opened_at',
    'human_opened_at',
    'open_count + CASE WHEN human_opened_at IS NULL THEN 1 ELSE 0 END',
  ],
  'click:machine': ['machine_click_count + 1'],
};

function firstPartySets(effects: string[]): string[] {
  return effects.map((effect) => {
    const [column] = effect.split(' ');
    return effect.includes('+')
      ? `${column} = ${effect}`
      : `${effect} = CASE WHEN ${effect} IS NULL OR @at < ${effect} THEN @at ELSE ${effect} END`;
  });
}

/** What the tracking rules read from an event. */
export type EffectEvent = Pick<
  TrackingEvent,
  'type' | 'occurredAt' | 'recipient' | 'recipients' | 'classification'
>;

type Target = 'reply' | 'recipient';
// A reply's only recipient also owns the events that named nobody (see applyTrackingEffects).
const SOLE_RECIPIENT = '(SELECT COUNT(*) FROM reply_recipients WHERE reply_id = @reply_id) = 1';
const TABLES: Record<Target, { table: string; where: string; bounceFilter: string }> = {
  reply: { table: 'ticket_replies', where: 'id = @reply_id', bounceFilter: 'reply_id = @reply_id' },
  recipient: {
    table: 'reply_recipients',
    where: 'reply_id = @reply_id AND email = @email',
    bounceFilter: `reply_id = @reply_id AND (recipient = @email OR (recipient IS NULL AND ${SOLE_RECIPIENT}))`,
  },
};

// Every rule is order-independent (earliest time, counts of distinct stored events, latest event with a
// fixed tie-break), so retries and out-of-order delivery end in the same state as a clean in-order run.
const LATEST = `(last_event_at IS NULL OR @at > last_event_at OR (@at = last_event_at AND @type > last_event_type))`;
const LAST_EVENT_SETS = [
  `last_event_type = CASE WHEN ${LATEST} THEN @type ELSE last_event_type END`,
  `last_event_at = CASE WHEN ${LATEST} THEN @at ELSE last_event_at END`,
];

function updateSql(target: Target, type: string | null): string {
  const { table, where } = TABLES[target];
  const effect = type === null ? undefined : EFFECTS[type];
  const sets = [...LAST_EVENT_SETS];
  if (effect !== undefined) {
    sets.push(
      `${effect.first} = CASE WHEN ${effect.first} IS NULL OR @at < ${effect.first} THEN @at ELSE ${effect.first} END`,
    );
    if (effect.counter !== undefined) sets.push(`${effect.counter} = ${effect.counter} + 1`);
    if (effect.alsoSent === true) sets.push('sent_at = COALESCE(sent_at, @at)');
  }
  return `UPDATE ${table} SET ${sets.join(', ')} WHERE ${where}`;
}

// A hard bounce outranks a soft one, and a soft one an unknown one ('unknown', or NULL in rows stored by
// earlier versions), whatever the order; among equals the earliest decides. The same statement keeps
// last_event_* (each SET reads the row as it was, so one UPDATE does what two did).
function bounceSql(target: Target): string {
  const { table, where, bounceFilter } = TABLES[target];
  const events = `FROM email_tracking_events WHERE ${bounceFilter} AND event_type = 'bounce'`;
  return `UPDATE ${table} SET ${LAST_EVENT_SETS.join(', ')}, bounced_at = (SELECT MIN(occurred_at) ${events}),
    (bounce_type, bounce_reason) = (SELECT bounce_type, detail ${events}
      ORDER BY CASE bounce_type WHEN 'hard' THEN 0 WHEN 'soft' THEN 1 ELSE 2 END, occurred_at ASC, detail ASC LIMIT 1)
    WHERE ${where}`;
}

function firstPartySql(target: Target, key: string): string {
  const { table, where } = TABLES[target];
  return `UPDATE ${table} SET ${[...LAST_EVENT_SETS, ...firstPartySets(FIRST_PARTY_EFFECTS[key] ?? [])].join(', ')} WHERE ${where}`;
}

const statements = statementCache((db) => {
  const build = (target: Target) => ({
    byType: new Map([
      ...Object.keys(EFFECTS).map((type) => [type, db.prepare(updateSql(target, type))] as const),
      ...Object.keys(FIRST_PARTY_EFFECTS).map(
        (key) => [key, db.prepare(firstPartySql(target, key))] as const,
      ),
    ]),
    other: db.prepare(updateSql(target, null)),
    bounce: db.prepare(bounceSql(target)),
  });
  return {
    reply: build('reply'),
    recipient: build('recipient'),
    recipients: db.prepare('SELECT email FROM reply_recipients WHERE reply_id = ? LIMIT 2').pluck(),
  };
});

/**
 * Applies one newly stored event (its row already carries reply_id) to the reply's story and, when the
 * event names its recipient, to that recipient's; `processed` lists its recipients, so each of them is
 * marked processed. An event that names nobody belongs to the reply's recipient when it has only one
 * (otherwise its delivered_at would stand beside a recipient still "sent"); among several it lands on
 * none of them, never on a guessed one.
 */
export function applyTrackingEffects(db: Store, replyId: number, event: EffectEvent): void {
  const sql = statements(db);
  const at = event.occurredAt;
  const type = event.type;
  const key =
    event.classification === undefined
      ? type
      : `${type}:${event.classification === 'human' || event.classification === 'image_proxy' ? 'person' : 'machine'}`;
  const apply = (target: Target, email: string | null) => {
    const group = sql[target];
    const params = { reply_id: replyId, email, at, type };
    (type === 'bounce' ? group.bounce : (group.byType.get(key) ?? group.other)).run(params);
  };
  apply('reply', null);
  const recipients =
    event.recipient !== null
      ? [event.recipient]
      : event.recipients.length > 0
        ? event.recipients
        : soleRecipient(sql.recipients.all(replyId) as string[]);
  for (const email of recipients) apply('recipient', email);
}

function soleRecipient(emails: string[]): string[] {
  return emails.length === 1 ? emails : [];
}
