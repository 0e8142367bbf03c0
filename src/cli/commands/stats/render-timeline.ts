import type { ReplyEvent } from '../../../operations/stats.js';

// A reply's events on one line: how long after sending each came, on a logarithmic axis, because a delivery
// comes seconds after sending and a first open hours or days later.

const LETTERS: Record<string, string> = {
  processed: 'P',
  delivered: 'D',
  open: 'O',
  click: 'C',
  bounce: 'B',
  spam: 'S',
  reject: 'R',
  unsubscribe: 'U',
  resubscribe: 'E',
};
/** When two events fall on one column, the one a reader most needs to see wins. */
const PRIORITY = ['B', 'S', 'R', 'U', 'C', 'O', 'D', 'E', 'P', '*'];
const TICKS: Array<[string, number]> = [
  ['1 min', 60],
  ['1 h', 3600],
  ['1 d', 86_400],
  ['1 w', 604_800],
  ['30 d', 2_592_000],
];

export interface TimeAxis {
  /** `sent ` and the axis, each event a letter where it happened. */
  axis: string;
  /** Tick labels under the axis. */
  labels: string;
  /** "P processed · D delivered · …": the letters in the order they first appear. */
  legend: string;
}

export interface AxisStyle {
  unicode: boolean;
  paint: (letter: string, type: string) => string;
}

const letterOf = (type: string) => LETTERS[type] ?? '*';

/** The axis for events after `origin` (ISO), `width` columns wide in all; null when there is nothing to draw. */
export function renderTimeAxis(
  events: readonly ReplyEvent[],
  origin: string,
  width: number,
  style: AxisStyle,
): TimeAxis | null {
  const start = Date.parse(origin);
  if (events.length === 0 || Number.isNaN(start)) return null;
  const prefix = '  sent ';
  const length = Math.max(20, Math.min(72, width - prefix.length - 1));
  const seconds = events.map((e) => Math.max(0, (Date.parse(e.at) - start) / 1000));
  const span = Math.log1p(Math.max(60, ...seconds.filter(Number.isFinite)));
  const column = (s: number) => Math.min(length - 1, Math.round((Math.log1p(s) / span) * (length - 1)));
  const cells: string[] = Array.from({ length }, () => (style.unicode ? '─' : '-'));
  const owner: Array<string | null> = Array.from({ length }, () => null);
  const ticks = TICKS.filter(([, s]) => s <= Math.expm1(span));
  for (const [, s] of ticks) cells[column(s)] = style.unicode ? '┼' : '+';
  events.forEach((event, i) => {
    const at = column(seconds[i] ?? 0);
    const letter = letterOf(event.type);
    const held = owner[at] ?? null;
    if (held === null || PRIORITY.indexOf(letter) < PRIORITY.indexOf(held)) {
      owner[at] = letter;
      cells[at] = style.paint(letter, event.type);
    }
  });
  let labels = ' '.repeat(prefix.length);
  for (const [name, s] of ticks) {
    // A label near the right edge ends at the edge instead of passing it.
    const at = Math.min(prefix.length + column(s), width - name.length);
    if (at < labels.length + (labels.trim() === '' ? 0 : 1)) continue;
    labels = labels.padEnd(at) + name;
  }
  const seen = new Map<string, string>();
  for (const event of events)
    if (!seen.has(letterOf(event.type)))
      seen.set(letterOf(event.type), letterOf(event.type) === '*' ? 'other' : event.type);
  const legend = [...seen].map(([letter, type]) => `${letter} ${type}`).join(' · ');
  return { axis: prefix + cells.join(''), labels: labels.trimEnd(), legend };
}
