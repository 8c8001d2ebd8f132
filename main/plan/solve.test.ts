import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exhaustive, greedyOneToOne, maxExcess, prefixed, sharesOf, smallPortfolio, spareShare, valueOf, type SmallPortfolio } from './fixtures.ts';
import { HOURS, OverAllocationError, PLAN_OBJECTIVES, type PlanCandidate, type PlanFlow, type PlanObjective, type PlanResult } from './model.ts';
import { solvePlan } from './solve.ts';

/** Relative tolerance of the comparisons (solver feasibility 1e-9 on rows scaled to 1, then cleaned). */
const TOL = 1e-6;
const near = (v: number): number => TOL * Math.max(1, Math.abs(v));

function planValue(p: SmallPortfolio, r: PlanResult, ob: PlanObjective): number {
  const x = sharesOf(p, r.members);
  return p.candidates.reduce((s, c, i) => s + valueOf(c, ob, x[i]!), 0);
}

/** Every property a plan must have, checked independently of the solver. */
function assertSound(p: SmallPortfolio, r: PlanResult, ob: PlanObjective, label: string): void {
  assert.ok(maxExcess(p, r.members) <= 1e-9, `${label}: over capacity by ${maxExcess(p, r.members)}`);
  for (const m of r.members) assert.ok(m.share > 0 && m.share <= 1 + 1e-12, `${label}: share ${m.share}`);
  for (const c of p.candidates) {
    if (c.held !== undefined) assert.equal(r.members.find((m) => m.id === c.id)?.share, c.held, `${label}: held ${c.id} kept`);
  }
  const value = planValue(p, r, ob);
  assert.ok(Math.abs(value - r.objective_value) <= near(value), `${label}: reported ${r.objective_value} vs ${value}`);
  assert.ok(value <= r.bound + near(r.bound), `${label}: value ${value} above bound ${r.bound}`);
  assert.ok(r.gap >= 0);
}

describe('plan solver: cross-check against exhaustive search', () => {
  for (const hourly of [false, true]) {
    for (const held of [false, true]) {
      it(`${hourly ? 'hourly' : 'yearly'} portfolios${held ? ' with held candidates' : ''}: optimal and feasible`, async () => {
        let rounds = 0;
        for (let seed = 1; seed <= 40; seed++) {
          const p = smallPortfolio({ seed: seed * 7919 + (hourly ? 1 : 0) + (held ? 2 : 0), hourly, held });
          const r = await solvePlan(p.flows, p.candidates, { objective: 'npv', relGap: 0 });
          const label = `seed ${seed}`;
          assertSound(p, r, 'npv', label);
          const best = exhaustive(p, 'npv');
          assert.ok(r.objective_value >= best.value - near(best.value), `${label}: plan ${r.objective_value} below exhaustive ${best.value}`);
          assert.ok(best.value <= r.bound + near(r.bound), `${label}: exhaustive ${best.value} above bound ${r.bound}`);
          assert.equal(r.status, 'optimal', label);
          rounds = Math.max(rounds, r.rounds);
        }
        if (hourly) assert.ok(rounds >= 1);
      });
    }
  }
});

/** Hour h in class h % 3: values per class spread over the year. */
function byClass(a: number, b: number, c: number): Float64Array {
  const v = [a, b, c];
  const out = new Float64Array(HOURS);
  for (let h = 0; h < HOURS; h++) out[h] = v[h % 3]!;
  return out;
}

function hourlyCandidate(id: string, supply: string, demand: string, draw: Float64Array, unit: number, fixed: number, loss = 0): PlanCandidate {
  const zero = new Float64Array(HOURS);
  return {
    id,
    supply,
    demand,
    coef: { npv: { fixed, unit }, co2: { fixed: 0, unit }, energy: { fixed: 0, unit } },
    hourly: () => ({ supplyDraw: Float64Array.from(draw), supplyFixed: loss > 0 ? draw.map((d) => (d > 0 ? loss : 0)) : zero, demandTake: Float64Array.from(draw) }),
  };
}

