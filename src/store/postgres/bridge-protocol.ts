import type { MessagePort } from 'node:worker_threads';

/** What a thread asks its PostgreSQL bridge worker (bridge-worker.ts) to do, one request at a time. */
export type BridgeRequest =
  | {
      seq: number;
      op: 'connect';
      connection: number;
      url: string;
      applicationName: string;
      /** PostgreSQL's lock_timeout: how long a statement waits for another session's lock (ms). */
      lockTimeoutMs: number;
    }
  | {
      seq: number;
      op: 'query';
      connection: number;
      /** A server-side prepared statement's name, for statements run many times on one connection. */
      name?: string;
      text: string;
      values?: unknown[];
      /** Rows as arrays of column values (for pluck), not objects. */
      arrays?: boolean;
    }
  | { seq: number; op: 'end'; connection: number };

export interface BridgeError {
  message: string;
  /** PostgreSQL's SQLSTATE (e.g. 23505), or Node's socket error code (ECONNREFUSED). */
  code?: string;
  /** Whether the connection itself is gone (its next request opens a new one). */
  connectionLost: boolean;
}

export type BridgeAnswer =
  | { seq: number; ok: true; rows: unknown[]; rowCount: number; command: string }
  | { seq: number; ok: false; error: BridgeError };

export interface BridgeWorkerData {
  /** Int32 counter the worker bumps (and notifies) after each answer it posts. */
  signal: SharedArrayBuffer;
  port: MessagePort;
}
