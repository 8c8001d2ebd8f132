/**
 * Every flow's top N, kept up to date while pairs stream in, so the full match never stores or
 * sorts the millions of eligible pairs that make nobody's list.
 *
 * The selection of ranking.ts (walk the list in ranking order, keep at most `max_per_partner` per
 * partner organization, stop at `top_n`) is the greedy algorithm on a matroid (at most k per
 * organization, truncated at N), and the order is strict (the partner id breaks every tie). So:
 *
 * - The kept set over the pairs seen so far is maintained exactly by one exchange per new pair:
 *   when the new pair's organization already has k kept pairs, it replaces the worst of those if
 *   it ranks above it; otherwise, when N are kept, it replaces the worst kept pair if it ranks above
 *   it; otherwise it is simply kept. The result after all pairs equals the walk over all pairs
 *   sorted, whatever order they came in.
 * - A pair that leaves (or never enters) a flow's kept set never comes back: it is spanned by pairs
 *   ranking above it, and more pairs only keep it spanned.
 * - So a pair kept by neither of its flows is dead: its place in the pair store is reused.
 * - While a flow has N kept, a pair ranking below its worst kept pair cannot make its list (the
 *   i-th kept pair only improves as pairs are added). `mayEnter` tests that on (tier, score) alone,
 *   before the pair's economics are computed: the pruning is exact, never a heuristic.
 */
import type { CompiledFlow } from './compiled.ts';
import type { PairStore } from './ranking.ts';

/** A released list pool (TopLists.release), taken by the next TopLists (the pipeline is synchronous, one match at a time). */
let spare: { list: Int32Array; orgs: Int32Array; keyStep: Uint8Array; keyScore: Float64Array } | null = null;

export class TopLists {
  /**
   * Kept pairs per flow, best first: flow f's list is `list[slot[f] * N ...]` (a slot is given to a
   * flow on its first pair; one flat pool, no object per flow).
   */
  private list: Int32Array;
  /** The partner organization, tier and score of each kept pair, parallel to `list` (no indirection when comparing; the NPV, needed on ties only, is read from the pair). */
  private orgs: Int32Array;
  private keyStep: Uint8Array;
  private keyScore: Float64Array;
  private readonly slot: Int32Array;
  private slots = 0;
  readonly lens: Int32Array;
  /** Tier and score of the worst kept pair, meaningful when the flow has N kept. */
  private readonly worstStep: Int32Array;
  private readonly worstScore: Float64Array;
  /** Per pair of `pairs`: bit 1 kept by its supply, bit 2 kept by its demand. */
  private member: Uint8Array;
  /** Pair positions kept by nobody any more, for `pairs` to reuse. */
  private readonly free: number[] = [];

  constructor(
    private readonly flows: readonly CompiledFlow[],
    private readonly pairs: PairStore,
    private readonly n: number,
    private readonly perPartner: number,
  ) {
    const count = flows.length;
    this.slot = new Int32Array(count).fill(-1);
    this.lens = new Int32Array(count);
    this.worstStep = new Int32Array(count);
    this.worstScore = new Float64Array(count);
    const initial = Math.min(count, Math.max(64, Math.floor(4_000_000 / n))) * n;
    const pool = spare;
    if (pool !== null && pool.list.length >= initial) {
      spare = null;
      this.list = pool.list;
      this.orgs = pool.orgs;
      this.keyStep = pool.keyStep;
      this.keyScore = pool.keyScore;
    } else {
      this.list = new Int32Array(initial);
      this.orgs = new Int32Array(initial);
      this.keyStep = new Uint8Array(initial);
      this.keyScore = new Float64Array(initial);
    }
    this.member = new Uint8Array(pairs.s.length);
  }

  /**
   * Hands the list pool back for the next TopLists once the lists are no longer needed (after
   * `ranks`): list entries are only read below each flow's length, so the pool needs no clearing,
   * and reusing it spares the fresh pages (first-touch page faults cost ~13 us per 4 KiB page on
   * the benchmark machine, ~60 ms for the 17 MB of a 50,000-flow match).
   */
  release(): void {
    if (spare === null || spare.list.length < this.list.length) spare = { list: this.list, orgs: this.orgs, keyStep: this.keyStep, keyScore: this.keyScore };
  }

  /** Can a pair of this tier and score still enter flow f's list? (false only when provably not) */
  mayEnter(f: number, step: number, score: number): boolean {
    if (this.lens[f]! < this.n) return true;
    const ws = this.worstStep[f]!;
    return step < ws || (step === ws && score >= this.worstScore[f]!);
  }

  /**
   * The score a pair of tier >= `minStep` must reach to possibly enter flow f's list: -Infinity
   * while the list has room (or holds pairs of a later tier), Infinity when it is full with pairs of
   * an earlier tier.
   */
  bar(f: number, minStep: number): number {
    if (this.lens[f]! < this.n) return Number.NEGATIVE_INFINITY;
    const ws = this.worstStep[f]!;
    return ws < minStep ? Number.POSITIVE_INFINITY : ws === minStep ? this.worstScore[f]! : Number.NEGATIVE_INFINITY;
  }

  /** Stores a pair (reusing the place of one nobody keeps any more); returns its position. */
  add(s: number, d: number, step: number, score: number, npv: number): number {
    const pairs = this.pairs;
    let p: number;
    if (this.free.length > 0) {
      p = this.free.pop()!;
      pairs.s[p] = s;
      pairs.d[p] = d;
      pairs.step[p] = step;
      pairs.score[p] = score;
      pairs.npv[p] = npv;
    } else {
      p = pairs.push(s, d, step, score, npv);
      if (p >= this.member.length) {
        const m = new Uint8Array(pairs.s.length);
        m.set(this.member);
        this.member = m;
      }
    }
    this.member[p] = 0;
    return p;
  }

