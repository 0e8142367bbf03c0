import type { Store } from '../store/open-store.js';
import { runPrune, type PruneResult } from './prune.js';

/** The timer a schedule runs on; tests pass one they fire by hand. */
export interface ScheduleTimer {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface PruneScheduleOptions {
  olderThanMs: number;
  /** Default: daily. */
  everyMs?: number;
}

export interface PruneScheduleDeps {
  store: Store;
  now: () => Date;
  timer?: ScheduleTimer;
  /** Waits between batches (default: a real timer); see runPrune. */
  pause?: (ms: number) => Promise<void>;
  onResult: (result: PruneResult) => void;
  /** A failed prune is reported and retried at the next run; the listener keeps serving. */
  onError: (error: unknown) => void;
}

export interface PruneSchedule {
  /** Resolves once the run that is under way (if any) has stopped between two batches. */
  stop(): Promise<void>;
}

export const DAY_MS = 86_400_000;

// Unref'd: the schedule alone never keeps the process alive after the server has closed.
const REAL_TIMER: ScheduleTimer = {
  setTimeout: (run, ms) => setTimeout(run, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** The listener's own retention (`webhook serve --retention`): a prune at start, then one a day after each finishes. */
export function startPruneSchedule(options: PruneScheduleOptions, deps: PruneScheduleDeps): PruneSchedule {
  const timer = deps.timer ?? REAL_TIMER;
  let stopped = false;
  let handle: unknown = null;
  let running: Promise<void> = Promise.resolve();
  const run = () => {
    handle = null;
    running = runPrune(
      { olderThanMs: options.olderThanMs, dryRun: false },
      {
        store: deps.store,
        now: deps.now,
        stopped: () => stopped,
        ...(deps.pause === undefined ? {} : { pause: deps.pause }),
      },
    )
      .then(deps.onResult, deps.onError)
      .then(() => {
        if (!stopped) handle = timer.setTimeout(run, options.everyMs ?? DAY_MS);
      });
  };
  run();
  return {
    async stop() {
      stopped = true;
      if (handle !== null) timer.clearTimeout(handle);
      await running;
    },
  };
}
