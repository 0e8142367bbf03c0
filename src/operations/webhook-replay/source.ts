/** The stored columns a `--from-store` record carries, so filters and reports need not re-parse it. */
export interface StoredEventColumns {
  id: number;
  eventType: string;
  recipient: string | null;
  occurredAt: string;
  replyId: number | null;
  emailId: string | null;
}

/**
 * One thing read from a source: a body to replay, or a record that could not be read. `position` is the
 * line number in a file (where the record starts) or the stored event's id.
 */
export type SourceItem =
  | {
      kind: 'record';
      position: number;
      rawBody: string;
      contentType: string;
      stored: StoredEventColumns | null;
    }
  | { kind: 'malformed'; position: number; message: string };

export interface SourceProgress {
  /** Bytes read (file) or rows read (store). */
  done: number;
  total: number | null;
  unit: 'bytes' | 'events';
}

export interface ReplaySource {
  /** `line` for files, `event` (stored id) for the store: how positions are reported. */
  positionName: 'line' | 'event';
  items: AsyncIterable<SourceItem>;
  progress(): SourceProgress;
}
