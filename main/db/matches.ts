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
import type { Database, MatchEventsTable } from './schema.ts';
import type { JoinedFacts, PricingConstants } from './match-codec.ts';
import { packRows, type ComputedMatch, type MatchRows } from './match-rows.ts';
import { shapeBook, type ShapeBook } from './match-shapes.ts';
import { assignShapeIds, saveMatchRows, saveMatchRowsWithin, type SaveCounts, type SaveOptions } from './match-writer.ts';
import { joinedMatches } from './match-join.ts';
import { EconomicsKeys } from './match-figures.ts';
import { MatchPages, type MatchPage, type MatchPageRequest, type MatchLines } from './match-pages.ts';
import { filtered, isVersion1, orderOf, side, SIDES, type JoinedRow, type MatchFilter, type MatchListRow, type MatchPlanShare, type MatchSide } from './match-list-rows.ts';

export type { MatchFilter, MatchListRow, MatchPlanShare, MatchSide } from './match-list-rows.ts';

export type { ComputedMatch } from './match-rows.ts';
export { ShapeBook, shapeBook, storedEconomics } from './match-shapes.ts';

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
  plan: MatchPlanShare;
  status: MatchStatus;
  status_reason: string | null;
  reserved_until: string | null;
  version: number;
  created_at: string;
  updated_at: string;
  supply: MatchSide;
  demand: MatchSide;
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

export interface MatchCounts {
  total: number;
  automated: number;
  facilitated: number;
  by_status: Record<string, number>;
}

export class MatchStore {
  readonly #db: Db;
  /** Lists, details and counts: the read connection beside the writer (repository.ts), or the writer itself. */
  readonly #read: Db;
  /** Writes committed through this store (engine runs, plans, lifecycle steps): part of `generation`. */
  #writes = 0;
  readonly #pages: MatchPages;
  constructor(db: Db, read: Db = db) {
    this.#db = db;
    this.#read = read;
    this.#pages = new MatchPages(read, () => this.generation());
  }

  /**
   * A token that changes whenever what the lists, the impact's potential and the graph analytics
   * read may have changed: the writes through this store (engine runs and their plans, lifecycle
   * steps), the change log's last entry (every local or synced write of an organization, site,
   * flow or match) and the stored plan's time (a run of another process, e.g. `turash match`).
   * Two index reads: cheap enough to ask on every request, so caches keyed by it are never stale.
   */
  async generation(): Promise<string> {
    const { rows } = await sql<{ seq: number | null; plan: string | null }>`SELECT (SELECT MAX(seq) FROM change_log) AS seq, (SELECT created_at FROM plan_runs WHERE id = 1) AS plan`.execute(this.#read);
    return `${this.#writes}:${rows[0]?.seq ?? 0}:${rows[0]?.plan ?? ''}`;
  }

  /** A page of the match list in light rows, flat or grouped by the flow they compete for (match-pages.ts). */
  page(request: MatchPageRequest): Promise<MatchPage> {
    return this.#pages.page(request);
  }

  /** The map's lines of the filtered list (its first `limit` in the list's order), without names: the map has the sites. */
  lines(filter: MatchFilter, limit: number): Promise<MatchLines> {
    return this.#pages.lines(filter, limit);
  }

  /** The whole filtered list in light rows with the export's economics, `limit` at a time (the CSV export). */
  exportRows(filter: MatchFilter, offset: number, limit: number): Promise<Page<MatchListRow>> {
    return this.#pages.exportRows(filter, offset, limit);
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
  async saveRows(rows: MatchRows, options: SaveOptions = {}): Promise<SaveCounts> {
    try {
      return await saveMatchRows(this.#db, rows, options);
    } finally {
      // counted even when it failed part-way: a cache rebuilt for nothing costs less than a stale one
      this.#writes++;
    }
  }

  /** Stores `rows`, then runs `andThen` in the same transaction (a full run's plan): both commit, or neither. */
  async saveRowsWith(rows: MatchRows, options: SaveOptions, andThen: (tx: Transaction<Database>) => Promise<void>): Promise<SaveCounts> {
    await assignShapeIds(this.#db, rows);
    try {
      return await this.#db.transaction().execute(async (tx) => {
        const counts = await saveMatchRowsWithin(tx, rows, options);
        await andThen(tx);
        return counts;
      });
    } finally {
      this.#writes++;
    }
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
      const order = orderOf(filter.order);
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
  async forGraph(options: { economicsFor?: readonly string[] } = {}): Promise<GraphRow[]> {
    // `economicsFor`: the economics of matches of these types and of plan members only (the
    // analytics' cascades read heat and steam); the others' packed rows are not even copied out
    // of SQLite, which was half of the read on 50,000 flows (236,551 matches)
    const wanted = options.economicsFor;
    const economicsWanted = wanted ? sql<boolean>`(m.plan_share IS NOT NULL OR m.type IN (SELECT value FROM json_each(${JSON.stringify(wanted)})))` : sql<boolean>`1`;
    const rows = await this.#read
      .selectFrom('matches as m')
      .select(['m.id', 'm.supply_flow_id', 'm.demand_flow_id', 'm.score', 'm.distance_km', 'm.status', 'm.plan_share', 'm.plan_allocation'])
      .select([sql<Uint8Array | null>`CASE WHEN ${economicsWanted} THEN m.packed END`.as('packed'), sql<string>`CASE WHEN ${economicsWanted} THEN m.economics ELSE '{}' END`.as('economics')])
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
    // counted after the commit: a reader that saw the old token read the old data
    this.#writes++;
    return this.get(id);
  }

  /**
   * Totals by route and by status, from two index-only reads without a sort: statuses in the
   * order of matches_status, and the automated count from the list index (route is
   * 'automated' or 'facilitated', a CHECK of the table, so the facilitated are the rest).
   */
  async counts(): Promise<MatchCounts> {
    // kept per generation: the header asks after every run, step and import (~40 ms of index reads on 50,000 flows)
    const generation = await this.generation();
    if (this.#counts?.generation !== generation) {
      const value = this.#readCounts();
      this.#counts = { generation, value };
      value.catch(() => this.#counts?.value === value && (this.#counts = undefined));
    }
    return this.#counts.value;
  }

  #counts: { generation: string; value: Promise<MatchCounts> } | undefined;

  async #readCounts(): Promise<MatchCounts> {
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
