/**
 * Remote messages never touch what is private on this laptop (docs/sync.md, "Private records"):
 * an organization whose `sharing` is `private` here, and every site and flow under it. A message
 * for such a record, or one that would move a record under it, is not applied (the caller keeps
 * it aside). A remote `sharing = "private"` is not applied either: only this laptop decides what
 * it keeps to itself, and an honest laptop never sends it (a private record's messages stay home).
 * Decided on the cells as they are before the page, which a page cannot change (its messages to
 * private records are the ones ignored).
 */
import { sql, type Transaction } from 'kysely';
import type { ChangeMessage } from '../../sync/protocol/messages.ts';
import type { Database } from '../db/schema.ts';
import { isSyncedDataset, PARENT } from './datasets.ts';
import { SharingView } from './stage.ts';

type Tx = Transaction<Database>;

/** For each message (same order): why it may not be applied here, or undefined when it may. */
export async function privateReasons(tx: Tx, messages: ChangeMessage[]): Promise<(string | undefined)[]> {
  const reasons: (string | undefined)[] = messages.map((m) =>
    m.dataset === 'organization' && m.column === 'sharing' && m.value === '"private"'
      ? `organization "${m.row}": a remote change to sharing "private" was ignored (only this laptop decides what it keeps private)`
      : undefined,
  );
  // Most laptops keep nothing private: one indexed lookup instead of walking every record's owner.
  const any = await sql<{ one: number }>`SELECT 1 AS one FROM sync_fields WHERE dataset = 'organization' AND "column" = 'sharing' AND value = '"private"' LIMIT 1`.execute(tx);
  if (any.rows.length === 0) return reasons;
  const view = new SharingView(tx);
  await view.prefetch(messages.filter((m) => isSyncedDataset(m.dataset)).map((m) => ({ dataset: m.dataset, row: m.row, reference: PARENT[m.dataset as 'site']?.column === m.column ? m.value : null })));
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    if (reasons[i] !== undefined || !isSyncedDataset(m.dataset)) continue;
    if (!(await view.isShared(m.dataset, m.row))) {
      reasons[i] = `${m.dataset} "${m.row}" is private on this laptop: a remote change to it was ignored`;
      continue;
    }
    const parent = PARENT[m.dataset];
    if (parent && m.column === parent.column) {
      let target: unknown;
      try {
        target = JSON.parse(m.value);
      } catch {
        target = undefined;
      }
      if (typeof target === 'string' && !(await view.isShared(parent.dataset, target))) {
        reasons[i] = `${m.dataset} "${m.row}": a remote change moving it under ${parent.dataset} "${target}", which is private on this laptop, was ignored`;
      }
    }
  }
  return reasons;
}
