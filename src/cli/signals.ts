/** The first of `signals`; `disarm` stops listening (the caller then installs its own handlers). */
export function firstSignal(signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM']): {
  signal: Promise<NodeJS.Signals>;
  disarm: () => void;
} {
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const disarm = () => {
    for (const name of signals) process.off(name, onSignal);
  };
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = (received) => {
      disarm();
      resolve(received);
    };
    for (const name of signals) process.on(name, onSignal);
  });
  return { signal, disarm };
}

/**
 * Keeps SIGUSR1 from opening Node's inspector, a debugger that anyone who can reach 127.0.0.1:9229 may
 * drive without a password, and so run code as the listener. Node opens it on SIGUSR1 only while nothing
 * else listens for that signal. Returns the function that stops listening. (`node --inspect` still works.)
 */
export function keepInspectorClosed(onSignal: () => void): () => void {
  process.on('SIGUSR1', onSignal);
  return () => void process.off('SIGUSR1', onSignal);
}