describe('plan solver: every hour', () => {
  it('adds the hours the first rows miss (row generation) and ends feasible at all of them', async () => {
    // A peaks in class 0, B in class 2: their peak rows allow A + B = 1.76, but class 1 (0.6 each) allows only 1.67.
    const flows: PlanFlow[] = [
      { id: 'S', capacity: byClass(1, 1, 1) },
      { id: 'D0', capacity: byClass(10, 10, 10) },
      { id: 'D1', capacity: byClass(10, 10, 10) },
    ];
    const candidates = [hourlyCandidate('A', 'S', 'D0', byClass(1, 0.6, 0.1), 10, -1), hourlyCandidate('B', 'S', 'D1', byClass(0.1, 0.6, 1), 10, -1)];
    const r = await solvePlan(flows, candidates, { objective: 'npv', relGap: 0 });
    assert.ok(r.rounds >= 2, `rounds ${r.rounds}`);
    assert.ok(r.rows_added >= 1);
    assert.ok(maxExcess({ flows, candidates }, r.members) <= 1e-9);
    assert.ok(Math.abs(r.objective_value - (10 * 5) / 3 + 2) < 1e-6, `value ${r.objective_value}`);
    assert.equal(r.status, 'optimal');
  });

  it('counts fixed draws (pipe losses) only for built connections', async () => {
    // Two candidates each drawing 0.5 plus 0.3 of losses from a supply of 1: both at full share do not fit.
    const flows: PlanFlow[] = [
      { id: 'S', capacity: byClass(1, 1, 1) },
      { id: 'D0', capacity: byClass(1, 1, 1) },
      { id: 'D1', capacity: byClass(1, 1, 1) },
    ];
    const candidates = [hourlyCandidate('A', 'S', 'D0', byClass(0.5, 0.5, 0.5), 10, -1, 0.3), hourlyCandidate('B', 'S', 'D1', byClass(0.5, 0.5, 0.5), 8, -1, 0.3)];
    const r = await solvePlan(flows, candidates, { objective: 'npv', relGap: 0 });
    assert.ok(maxExcess({ flows, candidates }, r.members) <= 1e-9);
    // Both built: 0.6 of losses leave 0.4 to share: 10 xA + 8 xB - 2 with xA + xB = 0.8 -> 6 at xA = 0.8; A alone at 1: 9.
    assert.deepEqual(r.members, [{ id: 'A', share: 1 }]);
    assert.ok(Math.abs(r.objective_value - 9) < 1e-9);
  });

  it('never allocates more than a flow has, keeps held shares, and plans around them', async () => {
    const flows: PlanFlow[] = [
      { id: 'S', capacity: 10 },
      { id: 'D0', capacity: 6 },
      { id: 'D1', capacity: 8 },
    ];
    const coef = (unit: number): PlanCandidate['coef'] => ({ npv: { fixed: -1, unit }, co2: { fixed: 0, unit }, energy: { fixed: 0, unit } });
    const candidates: PlanCandidate[] = [
      { id: 'A', supply: 'S', demand: 'D0', coef: coef(5), supplyUse: 6, demandUse: 6, held: 0.5 },
      { id: 'B', supply: 'S', demand: 'D1', coef: coef(20), supplyUse: 8, demandUse: 8 },
    ];
    const r = await solvePlan(flows, candidates, { objective: 'npv', relGap: 0 });
    // A holds 3 of S; B may take the remaining 7 of its 8: share 7/8.
    assert.deepEqual(
      r.members.map((m) => [m.id, Number(m.share.toFixed(9))]),
      [
        ['A', 0.5],
        ['B', 0.875],
      ],
    );
    assert.ok(maxExcess({ flows, candidates }, r.members) <= 1e-12);
  });

  it('refuses held candidates that over-allocate a flow, naming both flows of each match', async () => {
    const flows: PlanFlow[] = [
      { id: 'boiler-house', capacity: byClass(4, 4, 2) },
      { id: 'greenhouse', capacity: byClass(5, 5, 5) },
      { id: 'pool', capacity: byClass(5, 5, 5) },
    ];
    const candidates = [hourlyCandidate('m1', 'boiler-house', 'greenhouse', byClass(2, 2, 2), 1, 0), hourlyCandidate('m2', 'boiler-house', 'pool', byClass(1.5, 1.5, 1.5), 1, 0)];
    candidates[0]!.held = 1;
    candidates[1]!.held = 0.5;
    // 2 + 0.75 = 2.75 > 2 in class 2 (hours 2, 5, ...).
    await assert.rejects(
      () => solvePlan(flows, candidates, { objective: 'npv' }),
      (e: unknown) => {
        assert.ok(e instanceof OverAllocationError);
        assert.equal(e.flow, 'boiler-house');
        assert.equal(e.side, 'supply');
        assert.equal(e.hour! % 3, 2);
        assert.ok(Math.abs(e.allocated - 2.75) < 1e-12 && e.capacity === 2);
        for (const name of ['boiler-house', 'greenhouse', 'pool', 'm1', 'm2']) assert.match(e.message, new RegExp(name));
        assert.deepEqual(e.flows, ['boiler-house', 'greenhouse', 'pool']);
        return true;
      },
    );
    // Yearly flows too, on the demand side.
    const yearly: PlanFlow[] = [
      { id: 'S0', capacity: 10 },
      { id: 'S1', capacity: 10 },
      { id: 'D', capacity: 7 },
    ];
    const coef = { npv: { fixed: 0, unit: 1 }, co2: { fixed: 0, unit: 1 }, energy: { fixed: 0, unit: 1 } };
    const held: PlanCandidate[] = [
      { id: 'a', supply: 'S0', demand: 'D', coef, supplyUse: 5, demandUse: 5, held: 1 },
      { id: 'b', supply: 'S1', demand: 'D', coef, supplyUse: 5, demandUse: 5, held: 1 },
    ];
    await assert.rejects(() => solvePlan(yearly, held, { objective: 'npv' }), (e: unknown) => e instanceof OverAllocationError && e.flow === 'D' && e.side === 'demand' && e.hour === null && /S0/.test(e.message) && /S1/.test(e.message));
    // Exactly full is accepted.
    held[1]!.held = 0.4;
    const ok = await solvePlan(yearly, held, { objective: 'npv' });
    assert.equal(ok.members.length, 2);
  });

  it('rejects malformed input with a clear error', async () => {
    const flows: PlanFlow[] = [
      { id: 'S', capacity: 1 },
      { id: 'D', capacity: byClass(1, 1, 1) },
    ];
    const coef = { npv: { fixed: 0, unit: 1 }, co2: { fixed: 0, unit: 1 }, energy: { fixed: 0, unit: 1 } };
    const base: PlanCandidate = { id: 'm', supply: 'S', demand: 'D', coef, supplyUse: 1, hourly: () => ({ supplyDraw: new Float64Array(HOURS), supplyFixed: new Float64Array(HOURS), demandTake: byClass(1, 1, 1) }) };
    await assert.rejects(() => solvePlan(flows, [{ ...base, supply: 'X' }], { objective: 'npv' }), /unknown supply flow X/);
    await assert.rejects(() => solvePlan(flows, [base, { ...base }], { objective: 'npv' }), /duplicated/);
    await assert.rejects(() => solvePlan(flows, [{ ...base, held: 1.5 }], { objective: 'npv' }), /held share/);
    await assert.rejects(() => solvePlan(flows, [{ ...base, hourly: undefined }], { objective: 'npv' }), /needs hourly/);
    await assert.rejects(() => solvePlan(flows, [{ ...base, supplyUse: undefined }], { objective: 'npv' }), /supplyUse/);
    await assert.rejects(() => solvePlan([{ id: 'S', capacity: -1 }, flows[1]!], [base], { objective: 'npv' }), /capacity/);
    await assert.rejects(
      () => solvePlan(flows, [{ ...base, hourly: () => ({ supplyDraw: new Float64Array(HOURS), supplyFixed: new Float64Array(HOURS), demandTake: byClass(1, NaN, 1) }) }], { objective: 'npv' }),
      /finite/,
    );
    await assert.rejects(() => solvePlan(flows, [base], { objective: 'profit' as PlanObjective }), /objective/);
  });
});

