/**
 * The time series of meter points: raw samples and their per-minute / per-hour aggregates
 * (migration 3, measurement-schema.ts). Repository.measurements; main/ingest drives it and holds
 * no SQL of its own.
 *
 * Why batches travel as ONE JSON parameter (json_each): the sqlite3 driver costs a thread-pool
 * round trip per statement, so a statement per sample tops out near 10-20k samples/s; one
 * INSERT ... SELECT over jsonb_each(?) stores thousands of samples in a single step, with no
 * bound-parameter limit to chunk around.
 */
import { sql } from 'kysely';
import { setWalCheckpointPages } from '../../sync/storage/sqlite-pragmas.ts';
import { openDatabase, type Db } from './database.ts';

export interface MeasurementRow {
  point_id: string;
  ts_ms: number;
  received_ms: number;
  value: number | null;
  quality: 'good' | 'uncertain' | 'bad';
  status: string | null;
}

/** One stored row, as RETURNING gives it back: what was actually inserted (duplicates are not). */
export interface InsertedSample {
  point_id: string;
  ts_ms: number;
  value: number | null;
  quality: string;
}

export type Resolution = 'minute' | 'hour';
export const BUCKET_MS: Record<Resolution, number> = { minute: 60_000, hour: 3_600_000 };
const AGG_TABLE: Record<Resolution, 'measurement_minutes' | 'measurement_hours'> = {
  minute: 'measurement_minutes',
  hour: 'measurement_hours',
};

export interface AggregateBucket {
  point_id: string;
  bucket_ms: number;
  count: number;
  good_count: number;
  min: number | null;
  max: number | null;
  sum: number | null;
  first_ms: number | null;
  first: number | null;
  last_ms: number | null;
  last: number | null;
}

/** A bucket with its average (sum / good_count) for charts. */
export type AggregatePoint = AggregateBucket & { avg: number | null };

export interface CommitOutcome {
  inserted: InsertedSample[];
}

/** Sums the inserted samples of one batch into buckets of `bucketMs` (the same rules as the SQL). */
export function bucketize(samples: InsertedSample[], bucketMs: number): AggregateBucket[] {
  const buckets = new Map<string, AggregateBucket>();
  let b: AggregateBucket | undefined;
  for (const s of samples) {
    const bucket_ms = Math.floor(s.ts_ms / bucketMs) * bucketMs;
    // The map is only consulted when the bucket changes from the previous sample's: batches come
    // sorted by point and time, so that is once per bucket instead of a string key per sample (this
    // runs on the main thread, where every millisecond delays API calls).
    if (!b || b.point_id !== s.point_id || b.bucket_ms !== bucket_ms) {
      const key = `${s.point_id}\u0000${bucket_ms}`;
      b = buckets.get(key);
      if (!b) {
        b = { point_id: s.point_id, bucket_ms, count: 0, good_count: 0, min: null, max: null, sum: null, first_ms: null, first: null, last_ms: null, last: null };
        buckets.set(key, b);
      }
    }
    b.count += 1;
    if (s.quality !== 'good') continue;
    b.good_count += 1;
    const v = s.value;
    if (v === null) continue;
    b.min = b.min === null ? v : Math.min(b.min, v);
    b.max = b.max === null ? v : Math.max(b.max, v);
    b.sum = (b.sum ?? 0) + v;
    if (b.first_ms === null || s.ts_ms < b.first_ms) {
      b.first_ms = s.ts_ms;
      b.first = v;
    }
    if (b.last_ms === null || s.ts_ms > b.last_ms) {
      b.last_ms = s.ts_ms;
      b.last = v;
    }
  }
  return [...buckets.values()];
}

const AGG_COLUMNS = ['point_id', 'bucket_ms', 'count', 'good_count', 'min', 'max', 'sum', 'first_ms', 'first', 'last_ms', 'last'] as const;

/**
 * Merges a batch's buckets into the stored ones. Multi-argument min()/max() return NULL when either
 * side is NULL, hence the coalesce; every right-hand side reads the row as it was before the update.
 */
