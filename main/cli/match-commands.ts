/**
 * `turash match` and `turash explain`: run the engine over the database and explain one match.
 */
import type { Core } from '../core.ts';
import type { MatchRecord } from '../db/matches.ts';
import type { MatchQuery } from '../matching/config.ts';
import type { EngineMatch } from '../matching/match.ts';
import type { MatchRows } from '../db/match-rows.ts';
import type { FlowType } from '../domain/entities.ts';
import type { Route, RouteReason } from '../matching/router.ts';
import { routeSplit } from '../matching/router.ts';
import { ChunkedWriter, eur, num, pad, pct, topBy, writeJsonObject, type OutputSink } from './format.ts';

/** Rows of the table form unless --limit says otherwise. */
export const DEFAULT_TABLE_LIMIT = 20;

export interface MatchOptions {
  flow?: string;
  top?: number;
  maxKm?: number;
}

/** What the table form shows of a match: read from the stored rows, so the table needs no engine records. */
export interface TableMatch {
  id: string;
  type: FlowType;
  score: number;
  distance_km: number;
  route: Route;
  supply_flow_id: string;
  demand_flow_id: string;
  npv_eur: number | null;
  route_reasons: readonly RouteReason[];
}

/** The table's view of every stored row of a run. */
export function tableMatchesOf(rows: MatchRows): TableMatch[] {
  const out: TableMatch[] = new Array(rows.count);
  for (let i = 0; i < rows.count; i++) {
    const npv = rows.npv_eur[i]!;
    out[i] = { id: rows.id[i]!, type: rows.type[i] as FlowType, score: rows.score[i]!, distance_km: rows.distance_km[i]!, route: rows.route[i] as Route, supply_flow_id: rows.supply_flow_id[i]!, demand_flow_id: rows.demand_flow_id[i]!, npv_eur: Number.isNaN(npv) ? null : npv, route_reasons: [] };
  }
  return out;
}

const tableMatchOf = (m: EngineMatch): TableMatch => ({ id: m.id, type: m.type, score: m.score, distance_km: m.distance_km, route: m.route, supply_flow_id: m.supply_flow_id, demand_flow_id: m.demand_flow_id, npv_eur: m.economics.npv_eur, route_reasons: m.route_reasons });

/** The engine's records: all at hand (one flow's), or read chunk by chunk from the worker (a full run's). */
export type MatchRecords = readonly EngineMatch[] | AsyncIterable<readonly EngineMatch[]>;

/**
 * The `turash match --json` shape of architecture.md (plus the explanation fields): the engine's
 * records, asked of the worker only for `--json` and then read chunk by chunk after the run
 * (`streamRecords`, match-service `records`), so neither thread holds every record; the table
 * form reads the rows (`table` is empty with `engineRecords`: the JSON does not use it).
 */
export async function matchCommand(core: Core, options: MatchOptions, engineRecords = true): Promise<{ matches: MatchRecords; table: TableMatch[]; stats: unknown }> {
  const query: MatchQuery = {};
  if (options.top !== undefined) query.top_n = options.top;
  if (options.maxKm !== undefined) query.max_km = options.maxKm;
  if (options.flow) {
    await core.repo.getFlow(options.flow); // a clear "flow X does not exist"
    const { matches, stats } = await core.matching.rematchFlow(options.flow, query);
    return { matches, table: matches.map(tableMatchOf), stats };
  }
  const { rows, stats } = await core.matching.runAll(query, undefined, 'npv', { streamRecords: engineRecords });
  if (engineRecords) return { matches: core.matching.records(), table: [], stats };
  return { matches: [], table: tableMatchesOf(rows), stats };
}

/**
 * `turash match --json`: `{"matches": [...], "stats": {...}}` written match by match with stdout's
 * backpressure (the same document JSON.stringify gave, with a line break after each match), so a
 * 200,000-match result is never one string in memory.
 */
export async function writeMatchJson(sink: OutputSink, result: { matches: MatchRecords; stats: unknown }): Promise<void> {
  const matches = result.matches;
  if (!(Symbol.asyncIterator in matches)) {
    await writeJsonObject(sink, [
      { key: 'matches', items: matches },
      { key: 'stats', value: result.stats },
    ]);
    return;
  }
  // the same document as writeJsonObject writes, the records arriving a chunk at a time
  const w = new ChunkedWriter(sink);
  await w.write('{"matches":[');
  let first = true;
  for await (const chunk of matches) {
    for (const m of chunk) {
      await w.write(`${first ? '' : ','}${JSON.stringify(m)}\n`);
      first = false;
    }
  }
  await w.write(`]${result.stats === undefined ? '' : `,"stats":${JSON.stringify(result.stats)}`}}\n`);
  await w.flush();
}

