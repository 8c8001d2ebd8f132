/**
 * The regional plan's contract (domain.md 5.1, docs/plan.md): flows with a capacity, candidates
 * (the pairwise matches) with objective coefficients and what they take from each flow, and the
 * allocation the solver returns. Pure types and one error class: no database, no I/O.
 */

export type PlanObjective = 'npv' | 'co2' | 'energy';
export const PLAN_OBJECTIVES: readonly PlanObjective[] = ['npv', 'co2', 'energy'];

/** Hours of the plan year (365 days; the hourly profiles of domain.md 5.2). */
export const HOURS = 8760;

/**
 * A flow's capacity: per hour (heat, steam, cooling: a Float64Array of 8,760, same unit as the
 * candidates' hourly use) or one number for the year (other types). Never negative.
 */
export interface PlanFlow {
  id: string;
  capacity: Float64Array | number;
}

/** A candidate's hourly use of its two flows at allocation share x = 1 (8,760 values each). */
export interface HourlyUse {
  /** Drawn from the supply in proportion to the share: x * supplyDraw[h]. */
  supplyDraw: Float64Array;
  /** Drawn from the supply whenever the connection is built (pipe heat losses, in the hours it delivers). */
  supplyFixed: Float64Array;
  /** Delivered to the demand: x * demandTake[h]. */
  demandTake: Float64Array;
}

export interface PlanCandidate {
  /** The match id. */
  id: string;
  /** PlanFlow ids. */
  supply: string;
  demand: string;
  /**
   * Objective coefficients. At allocation share x in [0, 1] with the connection built (y = 1) the
   * candidate contributes fixed + unit * x; not built (y = 0, x = 0): 0; x <= y.
   * E.g. npv.fixed = -capex - annuity * maintenance, npv.unit = annuity * (annual value - pumping).
   * A candidate with unit <= 0 or fixed + unit <= 0 can never add value and is never planned
   * (unless held).
   */
  coef: Record<PlanObjective, { fixed: number; unit: number }>;
  /** Scalar flows: what the candidate takes from the supply's and the demand's capacity at x = 1. */
  supplyUse?: number;
  demandUse?: number;
  /**
   * Hourly flows: computed on demand (8,760 numbers each, and there may be 100,000 candidates: the
   * solver calls it when it needs the values, caches them per component within a memory budget and
   * releases them after; it may call it more than once, so it must be deterministic).
   * `into`, when given, is a set of buffers of 8,760 the candidate may fill (every value) and return
   * instead of allocating new arrays; returning other arrays is fine too (they are never written to).
   */
  hourly?: (into?: HourlyUse) => HourlyUse;
  /**
   * Reserved / contracted / live matches: the allocation share (0 < held <= 1) is held (y = 1,
   * x = held) and the rest is planned around it.
   */
  held?: number;
}

export interface PlanOptions {
  objective: PlanObjective;
  /** The whole plan's solver time, seconds; default 20. */
  timeLimitSec?: number;
  /** Relative MIP gap at which a component counts as solved; default 1e-4 (0 = prove the optimum). */
  relGap?: number;
  /**
   * Solve connected components independently (default true). False solves the union as one model:
   * the same optimum, slower; for tests and comparisons.
   */
  decompose?: boolean;
  /** Row-generation rounds per component before the shares are scaled down; default 12. */
  maxRounds?: number;
  /** Memory for cached hourly arrays of one component, MB; default 256. Beyond it they are recomputed. */
  hourlyCacheMB?: number;
  /**
   * Components beyond twice this many candidates are improved block by block (blocks of this many,
   * the rest of the component held at its current plan); default 3000.
   */
  blockCandidates?: number;
  /** Called after each unit of work (for a progress bar); must not throw. */
  onProgress?: (progress: PlanProgress) => void;
}

export interface PlanProgress {
  /** `prepare`: reading every candidate once; `solve`: one solve per unit; `improve`: the time left, on the units the limit stopped. */
  phase: 'prepare' | 'solve' | 'improve';
  done: number;
  total: number;
  elapsed_ms: number;
}