describe('plan solver: properties on random portfolios', () => {
  it('is maximal: no candidate worth building joins two flows with spare capacity', async () => {
    for (let seed = 1; seed <= 30; seed++) {
      for (const hourly of [false, true]) {
        const p = smallPortfolio({ seed: seed * 31 + (hourly ? 1 : 0), hourly, held: seed % 3 === 0 });
        const r = await solvePlan(p.flows, p.candidates, { objective: 'npv' });
        const members = new Set(r.members.map((m) => m.id));
        for (const c of p.candidates) {
          if (members.has(c.id)) continue;
          const x = Math.min(1, spareShare(p, r.members, c));
          assert.ok(!(x > 1e-7 && valueOf(c, 'npv', x) > 1e-9), `seed ${seed}: ${c.id} could join at ${x} for ${valueOf(c, 'npv', x)}`);
        }
      }
    }
  });

  it('is at least as good as the one-to-one greedy pick, which it reports', async () => {
    for (let seed = 1; seed <= 30; seed++) {
      for (const hourly of [false, true]) {
        const p = smallPortfolio({ seed: seed * 131 + (hourly ? 1 : 0), hourly, held: seed % 4 === 0 });
        const r = await solvePlan(p.flows, p.candidates, { objective: 'npv' });
        const greedy = greedyOneToOne(p, 'npv');
        assert.ok(Math.abs(r.greedy_value - greedy) <= near(greedy), `seed ${seed}: greedy ${r.greedy_value} vs ${greedy}`);
        assert.ok(r.objective_value >= greedy - near(greedy), `seed ${seed}: plan ${r.objective_value} below greedy ${greedy}`);
      }
    }
  });

  it('optimises each objective (npv, co2, energy) for its own coefficients', async () => {
    for (let seed = 1; seed <= 15; seed++) {
      const p = smallPortfolio({ seed: seed * 977, hourly: seed % 2 === 0, maxCandidates: 7 });
      const plans = new Map<PlanObjective, PlanResult>();
      for (const ob of PLAN_OBJECTIVES) {
        const r = await solvePlan(p.flows, p.candidates, { objective: ob, relGap: 0 });
        assertSound(p, r, ob, `seed ${seed} ${ob}`);
        const best = exhaustive(p, ob);
        assert.ok(r.objective_value >= best.value - near(best.value), `seed ${seed} ${ob}: ${r.objective_value} below ${best.value}`);
        plans.set(ob, r);
      }
      // Each plan is at least as good as the others' plans by its own measure.
      for (const ob of PLAN_OBJECTIVES) {
        for (const other of PLAN_OBJECTIVES) {
          const mine = planValue(p, plans.get(ob)!, ob);
          const theirs = planValue(p, plans.get(other)!, ob);
          assert.ok(mine >= theirs - near(theirs), `seed ${seed}: ${ob} plan ${mine} below the ${other} plan's ${theirs}`);
        }
      }
    }
  });

  it('decomposition gives the optimum of the union solved as one model', async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const parts = [0, 1, 2].map((n) => prefixed(smallPortfolio({ seed: seed * 53 + n, hourly: (seed + n) % 2 === 0, held: n === 1 }), `p${n}.`));
      const union = { flows: parts.flatMap((q) => q.flows), candidates: parts.flatMap((q) => q.candidates) };
      const split = await solvePlan(union.flows, union.candidates, { objective: 'npv', relGap: 0 });
      const whole = await solvePlan(union.flows, union.candidates, { objective: 'npv', relGap: 0, decompose: false });
      assert.ok(split.components >= 2 || whole.components === split.components, `seed ${seed}: ${split.components} components`);
      assert.ok(whole.components <= 1);
      assert.ok(Math.abs(split.objective_value - whole.objective_value) <= near(whole.objective_value), `seed ${seed}: ${split.objective_value} vs ${whole.objective_value}`);
      assert.ok(Math.abs(split.bound - whole.bound) <= near(whole.bound), `seed ${seed}: bounds ${split.bound} vs ${whole.bound}`);
      assert.ok(maxExcess(union, whole.members) <= 1e-9 && maxExcess(union, split.members) <= 1e-9);
      assert.ok(Math.abs(split.greedy_value - whole.greedy_value) <= near(whole.greedy_value));
    }
  });
});

