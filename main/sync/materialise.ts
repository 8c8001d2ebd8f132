/**
 * Materialising: bringing the tables in line with the last-writer-wins cells. A record is in its
 * table exactly when it is not deleted (a tombstone newer than all its fields), its merged fields
 * validate, and its parent is there. Otherwise it is taken out of the table and, when that is not
 * a plain delete, recorded in sync_problems with the reason; its cells stay, so the record comes
 * back as soon as a later message makes it valid. Materialising is a function of the cells alone,
 * which is why replicas that hold the same messages converge.
 *
 * Built to survive anything another replica wrote into the cells: records are built from the
 * dataset's known fields only, on objects without a prototype (a `__proto__` column feeds
 * nothing; an unknown column is ignored, the apply reports it); any error while evaluating or
 * writing one record becomes that record's problem (its writes undone by a savepoint), never the
 * page's failure.
 */
import { sql, type Transaction } from 'kysely';
import { LoggedWriter, tableOf } from '../db/change-log.ts';
import { flowSchema, organizationSchema, siteSchema } from '../domain/entities.ts';
import { validateEntity } from '../db/entity-store.ts';
import { StillReferencedError, ValidationError } from '../db/errors.ts';
import type { Database } from '../db/schema.ts';
import { jsonDepthWithin, TOMBSTONE_COLUMN } from '../../sync/protocol/messages.ts';
import { chunks, readCell, readRow, type Cell } from './cells.ts';
import { CHILD, NODE_DATASET, PARENT, STORES, SYNCED_DATASETS, type SyncedDataset } from './datasets.ts';
import { clearProblems, hasProblems, recordProblem, shown } from './problems.ts';

type Tx = Transaction<Database>;

export interface ApplyResult {
  /** Messages that won last-writer-wins. */
  applied: number;
  /** Records left out of the tables because their merged state is invalid or orphaned. */
  problems: number;
  /** Records written or removed, per dataset (for live UI updates). */
  changed: { dataset: SyncedDataset; row: string }[];
}

/** The fields each synced dataset's schema knows (anything else in the cells is not a field). */
const KNOWN_FIELDS: Record<SyncedDataset, ReadonlySet<string>> = {
  organization: new Set(Object.keys(organizationSchema.shape)),
  site: new Set(Object.keys(siteSchema.shape)),
  flow: new Set(Object.keys(flowSchema.shape)),
};

export function isKnownField(dataset: SyncedDataset, column: string): boolean {
  return column === TOMBSTONE_COLUMN || KNOWN_FIELDS[dataset].has(column);
}

/** A cell's value, or an error naming the field when it is not usable JSON (a legacy cell). */
function valueOf(dataset: string, row: string, cell: Cell): unknown {
  if (!jsonDepthWithin(cell.value)) throw new Error(`${dataset} "${row}": field "${cell.column}" is nested too deep to be read`);
  try {
    return JSON.parse(cell.value) as unknown;
  } catch {
    throw new Error(`${dataset} "${row}": field "${cell.column}" is not JSON`);
  }
}

/**
 * The record a row's cells describe (known fields only, on an object without a prototype), or
 * null when its newest message is a tombstone.
 */
export function recordOfCells(dataset: SyncedDataset, row: string, cells: Cell[]): Record<string, unknown> | null {
  const tombstone = cells.find((c) => c.column === TOMBSTONE_COLUMN);
  const fields = cells.filter((c) => c.column !== TOMBSTONE_COLUMN && KNOWN_FIELDS[dataset].has(c.column));
  if (tombstone && tombstone.value === 'true' && fields.every((c) => c.timestamp < tombstone.timestamp)) return null;
  const record = Object.create(null) as Record<string, unknown>;
  for (const cell of fields.sort((a, b) => (a.column < b.column ? -1 : 1))) {
    const value = valueOf(dataset, row, cell);
    if (value !== null) record[cell.column] = value;
  }
  record.id = row;
  return record;
}

/** The parent id a record's cells name (undefined when none, or when the cells are unusable). */
function parentIdOf(dataset: SyncedDataset, row: string, cells: Cell[]): unknown {
  const parent = PARENT[dataset];
  if (!parent) return undefined;
  try {
    return recordOfCells(dataset, row, cells)?.[parent.column];
  } catch {
    return undefined;
  }
}

