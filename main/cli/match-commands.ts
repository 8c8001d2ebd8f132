/**
 * `turash match` and `turash explain`: run the engine over the database and explain one match.
 */
import type { Core } from '../core.ts';
import type { MatchRecord } from '../db/matches.ts';
import type { MatchQuery } from '../matching/config.ts';
import type { EngineMatch } from '../matching/match.ts';
import { eur, num, pad, pct } from './format.ts';

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

export function matchTable(matches: EngineMatch[], names: Map<string, string>, limit = 25): string {
  const rows = [...matches].sort((a, b) => b.score - a.score).slice(0, limit);
  const lines = [`${pad('score', 6)} ${pad('type', 14)} ${pad('supply -> demand', 90)} ${pad('km', 6)} ${pad('NPV', 16)} route`];
  for (const m of rows) {
    const pair = `${names.get(m.supply_flow_id) ?? m.supply_flow_id} -> ${names.get(m.demand_flow_id) ?? m.demand_flow_id}`;
    lines.push(`${pad(num(m.score, 3), 6)} ${pad(m.type, 14)} ${pad(pair, 90)} ${pad(num(m.distance_km, 1), 6)} ${pad(eur(m.economics.npv_eur), 16)} ${m.route}`);
  }
  return lines.join('\n');
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