describe('plan solver: giant components block by block', () => {
  it('stays feasible, at least greedy, maximal and below its bound', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const parts = [0, 1].map((n) => prefixed(smallPortfolio({ seed: seed * 71 + n, hourly: (seed + n) % 2 === 0, held: seed % 5 === 0 }), `p${n}.`));
      const p = { flows: parts.flatMap((q) => q.flows), candidates: parts.flatMap((q) => q.candidates) };
      // Blocks of 2 candidates: every component of more than 4 is improved block by block.
      const r = await solvePlan(p.flows, p.candidates, { objective: 'npv', blockCandidates: 2 });
      const label = `seed ${seed}`;
      assert.ok(maxExcess(p, r.members) <= 1e-9, `${label}: over capacity`);
      const greedy = greedyOneToOne(p, 'npv');
      assert.ok(r.objective_value >= greedy - near(greedy), `${label}: ${r.objective_value} below greedy ${greedy}`);
      const value = p.candidates.reduce((s, c, i) => s + valueOf(c, 'npv', sharesOf(p, r.members)[i]!), 0);
      assert.ok(Math.abs(value - r.objective_value) <= near(value) && value <= r.bound + near(r.bound), label);
      // The parts share no flow: the optimum is the sum of theirs.
      const best = parts.reduce((sum, q) => sum + exhaustive(q, 'npv').value, 0);
      assert.ok(best <= r.bound + near(r.bound), `${label}: bound ${r.bound} below the optimum ${best}`);
      const members = new Set(r.members.map((m) => m.id));
      for (const c of p.candidates) {
        if (members.has(c.id)) continue;
        const x = Math.min(1, spareShare(p, r.members, c));
        assert.ok(!(x > 1e-7 && valueOf(c, 'npv', x) > 1e-9), `${label}: ${c.id} could join at ${x}`);
      }
      for (const c of p.candidates) if (c.held !== undefined) assert.equal(r.members.find((m) => m.id === c.id)?.share, c.held);
    }
  });
});
