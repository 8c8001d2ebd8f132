/**
 * The match list's rows, filters and order, shared by the list (matches.ts) and its pages and
 * groups (match-pages.ts): the light row (columns, both sides' names and places, a few economics
 * keys), the filter as conditions on `matches` alone, and the joined columns of both sides.
 */
import { sql, type Selectable, type Transaction } from 'kysely';
import type { MatchStatus } from '../domain/field-entities.ts';
import type { Db } from './database.ts';
import { EconomicsKeys } from './match-figures.ts';
import { joinedMatches } from './match-join.ts';
import type { Database, MatchesTable } from './schema.ts';

/** The regional plan's allocation of a match (null: an alternative outside the plan). */
export type MatchPlanShare = { share: number; allocation: Record<string, unknown> } | null;

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

/**
 * A row of the match list as the list, its groups and the map read it (`matches.page`): the
 * columns, both sides' names and places, the plan's allocation, and of the economics only the NPV,
 * the annual value and the heat view (levelised cost, the flow's yearly energy for a group's
 * capacity). The full record (scores, assumptions, explanation, sensitivity) is `get`'s.
 */
export interface MatchListRow {
  id: string;
  type: string;
  score: number;
  distance_km: number;
  route: 'automated' | 'facilitated';
  relaxed: string[];
  priced_by: 'v1' | 'v2';
  plan: MatchPlanShare;
  status: MatchStatus;
  status_reason: string | null;
  reserved_until: string | null;
  version: number;
  updated_at: string;
  /** Of the stored economics, the keys asked for (LIST_ECONOMICS, or EXPORT_ECONOMICS for the CSV). */
  economics: Record<string, unknown>;
  supply: MatchSide;
  demand: MatchSide;
}

/** The economics keys a list row carries. */
export const LIST_ECONOMICS = ['npv_eur', 'annual_value_eur', 'heat'] as const;
/** The economics keys the CSV export writes. */
export const EXPORT_ECONOMICS = ['npv_eur', 'annual_value_eur', 'irr', 'payback_years', 'capex_eur', 'co2_t_per_year', 'heat'] as const;

export function sideColumns(p: 's' | 'd') {
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
export const SIDES = [...sideColumns('s'), ...sideColumns('d')];

export type JoinedRow = Selectable<MatchesTable> & Record<string, unknown>;

/** Matches stored by engine version 1 (annual averages, one pipe, 2 %/km): readable, marked as priced by the earlier method. */
export const isVersion1 = (engineVersion: string) => engineVersion === '' || engineVersion.startsWith('turash-matching/1.');

export function side(row: JoinedRow, p: 's' | 'd'): MatchSide {
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
export function filtered(db: Db | Transaction<Database>, filter: MatchFilter) {
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

/** The list's order on `matches` alone (then `m.id`, so that pages never overlap). */
export function orderOf(order: MatchFilter['order']) {
  return order === 'npv' ? sql`m.npv_eur DESC` : order === 'distance' ? sql`m.distance_km ASC` : sql`m.score DESC`;
}

/** The light rows of these ids, joined (the page's rows; the ids' order is not kept). */
export function lightRows(tx: Db | Transaction<Database>, ids: readonly string[]) {
  return joinedMatches(tx)
    .select([
      'm.id',
      'm.type',
      'm.score',
      'm.distance_km',
      'm.route',
      'm.relaxed',
      'm.engine_version',
      'm.plan_share',
      'm.plan_allocation',
      'm.status',
      'm.status_reason',
      'm.reserved_until',
      'm.version',
      'm.updated_at',
      'm.packed',
      'm.economics',
    ])
    .select(SIDES as never)
    .where(sql<boolean>`m.id IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`)
    .execute() as Promise<JoinedRow[]>;
}

/** Of the heat view, what a list row and its group read (the levelised cost, the flow's yearly energy, the pipe's losses). */
const LIST_HEAT = ['kind', 'lcoh_ct_per_kwh', 'available_mwh_per_year', 'demand_mwh_per_year', 'delivered_mwh_per_year', 'loss_w_per_m', 'route_m', 'hours_delivering'] as const;

function lightEconomics(e: Record<string, unknown>): Record<string, unknown> {
  const heat = e['heat'] as Record<string, unknown> | null | undefined;
  if (!heat || typeof heat !== 'object') return e;
  return { ...e, heat: Object.fromEntries(LIST_HEAT.map((k) => [k, heat[k]])) };
}

/** Decodes light rows (reading only `keys` of each one's economics). */
export async function toListRows(read: Db, rows: readonly JoinedRow[], keys: readonly string[]): Promise<MatchListRow[]> {
  const economics = new EconomicsKeys(read, keys);
  await economics.ready(rows);
  return rows.map((row) => ({
    id: row.id,
    type: row.type,
    score: row.score,
    distance_km: row.distance_km,
    route: row.route,
    relaxed: JSON.parse(row.relaxed) as string[],
    priced_by: isVersion1(row.engine_version) ? 'v1' : 'v2',
    plan: row.plan_share === null || row.plan_share === undefined ? null : { share: row.plan_share, allocation: JSON.parse(row.plan_allocation ?? '{}') as Record<string, unknown> },
    status: row.status as MatchStatus,
    status_reason: row.status_reason,
    reserved_until: row.reserved_until,
    version: row.version,
    updated_at: row.updated_at,
    economics: keys === LIST_ECONOMICS ? lightEconomics(economics.read(row)) : economics.read(row),
    supply: side(row, 's'),
    demand: side(row, 'd'),
  }));
}
