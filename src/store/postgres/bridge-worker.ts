import { parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';
import { parse } from 'pg-connection-string';
import pgpass from 'pgpass';
import type { BridgeAnswer, BridgeError, BridgeRequest, BridgeWorkerData } from './bridge-protocol.js';

// The thread that owns the PostgreSQL sockets. Its caller waits on `signal` (bridge.ts), so everything here
// is plain async node-postgres; one pg.Client per store the caller opened, never a pool, because a
// transaction's statements must share a session.

const { signal, port } = workerData as BridgeWorkerData;
const counter = new Int32Array(signal);

// Values read back the way better-sqlite3 gives them, so both backends hand the same JavaScript values
// to the code above them: 64-bit integers (ids, COUNT, SUM) and numerics as numbers, booleans as 1 and 0.
const INT8 = 20;
const NUMERIC = 1700;
const BOOL = 16;
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
    if (oid === INT8 || oid === NUMERIC) return (value: string) => Number(value);
    if (oid === BOOL) return (value: string) => (value === 't' ? 1 : 0);
    return pg.types.getTypeParser(oid, format) as (value: string) => unknown;
  },
};

/**
 * A password that is not in the URL: PGPASSWORD, else ~/.pgpass (or PGPASSFILE) as libpq reads them.
 * node-postgres 8.23 still reads ~/.pgpass itself but warns that pg 9 stops, and asks for a password
 * function that calls the pgpass module instead: this is it.
 */
function passwordFromEnvironment(
  parameters: Parameters<typeof pgpass>[0],
): Promise<string | undefined> | string {
  const fromEnv = process.env['PGPASSWORD'];
  if (fromEnv !== undefined) return fromEnv;
  return new Promise((resolve) => pgpass(parameters, resolve));
}

interface Connection {
  url: string;
  applicationName: string;
  lockTimeoutMs: number;
  client: pg.Client | null;
  /** The client died (server restart, network): the next request reconnects. */
  lost: boolean;
}

const connections = new Map<number, Connection>();

async function connect(connection: Connection): Promise<pg.Client> {
  // Parsed here rather than handed over as connectionString: node-postgres would take the URL's empty
  // password over the password function below.
  const { password, ...fromUrl } = parse(connection.url);
  const client = new pg.Client({
    ...(fromUrl as pg.ClientConfig),
    application_name: connection.applicationName,
    // @types/pg leaves out the connection parameters pg passes and the undefined it accepts (no password).
    password:
      password !== undefined && password !== ''
        ? password
        : (passwordFromEnvironment as unknown as () => Promise<string>),
    types,
    // A silent network failure must not leave a request waiting forever (pg-boss #850).
    keepAlive: true,
    connectionTimeoutMillis: 10_000,
  });
  // Without a listener, a socket error after connecting (server restart) would end this thread.
  client.on('error', () => {
    connection.lost = true;
  });
  client.on('end', () => {
    connection.lost = true;
  });
  await client.connect();
  // An acknowledged webhook must survive a server crash: never let a role or database default turn it off.
  await client.query('SET synchronous_commit = on');
  // A lock held by another session fails the statement (55P03, a busy store: 503) the way SQLite's
  // busy_timeout does, instead of holding the listener's batch until the session lets go.
  await client.query(`SET lock_timeout = ${Math.max(1, Math.floor(connection.lockTimeoutMs))}`);
  connection.client = client;
  connection.lost = false;
  return client;
}

const CONNECTION_CODES = /^(E[A-Z]+|08...|57P0[123])$/;

function describe(error: unknown, connection: Connection | undefined): BridgeError {
  const { message, code } = error as { message?: unknown; code?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  const sqlstate = typeof code === 'string' ? code : undefined;
  const connectionLost =
    connection?.lost === true ||
    (sqlstate !== undefined && CONNECTION_CODES.test(sqlstate)) ||
    /Connection terminated|not queryable|ended/i.test(text);
  if (connectionLost && connection !== undefined) connection.lost = true;
  return { message: text, ...(sqlstate === undefined ? {} : { code: sqlstate }), connectionLost };
}

async function handle(request: BridgeRequest): Promise<BridgeAnswer> {
  const { seq } = request;
  let connection = connections.get(request.connection);
  try {
    if (request.op === 'connect') {
      connection = {
        url: request.url,
        applicationName: request.applicationName,
        lockTimeoutMs: request.lockTimeoutMs,
        client: null,
        lost: true,
      };
      connections.set(request.connection, connection);
      await connect(connection);
      return { seq, ok: true, rows: [], rowCount: 0, command: 'CONNECT' };
    }
    if (connection === undefined) throw new Error('the store is closed');
    if (request.op === 'end') {
      connections.delete(request.connection);
      await connection.client?.end().catch(() => undefined);
      return { seq, ok: true, rows: [], rowCount: 0, command: 'END' };
    }
    let client = connection.client;
    if (client === null || connection.lost) {
      await connection.client?.end().catch(() => undefined);
      connection.client = null;
      client = await connect(connection);
    }
    const result = await client.query({
      text: request.text,
      ...(request.name === undefined ? {} : { name: request.name }),
      ...(request.values === undefined ? {} : { values: request.values }),
      ...(request.arrays === true ? { rowMode: 'array' as const } : {}),
    });
    // A multi-statement text (exec) answers with one result per statement; the last one speaks for it.
    const last = Array.isArray(result) ? (result[result.length - 1] as pg.QueryResult) : result;
    return { seq, ok: true, rows: last.rows, rowCount: last.rowCount ?? 0, command: last.command };
  } catch (error) {
    return { seq, ok: false, error: describe(error, connection) };
  }
}

parentPort?.on('message', (request: BridgeRequest) => {
  void handle(request).then((answer) => {
    port.postMessage(answer);
    Atomics.add(counter, 0, 1);
    Atomics.notify(counter, 0);
  });
});
