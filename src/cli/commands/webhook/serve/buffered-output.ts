import { jsonText, type Output, type OutputStreams } from '../../../output.js';

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
  return Object.assign(Object.create(out) as Output, {
    line: (text = '') => push(text),
    record: (document: Record<string, unknown>) => push(jsonText(document)),
    flush,
  });
}

/**
 * The output of a command that must outlive its readers (`webhook serve`): once stdout fails (the reader
 * of `serve --json | head -1` exits: EPIPE; the terminal closes: EIO) nothing more is written to it and
 * stderr says so once; once stderr fails, warnings stop too. The command keeps running either way: a
 * listener that died with its log would stop storing events, and exit 0, so a supervisor would not
 * restart it. main.ts leaves a stream's errors to a command that listens for them. `release` stops listening.
 */
export function survivingOutput(out: Output, streams: OutputStreams): Output & { release: () => void } {
  let stdoutLost = false;
  let stderrLost = false;
  const onStdoutError = (error: NodeJS.ErrnoException) => {
    if (stdoutLost) return;
    stdoutLost = true;
    if (!stderrLost)
      out.warn(
        `lost stdout (${error.code ?? error.message}): request log lines are no longer written; still serving`,
      );
  };
  const onStderrError = () => void (stderrLost = true);
  streams.stdout.on('error', onStdoutError);
  streams.stderr.on('error', onStderrError);
  const toStdout =
    <A extends unknown[]>(write: (...args: A) => void) =>
    (...args: A) =>
      stdoutLost ? undefined : write(...args);
  const toStderr =
    <A extends unknown[]>(write: (...args: A) => void) =>
    (...args: A) =>
      stderrLost ? undefined : write(...args);
  return Object.assign(Object.create(out) as Output, {
    line: toStdout((text?: string) => out.line(text)),
    record: toStdout((document: Record<string, unknown>) => out.record(document)),
    data: toStdout((document: Record<string, unknown>) => out.data(document)),
    info: toStderr((text: string) => out.info(text)),
    warn: toStderr((text: string) => out.warn(text)),
    release: () => {
      streams.stdout.off('error', onStdoutError);
      streams.stderr.off('error', onStderrError);
    },
  });
}
