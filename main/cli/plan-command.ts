/**
 * `turash plan [--objective npv|co2|energy] [--json]`: a full match, then the regional plan
 * (domain.md 5.1), stored, and printed: the plan's members at their allocated share and the
 * alternatives (every match, marked whether it is in the plan). Field names are a contract
 * (issue 12, README): keep them.
 */
import type { Core } from '../core.ts';
import type { PlanObjectiveName } from '../db/plan-store.ts';
import type { EngineMatch } from '../matching/match.ts';
import type { PlanMemberView } from '../matching/service/regional-plan.ts';
import { ChunkedWriter, eur, num, pad, topBy, type OutputSink } from './format.ts';
import { DEFAULT_TABLE_LIMIT, type MatchRecords } from './match-commands.ts';

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

/** A stored plan run: the plan part of the JSON, the matches it chose from, the solver's status and notes. */
export interface PlanResult {
  plan: PlanJson['plan'];
  /** The engine's records of every alternative (only when asked for: `--json`), read from the worker a chunk at a time (MatchRecords). */
  matches: MatchRecords;
  /** How many alternatives the plan chose from. */
  alternatives: number;
  inPlan: ReadonlySet<string>;
  /** optimal, time_limit, greedy_fallback, repaired, over_allocated */
  status: string;
  notes: readonly string[];
}

/** A full match and the regional plan, stored; the alternatives stay the engine's matches (not copied). */
export async function planCommand(core: Core, objective: PlanObjectiveName, engineRecords = true): Promise<PlanResult> {
  // --json: the records are read back from the worker chunk by chunk as they are written (match-service `records`)
  const run = await core.matching.runAll({}, undefined, objective, { streamRecords: engineRecords });
  const s = run.planRun.summary;
  return {
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
    matches: engineRecords ? core.matching.records() : [],
    alternatives: run.rows.count,
    inPlan: new Set(run.planRun.members.map((m) => m.match_id)),
    status: s.status,
    notes: s.notes,
  };
}

/** Every match as an alternative of the plan, marked, made one at a time. */
export async function* alternatives(r: PlanResult): AsyncGenerator<EngineMatch & { in_plan: boolean }> {
  const chunks: AsyncIterable<readonly EngineMatch[]> | Iterable<readonly EngineMatch[]> = Symbol.asyncIterator in r.matches ? r.matches : [r.matches];
  for await (const chunk of chunks) for (const m of chunk) yield { ...m, in_plan: r.inPlan.has(m.id) };
}

/**
 * `turash plan --json`: the PlanJson document written as it goes (the plan, then the alternatives
 * one by one with stdout's backpressure, as the worker builds them), never one string of every
 * alternative in memory: what writeJsonObject writes for the same object.
 */
export async function writePlanJson(sink: OutputSink, r: PlanResult): Promise<void> {
  const w = new ChunkedWriter(sink);
  await w.write(`{"plan":${JSON.stringify(r.plan)},"alternatives":[`);
  let first = true;
  for await (const m of alternatives(r)) {
    await w.write(`${first ? '' : ','}${JSON.stringify(m)}\n`);
    first = false;
  }
  await w.write(']}\n');
  await w.flush();
}

const OBJECTIVE_WORDS: Record<PlanObjectiveName, string> = { npv: 'net present value (EUR)', co2: 'CO2 avoided (t/yr)', energy: 'energy delivered (MWh/yr)' };

/** The plan in a facilitator's words: headline, then the `limit` best members by value (0: all), and what was left out. */
export function planText(r: PlanResult, names: Map<string, string>, limit = DEFAULT_TABLE_LIMIT): string {
  const t = r.plan.totals;
  const members = r.plan.members;
  const lines = [
    `regional plan: ${members.length} exchanges chosen from ${r.alternatives} alternatives, maximising ${OBJECTIVE_WORDS[r.plan.objective]}`,
    `  objective ${num(r.plan.objective_value, 0)}, solver bound ${num(r.plan.bound, 0)}, gap ${num(r.plan.gap * 100, 3)} % (${r.status})`,
    ...r.notes.map((n) => `  note: ${n}`),
    `  totals: NPV ${eur(t.npv_eur)}, value ${eur(t.annual_value_eur)} per year, CO2 ${num(t.co2_t_per_year, 0)} t per year, heat ${num(t.delivered_mwh_per_year, 0)} MWh per year`,
    `  (every flow allocated at most what it has, hour by hour for heat; competing alternatives are never added up)`,
    '',
    `${pad('type', 10)} ${pad('supply -> demand', 80)} ${pad('allocated', 22)} ${pad('NPV', 16)} LCOH`,
  ];
  const rows = planRows(r, limit);
  for (const m of rows) {
    const pair = `${names.get(m.supply_flow_id) ?? m.supply_flow_id} -> ${names.get(m.demand_flow_id) ?? m.demand_flow_id}`;
    const lcoh = m.economics.lcoh_ct_per_kwh === null ? '' : `${num(m.economics.lcoh_ct_per_kwh, 2)} ct/kWh${m.with_heat_pump ? ' (heat pump)' : ''}`;
    lines.push(`${pad(m.type, 10)} ${pad(pair, 80)} ${pad(`${num(m.allocated.amount, 0)} ${m.allocated.unit}`, 22)} ${pad(eur(m.economics.npv_eur), 16)} ${lcoh}`);
  }
  if (members.length > rows.length) lines.push(`... and ${members.length - rows.length} more members (--limit N shows N, --limit 0 all of them, --json every member and alternative)`);
  return lines.join('\n');
}

/** The members the table shows: the `limit` best by NPV (0: all). */
export function planRows(r: PlanResult, limit = DEFAULT_TABLE_LIMIT): PlanMemberJson[] {
  return topBy(r.plan.members, (m) => m.economics.npv_eur, limit);
}

/** The table form, written in pieces (with --limit 0 a plan of thousands of members). */
export async function writePlanText(sink: OutputSink, r: PlanResult, names: Map<string, string>, limit = DEFAULT_TABLE_LIMIT): Promise<void> {
  const w = new ChunkedWriter(sink);
  for (const line of planText(r, names, limit).split('\n')) await w.write(`${line}\n`);
  await w.flush();
}
