/**
 * The pipeline shared by the indexed engine and the naive reference: candidates -> hard constraints
 * (with fallback steps) -> economics -> scores -> filters -> per-flow ranking -> match records.
 * The two differ only in how candidates are enumerated (`SupplyCandidates`), so "same result" is
 * a test of the index alone.
 */
import { popcount32, type CompiledFlow, type FlowColumns } from './compiled.ts';
import { CONSTRAINTS, evaluatePair, newFacts, thresholds, typesCompatible, type ConstraintName, type Thresholds } from './compatibility.ts';
import { ENGINE_VERSION, type MatchingConfig } from './config.ts';
import { deliveredAmount, econContext, newEconNumbers, pairEconomics, thermalBounds, type EconContext } from './economics.ts';
import { buildMatch, type EngineMatch, type ScoreScale } from './match.ts';
import { failedFilter, PairStore, type FilterName } from './ranking.ts';
import { routeSplit, type RouteSplit } from './router.ts';
import { computeScores, newScores, scoreRange, type ScoreNumbers } from './scores.ts';
import { CandidateSplit } from './index.ts';
import type { FlowTable } from './table.ts';
import { TopLists } from './topn.ts';

/**
 * How candidates are enumerated: the table positions of the flows that may pair with a supply
 * (`forSupply`) or a demand (`forDemand`), either `scratch` filled from 0 and cut to length, or an
 * array of its own. Must be a superset of the pairs the evaluator accepts under `th`.
 */
export interface CandidateSource {
  forSupply(s: CompiledFlow, th: Thresholds, scratch: number[]): ArrayLike<number>;
  forDemand(d: CompiledFlow, th: Thresholds, scratch: number[]): ArrayLike<number>;
  /**
   * Search once (the index): the full match's first pass asks for every supply's relaxed
   * neighbourhood, split at the stated reach (CandidateSplit), evaluates the inner part as stated
   * and remembers the pairs that can only pass relaxed, so the fallback evaluates just those
   * instead of searching again. Unset (the naive reference): the plain two-pass form, stated
   * neighbourhoods first, then the hungry flows' relaxed ones.
   */
  splitForSupply?(s: CompiledFlow, th: Thresholds, split: CandidateSplit): void;
}

export interface RunContext {
  c: MatchingConfig;
  th: Thresholds;
  ec: EconContext;
  scale: ScoreScale;
  /** The score bound (scoreUpperBound) holds: thermal loss >= 0 and exchanger efficiency in 0..1, so delivered falls with distance. */
  bounded: boolean;
}

