// The portal's rates: `stats` by day and by domain, and events per day by type, drawn with uPlot.
import uPlot from '/static/vendor/uplot.js';
import { duration, fill, getJson, h, percent, table } from './dom.js';

const COLORS = ['#1f5f99', '#2e7d32', '#b26a00', '#c62828', '#6a1b9a', '#00838f', '#5d4037', '#455a64'];

export async function render(main, _match, query) {
  document.title = 'Portal · smtp2go-portal';
  // The last 30 days unless the address says otherwise; an emptied field means no bound, as in `stats`.
  if (!query.has('since')) query.set('since', '30d');
  const window_ = new URLSearchParams();
  for (const name of ['since', 'until'])
    if ((query.get(name) ?? '').trim() !== '') window_.set(name, query.get(name).trim());
  const input = (name, label, hint) => [
    h('label', { for: `window-${name}` }, label),
    h('input', { id: `window-${name}`, name, value: query.get(name) ?? '', placeholder: hint, size: 12 }),
  ];
  fill(
    main,
    h('h1', {}, 'Portal'),
    h(
      'form',
      { method: 'get', action: '/summary', class: 'controls' },
      input('since', 'Since ', '7d, 2026-09-01'),
      input('until', 'Until ', 'now'),
      h('button', { type: 'submit' }, 'Show'),
    ),
    h('p', { class: 'note', id: 'summary-loading' }, 'Loading…'),
  );
  const suffix = window_.toString() === '' ? '' : `&${window_}`;
  const [byDay, byDomain, activity] = await Promise.all([
    getJson(`/api/summary?by=day${suffix}`),
    getJson(`/api/summary?by=domain${suffix}`),
    getJson(`/api/activity?${window_}`),
  ]);
  const t = byDay.total;
  main.querySelector('#summary-loading').replaceWith(
    h(
      'p',
      { class: 'note' },
      `Replies sent ${byDay.since === null ? 'at any time' : `since ${byDay.since}`}${byDay.until === null ? '' : ` until ${byDay.until}`}; days in ${byDay.time_zone}. Figures count recipients.`,
    ),
    h(
      'section',
      { 'aria-labelledby': 'totals-title' },
      h('h2', { id: 'totals-title' }, 'Totals'),
      h(
        'dl',
        { class: 'cards' },
        card('Replies', String(t.replies)),
        card('Recipients sent', String(t.sent)),
        card('Delivered', percent(t.rates.delivered)),
        card('Opened', percent(t.rates.opened)),
        card('Clicked', percent(t.rates.clicked)),
        card('Bounced', percent(t.rates.bounced)),
        card(
          'Send → delivered',
          `p50 ${duration(t.send_to_delivered.p50_ms)}, p95 ${duration(t.send_to_delivered.p95_ms)}`,
        ),
        card(
          'Send → first open',
          `p50 ${duration(t.send_to_first_open.p50_ms)}, p95 ${duration(t.send_to_first_open.p95_ms)}`,
        ),
        card('Fallback to relay', percent(t.rates.fallback_to_relay)),
        card('Unlinked events', String(byDay.unlinked.total)),
      ),
    ),
    chartSection(
      'events-chart',
      'Events per day by type',
      'Stored events per local day, one line per event type.',
    ),
    chartSection(
      'rates-chart',
      'Rates per day',
      'Delivered and bounced over sent recipients; opened and clicked over delivered ones, per day the replies were sent.',
    ),
    chartSection(
      'latency-chart',
      'Latency per day',
      'Send to delivery and send to first open, p50 and p95, in minutes, per day the replies were sent.',
    ),
    h(
      'section',
      { 'aria-labelledby': 'bounces-title' },
      h('h2', { id: 'bounces-title' }, 'Top bounce reasons'),
      activity.bounce_reasons.length === 0
        ? h('p', { class: 'note' }, 'No bounce.')
        : table(
            'Top bounce reasons',
            ['Reason', 'Recipients'],
            activity.bounce_reasons.map((b) => [b.reason, String(b.count)]),
            { hideCaption: true },
          ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'domains-title' },
      h('h2', { id: 'domains-title' }, 'Top domains'),
      byDomain.groups.length === 0
        ? h('p', { class: 'note' }, 'No recipient.')
        : table(
            'Top domains',
            ['Domain', 'Recipients', 'Delivered', 'Opened', 'Bounced'],
            byDomain.groups
              .slice(0, 10)
              .map((g) => [
                g.key,
                String(g.recipients),
                percent(g.rates.delivered),
                percent(g.rates.opened),
                percent(g.rates.bounced),
              ]),
            { hideCaption: true },
          ),
    ),
  );
  const days = byDay.groups.map((g) => dayStart(g.key));
  const types = activity.types.slice(0, 8);
  draw(
    'events-chart',
    [
      activity.days.map((d) => dayStart(d.day)),
      ...types.map((type) => activity.days.map((d) => d.by_type[type] ?? 0)),
    ],
    types,
    { y: 'events' },
  );
  const rate = (name) =>
    byDay.groups.map((g) =>
      g.rates[name].rate === null ? null : Math.round(g.rates[name].rate * 1000) / 10,
    );
  draw(
    'rates-chart',
    [days, rate('delivered'), rate('opened'), rate('clicked'), rate('bounced')],
    ['delivered %', 'opened %', 'clicked %', 'bounced %'],
    { y: '%', range: [0, 100] },
  );
  const minutes = (field, p) =>
    byDay.groups.map((g) => (g[field][p] === null ? null : Math.round(g[field][p] / 600) / 100));
  draw(
    'latency-chart',
    [
      days,
      minutes('send_to_delivered', 'p50_ms'),
      minutes('send_to_delivered', 'p95_ms'),
      minutes('send_to_first_open', 'p50_ms'),
      minutes('send_to_first_open', 'p95_ms'),
    ],
    ['delivered p50', 'delivered p95', 'first open p50', 'first open p95'],
    { y: 'min' },
  );
}

function card(name, value) {
  return h('div', { class: 'card' }, h('dt', {}, name), h('dd', {}, value));
}

function chartSection(id, title, description) {
  return h(
    'section',
    { 'aria-labelledby': `${id}-title` },
    h('h2', { id: `${id}-title` }, title),
    h('figure', { class: 'chart' }, h('div', { id, class: 'plot' }), h('figcaption', {}, description)),
  );
}

function dayStart(day) {
  return Date.parse(`${day}T00:00:00Z`) / 1000;
}

function draw(id, data, names, axis) {
  const target = document.getElementById(id);
  if (data[0].length === 0) {
    target.replaceWith(h('p', { class: 'note' }, 'Nothing to draw in this window.'));
    return;
  }
  const options = {
    width: Math.max(320, Math.min(target.parentElement.clientWidth || 900, 1100)),
    height: 260,
    // Days are local dates already: shown as they are, not shifted into the browser's zone.
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    // A day either side, so one day of data is a point in a week, not an instant in years.
    scales: {
      x: { time: true, range: (_u, min, max) => [min - 86400, max + 86400] },
      y: axis.range === undefined ? {} : { range: axis.range },
    },
    axes: [{}, { label: axis.y }],
    series: [
      { label: 'day' },
      ...names.map((label, i) => ({
        label,
        stroke: COLORS[i % COLORS.length],
        width: 2,
        points: { show: data[0].length < 40 },
      })),
    ],
  };
  new uPlot(options, data, target);
  target.dataset.drawn = 'true';
}
