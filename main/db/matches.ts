/**
 * Matches in the local graph: what the engine computed (replaced on every run) and where each
 * match stands in its lifecycle (kept across runs, changed only by a user's transition, with an
 * audit event and a change-log entry).
 *
 * Engine output is derived data: it is recomputed on every laptop from the synced flows, so it is
 * not written to the change log. Lifecycle transitions are user decisions and are.
 */
import { sql, type Selectable, type Transaction } from 'kysely';
import { MATCH_STATUSES, type MatchStatus } from '../domain/field-entities.ts';
import { applyTransition, LifecycleError, type TransitionRequest } from '../domain/match-lifecycle.ts';
import { LoggedWriter } from './change-log.ts';
import type { Db } from './database.ts';
import { ConflictError, NotFoundError, ValidationError } from './errors.ts';
import type { Page } from './repository.ts';
import type { Database, MatchesTable, MatchEventsTable } from './schema.ts';

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

function fromRow(row: JoinedRow): MatchRecord {
  return {
    id: row.id,
    type: row.type,
    score: row.score,
    scores: JSON.parse(row.scores),
    distance_km: row.distance_km,
    route: row.route,
    relaxed: JSON.parse(row.relaxed),
    binding_constraint: row.binding_constraint,
    assumptions: JSON.parse(row.assumptions),
    economics: JSON.parse(row.economics),
    detail: JSON.parse(row.detail),
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

function computedColumns(m: ComputedMatch) {
  const detail = Object.fromEntries(Object.entries(m).filter(([key]) => !HEADLINE.has(key)));
  return {
    type: m.type,
    score: m.score,
    scores: JSON.stringify(m.scores),
    distance_km: m.distance_km,
    route: m.route,
    relaxed: JSON.stringify(m.relaxed),
    economics: JSON.stringify(m.economics),
    binding_constraint: m.binding_constraint,
    assumptions: JSON.stringify(m.assumptions),
    engine_version: m.engine_version,
    detail: JSON.stringify(detail),
  };
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
   */
  async saveRun(matches: ComputedMatch[], scope: { flowId?: string } = {}, onProgress?: (done: number, total: number) => void): Promise<{ created: number; updated: number; removed: number }> {
    const now = new Date().toISOString();
    return this.#db.transaction().execute(async (tx) => {
      const inScope = tx.selectFrom('matches').select(['id', 'status']);
      const scoped = scope.flowId ? inScope.where((eb) => eb.or([eb('supply_flow_id', '=', scope.flowId!), eb('demand_flow_id', '=', scope.flowId!)])) : inScope;
      const existing = new Map((await scoped.execute()).map((r) => [r.id, r.status]));
      const keep = new Set(matches.map((m) => m.id));
      const stale = [...existing].filter(([id, status]) => !keep.has(id) && status === 'suggested').map(([id]) => id);
      for (let i = 0; i < stale.length; i += 500) await tx.deleteFrom('matches').where('id', 'in', stale.slice(i, i + 500)).execute();
      let created = 0;
      let updated = 0;
      for (let i = 0; i < matches.length; i += CHUNK) {
        const chunk = matches.slice(i, i + CHUNK);
        const fresh = chunk.filter((m) => !existing.has(m.id));
        if (fresh.length) {
          await tx
            .insertInto('matches')
            .values(
              fresh.map((m) => ({
                id: m.id,
                supply_flow_id: m.supply_flow_id,
                demand_flow_id: m.demand_flow_id,
                ...computedColumns(m),
                status: 'suggested',
                version: 1,
                created_at: now,
                updated_at: now,
              })),
            )
            .execute();
          created += fresh.length;
        }
        for (const m of chunk.filter((c) => existing.has(c.id))) {
          await tx.updateTable('matches').set(computedColumns(m)).where('id', '=', m.id).execute();
          updated += 1;
        }
        onProgress?.(Math.min(i + CHUNK, matches.length), matches.length);
      }
      return { created, updated, removed: stale.length };
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
      filter.order === 'npv' ? sql`json_extract(m.economics, '$.npv_eur') DESC` : filter.order === 'distance' ? sql`m.distance_km ASC` : sql`m.score DESC`;
    const rows = await q
      .selectAll('m')
      .select(SIDES as never)
      .orderBy(order)
      .orderBy('m.id')
      .limit(limit)
      .offset(offset)
      .execute();
    return { items: (rows as JoinedRow[]).map(fromRow), total, offset, limit };
  }

  async get(id: string): Promise<MatchRecord & { events: MatchEventRecord[] }> {
    const row = await this.#joined()
      .selectAll('m')
      .select(SIDES as never)
      .where('m.id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('match', id);
    const events = await this.#db.selectFrom('match_events').selectAll().where('match_id', '=', id).orderBy('id').execute();
    return { ...fromRow(row as JoinedRow), events };
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