export function runContext(c: MatchingConfig): RunContext {
  const { lowest, highest } = scoreRange(c.weights);
  const bounded = c.thermal.loss_per_km >= 0 && c.thermal.exchanger_efficiency >= 0 && c.thermal.exchanger_efficiency <= 1 && highest - lowest > 0;
  return { c, th: thresholds(c), ec: econContext(c), scale: { lowest, span: highest - lowest }, bounded };
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
  /**
   * Candidates left after the filters, among those evaluated in full: the full match skips the
   * economics of candidates that provably make neither flow's top N (topn.ts), so this counts
   * fewer than all eligible pairs there.
   */
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
  /** Pairs skipped before any evaluation: their score bound is below both flows' full top N. */
  skipped = 0;
  /** Candidates skipped before their economics: provably in neither flow's top N (topn.ts). */
  pruned = 0;
  /** Candidates that passed the filters (among those not pruned). */
  eligible = 0;
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
const bounds = { value: 0, npv: 0 };

/**
 * The economics of a pair that passed the constraints, and whether it passes the filters (counted
 * in `n` when not). Heat, steam and cooling pairs are first tried on their upper bounds
 * (economics.ts thermalBounds): one that cannot pass is dropped without its hourly evaluation,
 * named by the first filter its bounds fail. Shared by every pass, so they all decide alike.
 */
function pricedAndKept(cols: FlowColumns, s: number, d: number, ctx: RunContext, n: Counters): boolean {
  const ec = ctx.ec;
  if (ec.hourly[cols.typeCode[s]!] === 1) {
    thermalBounds(cols, s, d, facts.distanceKm, ec, bounds);
    const f = ctx.c.filters;
    const dropped = !(bounds.value >= f.min_annual_value_eur) ? 'min_annual_value' : f.min_trust > 0 && scores.trust < f.min_trust ? 'min_trust' : f.require_positive_npv && !(bounds.npv > 0) ? 'npv' : null;
    if (dropped !== null) {
      n.filtered[dropped]++;
      return false;
    }
  }
  pairEconomics(cols, s, d, facts, ec, econ);
  const dropped = failedFilter(econ, scores, ctx.c);
  if (dropped !== null) {
    n.filtered[dropped]++;
    return false;
  }
  return true;
}
export function considerPair(cols: FlowColumns, s: number, d: number, ctx: RunContext, pairs: PairStore, n: Counters, minStep = 0): number {
  n.examined++;
  const step = evaluatePair(cols, s, d, ctx.th, facts);
  if (step < 0) {
    n.rejected[-step]!++;
    return -1;
  }
  if (step < minStep) return -1;
  n.candidates++;
  // the score's quantity compares the flows' rates (the economics' delivered heat is hourly)
  facts.delivered = deliveredAmount(cols.typeCode[s]!, cols.amount[s]!, cols.amount[d]!, facts.distanceKm, ctx.ec);
  computeScores(cols, s, d, facts, ctx.th, ctx.scale, scores);
  if (!pricedAndKept(cols, s, d, ctx, n)) return -1;
  n.eligible++;
  return pairs.push(s, d, step, scores.score, econ.npv);
}

/**
 * The streaming form of considerPair for the full match: the pair's tier and score come first
 * (cheap), and when neither flow's list can take it (TopLists.mayEnter) it stops there, before
 * the economics; otherwise it is offered to both lists. Exact: see topn.ts.
 */
function streamPair(cols: FlowColumns, s: number, d: number, ctx: RunContext, pairs: PairStore, top: TopLists, n: Counters, minStep: number): void {
  if (ctx.bounded && typesCompatible(cols.typeCode[s]!, cols.typeCode[d]!)) {
    // Both lists full: a pair whose best possible score is below both bars is skipped unevaluated.
    const bs = top.bar(s, minStep);
    if (bs !== Number.NEGATIVE_INFINITY) {
      const bd = top.bar(d, minStep);
      if (bd !== Number.NEGATIVE_INFINITY && scoreUpperBound(cols, s, d, ctx).score + BOUND_MARGIN < (bs < bd ? bs : bd)) {
        n.skipped++;
        return;
      }
    }
  }
  n.examined++;
  const step = evaluatePair(cols, s, d, ctx.th, facts);
  if (step < 0) {
    n.rejected[-step]!++;
    return;
  }
  if (step < minStep) return;
  offerCandidate(cols, s, d, step, ctx, top, n);
}

/**
 * A pair that passed the hard constraints at `step`: its score first, then (only when one of the
 * two lists may take it) its economics and filters, then the offer to both lists. Shared by the
 * streaming full match and the search-once pass, so both rank by the same rules.
 */
function offerCandidate(cols: FlowColumns, s: number, d: number, step: number, ctx: RunContext, top: TopLists, n: Counters): void {
  n.candidates++;
  const ec = ctx.ec;
  // the same delivered quantity pairEconomics computes
  facts.delivered = deliveredAmount(cols.typeCode[s]!, cols.amount[s]!, cols.amount[d]!, facts.distanceKm, ec);
  computeScores(cols, s, d, facts, ctx.th, ctx.scale, scores);
  const score = scores.score;
  const toS = top.mayEnter(s, step, score);
  const toD = top.mayEnter(d, step, score);
  if (!toS && !toD) {
    n.pruned++;
    return;
  }
  if (!pricedAndKept(cols, s, d, ctx, n)) return;
  n.eligible++;
  const p = top.add(s, d, step, score, econ.npv);
  if (toS) top.offer(s, p, cols.org[d]!, 1);
  if (toD) top.offer(d, p, cols.org[s]!, 2);
  top.settle(p);
}

const DISTANCE_CODE = CONSTRAINTS.indexOf('distance') + 1;


/**
 * Pairs kept for the fallback (search-once form): supply and demand positions, interleaved. A pair
 * is remembered when it passes only with the relaxed limits (or lies in the ring between the stated
 * and the relaxed reach, recognised by the chord alone) and one of its flows still has room: a flow with N stated pairs is never hungry (its list only improves),
 * so a pair between two full flows can never be needed.
 */
let sparePairList: Int32Array | null = null;

class PairList {
  data: Int32Array;
  length = 0;
  /** Sized ahead (pages are only mapped when first written, so unused capacity costs nothing; doubling would write every entry twice). */
  constructor(capacity: number) {
    const want = Math.max(1 << 16, capacity);
    const pool = sparePairList;
    if (pool !== null && pool.length >= want) {
      sparePairList = null;
      this.data = pool;
    } else this.data = new Int32Array(want);
  }
  /** Hands the memory back for the next match (see TopLists.release). */
  release(): void {
    if (sparePairList === null || sparePairList.length < this.data.length) sparePairList = this.data;
  }
  push(s: number, d: number): void {
    if (this.length + 2 > this.data.length) {
      const b = new Int32Array(this.data.length * 2);
      b.set(this.data);
      this.data = b;
    }
    this.data[this.length++] = s;
    this.data[this.length++] = d;
  }
}

/**
 * The first pass of the search-once form, for the inner part of a CandidateSplit: streamPair as
 * stated (fallback off), except that a pair passing only relaxed is remembered for the fallback
 * while one of its flows has room.
 */
function firstPassPair(cols: FlowColumns, s: number, d: number, ctx: RunContext, relaxedTh: Thresholds, top: TopLists, n: Counters, later: PairList, topN: number): void {
  if (ctx.bounded && typesCompatible(cols.typeCode[s]!, cols.typeCode[d]!)) {
    // Both lists full (so neither flow will go through the fallback): skipped as in streamPair.
    const bs = top.bar(s, 0);
    if (bs !== Number.NEGATIVE_INFINITY) {
      const bd = top.bar(d, 0);
      if (bd !== Number.NEGATIVE_INFINITY && scoreUpperBound(cols, s, d, ctx).score + BOUND_MARGIN < (bs < bd ? bs : bd)) {
        n.skipped++;
        return;
      }
    }
  }
  n.examined++;
  // Evaluated with the relaxed limits: step 0 is exactly "passes as stated" (same facts: the
  // relaxation only moves the accept thresholds), a later step "passes only relaxed", and a
  // failure fails in every pass, so the fallback re-evaluates only pairs that can pass.
  const step = evaluatePair(cols, s, d, relaxedTh, facts);
  if (step < 0) {
    n.rejected[-step]!++;
    return;
  }
  if (step > 0) {
    if (top.lens[s]! < topN || top.lens[d]! < topN) later.push(s, d);
    return;
  }
  offerCandidate(cols, s, d, 0, ctx, top, n);
}

/** Safety margin on the bound (rounding differences between the bound and the exact score are ~1e-16). */
const BOUND_MARGIN = 1e-9;

/** Scratch of scoreUpperBound: the facts at the lower distance bound, and the scores they give. */
const boundFacts = newFacts();
const boundScores = newScores();

/**
 * An upper bound of the score any evaluation of (s, d) can give, from the cheap facts only: quality
 * taken as 1 (no sub-score stated), the exact temporal, trust and regulatory scores, the quantity
 * and transport scores at a lower bound of the distance (the chord: 2R asin(c/2) >= R c), through
 * computeScores itself. Every score component is monotone in the distance (delivered quantity
 * falls, transport penalty rises: `ctx.bounded` checks the config keeps it so), so the pair's real
 * score is at most this. Returns the scratch scores (read `.score`): an object, because V8 boxes a
 * double returned by a function it does not inline.
 */
export function scoreUpperBound(cols: FlowColumns, s: number, d: number, ctx: RunContext): ScoreNumbers {
  const th = ctx.th;
  const st = cols.typeCode[s]!;
  let limit = th.typeKm[st]!;
  if (th.maxKm < limit) limit = th.maxKm;
  const sMax = cols.maxKm[s]!;
  const dMax = cols.maxKm[d]!;
  if (sMax < limit) limit = sMax;
  if (dMax < limit) limit = dMax;
  const dx = cols.ux[s]! - cols.ux[d]!;
  const dy = cols.uy[s]! - cols.uy[d]!;
  const dz = cols.uz[s]! - cols.uz[d]!;
  const distLow = Math.sqrt(dx * dx + dy * dy + dz * dz) * th.radiusKm * (1 - 1e-9);
  const f = boundFacts;
  f.distanceKm = distLow;
  f.limitKm = limit;
  f.overlapHours =
    popcount32(cols.w0[s]! & cols.w0[d]!) +
    popcount32(cols.w1[s]! & cols.w1[d]!) +
    popcount32(cols.w2[s]! & cols.w2[d]!) +
    popcount32(cols.w3[s]! & cols.w3[d]!) +
    popcount32(cols.w4[s]! & cols.w4[d]!) +
    popcount32(cols.w5[s]! & cols.w5[d]!);
  f.overlapMonths = popcount32(cols.months[s]! & cols.months[d]!);
  f.delivered = deliveredAmount(st, cols.amount[s]!, cols.amount[d]!, distLow, ctx.ec);
  // tempScore, pressureScore and purityScore stay NaN (newFacts): quality 1
  return computeScores(cols, s, d, f, th, ctx.scale, boundScores);
}

/**
 * Table positions of the active flows of one direction (of those marked in `only` when given), in
 * table order: the index's own order (table.ts), so consecutive supplies search nearly the same
 * strips and the demands they read are still in cache. The order changes nothing in the result
 * (topn.ts).
 */
function inTableOrder(table: FlowTable, supply: boolean, only: Uint8Array | null): Int32Array {
  const flows = table.flows;
  const out = new Int32Array(flows.length);
  let n = 0;
  for (let i = 0; i < flows.length; i++) {
    const f = flows[i]!;
    if (f.supply === supply && f.active && (only === null || only[i] === 1)) out[n++] = i;
  }
  return out.subarray(0, n);
}

/** The matching proper: which pairs are matches and their ranks, before any record is built. */
export interface Ranked {
  ctx: RunContext;
  /** Pairs store: every match is here (positions with rankS or rankD set); other positions are leftovers to ignore. */
  pairs: PairStore;
  /** Rank of each pair in its supply's / demand's final top N, 0 when not in it. */
  rankS: Int32Array;
  rankD: Int32Array;
  counters: Counters;
  /** Pairs kept in at least one flow's top N (the matches). */
  kept: number;
  /** Flows that had fewer than N matches as stated and so went through the fallback. */
  hungry: number;
  timings: { candidates: number; ranking: number; fallback: number };
  /**
   * Hands the pair store and rank arrays back for the next rankAll once the caller is done with
   * this result (after building records or comparing): reused memory is already mapped, while the
   * ~10 MB of a fresh 50,000-flow store cost ~2,500 first-touch page faults (~13 us each on the
   * benchmark machine) and external-memory pressure that brings full GCs forward. Optional: a result
   * never released is simply collected. The result must not be read afterwards.
   */
  release(): void;
}

/** Memory a released Ranked handed back (single slot: the pipeline runs one match at a time per thread). */
let spareRanked: { pairs: PairStore; rankS: Int32Array; rankD: Int32Array } | null = null;

function takePairStore(capacity: number): PairStore {
  const spare = spareRanked;
  if (spare !== null && spare.pairs.s.length >= capacity) {
    spare.pairs.clear();
    return spare.pairs;
  }
  return new PairStore(capacity);
}

/** A zeroed rank array of `length` (from the released memory when it is large enough). */
function takeRanks(which: 'rankS' | 'rankD', length: number): Int32Array {
  const spare = spareRanked;
  if (spare !== null && spare[which].length >= length) return spare[which].fill(0, 0, length).subarray(0, length);
  return new Int32Array(length);
}

/**
 * Phase 1: every pair as stated (no relaxation), streamed into the flows' top N lists (topn.ts).
 * Phase 2 (fallback on): the flows left with fewer than N ("hungry") search again with the
 * relaxed limits, keeping the pairs that needed relaxation; they rank after every stated pair.
 * Equivalent to ranking every pair with relaxed pairs after stated ones (a flow with N stated
 * matches never reaches a relaxed one), with far fewer pairs examined.
 * With a `splitForSupply` source (the index), phase 1 walks each supply's relaxed neighbourhood and
 * remembers the pairs that can pass only relaxed (the ring beyond the stated reach, and inner
 * pairs needing a relaxation) while a flow of theirs has room (firstPassPair); phase 2 evaluates
 * just the remembered pairs of hungry flows, each once.
 */
export function rankAll(table: FlowTable, c: MatchingConfig, source: CandidateSource): Ranked {
  const t0 = performance.now();
  const ctx = runContext(c);
  const strict = c.fallback.enabled ? runContext({ ...c, fallback: { ...c.fallback, enabled: false } }) : ctx;
  const n = new Counters();
  const flows = table.flows;
  // live pairs: at most every flow's N, in practice about half of that
  const pairs = takePairStore(Math.max(1024, Math.min(1 << 22, (flows.length * c.top_n) >> 1)));
  const cols = table.cols;
  const top = new TopLists(flows, pairs, c.top_n, c.max_per_partner);
  const buffer: number[] = [];
  const supplies = inTableOrder(table, true, null);
  const once = source.splitForSupply !== undefined && c.fallback.enabled;
  const split = once ? new CandidateSplit() : null;
  const later = new PairList(once ? flows.length * 24 : 0);
  for (let i = 0; i < supplies.length; i++) {
    const s = supplies[i]!;
    if (split !== null) {
      // the relaxed neighbourhood: the inner part evaluated (relaxed limits, stated pairs offered),
      // the ring (beyond the stated reach) a distance failure as stated, remembered while a flow has room
      source.splitForSupply!(flows[s]!, ctx.th, split);
      const inner = split.inner;
      for (let k = 0, count = split.nInner; k < count; k++) firstPassPair(cols, s, inner[k]!, strict, ctx.th, top, n, later, c.top_n);
      const ring = split.ring;
      const sRoom = top.lens[s]! < c.top_n;
      for (let k = 0, count = split.nRing; k < count; k++) {
        const d = ring[k]!;
        n.examined++;
        n.rejected[DISTANCE_CODE]!++;
        if (sRoom || top.lens[d]! < c.top_n) later.push(s, d);
      }
    } else {
      const list = source.forSupply(flows[s]!, strict.th, buffer);
      for (let k = 0, count = list.length; k < count; k++) streamPair(cols, s, list[k]!, strict, pairs, top, n, 0);
    }
  }
  const t1 = performance.now();
  let hungryCount = 0;
  let t2 = t1;
  if (c.fallback.enabled) {
    const hungry = new Uint8Array(flows.length);
    for (let i = 0; i < flows.length; i++) {
      if (flows[i]!.active && top.lens[i]! < c.top_n) {
        hungry[i] = 1;
        hungryCount++;
      }
    }
    t2 = performance.now();
    if (once) {
      // every pair of a hungry flow that may pass relaxed was remembered in the first pass, once
      const data = later.data;
      for (let k = 0, len = later.length; k < len; k += 2) {
        const s = data[k]!;
        const d = data[k + 1]!;
        if (hungry[s] === 1 || hungry[d] === 1) streamPair(cols, s, d, ctx, pairs, top, n, 1);
      }
    } else for (const supply of [true, false]) {
      const order = inTableOrder(table, supply, hungry);
      for (let i = 0; i < order.length; i++) {
        const x = order[i]!;
        if (supply) {
          const list = source.forSupply(flows[x]!, ctx.th, buffer);
          for (let k = 0, count = list.length; k < count; k++) streamPair(cols, x, list[k]!, ctx, pairs, top, n, 1);
        } else {
          const list = source.forDemand(flows[x]!, ctx.th, buffer);
          for (let k = 0, count = list.length; k < count; k++) {
            const s = list[k]!;
            if (hungry[s] === 0) streamPair(cols, s, x, ctx, pairs, top, n, 1); // a hungry supply found it already
          }
        }
      }
    }
  }
  const t3 = performance.now();
  const rankS = takeRanks('rankS', pairs.length);
  const rankD = takeRanks('rankD', pairs.length);
  spareRanked = null; // taken: a second release of an older result must not hand this memory out again
  top.ranks(rankS, rankD);
  top.release();
  later.release();
  let keptPairs = 0;
  for (let p = 0; p < pairs.length; p++) if (rankS[p] !== 0 || rankD[p] !== 0) keptPairs++;
  const t4 = performance.now();
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    const full = { pairs, rankS: new Int32Array(rankS.buffer), rankD: new Int32Array(rankD.buffer) };
    if (spareRanked === null || spareRanked.pairs.s.length <= pairs.s.length) spareRanked = full;
  };
  return { ctx, pairs, rankS, rankD, counters: n, kept: keptPairs, hungry: hungryCount, timings: { candidates: t1 - t0, ranking: t2 - t1 + (t4 - t3), fallback: t3 - t2 }, release };
}

