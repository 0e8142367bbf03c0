// The reply list: `replies` in a page. The form's fields are the command's flags, so the API query is the
// page's own query string, passed on as it is.
import { badge, fill, getJson, h, table, time } from './dom.js';

const FIELDS = [
  ['recipient', 'Recipient contains'],
  ['ticket', 'Ticket id'],
  ['tracking-id', 'Tracking id'],
  ['email-id', 'SMTP2Go email id'],
  ['message-id', 'Message-ID'],
  ['reply', 'Reply id'],
];
const STATUSES = [
  '',
  'bounced',
  'spam',
  'rejected',
  'unsubscribed',
  'clicked',
  'opened',
  'delivered',
  'processed',
  'sent',
  'failed',
  'pending',
  'ambiguous',
];

export async function render(main, _match, query) {
  document.title = 'Replies · smtp2go-portal';
  const field = FIELDS.find(([name]) => query.has(name))?.[0] ?? 'recipient';
  const reply = query.get('reply');
  if (reply !== null && /^[1-9]\d*$/.test(reply.trim())) {
    location.assign(`/replies/${reply.trim()}`);
    return;
  }
  const api = new URLSearchParams();
  for (const [name, value] of query) if (value.trim() !== '' && name !== 'reply') api.set(name, value.trim());
  if (!api.has('limit')) api.set('limit', '25');

  const fieldSelect = h(
    'select',
    { id: 'search-field', 'aria-label': 'Search by' },
    FIELDS.map(([name, label]) => h('option', { value: name, selected: name === field }, label)),
  );
  const input = h('input', {
    id: 'search-text',
    type: 'search',
    name: field,
    value: query.get(field) ?? '',
    'aria-label': 'Search text',
    autocomplete: 'off',
  });
  fieldSelect.addEventListener('change', () => input.setAttribute('name', fieldSelect.value));
  const statusSelect = h(
    'select',
    { id: 'search-status', name: 'status' },
    STATUSES.map((s) =>
      h('option', { value: s, selected: s === (query.get('status') ?? '') }, s === '' ? 'any status' : s),
    ),
  );
  const form = h(
    'form',
    { method: 'get', action: '/replies', role: 'search', class: 'controls' },
    fieldSelect,
    input,
    h('label', { for: 'search-status' }, 'Status '),
    statusSelect,
    h('button', { type: 'submit' }, 'Search'),
  );
  const results = h('div', { id: 'reply-results' }, h('p', { class: 'note' }, 'Loading…'));
  fill(main, h('h1', {}, 'Replies'), form, results);

  const document_ = await getJson(`/api/replies?${api}`);
  const rows = document_.replies.map((r) => [
    h('a', { href: `/replies/${r.reply_id}` }, `reply ${r.reply_id}`),
    r.ticket_id ?? '—',
    badge(r.status),
    r.transport,
    r.recipients.map((x) => x.email).join(', '),
    time(r.sent_at ?? r.listed_at),
    h('code', {}, r.tracking_id ?? '—'),
    h('code', {}, r.smtp2go_email_id ?? '—'),
  ]);
  const pages = h(
    'p',
    { class: 'pages' },
    query.has('cursor') ? h('a', { href: `/replies?${without(query, 'cursor')}` }, 'Newest') : null,
    document_.next_cursor === null
      ? null
      : h('a', { href: `/replies?${withCursor(query, document_.next_cursor)}`, rel: 'next' }, 'Older'),
  );
  fill(
    results,
    rows.length === 0
      ? h('p', { class: 'note' }, 'No reply matches.')
      : table(
          'Replies, newest first',
          ['Reply', 'Ticket', 'Status', 'Transport', 'Recipients', 'Sent', 'Tracking id', 'SMTP2Go email id'],
          rows,
          { class: 'replies', hideCaption: true },
        ),
    pages,
  );
}

function without(query, name) {
  const copy = new URLSearchParams(query);
  copy.delete(name);
  return copy;
}

function withCursor(query, cursor) {
  const copy = without(query, 'cursor');
  copy.set('cursor', cursor);
  return copy;
}
