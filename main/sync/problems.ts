/**
 * Sync problems: what the sync could not do, per record and kind, in words a user understands
 * (the sync dialog lists them). Kinds (migration 7):
 * - `record`: the record's merged state cannot be applied (invalid, orphaned); retried on every
 *   apply and cleared when the record settles;
 * - `message`: a message for the record was skipped or partly ignored (malformed, unknown field);
 * - `held`: a message ahead of this laptop's clock waits (cleared when it is applied);
 * - `private`: a remote change to a record that is private on this laptop was ignored.
 */
import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { chunks } from './cells.ts';

type Tx = Transaction<Database>;

export type ProblemKind = 'record' | 'message' | 'held' | 'private';

/** Text shown to people: one line, no control characters, not endless. */
export function shown(text: string, max = 120): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f]/g, ' ');
  const cut = flat.length > max ? `${flat.slice(0, max)}...` : flat;
  return (cut as string & { toWellFormed(): string }).toWellFormed();
}

export async function recordProblem(tx: Tx, kind: ProblemKind, dataset: string, row: string, message: string, now: string): Promise<void> {
  const values = { dataset: shown(dataset, 64), row: shown(row, 200), kind, at: now, message: shown(message, 1000) };
  await tx
    .insertInto('sync_problems')
    .values(values)
    .onConflict((oc) => oc.columns(['dataset', 'row', 'kind']).doUpdateSet({ at: now, message: values.message }))
    .execute();
}

// Keys travel as one JSON parameter (json_each): a page can settle thousands of records at once.
const KEYS_PER_STATEMENT = 20_000;

/** Clears the problems of one kind of many records in one statement per 20,000. */
export async function clearProblems(tx: Tx, kind: ProblemKind, records: [dataset: string, row: string][]): Promise<void> {
  for (const part of chunks(records, KEYS_PER_STATEMENT)) {
    await sql`DELETE FROM sync_problems WHERE kind = ${kind} AND (dataset, row) IN (SELECT j.value->>0, j.value->>1 FROM json_each(${JSON.stringify(part)}) j)`.execute(tx);
  }
}

export async function hasProblems(tx: Tx, kind: ProblemKind): Promise<boolean> {
  return (await tx.selectFrom('sync_problems').select('row').where('kind', '=', kind).limit(1).executeTakeFirst()) !== undefined;
}

/** Records with an open problem of a kind (`record` ones are retried on every apply). */
export async function problemRows(tx: Tx, kind: ProblemKind): Promise<{ dataset: string; row: string }[]> {
  return tx.selectFrom('sync_problems').select(['dataset', 'row']).where('kind', '=', kind).execute();
}
