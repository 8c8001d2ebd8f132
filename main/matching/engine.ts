/**
 * The matching engine: `Matcher` keeps the compiled flows and the spatial index of a portfolio,
 * runs the full match (`matchAll`) and re-matches one changed flow (`matchFlow`) without a full
 * run. `matchAll(input, config)` and `matchFlow(input, id, config)` are one-shot conveniences.
 *
 * Result set: the union of every flow's top N (ranking.ts). A match is in the result when it is in
 * its supply's list, its demand's list, or both; `rank` says which.
 *
 * Incremental: the matches involving flow X are (a) X's own top N and (b) the pairs (X, Y) that
 * make Y's top N. (a) needs X's neighbourhood; (b) needs, for each eligible partner Y of X, Y's
 * neighbourhood. Both come from the index, so `matchFlow` returns exactly the matches involving X
 * that a full re-match would return (tested). For (b) Y's list is not ranked: the pairs of Y
 * ranking above (X, Y) are counted per organization and the scan stops once N are kept above it
 * (pipeline.ts rankInPartnerList).
 * Other flows' lists that X entered or left (a third flow Z moving up or down in Y's list) are not
 * re-ranked: they change at the next full match.
 */
import type { CompiledFlow } from './compiled.ts';
import type { Thresholds } from './compatibility.ts';
import { resolveConfig, type MatchingConfig } from './config.ts';
import { DEMAND_TYPES_OF, SpatialIndex, SUPPLY_TYPES_OF, type CandidateSplit } from './index.ts';
import type { MatchFlow, MatchInput } from './input.ts';
import { buildMatch, type EngineMatch } from './match.ts';
import { compareMatches, considerPair, Counters, fullMatch, makeStats, rankAll, rankInPartnerList, runContext, type CandidateSource, type EngineResult, type Ranked } from './pipeline.ts';
import { PairStore, selectTop, sortForFlow } from './ranking.ts';
import { FlowTable } from './table.ts';
import { newHourlySeries } from './hourly/heat-exchange.ts';
import { newThermalNumbers, thermalContext, thermalExchange } from './thermal.ts';

/** How far the index must search around a flow, for partners of a type whose default limit is `typeKm`. */
function searchKm(th: Thresholds, ownMaxKm: number, typeKm: number): number {
  let km = typeKm;
  if (th.maxKm < km) km = th.maxKm;
  if (ownMaxKm < km) km = ownMaxKm;
  return km * reachFactor(th);
}

/** The factor the fallback's distance step applies to every limit (1 when it does not relax distance). */
const reachFactor = (th: Thresholds) => (th.distStep === 0 ? 1 : Math.max(1, th.distFactor));

export class Matcher {
  readonly table: FlowTable;
  private readonly index: SpatialIndex;
  private readonly inner: number[] = [];
  private readonly touched: number[] = [];
  private orgCount = new Int32Array(16);

  constructor(input: MatchInput) {
    this.table = new FlowTable(input);
    this.index = SpatialIndex.build(this.table.flows);
  }

  /** Adds a flow or replaces the one with the same id (then re-match it with `matchFlow`). */
  upsert(flow: MatchFlow): void {
    this.index.upsert(this.table.upsert(flow));
  }

  /** Removes a flow; false when the id is unknown. */
  remove(id: string): boolean {
    const f = this.table.remove(id);
    if (f === undefined) return false;
    this.index.remove(f.idx);
    return true;
  }

  /** Demand flows that may pair with supply `s` (conservative: the evaluator decides). */
  readonly demandsNear = (s: CompiledFlow, th: Thresholds, out: number[]): number[] => {
    let n = 0;
    if (s.active) {
      const km = searchKm(th, s.maxKm, th.typeKm[s.typeCode]!);
      for (const u of DEMAND_TYPES_OF[s.typeCode]!) n = this.index.demandsNear(u, s, km, reachFactor(th), th.radiusKm, out, n);
    }
    out.length = n;
    return out;
  };

  /** The full match's first pass: supply `s`'s demands within the relaxed reach of `th`, split at the stated reach (CandidateSplit). */
  readonly demandsNearSplit = (s: CompiledFlow, th: Thresholds, split: CandidateSplit): void => {
    split.nInner = 0;
    split.nRing = 0;
    if (!s.active) return;
    let stated = th.typeKm[s.typeCode]!;
    if (th.maxKm < stated) stated = th.maxKm;
    if (s.maxKm < stated) stated = s.maxKm;
    for (const u of DEMAND_TYPES_OF[s.typeCode]!) this.index.demandsNearSplit(u, s, stated, reachFactor(th), th.radiusKm, split);
  };

  /** Supply flows that may pair with demand `d`. */
  readonly suppliesNear = (d: CompiledFlow, th: Thresholds, out: number[]): number[] => {
    let n = 0;
    if (d.active) {
      for (const t of SUPPLY_TYPES_OF[d.typeCode]!) {
        n = this.index.suppliesNear(t, d, searchKm(th, d.maxKm, th.typeKm[t]!), reachFactor(th), th.radiusKm, out, n);
      }
    }
    out.length = n;
    return out;
  };

