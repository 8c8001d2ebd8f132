/**
 * Applying hub messages to the local graph, in the caller's transaction:
 *
 * 1. local changes not staged yet enter the cells first, so an unshipped local edit competes in
 *    last-writer-wins like any other message;
 * 2. every message is kept in the shared log and merged into the cells (newest timestamp wins;
 *    the same message twice changes nothing);
 * 3. every touched record (and the records under it) is MATERIALISED from its cells: a record is
 *    in its table exactly when it is not deleted (a tombstone newer than all its fields), its
 *    merged fields validate, and its parent is there. Otherwise it is taken out of the table and,
 *    when that is not a plain delete, recorded in sync_problems with the reason; its cells stay,
 *    so the record comes back as soon as a later message makes it valid. Materialising is a
 *    function of the cells alone, which is why replicas that hold the same messages converge.
 */
import { sql, type Transaction } from 'kysely';
import { ClockDriftError, HybridLogicalClock } from '../../sync/protocol/hlc.ts';
import { LoggedWriter, loadNode, saveClock, tableOf } from '../db/change-log.ts';
import { validateEntity } from '../db/entity-store.ts';
import { ReferenceError, ValidationError } from '../db/errors.ts';
import type { Database } from '../db/schema.ts';
import { asChangeMessage, changeMessageSchema, TOMBSTONE_COLUMN, type ChangeMessage } from '../../sync/protocol/messages.ts';
import { chunks, knownTimestamps, markPushed, mergeCells, readCell, readRow, recordMessages, type Cell } from './cells.ts';
import { CHILD, isSyncedDataset, NODE_DATASET, PARENT, STORES, SYNCED_DATASETS, type SyncedDataset } from './datasets.ts';
import { stageLocalChanges } from './stage.ts';

type Tx = Transaction<Database>;

export interface ApplyResult {
  /** Messages that won last-writer-wins. */
  applied: number;
  /** Records left out of the tables because their merged state is invalid or orphaned. */
  problems: number;
  /** Flows written or removed (to re-match). */
  changedFlows: string[];
  /** Records written or removed, per dataset (for live UI updates). */
  changed: { dataset: SyncedDataset; row: string }[];
}

/** The record a row's cells describe, or null when its newest message is a tombstone. */
export function recordOfCells(row: string, cells: Cell[]): Record<string, unknown> | null {
  const tombstone = cells.find((c) => c.column === TOMBSTONE_COLUMN);
  const fields = cells.filter((c) => c.column !== TOMBSTONE_COLUMN);
  if (tombstone && tombstone.value === 'true' && fields.every((c) => c.timestamp < tombstone.timestamp)) return null;
  const record: Record<string, unknown> = {};
  for (const cell of fields.sort((a, b) => (a.column < b.column ? -1 : 1))) {
    const value = JSON.parse(cell.value) as unknown;
    if (value !== null) record[cell.column] = value;
  }
  record.id = row;
  return record;
}

/** What a record should be: written (validated, with its table row), or out of its table. */
type Desired = { record: Record<string, unknown>; row: Record<string, unknown>; stamp: string } | { record: null; problem?: string };

