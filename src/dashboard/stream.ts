import type { ServerResponse } from 'node:http';

/** One stored event as the live view shows it; `id` is the store's row id (the SSE event id). */
export interface LiveEvent {
  id: number | null;
  event: string;
  reply_id: number | null;
  recipient: string | null;
  occurred_at: string;
  received_at: string;
  source: string;
  duplicate: boolean;
  url: string | null;
  bounce_type: string | null;
  detail: string | null;
}

export interface StreamOptions {
  /** Stored events with id > after, oldest first, at most `limit`. */
  eventsAfter(after: number, limit: number): LiveEvent[] | Promise<LiveEvent[]>;
  /** The newest stored id (0 when none): where a stream without Last-Event-ID starts. */
  latestId(): number | Promise<number>;
  pollMs?: number;
  pingMs?: number;
  /** A client that has not taken a write within this long is dropped (a vanished peer must not pin memory). */
  writeDeadlineMs?: number;
  maxClients?: number;
  /** Rows read per query. */
  batch?: number;
}

export interface EventStream {
  /** Serves one stream from the id after which it starts. Returns false when the stream is full. */
  attach(response: ServerResponse, after: number | null): Promise<boolean>;
  /** Polls now instead of at the next tick (the listener calls it once an event is committed). */
  nudge(): void;
  /** An event that is not stored (a retried notification): sent to every caught-up client, with no id. */
  publishTransient(event: LiveEvent): void;
  readonly clients: number;
  close(): void;
}

interface Client {
  response: ServerResponse;
  /** The last id written to this client. */
  cursor: number;
  blocked: boolean;
  deadline: NodeJS.Timeout | null;
}

/**
 * One SSE stream per page, fed from the store rather than from memory: every client has a cursor (a row
 * id), so a slow or reconnecting client catches up by reading the store, nothing is queued per client,
 * and the stream works the same inside the listener and in a process of its own. The caught-up clients
 * share one query per tick.
 */
export function createEventStream(options: StreamOptions): EventStream {
  const pollMs = options.pollMs ?? 200;
  const pingMs = options.pingMs ?? 15_000;
  const writeDeadlineMs = options.writeDeadlineMs ?? 10_000;
  const maxClients = options.maxClients ?? 64;
  const batch = options.batch ?? 500;
  const clients = new Set<Client>();
  let head = -1;
  let polling = false;
  let again = false;
  let closed = false;
  let nudged = false;
  const transient: string[] = [];
  const timer = setInterval(() => void poll(), pollMs).unref();
  const pinger = setInterval(() => {
    for (const client of clients) write(client, ': ping\n\n');
  }, pingMs).unref();

  function drop(client: Client): void {
    if (!clients.delete(client)) return;
    if (client.deadline !== null) clearTimeout(client.deadline);
    client.response.destroy();
    // Nobody is watching: the next stream starts at the newest id instead of reading what nobody waited for.
    if (clients.size === 0) {
      head = -1;
      transient.length = 0;
    }
  }

  function write(client: Client, text: string): void {
    if (client.blocked || client.response.destroyed) return;
    if (client.response.write(text)) return;
    client.blocked = true;
    client.deadline = setTimeout(() => drop(client), writeDeadlineMs).unref();
    client.response.once('drain', () => {
      if (client.deadline !== null) clearTimeout(client.deadline);
      client.deadline = null;
      client.blocked = false;
      void poll();
    });
  }

  async function poll(): Promise<void> {
    if (polling) {
      again = true;
      return;
    }
    if (closed || clients.size === 0) return;
    polling = true;
    try {
      do {
        again = false;
        if (head < 0) head = await options.latestId();
        const rows = await options.eventsAfter(head, batch);
        const shared = rows.length === 0 ? '' : frames(rows);
        const from = head;
        if (rows.length > 0) head = (rows[rows.length - 1] as LiveEvent).id ?? head;
        for (const client of clients) {
          if (client.blocked) continue;
          if (client.cursor === from) {
            if (shared !== '') write(client, shared);
            client.cursor = head;
          } else if (client.cursor < from) await catchUp(client);
        }
        if (rows.length === batch) again = true;
      } while (again && !closed);
      // After the rows: whatever was stored before a retry was answered reaches the page before the retry.
      const text = transient.splice(0).join('');
      if (text !== '') for (const client of clients) if (client.cursor >= head) write(client, text);
    } finally {
      polling = false;
    }
  }

  function nudge(): void {
    // A group commit answers many requests in one turn: they share one look at the store.
    if (nudged || clients.size === 0) return;
    nudged = true;
    setImmediate(() => {
      nudged = false;
      void poll();
    });
  }

  /** A client behind the shared head (a replay, or one that was blocked) reads on its own, a batch a turn. */
  async function catchUp(client: Client): Promise<void> {
    const rows = await options.eventsAfter(client.cursor, batch);
    if (rows.length === 0 || !clients.has(client)) return;
    write(client, frames(rows));
    client.cursor = (rows[rows.length - 1] as LiveEvent).id ?? client.cursor;
    if (client.cursor < head) again = true;
  }

  return {
    async attach(response, after) {
      if (closed || clients.size >= maxClients) return false;
      const start = after ?? (await options.latestId());
      response.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        // no-transform and X-Accel-Buffering: a proxy must neither compress nor buffer a stream.
        'Cache-Control': 'no-cache, no-transform',
        'X-Accel-Buffering': 'no',
        Connection: 'keep-alive',
      });
      response.socket?.setKeepAlive(true, 30_000);
      response.socket?.setNoDelay(true);
      const client: Client = { response, cursor: start, blocked: false, deadline: null };
      clients.add(client);
      response.once('close', () => drop(client));
      write(client, 'retry: 2000\n\n');
      void poll();
      return true;
    },
    nudge,
    publishTransient(event) {
      if (clients.size === 0) return;
      transient.push(
        `event: ${event.duplicate ? 'duplicate' : 'transient'}\ndata: ${JSON.stringify(event)}\n\n`,
      );
      nudge();
    },
    get clients() {
      return clients.size;
    },
    close() {
      closed = true;
      clearInterval(timer);
      clearInterval(pinger);
      for (const client of [...clients]) {
        clients.delete(client);
        if (client.deadline !== null) clearTimeout(client.deadline);
        client.response.end();
      }
    },
  };
}

/** `data:` is one line: JSON escapes every line break, so a payload cannot end the frame early. */
function frames(rows: LiveEvent[]): string {
  let text = '';
  for (const row of rows) text += `id: ${row.id}\nevent: tracking\ndata: ${JSON.stringify(row)}\n\n`;
  return text;
}
