import type { Store } from '../store/open-store.js';

export type OrphanLinker = (db: Store, replyId: number) => unknown;

// src/store/ingest-events.ts (issue 4, the webhook listener's store) is written in parallel with send-test.
// It is loaded by path so send-test builds and runs before it lands, and links orphans as soon as it does.
// Replace this with a static import once that module is committed.
const INGEST_MODULE = '../store/ingest-events.js';

/** `linkOrphanEvents` from the listener's store module, or undefined while that module does not exist. */
export async function loadOrphanLinker(specifier: string = INGEST_MODULE): Promise<OrphanLinker | undefined> {
  let module: { linkOrphanEvents?: unknown };
  try {
    module = (await import(specifier)) as { linkOrphanEvents?: unknown };
  } catch (error) {
    if (isMissingModule(error, specifier)) return undefined;
    throw error;
  }
  return typeof module.linkOrphanEvents === 'function' ? (module.linkOrphanEvents as OrphanLinker) : undefined;
}

function isMissingModule(error: unknown, specifier: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : '';
  const name = specifier.replace(/^.*\//, '').replace(/\.js$/, '');
  return (code === 'ERR_MODULE_NOT_FOUND' || /Failed to load url|Cannot find module/i.test(message)) && message.includes(name);
}