function upsertQuery(table: string, json: string) {
  const t = table;
  return sql`INSERT INTO ${sql.raw(t)} (${sql.raw(AGG_COLUMNS.join(', '))})
    SELECT ${sql.raw(AGG_COLUMNS.map((_, i) => `j.value->>${i}`).join(', '))} FROM jsonb_each(${json}) j WHERE true
    ON CONFLICT (point_id, bucket_ms) DO UPDATE SET ${sql.raw(`
      count = ${t}.count + excluded.count,
      good_count = ${t}.good_count + excluded.good_count,
      min = coalesce(min(${t}.min, excluded.min), ${t}.min, excluded.min),
      max = coalesce(max(${t}.max, excluded.max), ${t}.max, excluded.max),
      sum = coalesce(${t}.sum + excluded.sum, ${t}.sum, excluded.sum),
      first = CASE WHEN excluded.first_ms IS NOT NULL AND (${t}.first_ms IS NULL OR excluded.first_ms < ${t}.first_ms) THEN excluded.first ELSE ${t}.first END,
      first_ms = CASE WHEN excluded.first_ms IS NOT NULL AND (${t}.first_ms IS NULL OR excluded.first_ms < ${t}.first_ms) THEN excluded.first_ms ELSE ${t}.first_ms END,
      last = CASE WHEN excluded.last_ms IS NOT NULL AND (${t}.last_ms IS NULL OR excluded.last_ms > ${t}.last_ms) THEN excluded.last ELSE ${t}.last END,
      last_ms = CASE WHEN excluded.last_ms IS NOT NULL AND (${t}.last_ms IS NULL OR excluded.last_ms > ${t}.last_ms) THEN excluded.last_ms ELSE ${t}.last_ms END`)}`;
}

/** WAL pages between automatic checkpoints on the recorder's connection (openWriter). */
export const WRITER_CHECKPOINT_PAGES = 4_000;

class NotAllNew extends Error {}

/**
 * jsonb_each, not json_each: its `value` is the row as JSONB, which ->> reads in place; json_each
 * renders each row back to JSON text that every ->> parses again (the read side of the insert
 * about 30 % cheaper, measured).
 *
 * The fast path (`returning` false) leaves out the `IN (SELECT id FROM points)` filter: the
 * foreign key (foreign_keys=ON on every connection, database.ts) already looks each point up, and
 * a point deleted while the batch waited fails the statement ("FOREIGN KEY constraint failed"),
 * which sends the batch to the slow path below, where the filter drops those rows as before.
 */
function insertQuery(payload: string, returning: boolean) {
  return sql<InsertedSample>`
    INSERT OR IGNORE INTO measurements (point_id, ts_ms, received_ms, value, quality, status)
    SELECT j.value->>0, j.value->>1, j.value->>2, j.value->>3, j.value->>4, j.value->>5
    FROM jsonb_each(${payload}) j
    ${returning ? sql`WHERE j.value->>0 IN (SELECT id FROM points) RETURNING point_id, ts_ms, value, quality` : sql``}`;
}

const isForeignKeyFailure = (error: unknown) => error instanceof Error && /FOREIGN KEY constraint failed/.test(error.message);

const withAvg = (b: AggregateBucket): AggregatePoint => ({ ...b, avg: b.sum !== null && b.good_count > 0 ? b.sum / b.good_count : null });

export class MeasurementStore {
  readonly #db: Db;
  readonly #owned: boolean;

  constructor(db: Db, owned = false) {
    this.#db = db;
    this.#owned = owned;
  }

