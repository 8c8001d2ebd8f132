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
import type { JoinedFacts, PricingConstants } from './match-codec.ts';
import { packRows, type ComputedMatch, type MatchRows } from './match-rows.ts';
import { shapeBook, type ShapeBook } from './match-shapes.ts';
import { assignShapeIds, saveMatchRows, saveMatchRowsWithin, type SaveCounts, type SaveOptions } from './match-writer.ts';
import { joinedMatches } from './match-join.ts';
import { EconomicsKeys } from './match-figures.ts';

export type { ComputedMatch } from './match-rows.ts';
export { ShapeBook, shapeBook, storedEconomics } from './match-shapes.ts';

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

/** The economics keys the exchange graph reads (main/matching/graph/exchange-graph.ts GraphMatch). */
const GRAPH_ECONOMICS = ['annual_value_eur', 'npv_eur', 'co2_t_per_year', 'delivered_per_year'] as const;

/** A stored match as the graph analytics read it (`MatchStore.forGraph`). */
export interface GraphRow {
  id: string;
  supply_flow_id: string;
  demand_flow_id: string;
  score: number;
  distance_km: number;
  status: MatchStatus;
  plan: MatchRecord['plan'];
  /** Of the stored economics, the keys the graph reads (undefined where a match has none). */
  economics: { annual_value_eur?: number; npv_eur?: number; co2_t_per_year?: number; delivered_per_year?: { amount: number; unit: string } };
}

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

/**
 * The list filter as conditions on `matches` alone. A site's matches are those of its flows (the
 * flows_site index), the same rows the join's `ss.id = site OR ds.id = site` named.
 *
 * The status and plan terms are written `+m.status`, `+m.plan_share`: the unary plus keeps SQLite
 * from picking matches_status or matches_plan for them. Without statistics it guesses that an
 * equality leaves ~10 rows, and would then sort every suggestion (236,551 on 50,000 flows) for a
 * page, or read each of them from the table to test the other filters. So a page or a count
 * reads the list index (every filtered column is in it), or a flow's or a site's few matches by
 * the flow indexes.
 */
function filtered(db: Db | Transaction<Database>, filter: MatchFilter) {
  let q = db.selectFrom('matches as m');
  if (filter.type) q = q.where('m.type', '=', filter.type);
  if (filter.min_score !== undefined) q = q.where('m.score', '>=', filter.min_score);
  if (filter.route) q = q.where('m.route', '=', filter.route);
  if (filter.status) q = q.where(sql<boolean>`+m.status = ${filter.status}`);
  if (filter.max_km !== undefined) q = q.where('m.distance_km', '<=', filter.max_km);
  if (filter.flow_id) q = q.where((eb) => eb.or([eb('m.supply_flow_id', '=', filter.flow_id!), eb('m.demand_flow_id', '=', filter.flow_id!)]));
  if (filter.site_id) {
    const flowsOfSite = db.selectFrom('flows').select('flows.id').where('flows.site_id', '=', filter.site_id);
    q = q.where((eb) => eb.or([eb('m.supply_flow_id', 'in', flowsOfSite), eb('m.demand_flow_id', 'in', flowsOfSite)]));
  }
  if (filter.in_plan !== undefined) q = q.where(filter.in_plan ? sql<boolean>`+m.plan_share IS NOT NULL` : sql<boolean>`+m.plan_share IS NULL`);
  return q;
}