/** What a record should be: written (validated, with its table row), or out of its table. */
type Desired = { record: Record<string, unknown>; row: Record<string, unknown>; stamp: string } | { record: null; problem?: string };

const ACTOR_CHARS = 254;

/**
 * Who made a change, for the history: the hub user who pushed its message (the hub's record),
 * else the name the sending replica gave itself (its `node` record), else its node id.
 */
export class Actors {
  readonly #tx: Tx;
  readonly #users: Map<string, string>;
  readonly #byStamp = new Map<string, string>();
  readonly #byNode = new Map<string, string>();
  /**
   * `users`: timestamp -> hub user of every message being applied ('' when the hub did not say);
   * other timestamps are looked up in the shared log.
   */
  constructor(tx: Tx, users: Map<string, string> = new Map()) {
    this.#tx = tx;
    this.#users = users;
  }
  async of(timestamp: string): Promise<string> {
    let user = this.#users.get(timestamp) ?? this.#byStamp.get(timestamp);
    if (user === undefined) {
      const logged = await this.#tx.selectFrom('sync_messages').select('user').where('timestamp', '=', timestamp).executeTakeFirst();
      user = logged?.user ?? '';
      this.#byStamp.set(timestamp, user);
    }
    if (user !== '') return user;
    const node = timestamp.slice(-16);
    if (!this.#byNode.has(node)) this.#byNode.set(node, await this.#claimed(node));
    return this.#byNode.get(node)!;
  }
  /**
   * The node's own claim, when it is a usable name: this replica's own actor for its own node;
   * for another node, its `node` record only when that node wrote it itself (inbound.ts refuses
   * the others; a cell stored before that rule may still hold one).
   */
  async #claimed(node: string): Promise<string> {
    const fallback = `replica ${node.slice(0, 6)}`;
    const self = await this.#tx.selectFrom('sync_node').select(['node_id', 'actor']).where('id', '=', 1).executeTakeFirst();
    if (self?.node_id === node) return shown(self.actor, ACTOR_CHARS);
    const cell = await readCell(this.#tx, NODE_DATASET, node, 'actor');
    if (!cell || !cell.timestamp.endsWith(node) || cell.value.length > ACTOR_CHARS + 2 || cell.value[0] !== '"') return fallback;
    try {
      const actor = JSON.parse(cell.value) as unknown;
      return typeof actor === 'string' && actor.length > 0 ? shown(actor, ACTOR_CHARS) : fallback;
    } catch {
      return fallback;
    }
  }
}

/** Why a record cannot be written: the validation's words, or the error's. */
function reason(error: unknown): string {
  if (error instanceof ValidationError || error instanceof StillReferencedError) return error.message;
  if (error instanceof RangeError && /call stack/i.test(error.message)) return 'its fields are nested too deep to be read';
  return error instanceof Error ? error.message : String(error);
}

let savepoints = 0;

/**
 * Runs one record's writes so that, if anything in them fails, none of them stays: SQLite keeps
 * a transaction going after a failed statement, so the savepoint is what undoes a half write.
 */
async function guarded(tx: Tx, work: () => Promise<void>): Promise<unknown> {
  const name = sql.raw(`materialise_${++savepoints}`);
  await sql`SAVEPOINT ${name}`.execute(tx);
  try {
    await work();
  } catch (error) {
    await sql`ROLLBACK TO ${name}`.execute(tx);
    await sql`RELEASE ${name}`.execute(tx);
    return error ?? new Error('failed');
  }
  await sql`RELEASE ${name}`.execute(tx);
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
export async function rowsWithCells(tx: Tx, dataset: string, rows: string[]): Promise<Set<string>> {
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
  users?: Map<string, string>,
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
      ? rows.map((row) => parentIdOf(dataset, row, cellsByRow.get(row) ?? [])).filter((id): id is string => typeof id === 'string' && !desired.has(key(parent.dataset, id)))
      : [];
    const parentsPresent = parent ? await inTable(tx, parent.dataset, parentIds) : new Set<string>();
    for (const row of rows) {
      const cells = cellsByRow.get(row);
      if (!cells || cells.length === 0) continue;
      let record: Record<string, unknown> | null;
      try {
        record = recordOfCells(dataset, row, cells);
      } catch (error) {
        desired.set(key(dataset, row), { record: null, problem: `${reason(error)} (kept until a later change fixes it)` });
        continue;
      }
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
            problem: `${dataset} "${row}": its ${parent.dataset} "${shown(typeof parentId === 'string' ? parentId : JSON.stringify(parentId) ?? 'none')}" is not here (deleted, invalid or not shared); kept until it is`,
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
        desired.set(key(dataset, row), { record: null, problem: `${reason(error)} (the merged record is invalid; kept until a later change fixes it)` });
      }
    }
  }

