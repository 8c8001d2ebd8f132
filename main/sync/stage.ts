/**
 * Staging: turns local change-log entries into change messages. Every field of a synced record
 * enters the last-writer-wins cells (so a hub message that is older than an unshipped local edit
 * loses against it); only records of shared organizations (sharing partners or public, the
 * default) enter the outbox. A private organization and everything under it never leave the
 * laptop; when it becomes shared (or a site or flow moves under a shared organization), its whole
 * current state is queued then.
 */
import { sql, type Transaction } from 'kysely';
import { loadNode, saveClock, tickAfter, type NodeState } from '../db/change-log.ts';
import { parseTimestamp } from '../../sync/protocol/hlc.ts';
import type { Database } from '../db/schema.ts';
import { TOMBSTONE_COLUMN, type ChangeMessage } from '../../sync/protocol/messages.ts';
import { chunks, mergeCells, readCell, recordMessages } from './cells.ts';
import { CHILD, isPrivate, isSyncedDataset, PARENT, type SyncedDataset } from './datasets.ts';

type Tx = Transaction<Database>;

const ENTRIES_PER_PASS = 2000;

/** Messages of one logged change: one per field (sorted, consecutive ticks) or one tombstone. */
export function messagesOfEntry(entry: { entity: string; entity_id: string; op: string; fields: string | null; hlc: string }): ChangeMessage[] {
  const base = { dataset: entry.entity, row: entry.entity_id };
  if (entry.op === 'delete') return [{ ...base, timestamp: entry.hlc, column: TOMBSTONE_COLUMN, value: 'true' }];
  const fields = JSON.parse(entry.fields ?? '{}') as Record<string, unknown>;
  const columns = Object.keys(fields).sort();
  const stamps = consecutiveStamps(entry.hlc, columns.length);
  return columns.map((column, i) => ({ ...base, timestamp: stamps[i]!, column, value: JSON.stringify(fields[column] ?? null) }));
}

/**
 * The same stamps as `fieldStamps` (change-log.ts: consecutive ticks from `hlc`), with the
 * timestamp parsed once per entry instead of once per field: staging 100,000 fields spent more
 * time parsing and formatting clocks than writing them. While the counter does not carry into the
 * next millisecond only the counter digits change; otherwise `tickAfter` does it.
 */
function consecutiveStamps(hlc: string, count: number): string[] {
  if (count === 0) return [];
  const out = [hlc];
  if (count === 1) return out;
  const { millis, counter, node } = parseTimestamp(hlc);
  const prefix = `${new Date(millis).toISOString()}-`;
  for (let i = 1; i < count; i++) {
    const total = counter + i;
    out.push(total < 0x10000 ? `${prefix}${total.toString(16).toUpperCase().padStart(4, '0')}-${node}` : tickAfter(hlc, i));
  }
  return out;
}

/**
 * Who a record belongs to, as far as sharing is concerned, read from the cells and kept current
 * while a pass stages entries (the cells themselves are written at the end of each pass).
 */
class SharingView {
  readonly #tx: Tx;
  readonly #cells = new Map<string, string | undefined>();
  constructor(tx: Tx) {
    this.#tx = tx;
  }

  async #cell(dataset: string, row: string, column: string): Promise<string | undefined> {
    const key = `${dataset}\u0000${row}\u0000${column}`;
    if (!this.#cells.has(key)) this.#cells.set(key, (await readCell(this.#tx, dataset, row, column))?.value);
    return this.#cells.get(key);
  }

