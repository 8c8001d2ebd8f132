/**
 * The pipeline shared by the indexed engine and the naive reference: candidates -> hard constraints
 * (with fallback steps) -> economics -> scores -> filters -> per-flow ranking -> match records.
 * The two differ only in how candidates are enumerated (`SupplyCandidates`), so "same result" is
 * a test of the index alone.
 */
import type { CompiledFlow } from './compiled.ts';
import { CONSTRAINTS, evaluatePair, newFacts, thresholds, type ConstraintName, type Thresholds } from './compatibility.ts';
import { ENGINE_VERSION, type MatchingConfig } from './config.ts';
import { econContext, newEconNumbers, pairEconomics, type EconContext } from './economics.ts';
import { buildMatch, type EngineMatch, type ScoreScale } from './match.ts';
import { failedFilter, PairStore, rankList, type FilterName } from './ranking.ts';
import { routeSplit, type RouteSplit } from './router.ts';
import { computeScores, newScores, scoreRange } from './scores.ts';
import type { FlowTable } from './table.ts';

/**
 * How candidates are enumerated: the table positions of the flows that may pair with a supply
 * (`forSupply`) or a demand (`forDemand`), either `scratch` filled from 0 and cut to length, or an
 * array of its own. Must be a superset of the pairs the evaluator accepts under `th`.
 */
export interface CandidateSource {
  forSupply(s: CompiledFlow, th: Thresholds, scratch: number[]): ArrayLike<number>;
  forDemand(d: CompiledFlow, th: Thresholds, scratch: number[]): ArrayLike<number>;
}

export interface RunContext {
  c: MatchingConfig;
  th: Thresholds;
  ec: EconContext;
  scale: ScoreScale;
}

export function runContext(c: MatchingConfig): RunContext {
  const { lowest, highest } = scoreRange(c.weights);
  return { c, th: thresholds(c), ec: econContext(c), scale: { lowest, span: highest - lowest } };
}

export interface MatchStats {
  engine_version: string;
  mode: 'indexed' | 'naive' | 'incremental';
  flows: number;
  active_flows: number;
  supplies: number;
  demands: number;
  /** Pairs the hard constraints were evaluated on. */
  pairs_examined: number;
  /** Pairs passing the hard constraints (as stated or relaxed). */
  candidate_pairs: number;
  /** Candidates left after the filters. */
  eligible_pairs: number;
  rejected: Partial<Record<ConstraintName, number>>;
  filtered: Record<FilterName, number>;
  matches: number;
  relaxed_matches: number;
  routes: RouteSplit;
  /** Flows with fewer than N matches as stated, which went through the fallback. */
  fallback_flows: number;
  /** candidates: stated pairs; ranking: their top N; fallback: relaxed search and re-ranking; materialise: match records. */
  timings_ms: { candidates: number; ranking: number; fallback: number; materialise: number; total: number };
  config: { top_n: number; max_per_partner: number; max_km: number | null; min_temporal_hours_per_week: number; fallback: boolean };
}

export interface EngineResult {
  matches: EngineMatch[];
  stats: MatchStats;
}

/** Counters a pass fills. */
export class Counters {
  examined = 0;
  candidates = 0;
  rejected = new Float64Array(CONSTRAINTS.length + 1);
  filtered: Record<FilterName, number> = { min_annual_value: 0, min_trust: 0, npv: 0 };
}

/**
 * Evaluates one pair end to end; pushes it to `pairs` when it passes constraints and filters.
 * Scratch objects are module-level: the pipeline is synchronous and single-threaded.
 */
const facts = newFacts();
const econ = newEconNumbers();
const scores = newScores();
export function considerPair(s: CompiledFlow, d: CompiledFlow, ctx: RunContext, pairs: PairStore, n: Counters, minStep = 0): number {
  n.examined++;
  const step = evaluatePair(s, d, ctx.th, facts);
  if (step < 0) {
    n.rejected[-step]!++;
    return -1;
  }
  if (step < minStep) return -1;
  n.candidates++;
  pairEconomics(s, d, facts.distanceKm, facts.overlapHours, facts.overlapMonths, ctx.ec, econ);
  computeScores(s, d, facts, econ.delivered, ctx.th, ctx.scale.lowest, ctx.scale.span, scores);
  const dropped = failedFilter(econ, scores, ctx.c);
  if (dropped !== null) {
    n.filtered[dropped]++;
    return -1;
  }
  return pairs.push(s.idx, d.idx, step, scores.score, econ.npv);
}

