import { parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';
import { postgresClientConfig } from './client-config.js';
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
  const client = new pg.Client({
    ...postgresClientConfig(connection.url, connection.applicationName),
    types,
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

function transactionLost(): Error {
  return Object.assign(
    new Error('the connection to PostgreSQL was lost during a transaction, which PostgreSQL rolled back'),
    { code: '08006' },
  );
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
      // The server rolled the transaction back with the connection. Run on a new one, the rest of it
      // would commit statement by statement, and its COMMIT would answer COMMIT (with no transaction
      // to end): a batch half lost, reported stored.
      if (request.inTransaction === true) throw transactionLost();
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
