// The live view: the newest events first, then every event as the store commits it, through one
// EventSource whose ids are the store's row ids (a reconnect sends Last-Event-ID and misses nothing).
import { badge, fill, getJson, h, time } from './dom.js';

const MAX_ROWS = 500;

export async function render(main) {
  document.title = 'Live events · smtp2go-portal';
  const state = { paused: false, held: [], filter: '', seen: new Set(), types: new Set() };
  const typeSelect = h('select', { id: 'type-filter' }, h('option', { value: '' }, 'all types'));
  const pause = h('button', { type: 'button', 'aria-pressed': 'false', id: 'pause' }, 'Pause');
  const status = h('p', { class: 'status', role: 'status', id: 'stream-status' }, 'Connecting…');
  const body = h('tbody', { id: 'live-rows' });
  const empty = h(
    'p',
    { class: 'note', id: 'live-empty' },
    'No events yet. They appear here as the listener stores them.',
  );
  fill(
    main,
    h('h1', {}, 'Live events'),
    h('div', { class: 'controls' }, h('label', { for: 'type-filter' }, 'Type '), typeSelect, pause, status),
    h(
      'table',
      { class: 'events' },
      h('caption', { class: 'visually-hidden' }, 'Events, newest first'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Received', 'Type', 'Reply', 'Recipient', 'Event time', 'Source', 'Duplicate'].map((name) =>
            h('th', { scope: 'col' }, name),
          ),
        ),
      ),
      body,
    ),
    empty,
  );

  function row(event) {
    const reply = Number.isSafeInteger(event.reply_id)
      ? h('a', { href: `/replies/${event.reply_id}` }, `reply ${event.reply_id}`)
      : h('span', { class: 'muted' }, 'unlinked');
    const tr = h(
      'tr',
      { 'data-type': event.event, class: event.duplicate ? 'duplicate' : undefined },
      h('td', {}, time(event.received_at)),
      h('td', {}, badge(event.event)),
      h('td', {}, reply),
      h('td', {}, event.recipient ?? '—'),
      h('td', {}, time(event.occurred_at)),
      h('td', {}, event.source),
      h('td', {}, event.duplicate ? 'duplicate' : ''),
    );
    if (Number.isSafeInteger(event.id)) tr.dataset.id = String(event.id);
    tr.hidden = state.filter !== '' && state.filter !== event.event;
    return tr;
  }

  function noteType(type) {
    if (state.types.has(type)) return;
    state.types.add(type);
    const options = [...state.types].sort().map((name) => h('option', { value: name }, name));
    typeSelect.replaceChildren(h('option', { value: '' }, 'all types'), ...options);
    typeSelect.value = state.filter;
  }

  /** Adds events (oldest first) on top of the table. */
  function show(events) {
    const fresh = events.filter((event) => event.id === null || !state.seen.has(event.id));
    if (fresh.length === 0) return;
    const rows = document.createDocumentFragment();
    for (const event of fresh.reverse()) {
      if (event.id !== null) state.seen.add(event.id);
      noteType(event.event);
      rows.append(row(event));
    }
    body.prepend(rows);
    while (body.rows.length > MAX_ROWS) body.lastElementChild.remove();
    empty.hidden = body.rows.length > 0;
  }

  function receive(event) {
    if (state.paused) {
      state.held.push(event);
      status.textContent = `Paused: ${state.held.length} new`;
    } else show([event]);
  }

  typeSelect.addEventListener('change', () => {
    state.filter = typeSelect.value;
    for (const tr of body.rows) tr.hidden = state.filter !== '' && tr.dataset.type !== state.filter;
  });
  pause.addEventListener('click', () => {
    state.paused = !state.paused;
    pause.setAttribute('aria-pressed', String(state.paused));
    pause.textContent = state.paused ? 'Resume' : 'Pause';
    if (!state.paused) {
      show(state.held.splice(0));
      status.textContent = 'Live';
    } else status.textContent = 'Paused: 0 new';
  });

  const recent = await getJson('/api/events?limit=100');
  show([...recent.events].reverse());
  const source = new EventSource(`/api/stream?after=${encodeURIComponent(recent.last_id)}`);
  const parse = (message) => receive(JSON.parse(message.data));
  source.addEventListener('tracking', parse);
  source.addEventListener('duplicate', parse);
  source.addEventListener('open', () => {
    if (!state.paused) status.textContent = 'Live';
  });
  source.addEventListener('error', () => {
    status.textContent =
      source.readyState === EventSource.CLOSED ? 'Disconnected: reload the page' : 'Reconnecting…';
  });
}
