// One reply's story, as `stats --reply` tells it: summary, send attempts, recipients, clicks, timeline.
import { after, badge, fill, getJson, h, table, time, urlNode } from './dom.js';

export async function render(main, match) {
  const id = match[1];
  document.title = `Reply ${id} · smtp2go-portal`;
  const d = await getJson(`/api/replies/${id}`);
  const sent = d.sent_at;
  const since = (iso) => (iso === null ? '—' : `${time(iso)} (${after(iso, sent) || 'not sent'})`);
  const bounce = [d.bounce_type, d.bounce_reason].filter((v) => v !== null).join(': ');
  const facts = [
    ['Status', [badge(d.status), ' ', d.status_text]],
    ['Transport', d.transport + (d.fallback_reason === null ? '' : ` (relay because: ${d.fallback_reason})`)],
    ['Send outcome', d.send_outcome],
    ['SMTP2Go email id', h('code', {}, d.smtp2go_email_id ?? '—')],
    ['Tracking id', h('code', {}, d.tracking_id ?? '—')],
    ['Message-ID', h('code', {}, d.message_id ?? '—')],
    ['Sent', time(sent)],
    ['Processed', since(d.processed_at)],
    ['Delivered', since(d.delivered_at)],
    ['First opened', since(d.opened_at)],
    ['Opens', String(d.open_count)],
    ['First clicked', since(d.clicked_at)],
    ['Clicks', String(d.click_count)],
    ['Bounced', d.bounced_at === null ? '—' : `${since(d.bounced_at)}${bounce === '' ? '' : ` — ${bounce}`}`],
    ['Spam', since(d.spam_at)],
    ['Rejected', since(d.rejected_at)],
    ['Unsubscribed', since(d.unsubscribed_at)],
  ];
  if (d.last_error !== null) facts.push(['Send error', d.last_error]);
  const title = `Reply ${d.reply_id}${d.ticket_id === null ? '' : ` (ticket ${d.ticket_id})`}`;
  fill(
    main,
    h('h1', {}, title),
    d.subject === null ? null : h('p', { class: 'subject' }, d.subject),
    h(
      'p',
      { class: 'note' },
      'Link to this page: ',
      h('a', { href: `/replies/${d.reply_id}`, id: 'permalink' }, `${location.origin}/replies/${d.reply_id}`),
    ),
    h(
      'dl',
      { class: 'facts' },
      facts.map(([name, value]) => [h('dt', {}, name), h('dd', {}, value)]),
    ),
    h('h2', {}, 'Send attempts'),
    d.attempts.length === 0
      ? h(
          'p',
          { class: 'note' },
          'No send attempt is recorded (a demo reply, or one sent by another system).',
        )
      : table(
          'Send attempts',
          ['#', 'Transport', 'Outcome', 'HTTP', 'Error class', 'Error', 'Time', 'Started'],
          d.attempts.map((a) => [
            String(a.attempt),
            a.transport,
            badge(a.outcome),
            a.status ?? '—',
            a.error_class ?? '—',
            a.error ?? '—',
            `${a.ms} ms`,
            time(a.started_at),
          ]),
          { hideCaption: true },
        ),
    h('h2', {}, 'Recipients'),
    d.recipients.length === 0
      ? h('p', { class: 'note' }, 'No recipient is recorded.')
      : table(
          'Recipients',
          [
            'Recipient',
            'Role',
            'Status',
            'Delivered',
            'First opened',
            'Opens',
            'Clicks',
            'Bounced',
            'Last event',
          ],
          d.recipients.map((r) => [
            r.email,
            r.role,
            badge(r.status),
            time(r.delivered_at),
            time(r.opened_at),
            String(r.open_count),
            String(r.click_count),
            r.bounced_at === null ? '—' : `${r.bounce_type ?? 'bounce'} ${time(r.bounced_at)}`,
            r.last_event_type === null ? '—' : `${r.last_event_type} ${time(r.last_event_at)}`,
          ]),
          { class: 'recipients', hideCaption: true },
        ),
    d.clicks.length === 0
      ? null
      : [
          h('h2', {}, 'Clicks'),
          table(
            'Clicks',
            ['URL', 'Time', 'Recipient'],
            d.clicks.map((c) => [urlNode(c.url), since(c.clicked_at), c.recipient ?? '—']),
            { hideCaption: true },
          ),
        ],
    h('h2', {}, 'Timeline'),
    timeline(d, sent),
  );
}

/** The events oldest first on a line, each marked by its type and placed by how long after sending it came. */
function timeline(d, sent) {
  if (d.events.length === 0)
    return h(
      'p',
      { class: 'note' },
      d.transport === 'pending'
        ? 'No events yet: the reply has not been sent.'
        : 'No events from SMTP2Go yet.',
    );
  return h(
    'ol',
    { class: 'timeline', id: 'timeline' },
    d.events.map((e) =>
      h(
        'li',
        { class: `step step-${/^[a-z]+$/.test(e.type) ? e.type : 'other'}` },
        h(
          'span',
          { class: 'when' },
          h('time', { datetime: e.at }, time(e.at)),
          ' ',
          h('span', { class: 'muted' }, after(e.at, sent)),
        ),
        h(
          'span',
          { class: 'what' },
          badge(e.type),
          ' ',
          e.recipient ?? h('span', { class: 'muted' }, 'no recipient named'),
        ),
        e.url === null && e.detail === null
          ? null
          : h(
              'span',
              { class: 'detail' },
              e.url === null ? null : urlNode(e.url),
              e.url !== null && e.detail !== null ? ' — ' : null,
              e.detail,
            ),
      ),
    ),
  );
}
