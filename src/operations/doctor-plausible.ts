import { request } from 'undici';
import type { Settings } from '../core/settings.js';
import type { Store } from '../store/open-store.js';
import { readPlausibleForwards, type PlausibleForwardCounts } from '../store/plausible-forwards.js';
import type { DoctorCheck } from './doctor.js';

/**
 * With plausible_url set: the Plausible site answers, and what became of the hits forwarded to it, so
 * nobody takes Plausible's numbers for the whole story (it drops hits it takes for bots).
 */
export async function plausibleCheck(
  settings: Settings,
  store: Store | null,
  timeoutMs: number,
): Promise<DoctorCheck | null> {
  if (settings.plausibleUrl === null) return null;
  const name = 'plausible';
  let counts: PlausibleForwardCounts | null = null;
  try {
    counts = store === null ? null : readPlausibleForwards(store);
  } catch {
    counts = null; // the database check reports a store that cannot be read
  }
  const tally =
    counts === null
      ? ''
      : `; forwarded ${counts.forwarded}, dropped by Plausible as bots ${counts.dropped}, failed ${counts.failed} (all time)`;
  if (settings.plausibleDomain === null && settings.portalUrl === null) {
    return {
      name,
      status: 'warn',
      message: `forwarding to ${settings.plausibleUrl} is off: no site domain${tally}`,
      fix: 'configure --plausible-domain (or --portal-url, whose host it defaults to)',
    };
  }
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await request(settings.plausibleUrl, { method: 'GET', signal });
    await response.body.dump({ limit: 64 * 1024, signal });
    if (response.statusCode >= 500) {
      return {
        name,
        status: 'fail',
        message: `${settings.plausibleUrl} answered ${response.statusCode}${tally}`,
        fix: 'check the Plausible server; hits are kept locally meanwhile',
      };
    }
    return {
      name,
      status: 'ok',
      message: `${settings.plausibleUrl} answers (${response.statusCode})${tally}`,
      fix: null,
    };
  } catch (error) {
    const reason = signal.aborted ? `no answer within ${timeoutMs} ms` : (error as Error).message;
    return {
      name,
      status: 'fail',
      message: `${settings.plausibleUrl} unreachable: ${reason}${tally}`,
      fix: "check --plausible-url and that the listener's host can reach it",
    };
  }
}