/** Who works on the replica that issued a timestamp (its node record), for the history. */
class Actors {
  readonly #tx: Tx;
  readonly #known = new Map<string, string>();
  constructor(tx: Tx) {
    this.#tx = tx;
  }
  async of(timestamp: string): Promise<string> {
    const node = timestamp.slice(-16);
    if (!this.#known.has(node)) {
      const cell = await readCell(this.#tx, NODE_DATASET, node, 'actor');
      this.#known.set(node, cell ? (JSON.parse(cell.value) as string) : `replica ${node.slice(0, 6)}`);
    }
    return this.#known.get(node)!;
  }
}

async function recordProblem(tx: Tx, dataset: string, row: string, message: string, now: string): Promise<void> {
  await tx
    .insertInto('sync_problems')
    .values({ dataset, row, at: now, message })
    .onConflict((oc) => oc.columns(['dataset', 'row']).doUpdateSet({ at: now, message }))
    .execute();
}

/** Clears the problems of many records in one statement (a page can settle thousands at once). */
async function clearProblems(tx: Tx, records: [dataset: string, row: string][]): Promise<void> {
  for (const part of chunks(records, KEYS_PER_STATEMENT)) {
    await sql`DELETE FROM sync_problems WHERE (dataset, row) IN (SELECT j.value->>0, j.value->>1 FROM json_each(${JSON.stringify(part)}) j)`.execute(tx);
  }
}

function reason(error: unknown): string | undefined {
  if (error instanceof ValidationError || error instanceof ReferenceError) return error.message;
  return undefined;
}

// The reads below take their keys as one JSON parameter (json_each), like the writes in cells.ts:
// one statement per dataset instead of one per 500 keys, and nothing to bind per key.
const KEYS_PER_STATEMENT = 20_000;

/**
 * The cells of `rows`, read as ONE JSON text per statement (a row object per cell cost more than
 * the read). Rows in `known` are taken from there instead: the rows a pulled page created, whose
 * cells are exactly the page's own messages (see applyRemote).
 */
async function cellsOf(tx: Tx, dataset: string, rows: string[], known?: Map<string, Cell[]>): Promise<Map<string, Cell[]>> {
  const out = new Map<string, Cell[]>();
  const missing: string[] = [];
  for (const row of rows) {
    const cells = known?.get(row);
    if (cells) out.set(row, cells);
    else missing.push(row);
  }
  for (const part of chunks(missing, KEYS_PER_STATEMENT)) {
    const { rows: found } = await sql<{ cells: string | null }>`SELECT json_group_array(json_array(row, "column", timestamp, value)) AS cells FROM sync_fields
      WHERE dataset = ${dataset} AND row IN (SELECT value FROM json_each(${JSON.stringify(part)}))`.execute(tx);
    for (const [row, column, timestamp, value] of JSON.parse(found[0]?.cells ?? '[]') as [string, string, string, string][]) {
      let cells = out.get(row);
      if (!cells) out.set(row, (cells = []));
      cells.push({ column, timestamp, value });
    }
  }
  return out;
}

/** Which of `rows` have any cell (one JSON text per statement). */
async function rowsWithCells(tx: Tx, dataset: string, rows: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const part of chunks(rows, KEYS_PER_STATEMENT)) {
    const { rows: found } = await sql<{ rows: string | null }>`SELECT json_group_array(row) AS rows FROM (SELECT DISTINCT row FROM sync_fields
      WHERE dataset = ${dataset} AND row IN (SELECT value FROM json_each(${JSON.stringify(part)})))`.execute(tx);
    for (const row of JSON.parse(found[0]?.rows ?? '[]') as string[]) out.add(row);
  }
  return out;
}

async function inTable(tx: Tx, dataset: SyncedDataset, ids: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const part of chunks([...new Set(ids)], KEYS_PER_STATEMENT)) {
    const { rows } = await sql<{ id: string }>`SELECT id FROM ${sql.table(tableOf(dataset))} WHERE id IN (SELECT value FROM json_each(${JSON.stringify(part)}))`.execute(tx);
    for (const r of rows) out.add(r.id);
  }
  return out;
}

async function childrenOf(tx: Tx, dataset: string, column: string, parents: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const part of chunks(parents.map((p) => JSON.stringify(p)), KEYS_PER_STATEMENT)) {
    const { rows } = await sql<{ row: string }>`SELECT row FROM sync_fields
      WHERE dataset = ${dataset} AND "column" = ${column} AND value IN (SELECT value FROM json_each(${JSON.stringify(part)}))`.execute(tx);
    for (const r of rows) out.push(r.row);
  }
  return out;
}

const newest = (cells: Cell[]) => cells.reduce((a, c) => (c.timestamp > a ? c.timestamp : a), '');

/** New records per insert statement (the rows travel as one JSON parameter). */
const INSERT_CHUNK = 2000;

/**
 * JSON.stringify writes a lone UTF-16 surrogate as an escape (\ud800); SQLite's JSON decodes it
 * to bytes that are not UTF-8, where binding the string directly stores U+FFFD. Text holding such
 * an escape is written through bound parameters instead, so both ways store the same.
 */
const LONE_SURROGATE_ESCAPE = /\\ud[89a-f]/i;

/**
 * Inserts rows of one shape (the keys of the first row, in its order) from ONE JSON parameter
 * (`INSERT ... SELECT ... FROM json_each`): compiling and binding a multi-row VALUES list of ~25
 * columns per row cost more than SQLite's work. `->>` gives back the same SQL values as binding
 * (text, integer, real, NULL; the columns' affinities store them alike).
 */