/** Output order: score (higher first), then supply id, then demand id. */
export function compareMatches(a: EngineMatch, b: EngineMatch): number {
  if (a.score !== b.score) return b.score - a.score;
  if (a.supply_flow_id !== b.supply_flow_id) return a.supply_flow_id < b.supply_flow_id ? -1 : 1;
  return a.demand_flow_id < b.demand_flow_id ? -1 : a.demand_flow_id > b.demand_flow_id ? 1 : 0;
}

/** Positions in `r.pairs` of the kept pairs (the matches), in pair-store order. */
export function keptPositions(r: Ranked): Int32Array {
  const out = new Int32Array(r.kept);
  let n = 0;
  for (let p = 0; p < r.pairs.length; p++) if (r.rankS[p] !== 0 || r.rankD[p] !== 0) out[n++] = p;
  return out;
}

/**
 * The records of the kept pairs at `positions[from..to)` (keptPositions), in that order, built as
 * `materialise` builds them: a bulk writer walks a run in chunks, so it never holds every record
 * of a large run at once (~2 GB for 236,551 matches). Sort them with `compareMatches` (or
 * `outputOrder`) for the output order.
 */
export function buildChunk(table: FlowTable, r: Ranked, positions: Int32Array, from: number, to: number): EngineMatch[] {
  const { pairs, rankS, rankD, ctx } = r;
  const out: EngineMatch[] = [];
  for (let i = from; i < to; i++) {
    const p = positions[i]!;
    const rank = { supply: rankS[p]! || null, demand: rankD[p]! || null };
    out.push(buildMatch(table.cols, table.flows[pairs.s[p]!]!, table.flows[pairs.d[p]!]!, ctx.th, ctx.ec, ctx.scale, rank));
  }
  return out;
}

