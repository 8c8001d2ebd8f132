/**
 * The last-writer-wins state of every synced field: one cell per (dataset, row, column) holding
 * the newest timestamp seen and its value. Local changes and hub messages both go through
 * `mergeCells`, so whichever order they arrive in, the newest write wins on every replica.
 */
import { sql, type Transaction } from 'kysely';
import type { ChangeMessage } from '../../sync/protocol/messages.ts';
import type { Database } from '../db/schema.ts';

type Tx = Transaction<Database>;

/** Rows per multi-row statement (5 parameters each; far below SQLite's parameter limit). */
const CHUNK = 400;

export function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Stores each message's value where it is newer than the cell's; older ones change nothing.
 * Returns how many messages won (SQLite counts an upsert whose WHERE fails as no change).
 */
export async function mergeCells(tx: Tx, messages: ChangeMessage[]): Promise<number> {
  let won = 0;
  for (const part of chunks(messages)) {
    const [result] = await tx
      .insertInto('sync_fields')
      .values(part.map((m) => ({ dataset: m.dataset, row: m.row, column: m.column, timestamp: m.timestamp, value: m.value })))
      .onConflict((oc) =>
        oc
          .columns(['dataset', 'row', 'column'])
          .doUpdateSet({ timestamp: sql`excluded.timestamp`, value: sql`excluded.value` })
          .where(sql<boolean>`excluded.timestamp > sync_fields.timestamp`),
      )
      .execute();
    won += Number(result?.numInsertedOrUpdatedRows ?? 0);
  }
  return won;
}

/** Adds messages to the shared log; `pushed` 1 for what the hub already has. Duplicates are ignored. */
export async function recordMessages(tx: Tx, messages: ChangeMessage[], pushed: 0 | 1): Promise<void> {
  for (const part of chunks(messages)) {
    await tx
      .insertInto('sync_messages')
      .values(part.map((m) => ({ ...m, pushed })))
      .onConflict((oc) => (pushed ? oc.column('timestamp').doUpdateSet({ pushed: 1 }) : oc.column('timestamp').doNothing()))
      .execute();
  }
}

export interface Cell {
  column: string;
  timestamp: string;
  value: string;
}

export async function readRow(tx: Tx, dataset: string, row: string): Promise<Cell[]> {
  return tx.selectFrom('sync_fields').select(['column', 'timestamp', 'value']).where('dataset', '=', dataset).where('row', '=', row).execute();
}

export async function readCell(tx: Tx, dataset: string, row: string, column: string): Promise<Cell | undefined> {
  return tx
    .selectFrom('sync_fields')
    .select(['column', 'timestamp', 'value'])
    .where('dataset', '=', dataset)
    .where('row', '=', row)
    .where('column', '=', column)
    .executeTakeFirst();
}

/** Rows of `dataset` whose `column` refers to `id` (children, materialised or not). */
export async function rowsReferring(tx: Tx, dataset: string, column: string, id: string): Promise<string[]> {
  const rows = await tx
    .selectFrom('sync_fields')
    .select('row')
    .where('dataset', '=', dataset)
    .where('column', '=', column)
    .where('value', '=', JSON.stringify(id))
    .execute();
  return rows.map((r) => r.row);
}