async function insertRows(tx: Tx, table: string, rows: Record<string, unknown>[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  const text = JSON.stringify(rows.map((row) => columns.map((c) => row[c] ?? null)));
  const sameShape = rows.every((row) => Object.keys(row).length === columns.length);
  if (!sameShape || LONE_SURROGATE_ESCAPE.test(text)) {
    await tx.insertInto(table as never).values(rows as never).execute();
    return;
  }
  await sql`INSERT INTO ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))})
    SELECT ${sql.join(columns.map((_, i) => sql`j.value->>${sql.lit(i)}`))} FROM json_each(${text}) j`.execute(tx);
}

/** The change-log entries of records written by the sync (origin remote, the sender's clock). */
async function insertRemoteLog(tx: Tx, dataset: SyncedDataset, now: string, entries: [id: string, fields: string, hlc: string, actor: string][]): Promise<void> {
  if (entries.length === 0) return;
  const text = JSON.stringify(entries);
  if (LONE_SURROGATE_ESCAPE.test(text)) {
    await tx
      .insertInto('change_log')
      .values(entries.map(([id, fields, hlc, actor]) => ({ at: now, entity: dataset, entity_id: id, op: 'upsert' as const, fields, origin: 'remote' as const, shipped: 1, hlc, actor })))
      .execute();
    return;
  }
  await sql`INSERT INTO change_log (at, entity, entity_id, op, fields, origin, shipped, hlc, actor)
    SELECT ${now}, ${dataset}, j.value->>0, 'upsert', j.value->>1, 'remote', 1, j.value->>2, j.value->>3 FROM json_each(${text}) j`.execute(tx);
}

/**
 * Brings the tables in line with the cells for the given rows and everything under them.
 * Reads are batched (cells, table presence, children) and new records are inserted many per
 * statement: a pulled page holds thousands of records.
 */
export async function materialise(
  tx: Tx,
  touched: Map<SyncedDataset, Set<string>>,
  now: string,
  known?: Map<SyncedDataset, Map<string, Cell[]>>,
): Promise<Omit<ApplyResult, 'applied'>> {
  // Records under a touched record may lose (or regain) their parent: evaluate them too.
  for (const dataset of SYNCED_DATASETS) {
    const child = CHILD[dataset];
    if (!child) continue;
    const rows = [...(touched.get(dataset) ?? [])];
    const into = touched.get(child.dataset) ?? new Set<string>();
    for (const c of await childrenOf(tx, child.dataset, child.column, rows)) into.add(c);
    touched.set(child.dataset, into);
  }
  const desired = new Map<string, Desired>();
  const present = new Map<SyncedDataset, Set<string>>();
  const key = (dataset: string, row: string) => `${dataset}\u0000${row}`;
  for (const dataset of SYNCED_DATASETS) {
    const rows = [...(touched.get(dataset) ?? [])];
    const cellsByRow = await cellsOf(tx, dataset, rows, known?.get(dataset));
    present.set(dataset, await inTable(tx, dataset, rows));
    const parent = PARENT[dataset];
    // Parents not evaluated in this pass: are they in their table?
    const parentIds = parent
      ? rows.map((row) => recordOfCells(row, cellsByRow.get(row) ?? [])?.[parent.column]).filter((id): id is string => typeof id === 'string' && !desired.has(key(parent.dataset, id)))
      : [];
    const parentsPresent = parent ? await inTable(tx, parent.dataset, parentIds) : new Set<string>();
    for (const row of rows) {
      const cells = cellsByRow.get(row);
      if (!cells || cells.length === 0) continue;
      const record = recordOfCells(row, cells);
      if (record === null) {
        desired.set(key(dataset, row), { record: null });
        continue;
      }
      if (parent) {
        const parentId = record[parent.column];
        const parentState = typeof parentId === 'string' ? desired.get(key(parent.dataset, parentId)) : undefined;
        const parentThere = typeof parentId === 'string' && (parentState ? parentState.record !== null : parentsPresent.has(parentId));
        if (!parentThere) {
          desired.set(key(dataset, row), {
            record: null,
            problem: `${dataset} "${row}": its ${parent.dataset} "${String(parentId)}" is not here (deleted, invalid or not shared); kept until it is`,
          });
          continue;
        }
      }
      try {
        const entity = validateEntity(STORES[dataset].spec.schema as never, record, `${dataset} "${row}"`) as Record<string, unknown>;
        // toRow makes the unit and calendar checks the schema cannot make; its row is kept for the insert.
        const tableRow = STORES[dataset].spec.toRow(entity as never) as Record<string, unknown>;
        desired.set(key(dataset, row), { record: entity, row: tableRow, stamp: newest(cells) });
      } catch (error) {
        const why = reason(error);
        if (why === undefined) throw error;
        desired.set(key(dataset, row), { record: null, problem: `${why} (the merged record is invalid; kept until a later change fixes it)` });
      }
    }
  }

  const result: Omit<ApplyResult, 'applied'> = { problems: 0, changedFlows: [], changed: [] };
  const actors = new Actors(tx);
  const hasProblems = (await tx.selectFrom('sync_problems').select('row').limit(1).executeTakeFirst()) !== undefined;
  const changed = (dataset: SyncedDataset, row: string) => {
    result.changed.push({ dataset, row });
    if (dataset === 'flow') result.changedFlows.push(row);
  };
  // Records that settle (removed without a problem, or written) lose their open problem. Cleared
  // in bulk up front: a record is cleared before its write, which may record a problem again.
  if (hasProblems) {
    const settled: [string, string][] = [];
    for (const dataset of SYNCED_DATASETS) {
      for (const row of touched.get(dataset) ?? []) {
        const state = desired.get(key(dataset, row));
        if (state && (state.record !== null || !state.problem)) settled.push([dataset, row]);
      }
    }
    await clearProblems(tx, settled);
  }
  // Removals bottom-up (flows before their site, sites before their organization) ...
  for (const dataset of [...SYNCED_DATASETS].reverse()) {
    for (const row of touched.get(dataset) ?? []) {
      const state = desired.get(key(dataset, row));
      if (!state || state.record !== null) continue;
      if (state.problem) {
        await recordProblem(tx, dataset, row, state.problem, now);
        result.problems += 1;
      }
      if (present.get(dataset)!.has(row)) {
        await tx.deleteFrom(tableOf(dataset)).where('id', '=', row).execute();
        const stamp = newest(await readRow(tx, dataset, row));
        await new LoggedWriter(tx, now, 'remote', { hlc: stamp, actor: await actors.of(stamp) }).logDelete(dataset, row);
        changed(dataset, row);
      }
    }
  }
  // ... writes top-down (an organization before its sites, a site before its flows).
  for (const dataset of SYNCED_DATASETS) {
    const fresh: { row: string; record: Record<string, unknown>; tableRow: Record<string, unknown>; stamp: string }[] = [];
    for (const row of touched.get(dataset) ?? []) {
      const state = desired.get(key(dataset, row));
      if (!state || state.record === null) continue;
      if (!present.get(dataset)!.has(row)) {
        fresh.push({ row, record: state.record, tableRow: state.row, stamp: state.stamp });
        continue;
      }
      const writer = new LoggedWriter(tx, now, 'remote', { hlc: state.stamp, actor: await actors.of(state.stamp) });
      try {
        const outcome = await STORES[dataset].upsert(writer, state.record as never);
        if (outcome !== 'unchanged') changed(dataset, row);
      } catch (error) {
        const why = reason(error);
        if (why === undefined) throw error;
        await recordProblem(tx, dataset, row, why, now);
        result.problems += 1;
      }
    }
    // New records: validated above and their parents written before them, so insert in bulk.
    for (const part of chunks(fresh, INSERT_CHUNK)) {
      const rows = part.map((f) => ({ ...f.tableRow, version: 1, created_at: now, updated_at: now }));
      const log: [id: string, fields: string, hlc: string, actor: string][] = [];
      for (const f of part) {
        log.push([f.row, JSON.stringify(f.record), f.stamp, await actors.of(f.stamp)]);
        changed(dataset, f.row);
      }
      await insertRows(tx, STORES[dataset].spec.table, rows);
      await insertRemoteLog(tx, dataset, now, log);
    }
  }
  return result;
}

/**
 * Moves this replica's clock past the newest received timestamp, so a later local edit wins over
 * what was just received. A timestamp far ahead of our clock is still applied (nothing is lost) but
 * does not drag our clock along; it is reported as a problem so someone checks the clocks.
 */
async function receiveClock(tx: Tx, messages: ChangeMessage[], now: string): Promise<void> {
  if (messages.length === 0) return;
  const newest = messages.reduce((a, m) => (m.timestamp > a ? m.timestamp : a), '');
  const node = await loadNode(tx);
  const clock = new HybridLogicalClock(node.nodeId, { last: node.clock.last });
  try {
    clock.receive(newest);
  } catch (error) {
    if (!(error instanceof ClockDriftError)) throw error;
    await recordProblem(tx, 'clock', newest.slice(-16), error.message, now);
    return;
  }
  await saveClock(tx, { ...node, clock });
}

/** Rows with an open sync problem: retried on every apply, as a later message may fix them. */
async function problemRows(tx: Tx): Promise<{ dataset: string; row: string }[]> {
  return tx.selectFrom('sync_problems').select(['dataset', 'row']).execute();
}

/**
 * Applies a page of hub messages (see the module comment). A message that is not a well-formed
 * change message is not applied and is recorded as a problem (dataset "message").
 */
export async function applyRemote(tx: Tx, messages: ChangeMessage[], now: string): Promise<ApplyResult> {
  await stageLocalChanges(tx);
  const good: ChangeMessage[] = [];
  for (const message of messages) {
    // The schema's rules checked directly first (zod per message cost more than applying it);
    // zod itself only for a message that fails them, for its error.
    const checked = asChangeMessage(message);
    if (checked) {
      good.push(checked);
      continue;
    }
    const parsed = changeMessageSchema.safeParse(message);
    if (parsed.success) good.push(parsed.data);
    else await recordProblem(tx, 'message', String(message.timestamp).slice(0, 64), `a malformed message from the hub was skipped: ${parsed.error.issues[0]?.message}`, now);
  }
  // A message already in the shared log was merged when it was stored (same timestamp, same
  // message): only new ones can change a cell. Own messages echoed back by the hub are the
  // common case, so this keeps a round's pull cheap.
  const known = await knownTimestamps(tx, good.map((m) => m.timestamp));
  const fresh = good.filter((m) => !known.has(m.timestamp));
  // The hub holds every message of the page: new ones enter the shared log as pushed, known ones
  // not acknowledged yet (a push whose answer was lost) are marked pushed. Rewriting the known
  // ones that are marked already changed nothing and cost more than the rest of the page.
  // Records this page creates (no cell before it): their cells will be exactly the page's newest
  // message per column (what mergeCells keeps; the first one of equal timestamps), so
  // materialising them needs no read of what the page just wrote.
  const pageCells = new Map<SyncedDataset, Map<string, Map<string, Cell>>>();
  for (const m of fresh) {
    if (!isSyncedDataset(m.dataset)) continue;
    let rows = pageCells.get(m.dataset);
    if (!rows) pageCells.set(m.dataset, (rows = new Map()));
    let columns = rows.get(m.row);
    if (!columns) rows.set(m.row, (columns = new Map()));
    const had = columns.get(m.column);
    if (!had || m.timestamp > had.timestamp) columns.set(m.column, { column: m.column, timestamp: m.timestamp, value: m.value });
  }
  const created = new Map<SyncedDataset, Map<string, Cell[]>>();
  for (const [dataset, rows] of pageCells) {
    const existing = await rowsWithCells(tx, dataset, [...rows.keys()]);
    const mine = new Map<string, Cell[]>();
    for (const [row, columns] of rows) if (!existing.has(row)) mine.set(row, [...columns.values()]);
    created.set(dataset, mine);
  }
  await recordMessages(tx, fresh, 1);
  await markPushed(
    tx,
    [...known].filter(([, pushed]) => !pushed).map(([timestamp]) => timestamp),
  );
  const applied = await mergeCells(tx, fresh);
  await receiveClock(tx, fresh, now);
  const touched = new Map<SyncedDataset, Set<string>>();
  const touch = (dataset: string, row: string) => {
    if (!isSyncedDataset(dataset)) return;
    if (!touched.has(dataset)) touched.set(dataset, new Set());
    touched.get(dataset)!.add(row);
  };
  for (const m of fresh) touch(m.dataset, m.row);
  for (const p of await problemRows(tx)) touch(p.dataset, p.row);
  const result = await materialise(tx, touched, now, created);
  return { applied, ...result };
}
