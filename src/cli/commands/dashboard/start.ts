import { isIP } from 'node:net';
import { PortalError, UsageError } from '../../../core/errors.js';
import type { DashboardServer } from '../../../dashboard/server.js';
import type { CliContext } from '../../context.js';

export interface DashboardListenOptions {
  host: string;
  port: number;
}

/** Tests only: how often the live stream looks at the store without being woken, and the LISTEN heartbeat. */
export interface DashboardTuning {
  pollMs?: number;
  heartbeatMs?: number;
}

/**
 * On PostgreSQL the stream is woken by the listeners' NOTIFY, and each look at the store is a round trip
 * that waits on this event loop: polling is only the backstop for a wake-up missed while reconnecting.
 */
const POSTGRES_BACKSTOP_MS = 2_000;

/** `--port`/`--dashboard-port` and `--host`/`--dashboard-host`, named as the command spells them. */
export function toDashboardListen(
  host: string | undefined,
  port: string | undefined,
  flags: { host: string; port: string },
): DashboardListenOptions {
  const text = port ?? '8788';
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535)
    throw new UsageError(
      `${flags.port} must be a port number from 0 to 65535, not "${text}"`,
      '0 picks a free port',
    );
  const name = host ?? '127.0.0.1';
  if (name.trim() === '')
    throw new UsageError(
      `${flags.host} must not be empty`,
      'use 127.0.0.1 (the default) to keep the dashboard on this machine',
    );
  return { host: name, port: Number(text) };
}

/**
 * Starts the page over the context's store, for `dashboard` and `webhook serve --dashboard` alike. A bind
 * beyond loopback is allowed but said out loud: the token is then all that guards every reply's story.
 */
export async function startDashboard(
  ctx: CliContext,
  listen: DashboardListenOptions,
  tuning: DashboardTuning = {},
): Promise<DashboardServer> {
  const [
    { startDashboardServer },
    { createDashboardData },
    { startDataThread },
    { operatorZone },
    { storeDialect, storeLocation },
  ] = await Promise.all([
    import('../../../dashboard/server.js'),
    import('./data.js'),
    import('./data-thread.js'),
    import('../stats/render-format.js'),
    import('../../../store/open-store.js'),
  ]);
  const store = await ctx.store();
  const postgres = storeDialect(store) === 'postgres';
  const timeZone = (await operatorZone(ctx.env)).name;
  const local = createDashboardData({ store, now: ctx.now, timeZone });
  // The thread opens its own connection: from the URL with its password, never from the printable name.
  const thread = store.memory
    ? { data: local, close: async () => undefined }
    : startDataThread(local, { dbPath: storeLocation(store), timeZone });
  let server: DashboardServer;
  try {
    server = await startDashboardServer({
      data: thread.data,
      host: listen.host,
      port: listen.port,
      onLog: (entry) => ctx.output.warn(entry.message),
      ...(tuning.pollMs !== undefined || postgres
        ? { stream: { pollMs: tuning.pollMs ?? POSTGRES_BACKSTOP_MS } }
        : {}),
    });
  } catch (error) {
    await thread.close();
    const code = (error as { code?: unknown }).code;
    const where = `${listen.host}:${listen.port}`;
    if (code === 'EADDRINUSE')
      throw new PortalError('runtime', `cannot serve the dashboard on ${where}: the port is in use`, {
        hint: 'pass another port (0 picks a free one)',
        cause: error,
      });
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EACCES')
      throw new PortalError('runtime', `cannot serve the dashboard on ${where}: ${code}`, {
        hint: 'use 127.0.0.1 and a port above 1023',
        cause: error,
      });
    throw error;
  }
  if (!isLoopback(listen.host))
    ctx.output.warn(
      `the dashboard listens on ${listen.host}, beyond this machine: anyone who can reach it and learns the token can read every reply's story`,
    );
  const wake = postgres
    ? (await import('../../../dashboard/postgres-wake.js')).startPostgresWake(storeLocation(store), {
        onWake: () => server.stream.nudge(),
        onLog: (entry) =>
          entry.level === 'warn' ? ctx.output.warn(entry.message) : ctx.output.info(entry.message),
        ...(tuning.heartbeatMs === undefined ? {} : { heartbeatMs: tuning.heartbeatMs }),
      })
    : null;
  return {
    ...server,
    close: async () => {
      await wake?.close();
      await server.close();
      await thread.close();
    },
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || (isIP(host) === 4 && host.startsWith('127.')) || host === '::1';
}
