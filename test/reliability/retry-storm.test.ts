import { describe, expect, it } from 'vitest';
import { ingestEvents } from '../../src/store/ingest-events.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { parseWebhookBody } from '../../src/webhook/parse-body.js';
import type { GeneratedEvent } from './load-generator.js';
import { planRetryStorm, prepareReplies, trackingSnapshot } from './retry-storm.js';
import { report } from './store-probe.js';

const RECEIVED = new Date('2026-09-10T09:00:00Z');

function ingestOneByOne(
  db: Store,
  events: GeneratedEvent[],
  receivedAt: (i: number) => Date,
): { stored: number; duplicates: number } {
  let stored = 0;
  let duplicates = 0;
  events.forEach((event, i) => {
    const parsed = parseWebhookBody(event.body, 'application/json', receivedAt(i));
    expect(parsed.errors).toEqual([]);
    const result = ingestEvents(db, parsed.events, { receivedAt: receivedAt(i), source: 'webhook' });
    stored += result.stored;
    duplicates += result.duplicates;
  });
  return { stored, duplicates };
}

describe('retry storm at the ingestEvents level (the HTTP run is retry-storm.rel.test.ts)', () => {
  it.each([1, 2])(
    'seed %i: 30 percent of 2,500 events sent 2-5 times, shuffled, ends exactly like a clean in-order run',
    (seed) => {
      const plan = planRetryStorm(2_500, seed);
      const clean = openStore(':memory:');
      const stormy = openStore(':memory:');
      try {
        prepareReplies(clean, plan);
        prepareReplies(stormy, plan);
        const a = ingestOneByOne(clean, plan.inOrder, () => RECEIVED);
        // Each retry arrives later than the one before, as SMTP2Go's would.
        const b = ingestOneByOne(stormy, plan.storm, (i) => new Date(RECEIVED.getTime() + i * 1000));
        const expected = trackingSnapshot(clean);
        const actual = trackingSnapshot(stormy);
        report('retry-storm-ingest', {
          seed,
          distinct: plan.inOrder.length,
          deliveries: plan.storm.length,
          repeated: plan.repeated,
          stored: b.stored,
          duplicates: b.duplicates,
          cleanStored: a.stored,
        });
        expect(b.stored).toBe(a.stored);
        expect(b.duplicates).toBe(plan.storm.length - a.stored);
        expect(actual.events).toEqual(expected.events);
        expect(actual.replies).toEqual(expected.replies);
        expect(actual.recipients).toEqual(expected.recipients);
        // The comparison means something only if the stories are not empty.
        expect((expected.replies as Array<{ open_count: number }>).some((r) => r.open_count > 1)).toBe(true);
      } finally {
        clean.close();
        stormy.close();
      }
    },
  );
});
