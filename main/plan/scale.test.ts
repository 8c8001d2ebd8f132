/**
 * The plan on a synthetic portfolio of a few thousand flows (main/plan/synthetic.ts): whatever the
 * time limit, the plan is feasible at every hour, at least the one-to-one greedy pick, maximal,
 * and below its bound. No timing is asserted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { greedyOneToOne, planLoads, shareGiven, valueOf } from './fixtures.ts';
import { HOURS, type PlanObjective, type PlanResult } from './model.ts';
import { solvePlan } from './solve.ts';
import { syntheticPlan, type SyntheticPlan } from './synthetic.ts';

function assertPlan(p: SyntheticPlan, r: PlanResult, ob: PlanObjective, label: string): void {
  const loads = planLoads(p, r.members);
  for (const f of p.flows) {
    const l = loads.get(f.id);
    if (l === undefined) continue;
    if (typeof f.capacity === 'number') {
      assert.ok((l as number) <= f.capacity * (1 + 1e-9) + 1e-12, `${label}: ${f.id} ${l} > ${f.capacity}`);
    } else {
      const a = l as Float64Array;
      for (let h = 0; h < HOURS; h++) assert.ok(a[h]! <= f.capacity[h]! * (1 + 1e-9) + 1e-12, `${label}: ${f.id} at hour ${h}: ${a[h]} > ${f.capacity[h]}`);
    }
  }
  const byId = new Map(p.candidates.map((c) => [c.id, c]));
  const value = r.members.reduce((s, m) => s + valueOf(byId.get(m.id)!, ob, m.share), 0);
  assert.ok(Math.abs(value - r.objective_value) <= 1e-9 * Math.abs(value), `${label}: objective ${r.objective_value} vs ${value}`);
  assert.ok(value <= r.bound * (1 + 1e-9), `${label}: value above bound`);
  const greedy = greedyOneToOne(p, ob);
  assert.ok(Math.abs(r.greedy_value - greedy) <= 1e-9 * Math.abs(greedy), `${label}: greedy ${r.greedy_value} vs ${greedy}`);
  assert.ok(value >= greedy * (1 - 1e-12), `${label}: plan ${value} below greedy ${greedy}`);
  const members = new Set(r.members.map((m) => m.id));
  for (const c of p.candidates) {
    if (members.has(c.id) || !(c.coef[ob].unit > 0)) continue;
    const x = Math.min(1, shareGiven(p, loads, c));
    const v = valueOf(c, ob, x);
    assert.ok(!(x > 1e-6 && v > 1e-6 * Math.abs(c.coef[ob].unit)), `${label}: ${c.id} left out, could join at ${x} for ${v}`);
  }
}

describe('plan on a synthetic portfolio', () => {
  const p = syntheticPlan({ flows: 4000, seed: 11 });

  it('has hourly and yearly flows and candidates, in several components', () => {
    assert.ok(p.hourlyFlows > 700 && p.hourlyCandidates > 100, `${p.hourlyFlows} hourly flows, ${p.hourlyCandidates} hourly candidates`);
    assert.ok(p.candidates.length > 5000, `${p.candidates.length} candidates`);
  });

  it('is feasible at every hour, at least greedy, maximal and below its bound', async () => {
    const r = await solvePlan(p.flows, p.candidates, { objective: 'npv', timeLimitSec: 8, relGap: 1e-3 });
    assert.ok(r.components > 10 && r.largest_component > 50, `${r.components} components, largest ${r.largest_component}`);
    assertPlan(p, r, 'npv', 'npv');
    assert.ok(r.objective_value > r.greedy_value, 'the solver improves on greedy here');
  });

  it('keeps those properties when the time limit cuts the solve short', async () => {
    const r = await solvePlan(p.flows, p.candidates, { objective: 'npv', timeLimitSec: 0.2 });
    assertPlan(p, r, 'npv', 'short');
    assert.ok(r.gap >= 0);
  });

  it('plans for CO2 too', async () => {
    const r = await solvePlan(p.flows, p.candidates, { objective: 'co2', timeLimitSec: 4, relGap: 1e-3 });
    assertPlan(p, r, 'co2', 'co2');
  });
});
