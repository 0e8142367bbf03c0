import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createOutput } from '../../src/cli/output.js';
import { renderServeEvent, serveEventRecords } from '../../src/cli/commands/webhook/serve/render.js';
import type { RequestRecord } from '../../src/webhook/server.js';

const stored: RequestRecord = {
  method: 'POST',
  path: '/api/webhooks/smtp2go/events',
  status: 200,
  ms: 1.8,
  error: null,
  auth: 'bearer',
  remoteAddress: '127.0.0.1',
  events: [
    { type: 'delivered', replyId: 12, recipient: 'john@example.com', duplicate: false, conflict: false },
    { type: 'open', replyId: null, recipient: null, duplicate: true, conflict: false },
    { type: 'bounce', replyId: 12, recipient: 'john@example.com', duplicate: false, conflict: true },
  ],
};
const refused: RequestRecord = {
  ...stored,
  status: 401,
  ms: 0.4,
  events: [],
  error: 'no credentials',
  auth: null,
};

function capture(): { output: ReturnType<typeof createOutput>; text: () => string } {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { output: createOutput({ stdout, stderr: new PassThrough() }, false), text: () => text };
}

describe('webhook serve output', () => {
  it('NDJSON: one record per event, or one with event null for a refused request', () => {
    expect(serveEventRecords(stored)).toEqual([
      {
        type: 'event',
        status: 200,
        ms: 1.8,
        event: 'delivered',
        reply_id: 12,
        recipient: 'john@example.com',
        duplicate: false,
        conflict: false,
        error: null,
      },
      {
        type: 'event',
        status: 200,
        ms: 1.8,
        event: 'open',
        reply_id: null,
        recipient: null,
        duplicate: true,
        conflict: false,
        error: null,
      },
      {
        type: 'event',
        status: 200,
        ms: 1.8,
        event: 'bounce',
        reply_id: 12,
        recipient: 'john@example.com',
        duplicate: false,
        conflict: true,
        error: null,
      },
    ]);
    expect(serveEventRecords(refused)).toEqual([
      {
        type: 'event',
        status: 401,
        ms: 0.4,
        event: null,
        reply_id: null,
        recipient: null,
        duplicate: false,
        conflict: false,
        error: 'no credentials',
      },
    ]);
  });

  it('human: one line per event with time, status, type, reply, recipient and duration', () => {
    const { output, text } = capture();
    const at = new Date('2026-09-10T09:00:01Z');
    renderServeEvent(output, stored, at);
    renderServeEvent(output, refused, at);
    renderServeEvent(output, { ...stored, status: 503, events: [stored.events[0]!] }, at);
    expect(text().split('\n')).toEqual([
      '09:00:01 200 delivered   reply 12 john@example.com 1.8 ms',
      '09:00:01 200 open        unlinked (no recipient) duplicate 1.8 ms',
      '09:00:01 200 bounce      reply 12 john@example.com conflict, stored apart 1.8 ms',
      '09:00:01 401 POST /api/webhooks/smtp2go/events — no credentials 0.4 ms',
      '09:00:01 503 delivered   reply 12 john@example.com not stored, SMTP2Go will retry 1.8 ms',
      '',
    ]);
  });
});
