// The pgpass package (node-postgres's own ~/.pgpass reader) ships no types.
declare module 'pgpass' {
  /** Calls `found` with the password ~/.pgpass (or PGPASSFILE) holds for the connection, if any. */
  export default function pgpass(
    connection: { host?: unknown; port?: unknown; database?: unknown; user?: unknown },
    found: (password: string | undefined) => void,
  ): void;
}
