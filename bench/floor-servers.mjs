#!/usr/bin/env node
// The servers the webhook benchmark measures the listener against, each the least that some guarantee
// costs, so a ratio to the bare server can be read as "what is the code" versus "what is the guarantee":
//
//   node bench/floor-servers.mjs bare               reads the body, answers 200 (the baseline, and
//                                                   the sink `bench/replay.mjs` replays into)
//   node bench/floor-servers.mjs fsync <dir>        ... after appending the body to a file and fdatasync:
//                                                   the least any acknowledge-after-durable server pays
//   node bench/floor-servers.mjs sqlite <dir>       ... after one INSERT of the raw body into a one-table
//                                                   SQLite store in WAL mode with synchronous=FULL: the
//                                                   least the issue's own durability rule allows
//   node bench/floor-servers.mjs postgres <url>     ... after one INSERT of the batch's bodies into a one-table
//                                                   PostgreSQL database, committed on its own (one round
//                                                   trip, synchronous_commit on): the least a PostgreSQL
//                                                   store's acknowledgement costs
//
// Both durable floors group-commit exactly as the listener does: whatever arrives while a commit is
// running waits and goes into the next one, and nobody is answered before their commit. They do no
// authentication, parsing, dedupe or correlation, so the listener can only be slower than its floor.
// The SQLite floor commits on a worker thread, as the listener does, so the event loop keeps reading
// requests during a commit (on the event loop it took the same events/s within the noise, 2026-12-01,
// but a worse p99 at a fixed rate).
import { randomBytes } from 'node:crypto';
import { fdatasync, openSync, write } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import pg from 'pg';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

// The listener's answer for one stored event, so clients (and `webhook replay`) read the same shape.
const ANSWER = '{"status":"ok","stored":1,"duplicates":0,"unlinked":0}';

function answer(response) {
  response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': ANSWER.length });
  response.end(ANSWER);
}

/** Group commit: `commit(batch, done)` runs for one batch at a time; requests that arrive meanwhile queue. */
function groupCommitter(commit) {
  let queue = [];
  let busy = false;
  const flush = () => {
    if (busy || queue.length === 0) return;
    busy = true;
    const batch = queue;
    queue = [];
    commit(
      batch.map((job) => job.body),
      () => {
        for (const job of batch) answer(job.response);
        busy = false;
        // The next commit starts on a later turn, so requests read meanwhile join it.
        setImmediate(flush);
      },
    );
  };
  return (body, response) => {
    queue.push({ body, response });
    setImmediate(flush);
  };
}

function fsyncCommit(dir) {
  const fd = openSync(join(dir, 'floor-journal.log'), 'a');
  return (bodies, done) => {
    const buffer = Buffer.concat(bodies.flatMap((body) => [body, Buffer.from('\n')]));
    write(fd, buffer, 0, buffer.length, null, (error) => {
      if (error) throw error;
      fdatasync(fd, (syncError) => {
        if (syncError) throw syncError;
        done();
      });
    });
  };
}

/** The SQLite floor's commits run on a worker thread, as the listener's do, so the event loop keeps reading. */
function sqliteCommit(dir) {
  const worker = new Worker(new URL(import.meta.url), { workerData: { dir } });
  worker.on('error', (error) => {
    throw error;
  });
  let pending = null;
  worker.on('message', () => {
    const done = pending;
    pending = null;
    done();
  });
  return (bodies, done) => {
    pending = done;
    worker.postMessage(bodies);
  };
}

function sqliteCommitThread({ dir }) {
  // better-sqlite3 from this project's dependencies, whatever the working directory.
  const Database = createRequire(import.meta.url)('better-sqlite3');
  const db = new Database(join(dir, 'floor.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  // The listener's layout in miniature: rows appended by rowid, found by a unique index over a random
  // 32-hex key, as the dedupe rule needs for notification ids. (Measured on 2026-12-01, this is the
  // faster of the two obvious layouts: a WITHOUT ROWID table keyed by the id took 20-35% fewer events/s.)
  db.exec(
    'CREATE TABLE IF NOT EXISTS events (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, body BLOB NOT NULL)',
  );
  const insert = db.prepare('INSERT INTO events (id, body) VALUES (?, ?)');
  const commitAll = db.transaction((bodies) => {
    for (const body of bodies) insert.run(randomBytes(16).toString('hex'), body);
  });
  // Checkpointed as the listener's commit thread does (src/webhook/commit/commit-thread-main.ts): after answering,
  // about every 300 WAL pages, which is some 250 events here (one table page per few rows, one index page).
  let sinceCheckpoint = 0;
  parentPort.on('message', (bodies) => {
    commitAll(bodies);
    parentPort.postMessage(bodies.length);
    sinceCheckpoint += bodies.length;
    if (sinceCheckpoint >= 250) {
      sinceCheckpoint = 0;
      db.pragma('wal_checkpoint(PASSIVE)');
    }
  });
}

/**
 * The PostgreSQL floor: the same one-table layout as the SQLite floor (random 32-hex unique key), and the
 * whole batch in one INSERT that commits on its own: one round trip and one WAL flush per batch. pg is
 * asynchronous, so no thread is needed to keep the event loop reading.
 */
async function postgresCommit(url) {
  const client = new pg.Client({ connectionString: url });
  client.on('error', (error) => {
    throw error;
  });
  await client.connect();
  await client.query('SET synchronous_commit = on');
  await client.query(
    `CREATE TABLE IF NOT EXISTS floor_events (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
       key TEXT COLLATE "C" NOT NULL UNIQUE, body TEXT NOT NULL)`,
  );
  return (bodies, done) => {
    const keys = bodies.map(() => randomBytes(16).toString('hex'));
    client
      .query({
        name: 'floor-insert',
        text: 'INSERT INTO floor_events (key, body) SELECT * FROM unnest($1::text[], $2::text[])',
        values: [keys, bodies.map((body) => body.toString())],
      })
      .then(done, (error) => {
        throw error;
      });
  };
}

async function serve(kind, dir) {
  const commits = { bare: null, fsync: fsyncCommit, sqlite: sqliteCommit, postgres: postgresCommit };
  if (!(kind in commits) || (kind !== 'bare' && !dir)) {
    console.error('usage: node bench/floor-servers.mjs bare | fsync <dir> | sqlite <dir> | postgres <url>');
    process.exit(2);
  }
  const enqueue = kind === 'bare' ? null : groupCommitter(await commits[kind](dir));
  const server = createServer({ keepAliveTimeout: 30_000 }, (request, response) => {
    if (enqueue === null) {
      request.on('data', () => {});
      request.on('end', () => answer(response));
      return;
    }
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => enqueue(Buffer.concat(chunks), response));
  });
  server.listen(0, '127.0.0.1', () => {
    console.log(
      JSON.stringify({
        type: 'ready',
        url: `http://127.0.0.1:${server.address().port}/api/webhooks/smtp2go/events`,
      }),
    );
  });
  process.once('SIGTERM', () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  });
}

if (isMainThread) await serve(...process.argv.slice(2));
else sqliteCommitThread(workerData);
