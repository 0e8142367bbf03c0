// Everything on the page comes from webhooks, that is from outside: it only ever reaches the DOM as text
// (textContent, createTextNode), never as markup, and a link is made only for http(s) URLs.

/** An element with attributes and children; strings become text nodes. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'href') {
      const href = safeHref(value);
      if (href !== null) element.setAttribute('href', href);
    } else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Same-origin paths and http(s) URLs only: `javascript:`, `data:` and the like never become links. */
export function safeHref(value) {
  const text = String(value);
  if (/^\/(?!\/)/.test(text)) return text;
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** A URL from an event: a link when it is http(s), otherwise plain text. */
export function urlNode(value) {
  if (value === null || value === undefined) return '—';
  const href = safeHref(value);
  if (href === null || href.startsWith('/')) return h('code', {}, value);
  return h('a', { href, rel: 'noopener noreferrer', target: '_blank' }, value);
}

export async function getJson(path) {
  const response = await fetch(path, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  let document = null;
  try {
    document = await response.json();
  } catch {
    // Not JSON: reported by status below.
  }
  if (!response.ok) throw new Error(document?.error?.message ?? `HTTP ${response.status}`);
  return document;
}

/** Replaces an element's children, skipping null and false as h() does. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

const TIME = new Intl.DateTimeFormat('en-US', {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** An ISO time in the browser's zone as `2026-11-24 13:00:00`, or a dash. */
export function time(iso) {
  if (iso === null || iso === undefined) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const part = Object.fromEntries(TIME.formatToParts(date).map((p) => [p.type, p.value]));
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}:${part.second}`;
}

/** How long after sending: "+4 s", "+2 h", as `stats --reply` says it. */
export function after(iso, sentIso) {
  if (iso === null || sentIso === null || iso === undefined || sentIso === undefined) return '';
  const ms = Date.parse(iso) - Date.parse(sentIso);
  if (Number.isNaN(ms)) return '';
  const sign = ms < 0 ? '−' : '+';
  const s = Math.abs(ms) / 1000;
  if (s < 60) return `${sign}${Math.round(s)} s`;
  if (s < 3600) return `${sign}${Math.round(s / 60)} min`;
  if (s < 172800) return `${sign}${Math.round(s / 360) / 10} h`;
  return `${sign}${Math.round(s / 8640) / 10} d`;
}

const KNOWN = /^[a-z][a-z_+-]{0,23}$/;

/** A status or event type as a badge; the class is chosen from the text only when it is a plain word. */
export function badge(word) {
  const text = word === null || word === undefined ? 'none' : String(word);
  return h('span', { class: `badge badge-${KNOWN.test(text) ? text.replace('+', '-') : 'other'}` }, text);
}

export function table(caption, head, rows, options = {}) {
  return h(
    'table',
    { class: options.class },
    h('caption', { class: options.hideCaption ? 'visually-hidden' : undefined }, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        head.map((name) => h('th', { scope: 'col' }, name)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((cells) =>
        h(
          'tr',
          {},
          cells.map((cell) => h('td', {}, cell)),
        ),
      ),
    ),
  );
}

export function percent(rate) {
  if (rate === null || rate === undefined || rate.rate === null)
    return `n/a (${rate?.count ?? 0} of ${rate?.of ?? 0})`;
  return `${(rate.rate * 100).toFixed(1)}% (${rate.count} of ${rate.of})`;
}

export function duration(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 120) return `${s.toFixed(1)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
