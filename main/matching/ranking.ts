/**
 * Ranking (domain.md 2.4): the candidates left after the filters, ordered per flow, cut to the top
 * N with partner diversity. Fallback tiers come first in the order: every match found as stated
 * ranks above every match that needed fallback step 1, which ranks above step 2, and so on. That
 * is exactly "relax step by step when a flow has fewer than N": relaxed matches only ever fill the
 * places the stated ones leave free.
 *
 * Order within a tier: score (higher first), then NPV (higher first), then the partner flow's id.
 */
import type { CompiledFlow } from './compiled.ts';
import type { MatchingConfig } from './config.ts';
import type { EconNumbers } from './economics.ts';
import type { ScoreNumbers } from './scores.ts';

/** 2.4 filters; returns the name of the first that drops the pair, or null. */
export type FilterName = 'min_annual_value' | 'min_trust' | 'npv';
export function failedFilter(e: EconNumbers, sc: ScoreNumbers, c: MatchingConfig): FilterName | null {
  if (!(e.value >= c.filters.min_annual_value_eur)) return 'min_annual_value';
  if (c.filters.min_trust > 0 && sc.trust < c.filters.min_trust) return 'min_trust';
  if (c.filters.require_positive_npv && !(e.npv > 0)) return 'npv';
  return null;
}

/** Candidates that passed the filters, as parallel arrays (no object per pair). */
export class PairStore {
  length = 0;
  s: Int32Array;
  d: Int32Array;
  step: Uint8Array;
  score: Float64Array;
  npv: Float64Array;

  constructor(capacity = 1024) {
    this.s = new Int32Array(capacity);
    this.d = new Int32Array(capacity);
    this.step = new Uint8Array(capacity);
    this.score = new Float64Array(capacity);
    this.npv = new Float64Array(capacity);
  }

  /** Empties the store, keeping its memory for reuse. */
  clear(): void {
    this.length = 0;
  }

  push(s: number, d: number, step: number, score: number, npv: number): number {
    if (this.length === this.s.length) this.grow();
    const i = this.length++;
    this.s[i] = s;
    this.d[i] = d;
    this.step[i] = step;
    this.score[i] = score;
    this.npv[i] = npv;
    return i;
  }

  private grow(): void {
    const n = this.s.length * 2;
    const g = <T extends Int32Array | Uint8Array | Float64Array>(a: T, make: new (n: number) => T): T => {
      const b = new make(n);
      b.set(a);
      return b;
    };
    this.s = g(this.s, Int32Array);
    this.d = g(this.d, Int32Array);
    this.step = g(this.step, Uint8Array);
    this.score = g(this.score, Float64Array);
    this.npv = g(this.npv, Float64Array);
  }
}

// The comparator reads these (set by sortForFlow): one function for every sort, no closure per call.
let cmpPairs: PairStore | null = null;
let cmpSelf = 0;
let cmpFlows: readonly CompiledFlow[] = [];

function partnerId(p: number): string {
  const s = cmpPairs!.s[p]!;
  return cmpFlows[s === cmpSelf ? cmpPairs!.d[p]! : s]!.id;
}

function compareInList(a: number, b: number): number {
  const pairs = cmpPairs!;
  const st = pairs.step[a]! - pairs.step[b]!;
  if (st !== 0) return st;
  const sc = pairs.score[b]! - pairs.score[a]!;
  if (sc !== 0) return sc;
  const nv = pairs.npv[b]! - pairs.npv[a]!;
  if (nv !== 0) return nv;
  const ia = partnerId(a);
  const ib = partnerId(b);
  return ia < ib ? -1 : ia > ib ? 1 : 0;
}

/**
 * Sorts `list` (pair indices, all involving the flow `self`) into ranking order. Partner = the
 * other flow of each pair.
 */
export function sortForFlow(list: Int32Array | number[], pairs: PairStore, self: number, flows: readonly CompiledFlow[]): void {
  cmpPairs = pairs;
  cmpSelf = self;
  cmpFlows = flows;
  list.sort(compareInList);
  cmpPairs = null;
}

const touched: number[] = [];

/**
 * Walks a sorted list keeping at most `max_per_partner` pairs per partner organization until
 * `top_n` are kept; writes ranks 1..N into `rank[pair]` (other entries untouched). `orgCount` is a
 * scratch array indexed by organization number, all zero on entry and left all zero.
 */
export function selectTop(
  list: ArrayLike<number>,
  pairs: PairStore,
  self: number,
  flows: readonly CompiledFlow[],
  c: MatchingConfig,
  orgCount: Int32Array,
  rank: Int32Array,
): number {
  const { s, d } = pairs;
  let kept = 0;
  touched.length = 0;
  for (let i = 0; i < list.length && kept < c.top_n; i++) {
    const p = list[i]!;
    const partner = s[p] === self ? d[p]! : s[p]!;
    const org = flows[partner]!.org;
    if (orgCount[org]! >= c.max_per_partner) continue;
    if (orgCount[org] === 0) touched.push(org);
    orgCount[org]!++;
    rank[p] = ++kept;
  }
  for (let i = 0; i < touched.length; i++) orgCount[touched[i]!] = 0;
  return kept;
}
