/**
 * The regional plan of a run (domain.md 5.1): the engine's alternatives become the plan's
 * candidates (matching/plan-input.ts), the solver allocates every flow (main/plan), and each member
 * gets its economics at its share. Headline totals count plan members only.
 */
import type { PlanMemberRow, PlanObjectiveName, PlanSummary, PlanTotals } from '../../db/plan-store.ts';
import { ENGINE_VERSION, type MatchingConfig } from '../config.ts';
import type { Matcher } from '../engine.ts';
import { allocatedEconomics, planInput, type AllocatedEconomics, type PlanMatch } from '../plan-input.ts';
import { OverAllocationError } from '../../plan/model.ts';
import { solvePlan } from '../../plan/solve.ts';

export interface PlanMemberView extends PlanMemberRow {
  supply_flow_id: string;
  demand_flow_id: string;
  type: string;
  allocation: AllocatedEconomics;
}

export interface PlanRun {
  summary: PlanSummary;
  members: PlanMemberView[];
}

const zero = (): PlanTotals => ({ npv_eur: 0, annual_value_eur: 0, co2_t_per_year: 0, delivered_mwh_per_year: 0, capex_eur: 0 });

function add(t: PlanTotals, a: AllocatedEconomics): void {
  t.npv_eur += a.npv_eur;
  t.annual_value_eur += a.annual_value_eur;
  t.co2_t_per_year += a.co2_t_per_year;
  t.delivered_mwh_per_year += a.delivered_mwh_per_year ?? 0;
  t.capex_eur += a.capex_eur;
}

export interface PlanOptions {
  objective?: PlanObjectiveName;
  /** Matches whose allocation is held (reserved, contracted, live), by id. */
  held?: ReadonlyMap<string, number>;
  timeLimitSec?: number;
  now?: Date;
}

/**
 * Plans the region from a run's matches on the matcher that produced them: every match, or at
 * least the profitable and the held ones (the others are never candidates), as EngineMatch or
 * their plan projection (planMatchOf), in the run's output order.
 */
export async function makePlan(matcher: Matcher, matches: readonly PlanMatch[], config: MatchingConfig, options: PlanOptions = {}): Promise<PlanRun> {
  const objective = options.objective ?? 'npv';
  const held = options.held ?? new Map<string, number>();
  const byId = new Map(matches.map((m) => [m.id, m]));
  // a held match the engine no longer proposes keeps nothing to plan with: it cannot be priced here
  const heldHere = new Map([...held].filter(([id]) => byId.has(id)));
  const input = planInput(matcher, matches, config, heldHere);
  let result;
  try {
    result = await solvePlan(input.flows, input.candidates, { objective, ...(options.timeLimitSec !== undefined ? { timeLimitSec: options.timeLimitSec } : {}) });
  } catch (error) {
    // Held matches that no longer fit (a flow shrank after its reservation): no plan until a
    // facilitator releases or changes one of them; the run's alternatives are still stored.
    if (!(error instanceof OverAllocationError)) throw error;
    return { summary: emptySummary(objective, input.candidates.length, [error.message], options.now), members: [] };
  }
  const totals = zero();
  const byType: PlanSummary['by_type'] = {};
  const members: PlanMemberView[] = result.members.map(({ id, share }) => {
    const m = byId.get(id)!;
    const allocation = allocatedEconomics(m, share, config);
    add(totals, allocation);
    const t = (byType[m.type] ??= { ...zero(), members: 0 });
    t.members++;
    add(t, allocation);
    return { match_id: id, share, allocation, supply_flow_id: m.supply_flow_id, demand_flow_id: m.demand_flow_id, type: m.type };
  });
  const summary: PlanSummary = {
    objective,
    objective_value: result.objective_value,
    bound: result.bound,
    gap: result.gap,
    status: result.status,
    members: members.length,
    candidates: input.candidates.length,
    totals,
    by_type: byType,
    solve_ms: result.solve_ms,
    components: result.components,
    largest_component: result.largest_component,
    greedy_value: result.greedy_value,
    notes: result.notes,
    engine_version: ENGINE_VERSION,
    created_at: (options.now ?? new Date()).toISOString(),
  };
  return { summary, members };
}

function emptySummary(objective: PlanObjectiveName, candidates: number, notes: string[], now = new Date()): PlanSummary {
  return {
    objective,
    objective_value: 0,
    bound: 0,
    gap: 0,
    status: 'over_allocated',
    members: 0,
    candidates,
    totals: zero(),
    by_type: {},
    solve_ms: 0,
    components: 0,
    largest_component: 0,
    greedy_value: 0,
    notes,
    engine_version: ENGINE_VERSION,
    created_at: now.toISOString(),
  };
}