/**
 * The output order (compareMatches) of records known only by their score and flow ids: the
 * permutation `order` such that record `order[0]` comes first. The same total order as sorting
 * the records themselves (ids break every tie).
 */
export function outputOrder(score: Float64Array, supplyId: readonly string[], demandId: readonly string[]): Int32Array {
  const idx = Array.from({ length: score.length }, (_, i) => i);
  idx.sort((a, b) => {
    if (score[a] !== score[b]) return score[b]! - score[a]!;
    const sa = supplyId[a]!;
    const sb = supplyId[b]!;
    if (sa !== sb) return sa < sb ? -1 : 1;
    const da = demandId[a]!;
    const db = demandId[b]!;
    return da < db ? -1 : da > db ? 1 : 0;
  });
  return Int32Array.from(idx);
}

export function materialise(table: FlowTable, pairs: PairStore, rankS: Int32Array, rankD: Int32Array, ctx: RunContext): EngineMatch[] {
  const out: EngineMatch[] = [];
  for (let p = 0; p < pairs.length; p++) {
    if (rankS[p] === 0 && rankD[p] === 0) continue;
    const rank = { supply: rankS[p]! || null, demand: rankD[p]! || null };
    out.push(buildMatch(table.cols, table.flows[pairs.s[p]!]!, table.flows[pairs.d[p]!]!, ctx.th, ctx.ec, ctx.scale, rank));
  }
  return out.sort(compareMatches);
}

