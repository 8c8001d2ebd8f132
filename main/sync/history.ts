/**
 * The history of one record: every change the local log holds for it, local and remote, newest
 * first, with who made it (the replica's signed-in user) and the fields it set.
 */
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';

export interface HistoryEntry {
  seq: number;
  /** When the change was written on this laptop (ISO time). */
  at: string;
  /** The change's clock (HLC); its time is when it was made on the replica it came from. */
  hlc: string | null;
  actor: string;
  origin: 'local' | 'remote';
  op: 'upsert' | 'delete';
  /** Field -> new value (null = removed); empty for a delete. */
  fields: Record<string, unknown>;
}

export async function recordHistory(tx: Transaction<Database>, entity: string, id: string, limit = 200): Promise<HistoryEntry[]> {
  const rows = await tx
    .selectFrom('change_log')
    .select(['seq', 'at', 'hlc', 'actor', 'origin', 'op', 'fields'])
    .where('entity', '=', entity)
    .where('entity_id', '=', id)
    .orderBy('seq', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    seq: r.seq,
    at: r.at,
    hlc: r.hlc,
    actor: r.actor ?? 'local user',
    origin: r.origin,
    op: r.op,
    fields: r.fields ? (JSON.parse(r.fields) as Record<string, unknown>) : {},
  }));
}
