import { join } from 'node:path';
import { WEBHOOK_SECRET } from '../helpers/constants.js';
import {
  generateEvents,
  seededRandom,
  sendEvents,
  statusSummary,
  type GeneratedEvent,
  type SendOutcome,
} from './load-generator.js';
import { spawnListener } from './listener-process.js';
import { readStoredIds } from './store-probe.js';

export interface CrashFigures {
  seed: number;
  sent: number;
  killedAfterAcks: number;
  ackedBeforeKill: number;
  /** Acknowledged before the kill but missing from the store right after it: must be 0. */
  lostAcked: number;
  /** Rows on disk right after the kill that the client never saw acknowledged (in flight at the kill). */
  storedUnacked: number;
  resent: number;
  resendRounds: number;
  finalRows: number;
  /** Ids stored more than once: must be 0. */
  duplicateRows: number;
  /** Sent ids missing from the final store: must be 0. */
  missing: number;
  /** Stored ids that were never sent: must be 0. */
  unexpected: number;
  firstRunStatuses: string;
  /** With several listeners: what the killed one answered, and what each of the others did (all 200). */
  killedListener?: string;
  survivors?: string[];
  eventsPerSecond: number;
}

/**
 * Signed events at full speed to the built listener; SIGKILL once a random share (20-80%) has been
 * acknowledged; then, before any restart, every acknowledged event must already be on disk. A restarted
 * listener gets everything not acknowledged, and the final store must equal the sent set, once each.
 *
 * With `listeners` > 1 (on one PostgreSQL `location`), each event goes to one of them at random and the
 * first is the one killed: from then on the events go to the others, which must answer every one 200
 * (a balancer routing around the dead one), and take the resend too, without any restart.
 */
export async function runCrashScenario(
  dir: string,
  options: { count: number; seed: number; concurrency?: number; location?: string; listeners?: number },
): Promise<CrashFigures> {
  const location = options.location ?? join(dir, 'portal.db');
  const count = options.listeners ?? 1;
  const env = { SMTP2GO_WEBHOOK_SECRET: WEBHOOK_SECRET };
  const random = seededRandom(options.seed);
  const events = generateEvents(options.count, { seed: options.seed, runId: options.seed.toString(16) });
  const killAt = Math.floor(options.count * (0.2 + 0.6 * random()));

  const listeners = await Promise.all(
    Array.from({ length: count }, () => spawnListener({ dbPath: location, env })),
  );
  const first = listeners[0]!;
  const survivors = listeners.slice(1);
  const toSurvivor = () => 1 + Math.floor(random() * survivors.length);
  let answered = 0;
  let killed = false;
  const run = await sendEvents(
    listeners.map((listener) => listener.url),
    events,
    {
      secret: WEBHOOK_SECRET,
      concurrency: options.concurrency ?? 64,
      stop: () => killed && survivors.length === 0,
      route: () => (killed ? toSurvivor() : Math.floor(random() * count)),
      onAnswer: (_event, status, target) => {
        if (status !== null && status < 300) answered += 1;
        // Triggered by another listener's answer: one of the first's own would come with the rest of its
        // batch, answered together, and catch it with nothing in flight.
        if (!killed && answered >= killAt && (count === 1 || target !== 0)) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      },
    },
  );
  const exit = await first.kill('SIGKILL');
  if (exit.signal !== 'SIGKILL')
    throw new Error(`the listener was not killed by SIGKILL: ${JSON.stringify(exit)}`);

  const afterKill = readStoredIds(location);
  const lostAcked = [...run.acked].filter((id) => afterKill.counts.get(id) !== 1).length;
  const storedUnacked = [...afterKill.counts.keys()].filter((id) => !run.acked.has(id)).length;

  const resendTo = survivors.length > 0 ? survivors : [await spawnListener({ dbPath: location, env })];
  const acked = new Set(run.acked);
  let resent = 0;
  let rounds = 0;
  try {
    for (; rounds < 3; rounds++) {
      const todo: GeneratedEvent[] = events.filter((event) => !acked.has(event.id));
      if (todo.length === 0) break;
      resent += todo.length;
      const retry = await sendEvents(
        resendTo.map((listener) => listener.url),
        todo,
        {
          secret: WEBHOOK_SECRET,
          concurrency: options.concurrency ?? 64,
          route: () => Math.floor(random() * resendTo.length),
        },
      );
      for (const id of retry.acked) acked.add(id);
    }
  } finally {
    await Promise.all(resendTo.map((listener) => listener.kill('SIGTERM')));
  }

  const final = readStoredIds(location);
  const sentIds = new Set(events.map((event) => event.id));
  return {
    seed: options.seed,
    sent: events.length,
    killedAfterAcks: killAt,
    ackedBeforeKill: run.acked.size,
    lostAcked,
    storedUnacked,
    resent,
    resendRounds: rounds,
    finalRows: final.rows,
    duplicateRows: [...final.counts.values()].filter((n) => n > 1).length,
    missing: [...sentIds].filter((id) => !final.counts.has(id)).length,
    unexpected: [...final.counts.keys()].filter((id) => !sentIds.has(id)).length,
    firstRunStatuses: statusSummary(run.statuses) + (run.errors > 0 ? ` no-answer×${run.errors}` : ''),
    ...(survivors.length === 0
      ? {}
      : {
          killedListener: targetSummary(run.targets[0]!),
          survivors: run.targets.slice(1).map(targetSummary),
        }),
    eventsPerSecond: Math.round(run.acked.size / (run.elapsedMs / 1000)),
  };
}

function targetSummary({ statuses, errors }: SendOutcome['targets'][number]): string {
  return statusSummary(statuses) + (errors > 0 ? ` no-answer×${errors}` : '');
}
