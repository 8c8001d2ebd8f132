/**
 * `turash match` and `turash explain`: run the engine over the database and explain one match.
 */
import type { Core } from '../core.ts';
import type { MatchRecord } from '../db/matches.ts';
import type { MatchQuery } from '../matching/config.ts';
import type { EngineMatch } from '../matching/match.ts';
import { routeSplit } from '../matching/router.ts';
import { ChunkedWriter, eur, num, pad, pct, topBy, writeJsonObject, type OutputSink } from './format.ts';

/** Rows of the table form unless --limit says otherwise. */
export const DEFAULT_TABLE_LIMIT = 20;

export interface MatchOptions {
  flow?: string;
  top?: number;
  maxKm?: number;
}

/** The `turash match --json` shape of architecture.md (plus the explanation fields). */
export async function matchCommand(core: Core, options: MatchOptions): Promise<{ matches: EngineMatch[]; stats: unknown }> {
  const query: MatchQuery = {};
  if (options.top !== undefined) query.top_n = options.top;
  if (options.maxKm !== undefined) query.max_km = options.maxKm;
  if (options.flow) {
    await core.repo.getFlow(options.flow); // a clear "flow X does not exist"
    const { matches, stats } = await core.matching.rematchFlow(options.flow, query);
    return { matches, stats };
  }
  const { matches, stats } = await core.matching.runAll(query);
  return { matches, stats };
}

/**
 * `turash match --json`: `{"matches": [...], "stats": {...}}` written match by match with stdout's
 * backpressure (the same document JSON.stringify gave, with a line break after each match), so a
 * 200,000-match result is never one string in memory.
 */
export async function writeMatchJson(sink: OutputSink, result: { matches: readonly EngineMatch[]; stats: unknown }): Promise<void> {
  await writeJsonObject(sink, [
    { key: 'matches', items: result.matches },
    { key: 'stats', value: result.stats },
  ]);
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

function matchRow(m: EngineMatch, names: Map<string, string>): string {
  const pair = `${names.get(m.supply_flow_id) ?? m.supply_flow_id} -> ${names.get(m.demand_flow_id) ?? m.demand_flow_id}`;
  return `${pad(num(m.score, 3), 6)} ${pad(m.type, 14)} ${pad(pair, 90)} ${pad(num(m.distance_km, 1), 6)} ${pad(eur(m.economics.npv_eur), 16)} ${m.route}`;
}

/**
 * The table form of `turash match`: the count and the router's split, the `limit` best matches by
 * score (0: all of them, written row by row), and a summary line saying what was left out.
 */
export async function writeMatchTable(core: Core, sink: OutputSink, matches: readonly EngineMatch[], limit = DEFAULT_TABLE_LIMIT): Promise<void> {
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
