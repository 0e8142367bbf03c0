import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadOrphanLinker } from '../../src/operations/orphan-linker.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { useSendHarness } from './send-test-harness.js';

const tempDir = useTempDir();
const setup = useSendHarness();

describe('loadOrphanLinker', () => {
  it('returns the exported linkOrphanEvents, or undefined when the module is missing', async () => {
    const dir = tempDir();
    const present = join(dir, 'ingest-events.mjs');
    writeFileSync(present, 'export function linkOrphanEvents(db, replyId) { return replyId * 2; }\n');
    const link = await loadOrphanLinker(pathToFileURL(present).href);
    expect(link?.({} as never, 21)).toBe(42);
    expect(await loadOrphanLinker(pathToFileURL(join(dir, 'ingest-events.js')).href)).toBeUndefined();
  });

  it('does not hide a module that exists but fails to load', async () => {
    const broken = join(tempDir(), 'ingest-events.mjs');
    writeFileSync(broken, 'throw new Error("boom at import");\n');
    await expect(loadOrphanLinker(pathToFileURL(broken).href)).rejects.toThrow(/boom at import/);
  });
});

describe('linking early events during send-test', () => {
  it('a linker that throws does not fail an accepted send; it becomes a warning', async () => {
    const h = await setup({ api: [{ status: 200, fixture: 'send-ok.json' }] });
    const warnings: string[] = [];
    const { result, error } = await h.send({}, {
      linkOrphanEvents: () => {
        throw new Error('database is locked');
      },
      onProgress: (event) => {
        if (event.type === 'warning') warnings.push(event.message);
      },
    });
    expect(error).toBeNull();
    expect(result.transport).toBe('api');
    expect(warnings).toEqual([`could not link early webhook events to reply ${result.reply_id}: database is locked`]);
    expect(h.reply(result.reply_id).smtp2go_email_id).toBe('1u0SwL-B9zBpi9ffUq-JAB2');
  });
});

const ingestModuleExists = existsSync(new URL('../../src/store/ingest-events.ts', import.meta.url));

describe('with the real store/ingest-events module', () => {
  it.skipIf(!ingestModuleExists)('an event stored before the send knew its email id is linked to the reply', async () => {
    const h = await setup({ api: [{ status: 200, fixture: 'send-ok.json' }] });
    h.db
      .prepare(
        `INSERT INTO email_tracking_events (dedupe_key, smtp2go_email_id, event_type, raw_type, recipient, occurred_at, received_at, raw_body, payload)
         VALUES ('early-1', '1u0SwL-B9zBpi9ffUq-JAB2', 'processed', 'processed', 'john@example.com', '2026-11-24T10:00:01.000Z', '2026-11-24T10:00:01.000Z', '{}', '{}')`,
      )
      .run();
    const { result } = await h.send({});
    expect(h.db.prepare(`SELECT reply_id FROM email_tracking_events WHERE dedupe_key = 'early-1'`).get()).toEqual({ reply_id: result.reply_id });
  });
});
