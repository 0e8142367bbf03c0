import type { Store } from '../store-types.js';

/** The channel a listener notifies after each committed batch; the payload is empty (a wake-up, not data). */
export const EVENTS_CHANNEL = 'smtp2go_portal_events';

/** Wakes every dashboard's LISTEN (delivered at commit; the rows themselves are read by id). */
export function notifyEventsCommitted(store: Store): void {
  store.prepare(`SELECT pg_notify('${EVENTS_CHANNEL}', '')`).get();
}