/** "supply -> demand" names: organization and flow name of the flows in `ids` (looked up one by one when few). */
export async function flowNames(core: Core, ids: readonly string[]): Promise<Map<string, string>> {
  const organizations = new Map((await core.repo.mapSites()).map((site) => [site.id, site.organization_name]));
  const names = new Map<string, string>();
  const wanted = new Set(ids);
  if (wanted.size <= 500) {
    for (const id of wanted) {
      const flow = await core.repo.getFlow(id);
      names.set(id, `${organizations.get(flow.site_id)}: ${flow.name}`);
    }
  } else {
    for (const r of await core.repo.flowsInContext()) if (wanted.has(r.flow.id)) names.set(r.flow.id, `${organizations.get(r.flow.site_id)}: ${r.flow.name}`);
  }
  return names;
}

const matchTableHeader = () => `${pad('score', 6)} ${pad('type', 14)} ${pad('supply -> demand', 90)} ${pad('km', 6)} ${pad('NPV', 16)} route`;

function matchRow(m: TableMatch, names: Map<string, string>): string {
  const pair = `${names.get(m.supply_flow_id) ?? m.supply_flow_id} -> ${names.get(m.demand_flow_id) ?? m.demand_flow_id}`;
  return `${pad(num(m.score, 3), 6)} ${pad(m.type, 14)} ${pad(pair, 90)} ${pad(num(m.distance_km, 1), 6)} ${pad(eur(m.npv_eur), 16)} ${m.route}`;
}

/**
 * The table form of `turash match`: the count and the router's split, the `limit` best matches by
 * score (0: all of them, written row by row), and a summary line saying what was left out.
 */
export async function writeMatchTable(core: Core, sink: OutputSink, matches: readonly TableMatch[], limit = DEFAULT_TABLE_LIMIT): Promise<void> {
  const w = new ChunkedWriter(sink);
  const split = routeSplit(matches);
  await w.write(`${matches.length} matches (${split.automated} automated, ${split.facilitated} facilitated)\n`);
  // per type of the supply (domain.md 5.3: the global share is a figure, not a target)
  await w.write(`  automated by type: ${Object.entries(split.by_type).map(([type, t]) => `${type} ${t.automated}/${t.matches}`).join(', ') || '-'}\n`);
  const rows = topBy(matches, (m) => m.score, limit);
  const names = await flowNames(core, rows.flatMap((m) => [m.supply_flow_id, m.demand_flow_id]));
  await w.write(`${rows.length === matches.length ? 'all of them, best first' : `the ${rows.length} best`}:\n\n`);
  await w.write(`${matchTableHeader()}\n`);
  for (const m of rows) await w.write(`${matchRow(m, names)}\n`);
  if (rows.length < matches.length) await w.write(`\n... and ${matches.length - rows.length} more (--limit N shows N, --limit 0 all of them, --json every match with its figures)\n`);
  if (rows.length > 0) await w.write(`\nturash explain <id> shows why; ids: ${rows.slice(0, 3).map((m) => m.id).join(', ')}\n`);
  await w.flush();
}

export function explainText(m: MatchRecord): string {
  const e = m.economics as Record<string, number | null | Record<string, unknown>>;
  const detail = m.detail as { route_reasons?: string[]; tightest_constraint?: { constraint: string; used: number } };
  const out = [
    `${m.id}  (${m.status}, ${m.route})`,
    `  supply  ${m.supply.flow_name} at ${m.supply.site_name}, ${m.supply.organization_name} (${m.supply.country})`,
    `  demand  ${m.demand.flow_name} at ${m.demand.site_name}, ${m.demand.organization_name} (${m.demand.country})`,
    `  distance ${num(m.distance_km, 2)} km`,
    ``,
    `score ${num(m.score, 3)}`,
    ...Object.entries(m.scores).map(([name, value]) => `  ${pad(name, 12)} ${num(value, 3)}${name === m.binding_constraint ? '   <- binding' : ''}`),
  ];
  if (detail.tightest_constraint) out.push(`  tightest hard constraint: ${detail.tightest_constraint.constraint} at ${pct(detail.tightest_constraint.used)} of its limit`);
  if (m.relaxed.length) out.push(`  relaxed: ${m.relaxed.join(', ')}`);
  if (detail.route_reasons?.length) out.push(`  facilitated because: ${detail.route_reasons.join(', ')}`);
  out.push(
    ``,
    `economics`,
    `  capex        ${eur(e.capex_eur as number)}`,
    `  opex         ${eur(e.opex_eur_per_year as number)} per year`,
    `  value        ${eur(e.annual_value_eur as number)} per year`,
    `  cash flow    ${eur(e.cash_flow_eur_per_year as number)} per year`,
    `  NPV          ${eur(e.npv_eur as number)}`,
    `  IRR          ${pct(e.irr as number | null)}`,
    `  payback      ${e.payback_years === null ? 'none' : `${num(e.payback_years as number, 2)} years`}`,
    `  CO2 avoided  ${num(e.co2_t_per_year as number, 1)} t per year`,
  );
  if (m.assumptions.length) out.push(``, `assumptions`, ...m.assumptions.map((a) => `  - ${a}`));
  return out.join('\n');
}
