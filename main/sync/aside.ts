/**
 * Received messages kept aside instead of applied (table `sync_aside`, migration 7):
 * - `held`: stamped more than MAX_AHEAD_MS ahead of this laptop's clock. Applying it would let one
 *   wrong clock win every later correction (an edit made after it gets an earlier stamp). It is
 *   in the shared log (the hub has it) but not in the cells, and applied by the first apply at
 *   which this clock has caught up with it.
 * - `private`: a remote change to a record that is private on this laptop; never applied.
 * - `refused`: not a valid change message (only its timestamp and record are kept).
 * `private` and `refused` ones are not in the shared log, but they are in the hub's merkle trie,
 * so the replica's trie counts them too (replica.ts).
 */
import { sql, type Transaction } from 'kysely';
import { DEFAULT_MAX_DRIFT_MS } from '../../sync/protocol/hlc.ts';
import type { PulledMessage } from '../../sync/protocol/messages.ts';
import type { Database } from '../db/schema.ts';
import { chunks } from './cells.ts';

type Tx = Transaction<Database>;

/** How far ahead of this clock a message may be and still be applied (the hub's limit too). */
export const MAX_AHEAD_MS = DEFAULT_MAX_DRIFT_MS;

export type AsideKind = 'held' | 'private' | 'refused';

/** The ISO time text up to which timestamps may be applied now (compare with a timestamp's first 24 characters). */
export function horizonOf(nowMs: number): string {
  return new Date(nowMs + MAX_AHEAD_MS).toISOString();
}

export function isAhead(timestamp: string, horizon: string): boolean {
  return timestamp.slice(0, 24) > horizon;
}

export async function putAside(tx: Tx, kind: AsideKind, messages: { timestamp: string; dataset: string; row: string; column: string; value?: string | null; user?: string }[]): Promise<void> {
  for (const part of chunks(messages, 500)) {
    await tx
      .insertInto('sync_aside')
      .values(part.map((m) => ({ timestamp: m.timestamp, dataset: m.dataset, row: m.row, column: m.column, value: m.value ?? null, user: m.user ?? null, kind })))
      .onConflict((oc) => oc.column('timestamp').doNothing())
      .execute();
  }
}

/** Which of `timestamps` are aside already (a page read again after a merkle repair). */
export async function knownAside(tx: Tx, timestamps: string[]): Promise<Set<string>> {
  const known = new Set<string>();
  for (const part of chunks(timestamps, 20_000)) {
    const { rows } = await sql<{ timestamp: string }>`SELECT timestamp FROM sync_aside WHERE timestamp IN (SELECT value FROM json_each(${JSON.stringify(part)}))`.execute(tx);
    for (const r of rows) known.add(r.timestamp);
  }
  return known;
}

/**
 * Every timestamp whose time is at or before `horizon` sorts before this text ('~' sorts after
 * every character a timestamp has after its time), so the index on (kind, timestamp) finds them.
 */
const upTo = (horizon: string) => `${horizon}~`;

/** Whether any held message is due (one indexed lookup; a round checks it even without a page). */
export async function anyDue(tx: Tx, horizon: string): Promise<boolean> {
  const row = await tx.selectFrom('sync_aside').select('timestamp').where('kind', '=', 'held').where('timestamp', '<', upTo(horizon)).limit(1).executeTakeFirst();
  return row !== undefined;
}

/** Held messages this clock has caught up with: taken out of the table, to be applied now. */
export async function takeDue(tx: Tx, horizon: string): Promise<PulledMessage[]> {
  const rows = await tx
    .selectFrom('sync_aside')
    .select(['timestamp', 'dataset', 'row', 'column', 'value', 'user'])
    .where('kind', '=', 'held')
    .where('timestamp', '<', upTo(horizon))
    .orderBy('timestamp')
    .execute();
  if (rows.length === 0) return [];
  await tx.deleteFrom('sync_aside').where('kind', '=', 'held').where('timestamp', '<', upTo(horizon)).execute();
  return rows.map((r) => ({ timestamp: r.timestamp, dataset: r.dataset, row: r.row, column: r.column, value: r.value ?? 'null', ...(r.user ? { user: r.user } : {}) }));
}

/** Records that still have held messages (their `held` problem stays). */
export async function stillHeld(tx: Tx, records: [dataset: string, row: string][]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const part of chunks(records, 20_000)) {
    const { rows } = await sql<{ dataset: string; row: string }>`SELECT DISTINCT dataset, row FROM sync_aside WHERE kind = 'held'
      AND (dataset, row) IN (SELECT j.value->>0, j.value->>1 FROM json_each(${JSON.stringify(part)}) j)`.execute(tx);
    for (const r of rows) out.add(`${r.dataset}\u0000${r.row}`);
  }
  return out;
}

export async function countAside(tx: Tx, kind: AsideKind): Promise<number> {
  const { n } = await tx
    .selectFrom('sync_aside')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('kind', '=', kind)
    .executeTakeFirstOrThrow();
  return Number(n);
}
