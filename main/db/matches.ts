/**
 * Matches in the local graph: what the engine computed (replaced on every run) and where each
 * match stands in its lifecycle (kept across runs, changed only by a user's transition, with an
 * audit event and a change-log entry).
 *
 * Engine output is derived data: it is recomputed on every laptop from the synced flows, so it is
 * not written to the change log. Lifecycle transitions are user decisions and are.
 *
 * Storage (migration 8, docs/matching.md "Storage"): what lists, filters and the map use is in
 * columns (score, type, route, distance, status, NPV, plan share); scores, economics and the
 * explanation are packed (match-codec.ts: shapes stored once, the sensitivity table and the
 * exchange-cost totals priced again on reading); a re-run rewrites only the matches that changed.
 */
import { sql, type Selectable, type Transaction } from 'kysely';
import { MATCH_STATUSES, type MatchStatus } from '../domain/field-entities.ts';
import { applyTransition, LifecycleError, type TransitionRequest } from '../domain/match-lifecycle.ts';
import { LoggedWriter } from './change-log.ts';
import type { Db } from './database.ts';
import { ConflictError, NotFoundError, ValidationError } from './errors.ts';
import type { Page } from './repository.ts';
import type { Database, MatchesTable, MatchEventsTable } from './schema.ts';
import { decode, encode, pack, shapeIdOf, unpack, type JoinedFacts, type PricingConstants } from './match-codec.ts';

/** The engine's match as the store needs it (structurally the EngineMatch of main/matching). */
export interface ComputedMatch {
  id: string;
  supply_flow_id: string;
  demand_flow_id: string;
  type: string;
  score: number;
  scores: Record<string, number>;
  distance_km: number;
  route: 'automated' | 'facilitated';
  relaxed: string[];
  binding_constraint: string | null;
  assumptions: string[];
  economics: object;
  engine_version: string;
}

const HEADLINE = new Set([
  'id',
  'supply_flow_id',
  'demand_flow_id',
  'type',
  'score',
  'scores',
  'distance_km',
  'route',
  'relaxed',
  'binding_constraint',
  'assumptions',
  'economics',
  'engine_version',
]);

export interface MatchSide {
  flow_id: string;
  flow_name: string;
  flow_type: string;
  site_id: string;
  site_name: string;
  organization_id: string;
  organization_name: string;
  lat: number;
  lon: number;
  country: string;
}

export interface MatchRecord {
  id: string;
  type: string;
  score: number;
  scores: Record<string, number>;
  distance_km: number;
  route: 'automated' | 'facilitated';
  relaxed: string[];
  binding_constraint: string | null;
  assumptions: string[];
  economics: Record<string, unknown>;
  detail: Record<string, unknown>;
  engine_version: string;
  /** 'v1': priced by the version-1 method (annual averages, one pipe, 2 %/km), stored before version 2; shown as such. */
  priced_by: 'v1' | 'v2';
  /** The regional plan's allocation of this match (null: an alternative outside the plan). */
  plan: { share: number; allocation: Record<string, unknown> } | null;
  status: MatchStatus;
  status_reason: string | null;
  reserved_until: string | null;
  version: number;
  created_at: string;
  updated_at: string;
  supply: MatchSide;
  demand: MatchSide;
}

export interface MatchFilter {
  offset?: number;
  limit?: number;
  type?: string;
  min_score?: number;
  route?: 'automated' | 'facilitated';
  status?: MatchStatus;
  max_km?: number;
  /** Matches involving this flow, or any flow of this site. */
  flow_id?: string;
  site_id?: string;
  order?: 'score' | 'npv' | 'distance';
  /** true: plan members only; false: alternatives outside the plan only. */
  in_plan?: boolean;
}

export type MatchEventRecord = Selectable<MatchEventsTable>;

function sideColumns(p: 's' | 'd') {
  return [
    `${p}f.id as ${p}_flow_id`,
    `${p}f.name as ${p}_flow_name`,
    `${p}f.type as ${p}_flow_type`,
    `${p}s.id as ${p}_site_id`,
    `${p}s.name as ${p}_site_name`,
    `${p}s.lat as ${p}_lat`,
    `${p}s.lon as ${p}_lon`,
    `${p}s.country as ${p}_country`,
    `${p}o.id as ${p}_org_id`,
    `${p}o.name as ${p}_org_name`,
  ] as const;
}
const SIDES = [...sideColumns('s'), ...sideColumns('d')];

type JoinedRow = Selectable<MatchesTable> & Record<string, unknown>;

/** Matches stored by engine version 1 (annual averages, one pipe, 2 %/km): readable, marked as priced by the earlier method. */
const isVersion1 = (engineVersion: string) => engineVersion === '' || engineVersion.startsWith('turash-matching/1.');

