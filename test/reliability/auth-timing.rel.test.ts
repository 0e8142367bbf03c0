import { describe, expect, it } from 'vitest';
import { verifyWebhookRequest } from '../../src/webhook/verify.js';
import { WEBHOOK_SECRET } from '../helpers/constants.js';
import { report } from './store-probe.js';
import { SLOW } from './slow-gate.js';

const BODY = Buffer.from('{"event":"open"}');

/** Median ns per verification of a wrong bearer token, measured in interleaved rounds so drift hits both alike. */
function medians(candidates: string[], rounds: number, perRound: number): number[] {
  const samples = candidates.map(() => [] as number[]);
  const nowSeconds = Math.floor(Date.now() / 1000);
  for (let r = 0; r < rounds; r++) {
    candidates.forEach((token, i) => {
      const headers = { authorization: `Bearer ${token}` };
      const start = process.hrtime.bigint();
      for (let k = 0; k < perRound; k++)
        verifyWebhookRequest(headers, BODY, { secrets: [WEBHOOK_SECRET], nowSeconds });
      samples[i]!.push(Number(process.hrtime.bigint() - start) / perRound);
    });
  }
  return samples.map((list) => list.sort((a, b) => a - b)[Math.floor(list.length / 2)]!);
}

describe.skipIf(!SLOW)('timing-safe comparison', () => {
  it('a wrong token costs the same whether it differs in the first character, the last, or only in length', () => {
    const first = `X${WEBHOOK_SECRET.slice(1)}`;
    const last = `${WEBHOOK_SECRET.slice(0, -1)}X`;
    const short = WEBHOOK_SECRET.slice(0, 8);
    const long = `${WEBHOOK_SECRET}${'X'.repeat(200)}`;
    medians([first, last, short, long], 20, 2_000);
    const [a, b, c, d] = medians([first, last, short, long], 200, 2_000);
    const spread = Math.max(a!, b!) / Math.min(a!, b!);
    report('auth-timing', {
      firstCharWrongNs: a!.toFixed(0),
      lastCharWrongNs: b!.toFixed(0),
      shortNs: c!.toFixed(0),
      longNs: d!.toFixed(0),
      firstVsLastRatio: spread.toFixed(3),
    });
    // This bounds gross leaks only (an early exit, a compare that skips work for one kind of token): a
    // memcmp over ~50 bytes is tens of nanoseconds, below this measurement's noise. The constant-time
    // property itself rests on crypto.timingSafeEqual in src/webhook/auth.
    expect(spread).toBeLessThan(1.1);
  });
});
