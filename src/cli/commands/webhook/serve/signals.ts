/** The first SIGINT or SIGTERM; `disarm` stops listening (the caller then installs its own handlers). */
export function firstSignal(): { signal: Promise<NodeJS.Signals>; disarm: () => void } {
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const disarm = () => void process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = (received) => {
      disarm();
      resolve(received);
    };
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  });
  return { signal, disarm };
}