  /** Pairs no longer kept by anyone are recycled; call after offering a new pair to both its flows. */
  settle(p: number): void {
    if (this.member[p] === 0) this.free.push(p);
  }

  /**
   * Pair p ranks above the pair at list position `at` in flow `self`'s list (tier, score, NPV, then
   * the partner's id). Reads p's keys from the store: a double passed as an argument to a function
   * V8 does not inline is boxed, one allocation per call.
   */
  private above(p: number, at: number, self: number): boolean {
    const pairs = this.pairs;
    const step = pairs.step[p]!;
    const sb = this.keyStep[at]!;
    if (step !== sb) return step < sb;
    const score = pairs.score[p]!;
    const cb = this.keyScore[at]!;
    if (score !== cb) return score > cb;
    const npv = pairs.npv[p]!;
    const q = this.list[at]!;
    const nb = pairs.npv[q]!; // ties on tier and score are rare: the NPV is read from the pair
    if (npv !== nb) return npv > nb;
    const pa = pairs.s[p] === self ? pairs.d[p]! : pairs.s[p]!;
    const pb = pairs.s[q] === self ? pairs.d[q]! : pairs.s[q]!;
    return this.flows[pa]!.id < this.flows[pb]!.id;
  }

  /** Gives flow f a slot (on its first pair), growing the pool when needed; returns the slot. */
  private newSlot(f: number): number {
    const slot = this.slots++;
    this.slot[f] = slot;
    const need = this.slots * this.n;
    if (need > this.list.length) {
      const size = Math.min(this.flows.length * this.n, Math.max(need, this.list.length * 2));
      const list = new Int32Array(size);
      list.set(this.list);
      const orgs = new Int32Array(size);
      orgs.set(this.orgs);
      const keyStep = new Uint8Array(size);
      keyStep.set(this.keyStep);
      const keyScore = new Float64Array(size);
      keyScore.set(this.keyScore);
      this.list = list;
      this.orgs = orgs;
      this.keyStep = keyStep;
      this.keyScore = keyScore;
    }
    return slot;
  }

  /**
   * Offers pair p to flow f's list, its partner being of organization `partnerOrg`; `bit` is 1
   * when f is the pair's supply, 2 when its demand. Call `settle(p)` after offering it to both.
   * One move: the entries between the new pair's place and the leaving one (or the end) shift by one.
   */
  offer(f: number, p: number, partnerOrg: number, bit: number): void {
    const n = this.n;
    let slot = this.slot[f]!;
    if (slot < 0) slot = this.newSlot(f);
    const base = slot * n;
    const pairs = this.pairs;
    const step = pairs.step[p]!;
    const score = pairs.score[p]!;
    const list = this.list;
    const orgs = this.orgs;
    const keyStep = this.keyStep;
    const keyScore = this.keyScore;
    const len = this.lens[f]!;
    const end = base + len;
    // One walk: the worst kept pair of the same organization and how many there are, and the new
    // pair's place `at`, the first position it ranks above. The list is sorted, so it ranks above
    // the entry at position j exactly when j >= at.
    let same = 0;
    let worstSame = -1;
    let at = end;
    for (let i = base; i < end; i++) {
      if (orgs[i] === partnerOrg) {
        same++;
        worstSame = i;
      }
      if (at === end) {
        const sb = keyStep[i]!;
        if (step < sb) at = i;
        else if (step === sb) {
          const cb = keyScore[i]!;
          if (score > cb || (score === cb && this.above(p, i, f))) at = i;
        }
      }
    }
    let out = end; // position leaving the list (end: none, the list grows)
    if (same >= this.perPartner) {
      if (at > worstSame) return; // ranks below its organization's worst kept pair
      out = worstSame;
    } else if (len === n) {
      if (at === end) return; // ranks below the worst kept pair
      out = end - 1;
    }
    if (out < end) {
      const q = list[out]!;
      const left = (this.member[q]! &= ~bit);
      if (left === 0) this.free.push(q);
    } else this.lens[f] = len + 1;
    for (let i = out; i > at; i--) {
      list[i] = list[i - 1]!;
      orgs[i] = orgs[i - 1]!;
      keyStep[i] = keyStep[i - 1]!;
      keyScore[i] = keyScore[i - 1]!;
    }
    list[at] = p;
    orgs[at] = partnerOrg;
    keyStep[at] = step;
    keyScore[at] = score;
    this.member[p]! |= bit;
    if ((out < end ? len : len + 1) === n) {
      this.worstStep[f] = keyStep[base + n - 1]!;
      this.worstScore[f] = keyScore[base + n - 1]!;
    }
  }

  /** Writes ranks 1..k of every flow's list into rankS (supplies) / rankD (demands); other entries 0. */
  ranks(rankS: Int32Array, rankD: Int32Array): void {
    for (let f = 0; f < this.flows.length; f++) {
      const slot = this.slot[f]!;
      if (slot < 0) continue;
      const rank = this.flows[f]!.supply ? rankS : rankD;
      const base = slot * this.n;
      for (let i = 0, len = this.lens[f]!; i < len; i++) rank[this.list[base + i]!] = i + 1;
    }
  }
}