/** Each flow's top N over `pairs` (ranking.ts), for the flows in `only` (all when null); writes ranks and kept counts. */
export function rankPairs(table: FlowTable, pairs: PairStore, c: MatchingConfig, only: Uint8Array | null, rankS: Int32Array, rankD: Int32Array, kept: Int32Array): void {
  const flowCount = table.flows.length;
  const count = new Int32Array(flowCount + 1);
  const { s, d, length } = pairs;
  for (let p = 0; p < length; p++) {
    count[s[p]! + 1]!++;
    count[d[p]! + 1]!++;
  }
  for (let i = 0; i < flowCount; i++) count[i + 1]! += count[i]!;
  const lists = new Int32Array(2 * length);
  const fill = count.slice(0, flowCount);
  for (let p = 0; p < length; p++) {
    lists[fill[s[p]!]!++] = p;
    lists[fill[d[p]!]!++] = p;
  }
  const orgCount = new Int32Array(table.orgCount + 1);
  for (let f = 0; f < flowCount; f++) {
    if (only !== null && only[f] === 0) continue;
    const from = count[f]!;
    const to = count[f + 1]!;
    if (to === from) continue;
    kept[f] = rankList(lists.subarray(from, to), pairs, f, table.flows, c, orgCount, table.flows[f]!.supply ? rankS : rankD);
  }
}

/** The matching proper: which pairs are matches and their ranks, before any record is built. */
export interface Ranked {
  ctx: RunContext;
  pairs: PairStore;
  rankS: Int32Array;
  rankD: Int32Array;
  counters: Counters;
  /** Pairs kept in at least one flow's top N. */
  kept: number;
  /** Flows that had fewer than N matches as stated and so went through the fallback. */
  hungry: number;
  timings: { candidates: number; ranking: number; fallback: number };
}

const grow = (a: Int32Array, n: number) => {
  const b = new Int32Array(n);
  b.set(a);
  return b;
};

/**
 * Phase 1: every pair as stated (no relaxation), ranked. Phase 2 (fallback on): the flows left
 * with fewer than N ("hungry") search again with the relaxed limits, keeping the pairs that
 * needed relaxation, and only their lists are re-ranked. Equivalent to ranking every pair with
 * relaxed pairs after stated ones (a flow with N stated matches never reaches a relaxed one),
 * with far fewer pairs examined.
 */
export function rankAll(table: FlowTable, c: MatchingConfig, source: CandidateSource): Ranked {
  const t0 = performance.now();
  const ctx = runContext(c);
  const strict = c.fallback.enabled ? runContext({ ...c, fallback: { ...c.fallback, enabled: false } }) : ctx;
  const n = new Counters();
  const pairs = new PairStore(1 << 16);
  const buffer: number[] = [];
  const flows = table.flows;
  for (let i = 0; i < flows.length; i++) {
    const s = flows[i]!;
    if (!s.supply) continue;
    const list = source.forSupply(s, strict.th, buffer);
    for (let k = 0, count = list.length; k < count; k++) considerPair(s, flows[list[k]!]!, strict, pairs, n);
  }
  const t1 = performance.now();
  let rankS = new Int32Array(pairs.length);
  let rankD = new Int32Array(pairs.length);
  const kept = new Int32Array(flows.length);
  rankPairs(table, pairs, c, null, rankS, rankD, kept);
  const t2 = performance.now();
  let hungryCount = 0;
  if (c.fallback.enabled) {
    const hungry = new Uint8Array(flows.length);
    for (const f of flows) {
      if (f.active && kept[f.idx]! < c.top_n) {
        hungry[f.idx] = 1;
        hungryCount++;
      }
    }
    const before = pairs.length;
    for (let i = 0; i < flows.length; i++) {
      if (hungry[i] === 0) continue;
      const x = flows[i]!;
      if (x.supply) {
        const list = source.forSupply(x, ctx.th, buffer);
        for (let k = 0, count = list.length; k < count; k++) considerPair(x, flows[list[k]!]!, ctx, pairs, n, 1);
      } else {
        const list = source.forDemand(x, ctx.th, buffer);
        for (let k = 0, count = list.length; k < count; k++) {
          const s = list[k]!;
          if (hungry[s] === 0) considerPair(flows[s]!, x, ctx, pairs, n, 1); // a hungry supply found it already
        }
      }
    }
    if (pairs.length > before) {
      rankS = grow(rankS, pairs.length);
      rankD = grow(rankD, pairs.length);
      rankPairs(table, pairs, c, hungry, rankS, rankD, kept);
    }
  }
  const t3 = performance.now();
  let keptPairs = 0;
  for (let p = 0; p < pairs.length; p++) if (rankS[p] !== 0 || rankD[p] !== 0) keptPairs++;
  return { ctx, pairs, rankS, rankD, counters: n, kept: keptPairs, hungry: hungryCount, timings: { candidates: t1 - t0, ranking: t2 - t1, fallback: t3 - t2 } };
}