  /**
   * A store on its OWN connection to the database file, for the recorder. Why: the Repository's
   * single connection serialises every caller (a FIFO mutex), so an API read would queue behind
   * each batch transaction; with a second connection, WAL lets reads run while a batch commits and
   * only other writers wait for the write lock (busy_timeout). ':memory:' has no file to share:
   * the caller keeps using the Repository's store there.
   */
  static async openWriter(path: string): Promise<MeasurementStore> {
    const db = await openDatabase(path);
    // Checkpoint every WRITER_CHECKPOINT_PAGES instead of SQLite's 1,000 pages. Why: a batch of
    // many points dirties about one measurements leaf page per point (plus the aggregate pages),
    // i.e. over 1,000 pages, so at the default every commit ran a checkpoint that copied the same
    // hot pages back into the file (with its own fsyncs). Checkpointing every ~16 MB of WAL copies
    // each hot page once per several batches: 15-20 % less time per batch (interleaved A/B of
    // commitBatch; 10,000 pages gained more, but the Repository's connection, which keeps the
    // default threshold, inherits whatever WAL is left when it commits, and a bigger leftover
    // showed as API p99 spikes during a re-match). Durability is unchanged: every commit still
    // fsyncs the WAL (synchronous=FULL); the checkpoint only moves committed pages into the main
    // file. journal_size_limit truncates the WAL back after a checkpoint, so the file on disk stays
    // bounded.
    await setWalCheckpointPages(db, WRITER_CHECKPOINT_PAGES);
    return new MeasurementStore(db, true);
  }

  /**
   * Moves the committed WAL pages into the main file (PASSIVE: never waits for readers), on a store
   * from openWriter only. The recorder calls it when ingestion goes idle. Why: with checkpoints
   * every WRITER_CHECKPOINT_PAGES, up to ~16 MB of WAL can be left behind when a recording stops,
   * and the next commit on the Repository's connection (default threshold) would otherwise copy it
   * all while holding that connection, so API calls would queue behind it. A no-op on the Repository's own connection.
   */
  async checkpoint(): Promise<void> {
    if (this.#owned) await sql`PRAGMA wal_checkpoint(PASSIVE)`.execute(this.#db);
  }

  /** Closes the connection of a store from openWriter (a no-op for the Repository's). */
  async close(): Promise<void> {
    if (this.#owned) await this.#db.destroy();
  }

  /**
   * Stores a batch and its aggregates in ONE transaction. Rows whose (point, source timestamp)
   * already exists are ignored, as are rows of points that no longer exist (deleted while the
   * batch waited: their series went with them). Returns the rows actually inserted.
   */
  async commitBatch(rows: MeasurementRow[]): Promise<CommitOutcome> {
    if (rows.length === 0) return { inserted: [] };
    // In key order: consecutive inserts land on the same B-tree leaf pages (about twice as fast as
    // the interleaved order in which many points' samples arrive).
    const sorted = [...rows].sort((a, b) => (a.point_id < b.point_id ? -1 : a.point_id > b.point_id ? 1 : a.ts_ms - b.ts_ms));
    const payload = JSON.stringify(sorted.map((r) => [r.point_id, r.ts_ms, r.received_ms, r.value, r.quality, r.status]));
    // Fast path: all rows new (the normal case of a live recording), checked by changes(); RETURNING
    // would cost more than the insert itself. Any duplicate or vanished point (changes() short, or
    // the foreign key failing) rolls the attempt back and the slow path learns from RETURNING
    // exactly which rows went in.
    const fast = await this.#db
      .transaction()
      .execute(async (tx) => {
        await insertQuery(payload, false).execute(tx);
        const { rows: changed } = await sql<{ n: number }>`SELECT changes() AS n`.execute(tx);
        if (changed[0]?.n !== rows.length) throw new NotAllNew();
        await this.#aggregate(tx, sorted);
        return { inserted: rows as InsertedSample[] };
      })
      .catch((error: unknown) => {
        if (error instanceof NotAllNew || isForeignKeyFailure(error)) return undefined;
        throw error;
      });
    if (fast) return fast;
    return this.#db.transaction().execute(async (tx) => {
      const { rows: inserted } = await insertQuery(payload, true).execute(tx);
      await this.#aggregate(tx, inserted);
      return { inserted };
    });
  }