function side(row: JoinedRow, p: 's' | 'd'): MatchSide {
  return {
    flow_id: row[`${p}_flow_id`] as string,
    flow_name: row[`${p}_flow_name`] as string,
    flow_type: row[`${p}_flow_type`] as string,
    site_id: row[`${p}_site_id`] as string,
    site_name: row[`${p}_site_name`] as string,
    organization_id: row[`${p}_org_id`] as string,
    organization_name: row[`${p}_org_name`] as string,
    lat: row[`${p}_lat`] as number,
    lon: row[`${p}_lon`] as number,
    country: row[`${p}_country`] as string,
  };
}

function fromRow(row: JoinedRow, book: ShapeBook): MatchRecord {
  const joined: JoinedFacts = { supply_organization_id: row.s_org_id as string, demand_organization_id: row.d_org_id as string, demand_type: row.d_flow_type as string };
  const stored = row.packed ? book.decode(row.packed, joined) : { scores: JSON.parse(row.scores), economics: JSON.parse(row.economics), detail: JSON.parse(row.detail) };
  return {
    id: row.id,
    type: row.type,
    score: row.score,
    scores: stored.scores,
    distance_km: row.distance_km,
    route: row.route,
    relaxed: JSON.parse(row.relaxed),
    binding_constraint: row.binding_constraint,
    assumptions: JSON.parse(row.assumptions),
    economics: stored.economics,
    detail: stored.detail,
    engine_version: row.engine_version,
    priced_by: isVersion1(row.engine_version) ? 'v1' : 'v2',
    plan: row.plan_share === null || row.plan_share === undefined ? null : { share: row.plan_share, allocation: JSON.parse(row.plan_allocation ?? '{}') },
    status: row.status as MatchStatus,
    status_reason: row.status_reason,
    reserved_until: row.reserved_until,
    version: row.version,
    created_at: row.created_at,
    updated_at: row.updated_at,
    supply: side(row, 's'),
    demand: side(row, 'd'),
  };
}

/** The explanation: every key of the engine's record beyond the headline columns. */
const detailOf = (m: ComputedMatch): Record<string, unknown> => Object.fromEntries(Object.entries(m).filter(([key]) => !HEADLINE.has(key)));

const finiteOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The columns a run writes (the lifecycle columns are the user's). The keyed JSON columns stay empty: `packed` holds them. */
function computedColumns(m: ComputedMatch, packed: Buffer) {
  return {
    type: m.type,
    score: m.score,
    scores: '',
    distance_km: m.distance_km,
    route: m.route,
    relaxed: JSON.stringify(m.relaxed),
    economics: '',
    binding_constraint: m.binding_constraint,
    assumptions: JSON.stringify(m.assumptions),
    engine_version: m.engine_version,
    detail: '',
    packed,
    npv_eur: finiteOrNull((m.economics as { npv_eur?: unknown }).npv_eur),
  };
}
type ComputedColumns = ReturnType<typeof computedColumns>;
const COMPUTED_KEYS = Object.keys(computedColumns({ scores: {}, economics: {}, relaxed: [], assumptions: [] } as unknown as ComputedMatch, Buffer.alloc(0))) as (keyof ComputedColumns)[];

/** True when the stored row already holds exactly these computed columns (then it is not rewritten). */
function unchanged(stored: Record<string, unknown>, next: ComputedColumns): boolean {
  for (const k of COMPUTED_KEYS) {
    const a = stored[k];
    const b = next[k];
    if (b instanceof Uint8Array) {
      if (!(a instanceof Uint8Array) || Buffer.compare(a, b) !== 0) return false;
    } else if (a !== b) return false;
  }
  return true;
}

/**
 * The shapes of packed matches (table match_shapes), cached: a handful of rows, read once.
 * One per database handle (WeakMap), so every store reading matches shares what it learnt.
 */
export class ShapeBook {
  readonly #db: Db;
  readonly #byId = new Map<number, string>();
  readonly #byShape = new Map<string, number>();
  constructor(db: Db) {
    this.#db = db;
  }

  async #load(): Promise<void> {
    for (const r of await this.#db.selectFrom('match_shapes').select(['id', 'shape']).execute()) {
      this.#byId.set(r.id, r.shape);
      this.#byShape.set(r.shape, r.id);
    }
  }

  /** Makes sure every shape the rows use is known (reads the table again when one is new). */
  async ready(rows: readonly { packed?: Uint8Array | null }[]): Promise<void> {
    for (const r of rows) if (r.packed && !this.#byId.has(shapeIdOf(r.packed))) return this.#load();
  }

  /** Ids of these shapes, adding the new ones (outside any run's transaction: a shape is harmless if the run rolls back). */
  async ids(shapes: Iterable<string>): Promise<Map<string, number>> {
    const missing = [...new Set(shapes)].filter((s) => !this.#byShape.has(s));
    if (missing.length) {
      if (this.#byShape.size === 0) await this.#load();
      const add = missing.filter((s) => !this.#byShape.has(s));
      if (add.length) await this.#db.insertInto('match_shapes').values(add.map((shape) => ({ shape }))).onConflict((oc) => oc.column('shape').doNothing()).execute();
      await this.#load();
    }
    return this.#byShape;
  }

  decode(packed: Uint8Array, joined?: JoinedFacts): ReturnType<typeof unpack> {
    const { shapeId: id, leaves } = decode(packed);
    const shape = this.#byId.get(id);
    if (shape === undefined) throw new Error(`a stored match refers to shape ${id}, which is missing from the table match_shapes (the database is damaged)`);
    return unpack(shape, leaves, joined);
  }
}

const books = new WeakMap<object, ShapeBook>();
export function shapeBook(db: Db): ShapeBook {
  let book = books.get(db);
  if (!book) books.set(db, (book = new ShapeBook(db)));
  return book;
}

/** The stored economics of a row that has `packed` and `economics` (packed first). */
export async function storedEconomics(db: Db, rows: readonly { packed: Uint8Array | null; economics: string }[]): Promise<Record<string, unknown>[]> {
  const book = shapeBook(db);
  await book.ready(rows);
  return rows.map((r) => (r.packed ? book.decode(r.packed).economics : (JSON.parse(r.economics) as Record<string, unknown>)));
}

const CHUNK = 150;

export class MatchStore {
  readonly #db: Db;
  constructor(db: Db) {
    this.#db = db;
  }

  /**
   * Replaces the engine's suggestions in `scope` (every match, or those involving one flow) with
   * `matches`. Matches someone has acted on (negotiating and beyond) keep their lifecycle and get
   * fresh numbers; a suggestion the engine no longer makes is removed; a match in progress that
   * the engine no longer makes stays, with its last numbers, for the facilitator to close.
   * Only what changed is written: a match whose stored columns equal the new ones is left alone
   * (`unchanged`). `pricing` (the run's annuity factor and maintenance rate) lets the store drop
   * the figures it can price again on reading (match-codec.ts).
   */
  async saveRun(
    matches: ComputedMatch[],
    scope: { flowId?: string } = {},
    onProgress?: (done: number, total: number) => void,
    pricing?: PricingConstants,
  ): Promise<{ created: number; updated: number; unchanged: number; removed: number }> {
    const now = new Date().toISOString();
    const packed = matches.map((m) => pack(m.scores, m.economics, detailOf(m), pricing));
    const ids = await shapeBook(this.#db).ids(packed.map((p) => p.shape));
    const columns = matches.map((m, i) => computedColumns(m, encode(ids.get(packed[i]!.shape)!, packed[i]!.leaves)));
    return this.#db.transaction().execute(async (tx) => {
      const inScope = tx.selectFrom('matches').select(['id', 'status', ...COMPUTED_KEYS]);
      const scoped = scope.flowId ? inScope.where((eb) => eb.or([eb('supply_flow_id', '=', scope.flowId!), eb('demand_flow_id', '=', scope.flowId!)])) : inScope;
      const existing = new Map((await scoped.execute()).map((r) => [r.id, r as Record<string, unknown>]));
      const keep = new Set(matches.map((m) => m.id));
      const stale = [...existing].filter(([id, r]) => !keep.has(id) && r.status === 'suggested').map(([id]) => id);
      for (let i = 0; i < stale.length; i += 500) await tx.deleteFrom('matches').where('id', 'in', stale.slice(i, i + 500)).execute();
      let created = 0;
      let updated = 0;
      let same = 0;
      for (let i = 0; i < matches.length; i += CHUNK) {
        const fresh = [];
        for (let j = i; j < Math.min(i + CHUNK, matches.length); j++) {
          const m = matches[j]!;
          const stored = existing.get(m.id);
          if (!stored) fresh.push({ id: m.id, supply_flow_id: m.supply_flow_id, demand_flow_id: m.demand_flow_id, ...columns[j]!, status: 'suggested', version: 1, created_at: now, updated_at: now });
          else if (unchanged(stored, columns[j]!)) same += 1;
          else {
            await tx.updateTable('matches').set(columns[j]!).where('id', '=', m.id).execute();
            updated += 1;
          }
        }
        if (fresh.length) {
          await tx.insertInto('matches').values(fresh).execute();
          created += fresh.length;
        }
        onProgress?.(Math.min(i + CHUNK, matches.length), matches.length);
      }
      return { created, updated, unchanged: same, removed: stale.length };
    });
  }

  #joined(tx: Db | Transaction<Database> = this.#db) {
    return tx
      .selectFrom('matches as m')
      .innerJoin('flows as sf', 'sf.id', 'm.supply_flow_id')
      .innerJoin('sites as ss', 'ss.id', 'sf.site_id')
      .innerJoin('organizations as so', 'so.id', 'ss.organization_id')
      .innerJoin('flows as df', 'df.id', 'm.demand_flow_id')
      .innerJoin('sites as ds', 'ds.id', 'df.site_id')
      .innerJoin('organizations as do', 'do.id', 'ds.organization_id');
  }

  async list(filter: MatchFilter = {}): Promise<Page<MatchRecord>> {
    const offset = Math.max(0, filter.offset ?? 0);
    const limit = Math.min(5000, Math.max(1, filter.limit ?? 100));
    let q = this.#joined();
    if (filter.type) q = q.where('m.type', '=', filter.type);
    if (filter.min_score !== undefined) q = q.where('m.score', '>=', filter.min_score);
    if (filter.route) q = q.where('m.route', '=', filter.route);
    if (filter.status) q = q.where('m.status', '=', filter.status);
    if (filter.max_km !== undefined) q = q.where('m.distance_km', '<=', filter.max_km);
    if (filter.flow_id) q = q.where((eb) => eb.or([eb('m.supply_flow_id', '=', filter.flow_id!), eb('m.demand_flow_id', '=', filter.flow_id!)]));
    if (filter.site_id) q = q.where((eb) => eb.or([eb('ss.id', '=', filter.site_id!), eb('ds.id', '=', filter.site_id!)]));
    if (filter.in_plan !== undefined) q = q.where('m.plan_share', filter.in_plan ? 'is not' : 'is', null);
    const { total } = await q.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
    const order =
      filter.order === 'npv' ? sql`m.npv_eur DESC` : filter.order === 'distance' ? sql`m.distance_km ASC` : sql`m.score DESC`;
    const rows = await q
      .selectAll('m')
      .select(SIDES as never)
      .orderBy(order)
      .orderBy('m.id')
      .limit(limit)
      .offset(offset)
      .execute();
    const book = shapeBook(this.#db);
    await book.ready(rows as JoinedRow[]);
    return { items: (rows as JoinedRow[]).map((r) => fromRow(r, book)), total, offset, limit };
  }

  async get(id: string): Promise<MatchRecord & { events: MatchEventRecord[] }> {
    const row = await this.#joined()
      .selectAll('m')
      .select(SIDES as never)
      .where('m.id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('match', id);
    const events = await this.#db.selectFrom('match_events').selectAll().where('match_id', '=', id).orderBy('id').execute();
    const book = shapeBook(this.#db);
    await book.ready([row as JoinedRow]);
    return { ...fromRow(row as JoinedRow, book), events };
  }

  /** Moves a match through its lifecycle: version-checked, audited, change-logged. */
  async transition(id: string, request: TransitionRequest, actor: string): Promise<MatchRecord & { events: MatchEventRecord[] }> {
    const now = new Date();
    await this.#db.transaction().execute(async (tx) => {
      const current = await tx.selectFrom('matches').select(['status', 'version', 'reserved_until', 'status_reason']).where('id', '=', id).executeTakeFirst();
      if (!current) throw new NotFoundError('match', id);
      if (current.version !== request.version) throw new ConflictError('match', id, request.version, current.version);
      if (!(MATCH_STATUSES as readonly string[]).includes(current.status)) throw new Error(`match "${id}" has an unknown status "${current.status}"`);
      let next;
      try {
        next = applyTransition({ ...current, status: current.status as MatchStatus }, request, now);
      } catch (error) {
        if (error instanceof LifecycleError) throw new ValidationError(`match "${id}"`, [{ field: error.field, message: error.message }]);
        throw error;
      }
      const at = now.toISOString();
      await tx.updateTable('matches').set({ ...next, updated_at: at }).where('id', '=', id).execute();
      await tx
        .insertInto('match_events')
        .values({ match_id: id, at, actor, action: `status:${next.status}`, from_status: current.status, to_status: next.status, note: request.note ?? null })
        .execute();
      await new LoggedWriter(tx, at).logUpsert('match', id, { status: next.status, reserved_until: next.reserved_until, status_reason: next.status_reason });
    });
    return this.get(id);
  }

  async counts(): Promise<{ total: number; automated: number; facilitated: number; by_status: Record<string, number> }> {
    const rows = await this.#db.selectFrom('matches').select(['route', 'status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy(['route', 'status']).execute();
    const result = { total: 0, automated: 0, facilitated: 0, by_status: {} as Record<string, number> };
    for (const r of rows) {
      result.total += r.n;
      result[r.route] += r.n;
      result.by_status[r.status] = (result.by_status[r.status] ?? 0) + r.n;
    }
    return result;
  }
}
