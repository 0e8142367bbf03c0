import type { BackupResult } from '../../../operations/backup.js';
import { escapeControls, type Output } from '../../output.js';

export function backupDocument(r: BackupResult): Record<string, unknown> {
  return {
    source: r.source,
    file: r.file,
    replaced: r.replaced,
    bytes: r.bytes,
    pages: r.pages,
    events: r.events,
    replies: r.replies,
    schema_version: r.schemaVersion,
    integrity: 'ok',
    copy_ms: Math.round(r.copyMs),
    verify_ms: Math.round(r.verifyMs),
  };
}

export function renderBackup(out: Output, r: BackupResult): void {
  out.line(
    `${r.replaced ? 'Replaced' : 'Wrote'} ${escapeControls(r.file)} (mode 0600) from ${escapeControls(r.source)}`,
  );
  out.line(
    `  ${formatBytes(r.bytes)}, ${count(r.replies, 'reply', 'replies')}, ${count(r.events, 'event', 'events')}, schema ${r.schemaVersion}`,
  );
  out.line(`  integrity ok; copied in ${Math.round(r.copyMs)} ms, verified in ${Math.round(r.verifyMs)} ms`);
}

const count = (n: number, one: string, many: string) =>
  `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