/**
 * How a component was solved:
 * - `optimal`: proven within relGap (one-candidate components are solved exactly without the solver);
 * - `time_limit`: the time ran out; the best plan found (never worse than greedy) is used;
 * - `greedy_fallback`: the solver's plan was worse than the one-to-one greedy pick (a solve stopped
 *   by the time), or the solver failed: the greedy pick (then made maximal) is used;
 * - `repaired`: row generation did not reach a plan feasible at every hour within the rounds or the
 *   time: the offending shares were scaled down until it is.
 * The plan's status is `repaired` if any component is, `greedy_fallback` only if the solver failed
 * (an error) somewhere, `time_limit` if any component stopped by the time (greedy fallbacks at the
 * time limit included), else `optimal`.
 */
export type PlanStatus = 'optimal' | 'time_limit' | 'greedy_fallback' | 'repaired';

export interface PlanMember {
  id: string;
  /** Allocation share x in (0, 1]: the member delivers x times its stand-alone quantity. */
  share: number;
}

export interface PlanResult {
  /** Every built candidate (share > 0), held ones included, in input order. */
  members: PlanMember[];
  /** Sum over members of fixed + unit * share for the chosen objective. */
  objective_value: number;
  /** Proven upper bound on the best plan's objective (sum of the components' bounds). */
  bound: number;
  /** (bound - value) / max(1, |bound|); 0 when every component is solved exactly. */
  gap: number;
  status: PlanStatus;
  /** Components with at least one plannable candidate. */
  components: number;
  /** Candidates in the largest component. */
  largest_component: number;
  solve_ms: number;
  /** The one-to-one greedy baseline (held members included), for the report and the tests. */
  greedy_value: number;
  /** Components by how they were solved (`trivial`: one candidate, no solver). */
  component_status: Record<PlanStatus | 'trivial', number>;
  /** Most row-generation rounds any component needed (1 = the initial rows were enough). */
  rounds: number;
  /** Hour rows added by row generation, all components. */
  rows_added: number;
  /** Candidates added, or members raised, by the maximality pass. */
  maximality_added: number;
  /** Time inside HiGHS, ms (the rest of solve_ms: hourly arrays, checks, greedy, maximality). */
  solver_ms: number;
  /** Calls of candidates' hourly() (each candidate at least once; more when the cache overflows). */
  hourly_calls: number;
  /** Readable remarks: fallbacks, repairs, solver failures. */
  notes: string[];
}

/** A held (reserved / contracted / live) match, as named by OverAllocationError. */
export interface HeldMatch {
  id: string;
  supply: string;
  demand: string;
  held: number;
}

/**
 * Thrown before solving when held candidates alone over-allocate a flow. Names the over-allocated
 * flow, and for every held match on it both its flows.
 */
export class OverAllocationError extends Error {
  override readonly name = 'OverAllocationError';
  constructor(
    /** The over-allocated flow. */
    readonly flow: string,
    readonly side: 'supply' | 'demand',
    /** The hour of the largest excess (hourly flows), null for a scalar flow. */
    readonly hour: number | null,
    readonly allocated: number,
    readonly capacity: number,
    /** The held matches using the flow. */
    readonly matches: readonly HeldMatch[],
  ) {
    const where = hour === null ? 'over the year' : `at hour ${hour}`;
    const list = matches.map((m) => `${m.id} (${m.supply} -> ${m.demand}, share ${fmt(m.held)})`).join(', ');
    super(
      `held matches over-allocate ${side} flow ${flow} ${where}: ${fmt(allocated)} allocated of ${fmt(capacity)} ` +
        `available, by ${list}`,
    );
  }

  /** Every flow named: the over-allocated one first, then the other flows of its held matches. */
  get flows(): string[] {
    const out = [this.flow];
    for (const m of this.matches) for (const f of [m.supply, m.demand]) if (!out.includes(f)) out.push(f);
    return out;
  }
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(6);
}