  /**
   * Loads the sharing-relevant cells of many records in a few queries (a pass stages up to
   * thousands of entries; one query per record would dominate staging time).
   */
  async prefetch(records: { dataset: string; row: string }[]): Promise<void> {
    const byDataset = new Map<string, string[]>();
    for (const r of records) {
      if (!byDataset.has(r.dataset)) byDataset.set(r.dataset, []);
      byDataset.get(r.dataset)!.push(r.row);
    }
    for (const [dataset, rows] of byDataset) {
      const column = dataset === 'organization' ? 'sharing' : dataset === 'site' ? 'organization_id' : dataset === 'flow' ? 'site_id' : undefined;
      if (!column) continue;
      const missing = [...new Set(rows)].filter((row) => !this.#cells.has(`${dataset}\u0000${row}\u0000${column}`));
      for (const part of chunks(missing, 500)) {
        for (const row of part) this.#cells.set(`${dataset}\u0000${row}\u0000${column}`, undefined);
        const found = await this.#tx
          .selectFrom('sync_fields')
          .select(['row', 'value'])
          .where('dataset', '=', dataset)
          .where('column', '=', column)
          .where('row', 'in', part)
          .execute();
        for (const f of found) this.#cells.set(`${dataset}\u0000${f.row}\u0000${column}`, f.value);
      }
    }
  }

  /** Records the value a staged message sets (staging runs in log order, so it is the newest). */
  note(message: ChangeMessage): void {
    if (['sharing', 'organization_id', 'site_id'].includes(message.column)) {
      this.#cells.set(`${message.dataset}\u0000${message.row}\u0000${message.column}`, message.value);
    }
  }

  /** The organization a record belongs to (itself for an organization). */
  async organizationOf(dataset: SyncedDataset, row: string): Promise<string | undefined> {
    let current: { dataset: SyncedDataset; row: string } = { dataset, row };
    while (current.dataset !== 'organization') {
      const parent = PARENT[current.dataset]!;
      const value = await this.#cell(current.dataset, current.row, parent.column);
      if (value === undefined || value === 'null') return undefined;
      current = { dataset: parent.dataset, row: JSON.parse(value) as string };
    }
    return current.row;
  }

  async isShared(dataset: SyncedDataset, row: string): Promise<boolean> {
    const org = await this.organizationOf(dataset, row);
    if (org === undefined) return true; // no known owner: nothing says it is private
    const sharing = await this.#cell('organization', org, 'sharing');
    return !isPrivate(sharing === undefined ? undefined : (JSON.parse(sharing) as string | undefined) ?? undefined);
  }
}

/** Queues the current state of a record and everything under it (it has just become shared). */
async function publishSubtree(tx: Tx, dataset: SyncedDataset, row: string): Promise<void> {
  await sql`INSERT INTO sync_messages (timestamp, dataset, row, "column", value, pushed)
            SELECT timestamp, dataset, row, "column", value, 0 FROM sync_fields WHERE dataset = ${dataset} AND row = ${row}
            ON CONFLICT (timestamp) DO NOTHING`.execute(tx);
  const child = CHILD[dataset];
  if (!child) return;
  const { rows } = await sql<{ row: string }>`SELECT row FROM sync_fields
      WHERE dataset = ${child.dataset} AND "column" = ${child.column} AND value = ${JSON.stringify(row)}`.execute(tx);
  for (const r of rows) await publishSubtree(tx, child.dataset, r.row);
}

/** Whether a staged change can move a subtree from private to shared. */
function mayPublish(message: ChangeMessage): boolean {
  return (
    (message.dataset === 'organization' && message.column === 'sharing') ||
    (message.dataset === 'site' && message.column === 'organization_id') ||
    (message.dataset === 'flow' && message.column === 'site_id')
  );
}

/**
 * Stages every local change-log entry not staged yet (`shipped = 0`), in log order, inside the
 * caller's transaction. Returns how many entries were staged.
 */
export async function stageLocalChanges(tx: Tx): Promise<number> {
  let staged = 0;
  let node: NodeState | undefined;
  const sharing = new SharingView(tx);
  for (;;) {
    const entries = await tx
      .selectFrom('change_log')
      .select(['seq', 'entity', 'entity_id', 'op', 'fields', 'hlc'])
      .where('shipped', '=', 0)
      .where('origin', '=', 'local')
      .orderBy('seq')
      .limit(ENTRIES_PER_PASS)
      .execute();
    if (entries.length === 0) break;
    const cells: ChangeMessage[] = [];
    const outbox: ChangeMessage[] = [];
    const publish: { dataset: SyncedDataset; row: string }[] = [];
    await sharing.prefetch(entries.map((e) => ({ dataset: e.entity, row: e.entity_id })));
    for (const entry of entries) {
      if (!isSyncedDataset(entry.entity)) continue;
      let hlc = entry.hlc;
      if (hlc === null) {
        // Written before migration 5: stamped now, in log order.
        node ??= await loadNode(tx);
        hlc = node.clock.send();
        await tx.updateTable('change_log').set({ hlc }).where('seq', '=', entry.seq).execute();
      }
      const messages = messagesOfEntry({ ...entry, hlc });
      // A subtree is published when this change makes it shared (not when it was shared anyway).
      const moves = messages.some(mayPublish);
      const wasShared = moves ? await sharing.isShared(entry.entity, entry.entity_id) : true;
      for (const m of messages) sharing.note(m);
      cells.push(...messages);
      if (await sharing.isShared(entry.entity, entry.entity_id)) {
        outbox.push(...messages);
        if (!wasShared) publish.push({ dataset: entry.entity, row: entry.entity_id });
      }
    }
    await mergeCells(tx, cells);
    await recordMessages(tx, outbox, 0);
    for (const p of publish) await publishSubtree(tx, p.dataset, p.row);
    const last = entries[entries.length - 1]!.seq;
    await tx.updateTable('change_log').set({ shipped: 1 }).where('shipped', '=', 0).where('origin', '=', 'local').where('seq', '<=', last).execute();
    staged += entries.length;
  }
  if (node) await saveClock(tx, node);
  return staged;
}
