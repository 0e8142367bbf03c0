import { jsonText, type Output } from '../../../output.js';

/**
 * The request log written once per turn of the event loop rather than once per request: a commit answers
 * a whole batch in one turn, and each write to a file or pipe is a system call of its own.
 */
export function bufferedLines(out: Output): Output & { flush: () => void } {
  let lines: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (lines.length === 0) return;
    const text = lines.join('\n');
    lines = [];
    out.line(text);
  };
  const push = (text: string) => {
    lines.push(text);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  return Object.assign(Object.create(out) as Output, { line: (text = '') => push(text), record: (document: Record<string, unknown>) => push(jsonText(document)), flush });
}
