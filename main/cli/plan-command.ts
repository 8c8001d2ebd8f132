/**
 * `turash plan [--objective npv|co2|energy] [--json]`: a full match, then the regional plan
 * (domain.md 5.1), stored, and printed: the plan's members at their allocated share and the
 * alternatives (every match, marked whether it is in the plan). Field names are a contract
 * (issue 12, README): keep them.
 */
import type { Core } from '../core.ts';
import type { PlanObjectiveName } from '../db/plan-store.ts';
import type { EngineMatch } from '../matching/match.ts';
import type { PlanMemberView } from '../portfolio/regional-plan.ts';
import { eur, num, pad } from './format.ts';

export const PLAN_OBJECTIVES: readonly PlanObjectiveName[] = ['npv', 'co2', 'energy'];

export interface PlanJson {
  plan: {
    objective: PlanObjectiveName;
    objective_value: number;
    bound: number;
    gap: number;
    members: PlanMemberJson[];
    totals: { npv_eur: number; annual_value_eur: number; co2_t_per_year: number; delivered_mwh_per_year: number };
  };
  alternatives: (EngineMatch & { in_plan: boolean })[];
}

export interface PlanMemberJson {
  match_id: string;
  supply_flow_id: string;
  demand_flow_id: string;
  type: string;
  allocated: { amount: number; unit: string };
  delivered_mwh_per_year: number | null;
  capacity_mw: number | null;
  pipe_class_mw: number | null;
  with_heat_pump: boolean | null;
  economics: {
    capex_eur: number;
    pipe_capex_eur: number | null;
    opex_eur_per_year: number;
    annual_value_eur: number;
    npv_eur: number;
    lcoh_ct_per_kwh: number | null;
    co2_t_per_year: number;
  };
}

function memberJson(m: PlanMemberView): PlanMemberJson {
  const a = m.allocation;
  return {
    match_id: m.match_id,
    supply_flow_id: m.supply_flow_id,
    demand_flow_id: m.demand_flow_id,
    type: m.type,
    allocated: a.allocated,
    delivered_mwh_per_year: a.delivered_mwh_per_year,
    capacity_mw: a.capacity_mw,
    pipe_class_mw: a.pipe_class_mw,
    with_heat_pump: a.with_heat_pump,
    economics: {
      capex_eur: a.capex_eur,
      pipe_capex_eur: a.pipe_capex_eur,
      opex_eur_per_year: a.opex_eur_per_year,
      annual_value_eur: a.annual_value_eur,
      npv_eur: a.npv_eur,
      lcoh_ct_per_kwh: a.lcoh_ct_per_kwh,
      co2_t_per_year: a.co2_t_per_year,
    },
  };
}

/** The JSON of the issue, and the solver's status for the text output (optimal, time_limit, greedy_fallback, repaired, over_allocated). */
export async function planCommand(core: Core, objective: PlanObjectiveName): Promise<{ json: PlanJson; status: string; notes: string[] }> {
  const run = await core.matching.runAll({}, undefined, objective);
  const s = run.planRun.summary;
  const inPlan = new Set(run.planRun.members.map((m) => m.match_id));
  const json: PlanJson = {
    plan: {
      objective: s.objective,
      objective_value: s.objective_value,
      bound: s.bound,
      gap: s.gap,
      members: run.planRun.members.map(memberJson),
      totals: {
        npv_eur: s.totals.npv_eur,
        annual_value_eur: s.totals.annual_value_eur,
        co2_t_per_year: s.totals.co2_t_per_year,
        delivered_mwh_per_year: s.totals.delivered_mwh_per_year,
      },
    },
    alternatives: run.matches.map((m) => ({ ...m, in_plan: inPlan.has(m.id) })),
  };
  return { json, status: s.status, notes: s.notes };
}

const OBJECTIVE_WORDS: Record<PlanObjectiveName, string> = { npv: 'net present value (EUR)', co2: 'CO2 avoided (t/yr)', energy: 'energy delivered (MWh/yr)' };

/** The plan in a facilitator's words: headline, then the members by value. */
export function planText(p: PlanJson, status: string, notes: readonly string[], names: Map<string, string>, limit = 25): string {
  const t = p.plan.totals;
  const lines = [
    `regional plan: ${p.plan.members.length} exchanges chosen from ${p.alternatives.length} alternatives, maximising ${OBJECTIVE_WORDS[p.plan.objective]}`,
    `  objective ${num(p.plan.objective_value, 0)}, solver bound ${num(p.plan.bound, 0)}, gap ${num(p.plan.gap * 100, 3)} % (${status})`,
    ...notes.map((n) => `  note: ${n}`),
    `  totals: NPV ${eur(t.npv_eur)}, value ${eur(t.annual_value_eur)} per year, CO2 ${num(t.co2_t_per_year, 0)} t per year, heat ${num(t.delivered_mwh_per_year, 0)} MWh per year`,
    `  (every flow allocated at most what it has, hour by hour for heat; competing alternatives are never added up)`,
    '',
    `${pad('type', 10)} ${pad('supply -> demand', 80)} ${pad('allocated', 22)} ${pad('NPV', 16)} LCOH`,
  ];
  const rows = [...p.plan.members].sort((a, b) => b.economics.npv_eur - a.economics.npv_eur).slice(0, limit);
  for (const m of rows) {
    const pair = `${names.get(m.supply_flow_id) ?? m.supply_flow_id} -> ${names.get(m.demand_flow_id) ?? m.demand_flow_id}`;
    const lcoh = m.economics.lcoh_ct_per_kwh === null ? '' : `${num(m.economics.lcoh_ct_per_kwh, 2)} ct/kWh${m.with_heat_pump ? ' (heat pump)' : ''}`;
    lines.push(`${pad(m.type, 10)} ${pad(pair, 80)} ${pad(`${num(m.allocated.amount, 0)} ${m.allocated.unit}`, 22)} ${pad(eur(m.economics.npv_eur), 16)} ${lcoh}`);
  }
  if (p.plan.members.length > limit) lines.push(`... and ${p.plan.members.length - limit} more (--json lists every member)`);
  return lines.join('\n');
}
