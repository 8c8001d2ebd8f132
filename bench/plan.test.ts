import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPlanBench } from './plan.ts';

test('bench plan: the report has every figure, the plan is at least the greedy pick and never over-promises', async () => {
  const anchors = [
    { lat: 51.45, lon: 6.76, country: 'DE' },
    { lat: 51.92, lon: 4.2, country: 'NL' },
  ];
  const r = (await runPlanBench({ flows: 1500, seed: 7, anchors, timeLimitSec: 10 })) as Record<string, unknown> & {
    targets: Record<string, { pass: boolean | null; value: number | null }>;
    baseline_sum_of_alternatives: Record<string, number>;
  };
  for (const k of ['match_ms', 'plan_input_ms', 'plan_ms', 'plan_cpu_ms', 'peak_rss_mb', 'components', 'largest_component', 'members', 'objective_value_eur', 'bound_eur', 'gap', 'baseline_greedy_eur']) {
    assert.equal(typeof r[k], 'number', k);
  }
  assert.deepEqual(Object.keys(r.targets), ['plan_s', 'vs_greedy']);
  assert.equal(r.targets.vs_greedy!.pass, true, `plan ${r.objective_value_eur} vs greedy ${r.baseline_greedy_eur}`);
  assert.ok((r.members as number) > 10);
  assert.ok((r.bound_eur as number) >= (r.objective_value_eur as number) - 1, 'the bound is above the plan');
  assert.ok(r.baseline_sum_of_alternatives.npv_eur! > (r.objective_value_eur as number), 'adding up competing alternatives promises more than the region has');
});
