import type { ListedReply, RepliesResult } from '../../../operations/replies.js';
import { escapeControls as terminalSafe, type Output } from '../../output.js';
import { createTimeFormatter, NONE, visibleWidth, type OperatorZone } from '../stats/render-format.js';
import { statusColor } from '../stats/render-reply.js';

const WIDTH = 80;
const INDENT = '  ';
const GAP = '  ';
const HEAD = ['reply', 'sent', 'status', 'via', 'recipient', 'ticket'] as const;
const STATUS = HEAD.indexOf('status');
const RECIPIENT = HEAD.indexOf('recipient');
const MIN_RECIPIENT = 12;

/** Cuts to `width` display columns, ending in an ellipsis when something was cut. */
function fit(text: string, width: number): string {
  if (visibleWidth(text) <= width) return text;
  return `${[...text].slice(0, Math.max(0, width - 1)).join('')}…`;
}

/** The status people see: an ambiguous send that SMTP2Go has said nothing about yet is named as such. */
function listedStatus(reply: ListedReply): string {
  return reply.status === 'pending' && reply.send_outcome === 'ambiguous' ? 'ambiguous' : reply.status;
}

/** `replies` for people: one line per reply in 80 columns, then the send problems on the page, then the next cursor. */
export function renderReplies(output: Output, result: RepliesResult, zone: OperatorZone | string): void {
  if (result.replies.length === 0) {
    output.line('No replies match.');
    return;
  }
  const time = createTimeFormatter(zone);
  output.line(`Newest first; times in ${time.timeZone}.`);
  const rows = result.replies.map((reply) => [
    String(reply.reply_id),
    // A reply never sent is listed, and ordered, by its creation time.
    terminalSafe(time.at(reply.sent_at ?? reply.listed_at).slice(0, 16)),
    listedStatus(reply),
    terminalSafe(reply.transport),
    recipientCell(reply),
    reply.ticket_id === null ? NONE : String(reply.ticket_id),
  ]);
  const widths = HEAD.map((head, i) =>
    Math.max(visibleWidth(head), ...rows.map((row) => visibleWidth(row[i] ?? ''))),
  );
  const others = widths.reduce((total, width, i) => (i === RECIPIENT ? total : total + width), 0);
  widths[RECIPIENT] = Math.max(
    MIN_RECIPIENT,
    Math.min(widths[RECIPIENT] ?? 0, WIDTH - INDENT.length - GAP.length * (HEAD.length - 1) - others),
  );
  const line = (cells: readonly string[], paint: (cell: string, i: number) => string) =>
    INDENT +
    cells
      .map((cell, i) => {
        const shown = i === RECIPIENT ? fitRecipient(cell, widths[i] ?? 0) : cell;
        const padding = ' '.repeat(Math.max(0, (widths[i] ?? 0) - visibleWidth(shown)));
        // Reply ids line up on the right; the last column is not padded.
        return i === 0
          ? padding + paint(shown, i)
          : i === HEAD.length - 1
            ? paint(shown, i)
            : paint(shown, i) + padding;
      })
      .join(GAP)
      .trimEnd();
  output.line(line(HEAD, (cell) => output.color.dim(cell)));
  for (const row of rows)
    output.line(line(row, (cell, i) => (i === STATUS ? statusColor(output, cell, cell) : cell)));
  const troubled = result.replies.filter(
    (reply) =>
      reply.last_error !== null || (reply.send_outcome !== 'sent' && reply.send_outcome !== 'pending'),
  );
  if (troubled.length > 0) {
    output.line('');
    output.line(output.color.bold('Send problems'));
    for (const reply of troubled) {
      const text = `${INDENT}${reply.reply_id}  ${reply.send_outcome}${reply.last_error === null ? '' : `: ${terminalSafe(reply.last_error)}`}`;
      output.line(fit(text, WIDTH));
    }
  }
  if (result.next_cursor !== null) {
    output.line('');
    // Never cut: a shortened cursor is refused.
    output.line(`Next page: --cursor ${result.next_cursor}`);
  }
}

function recipientCell(reply: ListedReply): string {
  const first = reply.recipients[0];
  if (first === undefined) return NONE;
  const more = reply.recipients.length - 1;
  return terminalSafe(first.email) + (more > 0 ? ` (+${more})` : '');
}

/** Cuts the address, never the `(+N)` that says how many more there are. */
function fitRecipient(cell: string, width: number): string {
  const more = / \(\+\d+\)$/.exec(cell)?.[0] ?? '';
  if (visibleWidth(cell) <= width) return cell;
  return fit(cell.slice(0, cell.length - more.length), Math.max(1, width - more.length)) + more;
}