  const result: Omit<ApplyResult, 'applied'> = { problems: 0, changed: [] };
  const actors = new Actors(tx, users);
  const open = await hasProblems(tx, 'record');
  const changed = (dataset: SyncedDataset, row: string) => {
    result.changed.push({ dataset, row });
  };
  // Records that settle (removed without a problem, or written) lose their open problem. Cleared
  // in bulk up front: a record is cleared before its write, which may record a problem again.
  if (open) {
    const settled: [string, string][] = [];
    for (const dataset of SYNCED_DATASETS) {
      for (const row of touched.get(dataset) ?? []) {
        const state = desired.get(key(dataset, row));
        if (state && (state.record !== null || !state.problem)) settled.push([dataset, row]);
      }
    }
    await clearProblems(tx, 'record', settled);
  }
  // Removals bottom-up (flows before their site, sites before their organization) ...
  for (const dataset of [...SYNCED_DATASETS].reverse()) {
    for (const row of touched.get(dataset) ?? []) {
      const state = desired.get(key(dataset, row));
      if (!state || state.record !== null) continue;
      if (state.problem) {
        await recordProblem(tx, 'record', dataset, row, state.problem, now);
        result.problems += 1;
      }
      if (present.get(dataset)!.has(row)) {
        const failed = await guarded(tx, async () => {
          await tx.deleteFrom(tableOf(dataset)).where('id', '=', row).execute();
          const stamp = newest(await readRow(tx, dataset, row));
          await new LoggedWriter(tx, now, 'remote', { hlc: stamp, actor: await actors.of(stamp) }).logDelete(dataset, row);
        });
        if (failed) {
          await recordProblem(tx, 'record', dataset, row, `${dataset} "${row}" could not be removed: ${reason(failed)}`, now);
          result.problems += 1;
        } else changed(dataset, row);
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
      let outcome: string | undefined;
      const failed = await guarded(tx, async () => {
        outcome = await STORES[dataset].upsert(writer, state.record as never);
      });
      if (failed) {
        await recordProblem(tx, 'record', dataset, row, reason(failed), now);
        result.problems += 1;
      } else if (outcome !== 'unchanged') changed(dataset, row);
    }
    // New records: validated above and their parents written before them, so insert in bulk.
    for (const part of chunks(fresh, INSERT_CHUNK)) {
      const entries: { f: (typeof part)[number]; row: Record<string, unknown>; log: [id: string, fields: string, hlc: string, actor: string] }[] = [];
      for (const f of part) {
        entries.push({ f, row: { ...f.tableRow, version: 1, created_at: now, updated_at: now }, log: [f.row, JSON.stringify(f.record), f.stamp, await actors.of(f.stamp)] });
      }
      const insert = async (some: typeof entries) => {
        await insertRows(tx, STORES[dataset].spec.table, some.map((e) => e.row));
        await insertRemoteLog(tx, dataset, now, some.map((e) => e.log));
      };
      // All at once; should one record fail (nothing known does), each on its own instead.
      if (!(await guarded(tx, () => insert(entries)))) {
        for (const e of entries) changed(dataset, e.f.row);
        continue;
      }
      for (const e of entries) {
        const failed = await guarded(tx, () => insert([e]));
        if (failed) {
          await recordProblem(tx, 'record', dataset, e.f.row, `${dataset} "${e.f.row}" could not be written: ${reason(failed)}`, now);
          result.problems += 1;
        } else changed(dataset, e.f.row);
      }
    }
  }
  return result;
}

