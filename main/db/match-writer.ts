/**
 * Stores a run's matches (match-rows.ts) in one transaction: matches that are new are inserted,
 * changed ones rewritten, unchanged ones (same content hash) left alone, and suggestions the run no
 * longer makes removed. Matches someone has acted on (negotiating and beyond) keep their lifecycle:
 * they get fresh numbers, and stay with their last numbers when the engine no longer makes them.
 *
 * The statements are written as SQL text once per chunk size and run through the transaction's
 * connection without Kysely's query builder: a full run is ~240,000 rows, and building and
 * compiling a query object per chunk cost more than SQLite's own work.
 */
import { CompiledQuery, type Transaction } from 'kysely';
import type { Db } from './database.ts';
import type { Database } from './schema.ts';
import { packedOf, type MatchRows } from './match-rows.ts';
import { shapeBook } from './match-shapes.ts';

export interface SaveCounts {
  created: number;
  updated: number;
  unchanged: number;
  removed: number;
}

export interface SaveOptions {
  /** Only the matches involving this flow are replaced (an incremental re-match). */
  flowId?: string;
  onProgress?: (done: number, total: number) => void;
  /** Aborting rolls the whole save back (nothing of the run is stored). */
  signal?: AbortSignal;
}

/** Rows per INSERT statement: 14 parameters each, well under SQLite's 32,766. */
const ROWS_PER_STATEMENT = 400;

const COLUMNS = ['id', 'supply_flow_id', 'demand_flow_id', 'type', 'score', 'distance_km', 'route', 'relaxed', 'binding_constraint', 'assumptions', 'engine_version', 'packed', 'npv_eur', 'content_hash'] as const;
/** The computed columns a run rewrites; the lifecycle columns (status, version, dates, plan, alert) are left alone. */
const COMPUTED = COLUMNS.filter((c) => c !== 'id' && c !== 'supply_flow_id' && c !== 'demand_flow_id');

/** `INSERT ... ON CONFLICT(id) DO UPDATE` for `rows` rows: inserts new matches, rewrites changed ones. */
function upsertSql(rows: number, now: string): string {
  const one = `(${COLUMNS.map(() => '?').join(',')},'','','','suggested',1,'${now}','${now}')`;
  return (
    `INSERT INTO matches (${COLUMNS.join(',')},scores,economics,detail,status,version,created_at,updated_at) VALUES ` +
    Array.from({ length: rows }, () => one).join(',') +
    ` ON CONFLICT(id) DO UPDATE SET ${COMPUTED.map((c) => `${c}=excluded.${c}`).join(',')},scores='',economics='',detail=''`
  );
}

const nullIfNaN = (v: number): number | null => (Number.isNaN(v) ? null : v);

function params(rows: MatchRows, i: number, out: unknown[]): void {
  const p = packedOf(rows, i);
  out.push(
    rows.id[i],
    rows.supply_flow_id[i],
    rows.demand_flow_id[i],
    rows.type[i],
    rows.score[i],
    rows.distance_km[i],
    rows.route[i],
    rows.relaxed[i],
    rows.binding_constraint[i],
    rows.assumptions[i],
    rows.engine_version[i],
    Buffer.from(p.buffer, p.byteOffset, p.byteLength),
    nullIfNaN(rows.npv_eur[i]!),
    rows.content_hash[i],
  );
}

/** Puts the database's shape ids into the rows' packed bytes (they arrive with indexes into rows.shapes). */
export async function assignShapeIds(db: Db, rows: MatchRows): Promise<void> {
  if (rows.count === 0) return;
  const ids = await shapeBook(db).ids(rows.shapes);
  const view = new DataView(rows.packed.buffer, rows.packed.byteOffset, rows.packed.byteLength);
  for (let i = 0; i < rows.count; i++) {
    const at = i === 0 ? 0 : rows.packed_end[i - 1]!;
    view.setUint32(at, ids.get(rows.shapes[view.getUint32(at, true)]!)!, true);
  }
}

function aborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('the run was cancelled');
}

export async function saveMatchRows(db: Db, rows: MatchRows, options: SaveOptions = {}): Promise<SaveCounts> {
  aborted(options.signal);
  await assignShapeIds(db, rows);
  return db.transaction().execute((tx) => writeRows(tx, rows, options));
}

/**
 * The same inside the caller's transaction (a full run stores its matches and its plan together),
 * after `assignShapeIds` outside it (the writer connection is the transaction's until it ends; a
 * shape row is harmless if the run rolls back).
 */
export function saveMatchRowsWithin(tx: Transaction<Database>, rows: MatchRows, options: SaveOptions = {}): Promise<SaveCounts> {
  aborted(options.signal);
  return writeRows(tx, rows, options);
}

async function writeRows(tx: Transaction<Database>, rows: MatchRows, options: SaveOptions): Promise<SaveCounts> {
  const now = new Date().toISOString();
  const run = (sql: string, parameters: unknown[] = []) => tx.executeQuery<Record<string, unknown>>(CompiledQuery.raw(sql, parameters));
  const scope = options.flowId === undefined ? '' : ' WHERE supply_flow_id = ? OR demand_flow_id = ?';
  const existing = new Map<string, { status: string; hash: number | null }>();
  for (const r of (await run(`SELECT id, status, content_hash FROM matches${scope}`, options.flowId === undefined ? [] : [options.flowId, options.flowId])).rows) {
    existing.set(r.id as string, { status: r.status as string, hash: r.content_hash as number | null });
  }
  const keep = new Set(rows.id);
  const stale = [...existing].filter(([id, r]) => !keep.has(id) && r.status === 'suggested').map(([id]) => id);
  for (let i = 0; i < stale.length; i += 500) {
    const part = stale.slice(i, i + 500);
    await run(`DELETE FROM matches WHERE id IN (${part.map(() => '?').join(',')})`, part);
  }
  let created = 0;
  let updated = 0;
  let same = 0;
  const write: number[] = [];
  for (let i = 0; i < rows.count; i++) {
    const stored = existing.get(rows.id[i]!);
    if (!stored) created += 1;
    else if (stored.hash === rows.content_hash[i]) {
      same += 1;
      continue;
    } else updated += 1;
    write.push(i);
  }
  const fullSql = upsertSql(ROWS_PER_STATEMENT, now);
  for (let k = 0; k < write.length; k += ROWS_PER_STATEMENT) {
    aborted(options.signal);
    const part = write.slice(k, k + ROWS_PER_STATEMENT);
    const values: unknown[] = [];
    for (const i of part) params(rows, i, values);
    await run(part.length === ROWS_PER_STATEMENT ? fullSql : upsertSql(part.length, now), values);
    options.onProgress?.(Math.min(k + ROWS_PER_STATEMENT, write.length), write.length);
  }
  aborted(options.signal);
  return { created, updated, unchanged: same, removed: stale.length };
}