export class MatchStore {
  readonly #db: Db;
  /** Lists, details and counts: the read connection beside the writer (repository.ts), or the writer itself. */
  readonly #read: Db;
  constructor(db: Db, read: Db = db) {
    this.#db = db;
    this.#read = read;
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
  async saveRun(matches: ComputedMatch[], scope: { flowId?: string } = {}, onProgress?: (done: number, total: number) => void, pricing?: PricingConstants): Promise<SaveCounts> {
    return this.saveRows(packRows(matches, pricing), { ...scope, ...(onProgress ? { onProgress } : {}) });
  }

  /** The same for rows already in their stored form (packed where the engine ran: the matching worker). */
  saveRows(rows: MatchRows, options: SaveOptions = {}): Promise<SaveCounts> {
    return saveMatchRows(this.#db, rows, options);
  }

  /** Stores `rows`, then runs `andThen` in the same transaction (a full run's plan): both commit, or neither. */
  async saveRowsWith(rows: MatchRows, options: SaveOptions, andThen: (tx: Transaction<Database>) => Promise<void>): Promise<SaveCounts> {
    await assignShapeIds(this.#db, rows);
    return this.#db.transaction().execute(async (tx) => {
      const counts = await saveMatchRowsWithin(tx, rows, options);
      await andThen(tx);
      return counts;
    });
  }

  /**
   * A page of matches: the filter and the order run on `matches` alone, so the list index
   * (migration 10: score DESC, id, and every filtered column) gives the page's ids in order and
   * the count without reading a row; then the seven-table join reads only that page's rows.
   * Count, ids and rows come from one read transaction (one snapshot: the total and the items
   * agree even while a re-match writes). The rows are decoded after it, off the connection.
   */
  async list(filter: MatchFilter = {}): Promise<Page<MatchRecord>> {
    const offset = Math.max(0, filter.offset ?? 0);
    const limit = Math.min(5000, Math.max(1, filter.limit ?? 100));
    const { total, rows } = await this.#read.transaction().execute(async (tx) => {
      const { total } = await filtered(tx, filter).select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
      const order = filter.order === 'npv' ? sql`m.npv_eur DESC` : filter.order === 'distance' ? sql`m.distance_km ASC` : sql`m.score DESC`;
      const page = await filtered(tx, filter).select('m.id').orderBy(order).orderBy('m.id').limit(limit).offset(offset).execute();
      if (page.length === 0) return { total, rows: [] as JoinedRow[] };
      const ids = page.map((r) => r.id);
      const found = (await joinedMatches(tx)
        .selectAll('m')
        .select(SIDES as never)
        .where(sql<boolean>`m.id IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`)
        .execute()) as JoinedRow[];
      const byId = new Map(found.map((r) => [r.id, r]));
      return { total, rows: ids.map((id) => byId.get(id)).filter((r): r is JoinedRow => r !== undefined) };
    });
    const book = shapeBook(this.#read);
    await book.ready(rows);
    return { items: rows.map((r) => fromRow(r, book)), total: Number(total), offset, limit };
  }

  /**
   * Every stored match as the graph analytics read it (main/matching/service/analytics.ts), in the list's
   * order (score, then id): no join (each match's flows exist: foreign keys), no unpacked record;
   * of the economics only the keys the exchange graph reads (match-figures.ts).
   */
  async forGraph(): Promise<GraphRow[]> {
    const rows = await this.#read
      .selectFrom('matches as m')
      .select(['m.id', 'm.supply_flow_id', 'm.demand_flow_id', 'm.score', 'm.distance_km', 'm.status', 'm.plan_share', 'm.plan_allocation', 'm.packed', 'm.economics'])
      .orderBy('m.score', 'desc')
      .orderBy('m.id')
      .execute();
    const keys = new EconomicsKeys(this.#read, GRAPH_ECONOMICS);
    await keys.ready(rows);
    return rows.map((r) => ({
      id: r.id,
      supply_flow_id: r.supply_flow_id,
      demand_flow_id: r.demand_flow_id,
      score: r.score,
      distance_km: r.distance_km,
      status: r.status as MatchStatus,
      plan: r.plan_share === null || r.plan_share === undefined ? null : { share: r.plan_share, allocation: JSON.parse(r.plan_allocation ?? '{}') as Record<string, unknown> },
      economics: keys.read(r) as GraphRow['economics'],
    }));
  }

  async get(id: string): Promise<MatchRecord & { events: MatchEventRecord[] }> {
    const row = await joinedMatches(this.#read)
      .selectAll('m')
      .select(SIDES as never)
      .where('m.id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('match', id);
    const events = await this.#read.selectFrom('match_events').selectAll().where('match_id', '=', id).orderBy('id').execute();
    const book = shapeBook(this.#read);
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

  /**
   * Totals by route and by status, from two index-only reads without a sort: statuses in the
   * order of matches_status, and the automated count from the list index (route is
   * 'automated' or 'facilitated', a CHECK of the table, so the facilitated are the rest).
   */
  async counts(): Promise<{ total: number; automated: number; facilitated: number; by_status: Record<string, number> }> {
    const { statuses, automated } = await this.#read.transaction().execute(async (tx) => ({
      statuses: await tx.selectFrom('matches').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').orderBy('status').execute(),
      automated: (await tx.selectFrom('matches').select((eb) => eb.fn.countAll<number>().as('n')).where('route', '=', 'automated').executeTakeFirstOrThrow()).n,
    }));
    const result = { total: 0, automated: Number(automated), facilitated: 0, by_status: {} as Record<string, number> };
    for (const r of statuses) {
      result.total += r.n;
      result.by_status[r.status] = r.n;
    }
    result.facilitated = result.total - result.automated;
    return result;
  }
}