/** Output order: score (higher first), then supply id, then demand id. */
export function compareMatches(a: EngineMatch, b: EngineMatch): number {
  if (a.score !== b.score) return b.score - a.score;
  if (a.supply_flow_id !== b.supply_flow_id) return a.supply_flow_id < b.supply_flow_id ? -1 : 1;
  return a.demand_flow_id < b.demand_flow_id ? -1 : a.demand_flow_id > b.demand_flow_id ? 1 : 0;
}

export function materialise(table: FlowTable, pairs: PairStore, rankS: Int32Array, rankD: Int32Array, ctx: RunContext): EngineMatch[] {
  const out: EngineMatch[] = [];
  for (let p = 0; p < pairs.length; p++) {
    if (rankS[p] === 0 && rankD[p] === 0) continue;
    const rank = { supply: rankS[p]! || null, demand: rankD[p]! || null };
    out.push(buildMatch(table.flows[pairs.s[p]!]!, table.flows[pairs.d[p]!]!, ctx.th, ctx.ec, ctx.scale, rank));
  }
  return out.sort(compareMatches);
}

export function makeStats(mode: MatchStats['mode'], table: FlowTable, ctx: RunContext, n: Counters, eligible: number, matches: EngineMatch[], timings: MatchStats['timings_ms'], fallbackFlows: number): MatchStats {
  let active = 0;
  let supplies = 0;
  let demands = 0;
  for (const f of table.flows) {
    if (!f.active) continue;
    active++;
    if (f.supply) supplies++;
    else demands++;
  }
  const rejected: Partial<Record<ConstraintName, number>> = {};
  CONSTRAINTS.forEach((name, i) => {
    const k = n.rejected[i + 1]!;
    if (k > 0) rejected[name] = k;
  });
  const c = ctx.c;
  return {
    engine_version: ENGINE_VERSION,
    mode,
    flows: table.byId.size,
    active_flows: active,
    supplies,
    demands,
    pairs_examined: n.examined,
    candidate_pairs: n.candidates,
    eligible_pairs: eligible,
    rejected,
    filtered: { ...n.filtered },
    matches: matches.length,
    relaxed_matches: matches.filter((m) => m.relaxed.length > 0).length,
    routes: routeSplit(matches),
    fallback_flows: fallbackFlows,
    timings_ms: timings,
    config: {
      top_n: c.top_n,
      max_per_partner: c.max_per_partner,
      max_km: Number.isFinite(c.max_km) ? c.max_km : null,
      min_temporal_hours_per_week: c.min_temporal_hours_per_week,
      fallback: c.fallback.enabled,
    },
  };
}

/** A full match over `table` with the given candidate enumeration. */
export function fullMatch(table: FlowTable, c: MatchingConfig, source: CandidateSource, mode: 'indexed' | 'naive'): EngineResult {
  const r = rankAll(table, c, source);
  const t = performance.now();
  const matches = materialise(table, r.pairs, r.rankS, r.rankD, r.ctx);
  const ms = performance.now() - t;
  const timings = { candidates: r.timings.candidates, ranking: r.timings.ranking, fallback: r.timings.fallback, materialise: ms, total: r.timings.candidates + r.timings.ranking + r.timings.fallback + ms };
  return { matches, stats: makeStats(mode, table, r.ctx, r.counters, r.pairs.length, matches, timings, r.hungry) };
}