/** What the statistics read of each match (an EngineMatch, or a lighter tally of one). */
export type MatchTally = Pick<EngineMatch, 'type' | 'route' | 'route_reasons' | 'relaxed'>;

export function makeStats(mode: MatchStats['mode'], table: FlowTable, ctx: RunContext, n: Counters, eligible: number, matches: readonly MatchTally[], timings: MatchStats['timings_ms'], fallbackFlows: number): MatchStats {
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
  r.release();
  const ms = performance.now() - t;
  const timings = { candidates: r.timings.candidates, ranking: r.timings.ranking, fallback: r.timings.fallback, materialise: ms, total: r.timings.candidates + r.timings.ranking + r.timings.fallback + ms };
  return { matches, stats: makeStats(mode, table, r.ctx, r.counters, r.counters.eligible, matches, timings, r.hungry) };
}

/**
 * Incremental: where the pair (x, y) stands in y's top N, without ranking y's list. The pair has
 * already been evaluated (tier `step`, `score`, `npv`); `candidates` are y's possible partners
 * (the index, relaxed limits: the one-pass form, tiers first). Counting only y's eligible pairs
 * that rank above (x, y): they keep min(k, count) per organization until N are kept (the greedy
 * walk of ranking.ts on a matroid, see topn.ts), so (x, y) is kept iff fewer than N are kept above
 * it and its own organization has fewer than k above it; its rank is then that number + 1. The
 * scan stops as soon as N are kept above it, and pairs ranking below it by tier or score skip
 * their economics. Returns 0 when (x, y) is not in y's top N.
 */