  async #aggregate(tx: Db, inserted: InsertedSample[]): Promise<void> {
    for (const resolution of ['minute', 'hour'] as const) {
      const buckets = bucketize(inserted, BUCKET_MS[resolution]);
      if (buckets.length === 0) continue;
      const json = JSON.stringify(buckets.map((b) => AGG_COLUMNS.map((c) => b[c])));
      await upsertQuery(AGG_TABLE[resolution], json).execute(tx);
    }
  }

  /** The ids among `ids` that are meter points. */
  async existingPoints(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const { rows } = await sql<{ id: string }>`SELECT id FROM points WHERE id IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`.execute(this.#db);
    return new Set(rows.map((r) => r.id));
  }

  /** Flow ids the given points are linked to (points.flow_id), per point. */
  async flowsOfPoints(ids: string[]): Promise<Map<string, string | null>> {
    if (ids.length === 0) return new Map();
    const { rows } = await sql<{ id: string; flow_id: string | null }>`
      SELECT id, flow_id FROM points WHERE id IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`.execute(this.#db);
    return new Map(rows.map((r) => [r.id, r.flow_id]));
  }

  /** The points of a flow with what evaluation needs (role, unit, device, protocol options). */
  async pointsOfFlow(flowId: string): Promise<{ id: string; device_id: string; role: string | null; unit: string | null; config: Record<string, unknown> | null }[]> {
    const { rows } = await sql<{ id: string; device_id: string; role: string | null; unit: string | null; config: string | null }>`
      SELECT id, device_id, role, unit, config FROM points WHERE flow_id = ${flowId} ORDER BY id`.execute(this.#db);
    return rows.map((r) => ({ ...r, config: r.config ? (JSON.parse(r.config) as Record<string, unknown>) : null }));
  }

  /** Raw samples of a point in [fromMs, toMs), oldest first. */
  async raw(pointId: string, fromMs: number, toMs: number, limit = 100_000): Promise<MeasurementRow[]> {
    const { rows } = await sql<MeasurementRow>`
      SELECT point_id, ts_ms, received_ms, value, quality, status FROM measurements
      WHERE point_id = ${pointId} AND ts_ms >= ${fromMs} AND ts_ms < ${toMs}
      ORDER BY ts_ms LIMIT ${Math.max(1, Math.floor(limit))}`.execute(this.#db);
    return rows;
  }

  /** Per-minute or per-hour buckets of a point whose start lies in [fromMs, toMs), oldest first. */
  async aggregates(pointId: string, resolution: Resolution, fromMs: number, toMs: number): Promise<AggregatePoint[]> {
    const { rows } = await sql<AggregateBucket>`
      SELECT ${sql.raw(AGG_COLUMNS.join(', '))} FROM ${sql.table(AGG_TABLE[resolution])}
      WHERE point_id = ${pointId} AND bucket_ms >= ${fromMs} AND bucket_ms < ${toMs}
      ORDER BY bucket_ms`.execute(this.#db);
    return rows.map(withAvg);
  }

  /** How many raw samples a point has in [fromMs, toMs). */
  async rawCount(pointId: string, fromMs: number, toMs: number): Promise<number> {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*) AS n FROM measurements WHERE point_id = ${pointId} AND ts_ms >= ${fromMs} AND ts_ms < ${toMs}`.execute(this.#db);
    return rows[0]?.n ?? 0;
  }

  /**
   * Deletes raw samples older than `rawBeforeMs` (and minute buckets older than `minuteBeforeMs`
   * when given), point by point: the primary key leads with point_id, so each delete is a range
   * scan, and short transactions never hold the writer long against the recorder.
   */
  async prune(rawBeforeMs: number, minuteBeforeMs?: number): Promise<{ raw: number; minutes: number }> {
    const { rows: points } = await sql<{ id: string }>`SELECT id FROM points ORDER BY id`.execute(this.#db);
    let raw = 0;
    let minutes = 0;
    for (const { id } of points) {
      const r = await this.#db.deleteFrom('measurements').where('point_id', '=', id).where('ts_ms', '<', rawBeforeMs).executeTakeFirst();
      raw += Number(r.numDeletedRows);
      if (minuteBeforeMs !== undefined) {
        const m = await this.#db
          .withTables<{ measurement_minutes: { point_id: string; bucket_ms: number } }>()
          .deleteFrom('measurement_minutes')
          .where('point_id', '=', id)
          .where('bucket_ms', '<', minuteBeforeMs)
          .executeTakeFirst();
        minutes += Number(m.numDeletedRows);
      }
    }
    return { raw, minutes };
  }
}
