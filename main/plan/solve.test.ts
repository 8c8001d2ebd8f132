import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exhaustive, greedyOneToOne, maxExcess, sharesOf, smallPortfolio, spareShare, valueOf, type SmallPortfolio } from './fixtures.ts';
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
