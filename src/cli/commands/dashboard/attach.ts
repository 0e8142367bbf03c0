import type { DashboardServer } from '../../../dashboard/server.js';
import type { RequestRecord } from '../../../webhook/server.js';
import type { CliContext } from '../../context.js';
import { startDashboard, type DashboardListenOptions } from './start.js';

/**
 * `webhook serve --dashboard`: the page on its own port beside the listener. The stream polls the store in
 * any case; the listener's request log only makes it look at once, and adds the retried notifications,
 * which are never stored and so only this process can show.
 */
export function listenerDashboard(ctx: CliContext, listen: DashboardListenOptions) {
  let server: DashboardServer | null = null;
  return {
    onRequest(record: RequestRecord): void {
      if (server === null || record.events.length === 0) return;
      server.stream.nudge();
      const at = ctx.now().toISOString();
      for (const event of record.events) {
        if (!event.duplicate) continue;
        server.stream.publishTransient({
          id: null,
          event: event.type,
          reply_id: event.replyId,
          recipient: event.recipient,
          occurred_at: at,
          received_at: at,
          source: 'webhook',
          duplicate: true,
          url: null,
          bounce_type: null,
          detail: null,
        });
      }
    },
    async start(): Promise<string> {
      server = await startDashboard(ctx, listen);
      return server.url;
    },
    close: (): Promise<void> => server?.close() ?? Promise.resolve(),
  };
}