  /** The index as a candidate source. */
  readonly source: CandidateSource = { forSupply: this.demandsNear, forDemand: this.suppliesNear, splitForSupply: this.demandsNearSplit };

  matchAll(config: MatchingConfig = resolveConfig()): EngineResult {
    return fullMatch(this.table, config, this.source, 'indexed');
  }

  /** The matching without building match records (which pairs, ranks, counters, timings): for benchmarks and bulk writers. */
  rankAll(config: MatchingConfig = resolveConfig()): Ranked {
    return rankAll(this.table, config, this.source);
  }

  /** Every match involving flow `id`, exactly as a full match would give them (empty when unknown or inactive). */
  matchFlow(id: string, config: MatchingConfig = resolveConfig()): EngineResult {
    const t0 = performance.now();
    const ctx = runContext(config);
    const n = new Counters();
    const flows = this.table.flows;
    const cols = this.table.cols;
    const x = this.table.get(id);
    const own = new PairStore();
    const buffer: number[] = [];
    if (x !== undefined && x.active) {
      const list = x.supply ? this.demandsNear(x, ctx.th, buffer) : this.suppliesNear(x, ctx.th, buffer);
      for (let k = 0; k < list.length; k++) {
        const y = list[k]!;
        if (x.supply) considerPair(cols, x.idx, y, ctx, own, n);
        else considerPair(cols, y, x.idx, ctx, own, n);
      }
    }
    const t1 = performance.now();
    const rankX = new Int32Array(own.length);
    const rankY = new Int32Array(own.length);
    if (x !== undefined && own.length > 0) {
      if (this.orgCount.length <= this.table.orgCount) this.orgCount = new Int32Array(this.table.orgCount * 2 + 1);
      const orgCount = this.orgCount;
      const list: number[] = [];
      for (let i = 0; i < own.length; i++) list.push(i);
      sortForFlow(list, own, x.idx, flows);
      selectTop(list, own, x.idx, flows, config, orgCount, rankX);
      // Where does (X, Y) stand in Y's own list?
      const inner = this.inner;
      for (let p = 0; p < own.length; p++) {
        const y = flows[x.supply ? own.d[p]! : own.s[p]!]!;
        const candidates = y.supply ? this.demandsNear(y, ctx.th, inner) : this.suppliesNear(y, ctx.th, inner);
        rankY[p] = rankInPartnerList(this.table, x.idx, y.idx, own.step[p]!, own.score[p]!, own.npv[p]!, candidates, ctx, n, orgCount, this.touched);
      }
    }
    const t2 = performance.now();
    const matches: EngineMatch[] = [];
    for (let p = 0; p < own.length; p++) {
      if (rankX[p] === 0 && rankY[p] === 0) continue;
      const s = flows[own.s[p]!]!;
      const d = flows[own.d[p]!]!;
      const mine = rankX[p]! || null;
      const theirs = rankY[p]! || null;
      matches.push(buildMatch(cols, s, d, ctx.th, ctx.ec, ctx.scale, x!.supply ? { supply: mine, demand: theirs } : { supply: theirs, demand: mine }));
    }
    matches.sort(compareMatches);
    const t3 = performance.now();
    return {
      matches,
      stats: makeStats('incremental', this.table, ctx, n, n.eligible, matches, { candidates: t1 - t0, ranking: t2 - t1, fallback: 0, materialise: t3 - t2, total: t3 - t0 }, 0),
    };
  }
}

/** The hourly exchange of a heat, steam or cooling pair (MW per hour): for charts and the plan. */
export interface HeatSeriesView {
  available: Float64Array;
  demand: Float64Array;
  delivered: Float64Array;
  loss_mw: number;
  delivered_mwh_per_year: number;
}

/** Null when either flow is unknown or the pair is not priced by the hour. */
export function heatSeries(matcher: Matcher, supplyId: string, demandId: string, distanceKm: number, config: MatchingConfig): HeatSeriesView | null {
  const s = matcher.table.get(supplyId);
  const d = matcher.table.get(demandId);
  if (s === undefined || d === undefined || s.shape === null || d.shape === null) return null;
  const series = newHourlySeries();
  const t = thermalExchange(matcher.table.cols, s.idx, d.idx, distanceKm, config, thermalContext(config), newThermalNumbers(), series);
  return { ...series, loss_mw: t.lossMw, delivered_mwh_per_year: t.deliveredMwh };
}

/** One-shot full match of a portfolio (builds the index, then matches). */
export function matchAll(input: MatchInput, config: MatchingConfig = resolveConfig()): EngineResult {
  return new Matcher(input).matchAll(config);
}

/** The matches involving one flow; pass a `Matcher` to reuse its index across calls. */
export function matchFlow(source: MatchInput | Matcher, flowId: string, config: MatchingConfig = resolveConfig()): EngineResult {
  const matcher = source instanceof Matcher ? source : new Matcher(source);
  return matcher.matchFlow(flowId, config);
}
