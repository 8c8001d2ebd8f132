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
 * Messages per set-based statement. A batch travels as ONE JSON parameter read with json_each
 * (as main/db/measurements.ts does): binding thousands of parameters and compiling a Kysely
 * multi-row VALUES per 400 rows cost more than SQLite's own work on a 10,000-message page.
 */
const JSON_CHUNK = 5000;

/** [timestamp, dataset, row, column, value] tuples: the JSON shape the statements below read. */
function tuples(messages: ChangeMessage[]): string {
  return JSON.stringify(messages.map((m) => [m.timestamp, m.dataset, m.row, m.column, m.value]));
}

/**
 * Stores each message's value where it is newer than the cell's; older ones change nothing.
 * Returns how many messages won (SQLite counts an upsert whose WHERE fails as no change; json_each
 * yields the batch in array order, so a batch holding one cell twice merges like a VALUES list).
 * `WHERE true` is SQLite's required disambiguation of INSERT ... SELECT ... ON CONFLICT.
 */
export async function mergeCells(tx: Tx, messages: ChangeMessage[]): Promise<number> {
  let won = 0;
  for (const part of chunks(messages, JSON_CHUNK)) {
    await sql`INSERT INTO sync_fields (dataset, row, "column", timestamp, value)
      SELECT j.value->>1, j.value->>2, j.value->>3, j.value->>0, j.value->>4 FROM json_each(${tuples(part)}) j WHERE true
      ON CONFLICT (dataset, row, "column") DO UPDATE SET timestamp = excluded.timestamp, value = excluded.value
      WHERE excluded.timestamp > sync_fields.timestamp`.execute(tx);
    // The transaction holds the database's only connection: changes() is this statement's count.
    const { rows } = await sql<{ n: number }>`SELECT changes() AS n`.execute(tx);
    won += Number(rows[0]?.n ?? 0);
  }
  return won;
}

/**
 * Adds messages to the shared log; `pushed` 1 for what the hub already has, with the hub user who
 * pushed each (when the hub said). Duplicates are ignored.
 */
export async function recordMessages(tx: Tx, messages: (ChangeMessage & { user?: string })[], pushed: 0 | 1): Promise<void> {
  for (const part of chunks(messages, JSON_CHUNK)) {
    const withUsers = JSON.stringify(part.map((m) => [m.timestamp, m.dataset, m.row, m.column, m.value, m.user ?? null]));
    await sql`INSERT INTO sync_messages (timestamp, dataset, row, "column", value, pushed, user)
      SELECT j.value->>0, j.value->>1, j.value->>2, j.value->>3, j.value->>4, ${pushed}, j.value->>5 FROM json_each(${withUsers}) j WHERE true
      ON CONFLICT (timestamp) ${pushed ? sql`DO UPDATE SET pushed = 1` : sql`DO NOTHING`}`.execute(tx);
  }
}

/** Marks messages as acknowledged by the hub, in one statement per JSON chunk. */
export async function markPushed(tx: Tx, timestamps: string[]): Promise<void> {
  for (const part of chunks(timestamps, JSON_CHUNK * 4)) {
    await sql`UPDATE sync_messages SET pushed = 1 WHERE pushed = 0 AND timestamp IN (SELECT value FROM json_each(${JSON.stringify(part)}))`.execute(tx);
  }
}

/**
 * Which of `timestamps` the shared log already holds, each with its `pushed` flag, as one text
 * per chunk (`timestamp` TAB `pushed`, one per line; a timestamp holds neither): a row object per
 * known message cost more than the lookup when a replica's own messages come back from the hub.
 */
export async function knownTimestamps(tx: Tx, timestamps: string[]): Promise<Map<string, boolean>> {
  const known = new Map<string, boolean>();
  for (const part of chunks(timestamps, JSON_CHUNK * 4)) {
    const { rows } = await sql<{ known: string | null }>`SELECT group_concat(timestamp || char(9) || pushed, char(10)) AS known
      FROM sync_messages WHERE timestamp IN (SELECT value FROM json_each(${JSON.stringify(part)}))`.execute(tx);
    const text = rows[0]?.known;
    if (!text) continue;
    for (const line of text.split('\n')) {
      const tab = line.lastIndexOf('\t');
      known.set(line.slice(0, tab), line.slice(tab + 1) !== '0');
    }
  }
  return known;
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