export function rankInPartnerList(
  table: FlowTable,
  x: number,
  y: number,
  step: number,
  score: number,
  npv: number,
  candidates: ArrayLike<number>,
  ctx: RunContext,
  n: Counters,
  orgCount: Int32Array,
  touched: number[],
): number {
  const cols = table.cols;
  const ySupply = cols.supply[y] === 1;
  const topN = ctx.c.top_n;
  const perPartner = ctx.c.max_per_partner;
  const xId = table.flows[x]!.id;
  let kept = 0;
  let full = false;
  touched.length = 0;
  for (let k = 0, count = candidates.length; k < count; k++) {
    const z = candidates[k]!;
    if (z === x) continue;
    const s = ySupply ? y : z;
    const d = ySupply ? z : y;
    n.examined++;
    const st = evaluatePair(cols, s, d, ctx.th, facts);
    if (st < 0) {
      n.rejected[-st]!++;
      continue;
    }
    n.candidates++;
    if (st > step) continue; // a later tier ranks below
    facts.delivered = deliveredAmount(cols.typeCode[s]!, cols.amount[s]!, cols.amount[d]!, facts.distanceKm, ctx.ec);
    computeScores(cols, s, d, facts, ctx.th, ctx.scale, scores);
    const sc = scores.score;
    if (st === step && sc < score) {
      n.pruned++;
      continue;
    }
    if (!pricedAndKept(cols, s, d, ctx, n)) continue;
    n.eligible++;
    if (st === step && sc === score && (econ.npv < npv || (econ.npv === npv && !(table.flows[z]!.id < xId)))) continue;
    const o = cols.org[z]!;
    if (orgCount[o] === 0) touched.push(o);
    if (++orgCount[o]! <= perPartner && ++kept >= topN) {
      full = true;
      break;
    }
  }
  const rank = full || orgCount[cols.org[x]!]! >= perPartner ? 0 : kept + 1;
  for (let i = 0; i < touched.length; i++) orgCount[touched[i]!] = 0;
  return rank;
}
