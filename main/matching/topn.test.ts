import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompiledFlow } from './compiled.ts';
import { prng } from './fixtures.ts';
import { PairStore, selectTop, sortForFlow } from './ranking.ts';
import { TopLists } from './topn.ts';
import { resolveConfig } from './config.ts';

/** Flows 0..F-1: the first half supplies; organizations few, so diversity binds often. */
function world(rnd: () => number, count: number, orgs: number): CompiledFlow[] {
  return Array.from({ length: count }, (_, i) => ({ idx: i, id: `f-${String(Math.floor(rnd() * 1e6)).padStart(6, '0')}-${i}`, supply: i < count / 2, org: Math.floor(rnd() * orgs) }) as unknown as CompiledFlow);
}

test('streamed top N (TopLists) equals sorting each flow\'s whole list and walking it, in any arrival order, with ties', () => {
  const rnd = prng(5);
  for (let round = 0; round < 40; round++) {
    const flows = world(rnd, 30, 2 + Math.floor(rnd() * 6));
    const topN = 1 + Math.floor(rnd() * 8);
    const perPartner = 1 + Math.floor(rnd() * 3);
    const c = resolveConfig({ now: 1, top_n: topN, max_per_partner: perPartner });
    // every pair (s, d) with a coarse score (many ties), step 0..2, NPV with ties
    const all = new PairStore();
    for (let s = 0; s < 15; s++) for (let d = 15; d < 30; d++) if (rnd() < 0.7) all.push(s, d, rnd() < 0.8 ? 0 : 1 + Math.floor(rnd() * 2), Math.floor(rnd() * 5) / 5, Math.floor(rnd() * 3));
    // reference: sort + walk per flow
    const wantS = new Int32Array(all.length);
    const wantD = new Int32Array(all.length);
    const orgCount = new Int32Array(16);
    for (let f = 0; f < 30; f++) {
      const list: number[] = [];
      for (let p = 0; p < all.length; p++) if (all.s[p] === f || all.d[p] === f) list.push(p);
      sortForFlow(list, all, f, flows);
      selectTop(list, all, f, flows, c, orgCount, f < 15 ? wantS : wantD);
    }
    // streamed in a random order
    const order = Array.from({ length: all.length }, (_, i) => i).sort(() => rnd() - 0.5);
    const pairs = new PairStore(4);
    const top = new TopLists(flows, pairs, topN, perPartner);
    const origin: number[] = [];
    for (const q of order) {
      const p = top.add(all.s[q]!, all.d[q]!, all.step[q]!, all.score[q]!, all.npv[q]!);
      origin[p] = q;
      top.offer(all.s[q]!, p, flows[all.d[q]!]!.org, 1);
      top.offer(all.d[q]!, p, flows[all.s[q]!]!.org, 2);
      top.settle(p);
    }
    const gotS = new Int32Array(pairs.length);
    const gotD = new Int32Array(pairs.length);
    top.ranks(gotS, gotD);
    const got = new Map<number, string>();
    for (let p = 0; p < pairs.length; p++) if (gotS[p] !== 0 || gotD[p] !== 0) got.set(origin[p]!, `${gotS[p]} ${gotD[p]}`);
    const want = new Map<number, string>();
    for (let q = 0; q < all.length; q++) if (wantS[q] !== 0 || wantD[q] !== 0) want.set(q, `${wantS[q]} ${wantD[q]}`);
    assert.deepEqual([...got].sort((a, b) => a[0] - b[0]), [...want].sort((a, b) => a[0] - b[0]), `round ${round}`);
  }
});
