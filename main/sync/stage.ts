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
import { isTimestamp, MAX_COUNTER, parseTimestamp } from '../../sync/protocol/hlc.ts';
import type { Database } from '../db/schema.ts';
import { TOMBSTONE_COLUMN, type ChangeMessage } from '../../sync/protocol/messages.ts';
import { chunks, mergeCells, readCell, recordMessages } from './cells.ts';
import { CHILD, isPrivate, isSyncedDataset, PARENT, SYNCED_DATASETS, type SyncedDataset } from './datasets.ts';

type Tx = Transaction<Database>;

const ENTRIES_PER_PASS = 5000;

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
export class SharingView {
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
   * Loads the sharing-relevant cells of many records, and of their parents up to the
   * organization, in a few queries (a pass stages thousands of entries; one query per record
   * would dominate staging time). `reference`: the JSON text of the parent reference (or sharing)
   * the entry itself sets, whose parent is then needed as well.
   */
  async prefetch(records: { dataset: string; row: string; reference?: string | null }[]): Promise<void> {
    let level = records;
    for (let depth = 0; depth < SYNCED_DATASETS.length && level.length > 0; depth++) {
      const byDataset = new Map<SyncedDataset, Set<string>>();
      for (const r of level) {
        if (!isSyncedDataset(r.dataset)) continue;
        if (!byDataset.has(r.dataset)) byDataset.set(r.dataset, new Set());
        byDataset.get(r.dataset)!.add(r.row);
      }
      for (const [dataset, rows] of byDataset) {
        const column = REFERENCE[dataset];
        const missing = [...rows].filter((row) => !this.#cells.has(`${dataset}\u0000${row}\u0000${column}`));
        for (const part of chunks(missing, 20_000)) {
          for (const row of part) this.#cells.set(`${dataset}\u0000${row}\u0000${column}`, undefined);
          const { rows: found } = await sql<{ row: string; value: string }>`SELECT row, value FROM sync_fields
            WHERE dataset = ${dataset} AND "column" = ${column} AND row IN (SELECT value FROM json_each(${JSON.stringify(part)}))`.execute(this.#tx);
          for (const f of found) this.#cells.set(`${dataset}\u0000${f.row}\u0000${column}`, f.value);
        }
      }
      // The parents these records name, in their cells or in the entry being staged.
      const parents: { dataset: string; row: string }[] = [];
      for (const r of level) {
        if (!isSyncedDataset(r.dataset)) continue;
        const parent = PARENT[r.dataset];
        if (!parent) continue;
        for (const value of [this.#cells.get(`${r.dataset}\u0000${r.row}\u0000${parent.column}`), r.reference]) {
          const id = idOf(value);
          if (id !== undefined) parents.push({ dataset: parent.dataset, row: id });
        }
      }
      level = parents;
    }
  }

  /** Records the value a staged message sets (staging runs in log order, so it is the newest). */
  note(dataset: string, row: string, column: string, value: string): void {
    if (column === 'sharing' || column === 'organization_id' || column === 'site_id') {
      this.#cells.set(`${dataset}\u0000${row}\u0000${column}`, value);
    }
  }

  /** The organization a record belongs to (itself for an organization). */
  async organizationOf(dataset: SyncedDataset, row: string): Promise<string | undefined> {
    let current: { dataset: SyncedDataset; row: string } = { dataset, row };
    while (current.dataset !== 'organization') {
      const parent = PARENT[current.dataset]!;
      const id = idOf(await this.#cell(current.dataset, current.row, parent.column));
      if (id === undefined) return undefined;
      current = { dataset: parent.dataset, row: id };
    }
    return current.row;
  }

  async isShared(dataset: SyncedDataset, row: string): Promise<boolean> {
    const org = await this.organizationOf(dataset, row);
    if (org === undefined) return true; // no known owner: nothing says it is private
    const sharing = idOf(await this.#cell('organization', org, 'sharing'));
    return !isPrivate(sharing);
  }
}

/**
 * The id (or sharing level) a reference cell holds, or undefined when it holds none. Cells may hold
 * anything another replica wrote (the hub relays values without interpreting them): only a string
 * of sane length is an id.
 */
function idOf(value: string | null | undefined): string | undefined {
  if (value === undefined || value === null || value.length > 1000 || value[0] !== '"') return undefined;
  try {
    const id = JSON.parse(value) as unknown;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The column of each dataset that decides where a record belongs for sharing: an organization's
 * `sharing`, a site's organization, a flow's site. A staged change that sets it may move a subtree
 * from private to shared (then the subtree is published).
 */
const REFERENCE: Record<SyncedDataset, string> = { organization: 'sharing', site: 'organization_id', flow: 'site_id' };

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
 * One unstaged change-log entry as the decisions need it, without its fields: `keys` = how many
 * fields an upsert sets (-1 when its fields are not a JSON object of plain field names: staged
 * the JS way), `reference` = the JSON text of its sharing-relevant field when it sets it.
 */
type EntryHead = [seq: number, entity: string, entity_id: string, op: string, hlc: string | null, keys: number | null, reference: string | null];

const SYNCED_SQL = sql.join(SYNCED_DATASETS.map((d) => sql.lit(d)));

/**
 * The change messages of the staged entries `first..last` (log order), computed by SQLite from
 * `change_log` itself: one per field (sorted by name, the counter of `hlc` plus the field's rank,
 * the field's JSON text exactly as it is in the entry, which is what JSON.stringify gives back)
 * or one tombstone. `except`: entries staged the JS way or (for the outbox) kept private. Same
 * messages as `messagesOfEntry` for the entries it takes: those with a parseable HLC whose
 * counter does not carry into the next millisecond and whose field names are plain identifiers
 * (byte order and JavaScript's sort agree on them); the others are staged in JS.
 */
function stagedMessages(first: number, last: number, except: number[]) {
  const entries = sql`c.seq BETWEEN ${first} AND ${last} AND c.shipped = 0 AND c.origin = 'local' AND c.entity IN (${SYNCED_SQL})
    AND c.seq NOT IN (SELECT value FROM json_each(${JSON.stringify(except)}))`;
  // The counter: 4 upper-case hex digits after the 25-character ISO time and its dash.
  const digit = (at: number) => sql`(instr('0123456789ABCDEF', upper(substr(f.hlc, ${sql.lit(at)}, 1))) - 1)`;
  return sql`SELECT f.dataset, f.row, f.key AS "column",
        CASE WHEN f.i = 0 THEN f.hlc
             ELSE substr(f.hlc, 1, 25) || printf('%04X', ${digit(26)} * 4096 + ${digit(27)} * 256 + ${digit(28)} * 16 + ${digit(29)} + f.i) || lower(substr(f.hlc, 30)) END AS timestamp,
        f.fields -> f.fullkey AS value
      FROM (SELECT c.entity AS dataset, c.entity_id AS row, c.hlc, c.fields, j.key, j.fullkey,
                   row_number() OVER (PARTITION BY c.seq ORDER BY j.key) - 1 AS i
            FROM change_log c, json_each(c.fields) j WHERE ${entries} AND c.op = 'upsert') f
    UNION ALL
    SELECT c.entity, c.entity_id, ${TOMBSTONE_COLUMN}, c.hlc, 'true' FROM change_log c WHERE ${entries} AND c.op = 'delete'`;
}

/** Whether SQLite stages this entry exactly as `messagesOfEntry` would (see `stagedMessages`). */
function stagedInSql(hlc: string | null, op: string, keys: number | null): boolean {
  if (hlc === null || !isTimestamp(hlc)) return false; // restamped the JS way
  if (op === 'delete') return true;
  if (keys === null || keys < 0) return false;
  if (keys <= 1) return true; // the first field takes `hlc` as it is
  let counter: number;
  try {
    ({ counter } = parseTimestamp(hlc));
  } catch {
    return false; // messagesOfEntry raises the error
  }
  return counter + keys - 1 <= MAX_COUNTER;
}

/**
 * Stages every local change-log entry not staged yet (`shipped = 0`), in log order, inside the
 * caller's transaction. Returns how many entries were staged; `outvoted` receives the records
 * (`dataset NUL row`) where a staged message lost against a newer cell (see settleLocalChanges, apply.ts).
 *
 * SQLite turns the entries into messages and writes them into the cells and the outbox itself
 * (`stagedMessages`): parsing every entry's fields in JavaScript and sending 100,000 messages
 * back as JSON cost more than SQLite's own work. JavaScript reads one line per entry (no fields)
 * and decides what SQL cannot: which entries belong to private organizations, and which changes
 * make a subtree shared. Entries SQLite cannot stage exactly (written before migration 5, odd
 * field names, a counter about to carry) take the JavaScript way, as before.
 */
export async function stageLocalChanges(tx: Tx, outvoted?: Set<string>): Promise<number> {
  let staged = 0;
  let node: NodeState | undefined;
  const sharing = new SharingView(tx);
  for (;;) {
    const { rows } = await sql<{ entries: string }>`SELECT json_group_array(json_array(seq, entity, entity_id, op, hlc, keys, reference)) AS entries FROM (
        SELECT seq, entity, entity_id, op, hlc,
          CASE WHEN op = 'upsert' AND entity IN (${SYNCED_SQL}) THEN
            CASE WHEN fields IS NULL THEN 0
                 WHEN NOT json_valid(fields) OR json_type(fields) <> 'object' THEN -1
                 ELSE (SELECT CASE WHEN max(key = '' OR key GLOB '*[^A-Za-z0-9_]*') THEN -1 ELSE count(*) END FROM json_each(fields)) END
          END AS keys,
          CASE WHEN op = 'upsert' AND json_valid(fields) AND json_type(fields) = 'object' THEN
            CASE entity WHEN 'organization' THEN fields -> '$.sharing' WHEN 'site' THEN fields -> '$.organization_id' WHEN 'flow' THEN fields -> '$.site_id' END
          END AS reference
        FROM change_log WHERE shipped = 0 AND origin = 'local' ORDER BY seq LIMIT ${ENTRIES_PER_PASS})`.execute(tx);
    const entries = (JSON.parse(rows[0]?.entries ?? '[]') as EntryHead[]).sort((x, y) => x[0] - y[0]);
    if (entries.length === 0) break;
    const first = entries[0]![0];
    const last = entries[entries.length - 1]![0];
    // Entries staged the JS way (messages computed here) and entries kept private (cells only).
    const inJs: number[] = [];
    const held: number[] = [];
    const cells: ChangeMessage[] = [];
    const outbox: ChangeMessage[] = [];
    const publish: { dataset: SyncedDataset; row: string }[] = [];
    await sharing.prefetch(entries.map(([, entity, row, , , , reference]) => ({ dataset: entity, row, reference })));
    for (const [seq, entity, row, op, storedHlc, keys, reference] of entries) {
      if (!isSyncedDataset(entity)) continue;
      let messages: ChangeMessage[] | undefined;
      let moves: boolean;
      if (stagedInSql(storedHlc, op, keys)) {
        moves = reference !== null;
        if (reference !== null) {
          // A change that sets the reference may make a subtree shared (when it was not before).
          const wasShared = await sharing.isShared(entity, row);
          sharing.note(entity, row, REFERENCE[entity], reference);
          moves = !wasShared;
        }
      } else {
        let hlc = storedHlc;
        if (hlc === null || !isTimestamp(hlc)) {
          // Written before migration 5 (or stamped by a clock outside the protocol's range, which
          // no other replica could take): stamped now, in log order.
          node ??= await loadNode(tx);
          hlc = node.clock.send();
          await tx.updateTable('change_log').set({ hlc }).where('seq', '=', seq).execute();
        }
        const entry = await tx.selectFrom('change_log').select(['entity', 'entity_id', 'op', 'fields']).where('seq', '=', seq).executeTakeFirstOrThrow();
        messages = messagesOfEntry({ ...entry, hlc });
        inJs.push(seq);
        // A subtree is published when this change makes it shared (not when it was shared anyway).
        const wasShared = messages.some(mayPublish) ? await sharing.isShared(entity, row) : true;
        for (const m of messages) sharing.note(m.dataset, m.row, m.column, m.value);
        cells.push(...messages);
        moves = !wasShared;
      }
      if (await sharing.isShared(entity, row)) {
        if (messages) outbox.push(...messages);
        if (moves) publish.push({ dataset: entity, row });
      } else if (!messages) {
        held.push(seq);
      }
    }
    // `WHERE true`: SQLite's required disambiguation of INSERT ... SELECT ... ON CONFLICT.
    await sql`INSERT INTO sync_fields (dataset, row, "column", timestamp, value)
      SELECT dataset, row, "column", timestamp, value FROM (${stagedMessages(first, last, inJs)}) WHERE true
      ON CONFLICT (dataset, row, "column") DO UPDATE SET timestamp = excluded.timestamp, value = excluded.value
      WHERE excluded.timestamp > sync_fields.timestamp`.execute(tx);
    if (outvoted) {
      // Every staged message normally wins its cell (the clock is past everything received).
      // When fewer changed a cell than were staged, some lost against a cell stamped later (a
      // clock that was far ahead before issue #14): their records must be re-materialised, or
      // the table would keep the local value while the cell (and every other laptop) has another.
      const { rows: counted } = await sql<{ n: number }>`SELECT changes() AS n`.execute(tx);
      let expected = 0;
      const js = new Set(inJs);
      for (const [seq, entity, , op, , keys] of entries) {
        if (!isSyncedDataset(entity) || js.has(seq)) continue;
        expected += op === 'delete' ? 1 : Math.max(0, keys ?? 0);
      }
      if (Number(counted[0]?.n ?? 0) < expected) {
        const { rows: lost } = await sql<{ dataset: string; row: string }>`SELECT DISTINCT m.dataset, m.row FROM (${stagedMessages(first, last, inJs)}) m
          JOIN sync_fields f ON f.dataset = m.dataset AND f.row = m.row AND f."column" = m."column" WHERE f.timestamp > m.timestamp`.execute(tx);
        for (const r of lost) outvoted.add(`${r.dataset}\u0000${r.row}`);
      }
    }
    await sql`INSERT INTO sync_messages (timestamp, dataset, row, "column", value, pushed)
      SELECT timestamp, dataset, row, "column", value, 0 FROM (${stagedMessages(first, last, [...inJs, ...held])}) WHERE true
      ON CONFLICT (timestamp) DO NOTHING`.execute(tx);
    const won = await mergeCells(tx, cells);
    if (outvoted && won < cells.length) {
      for (const m of cells) {
        const current = await readCell(tx, m.dataset, m.row, m.column);
        if (current && current.timestamp > m.timestamp) outvoted.add(`${m.dataset}\u0000${m.row}`);
      }
    }
    await recordMessages(tx, outbox, 0);
    for (const p of publish) await publishSubtree(tx, p.dataset, p.row);
    await tx.updateTable('change_log').set({ shipped: 1 }).where('shipped', '=', 0).where('origin', '=', 'local').where('seq', '<=', last).execute();
    staged += entries.length;
  }
  if (node) await saveClock(tx, node);
  return staged;
}
