import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runOpcUaBench } from './opcua.ts';

test('bench opcua (small): both runs deliver every item, the report has every figure and the target', async () => {
  const r = (await runOpcUaBench({ items: 200, samplingMs: 500, measureMs: 1500, baselineItems: 20 })) as {
    one_subscription: { items: number; cpu_percent_of_one_core: number; samples_per_s: number; expected_samples_per_s: number };
    baseline_subscription_per_item: { items: number; samples_per_s: number } | null;
    ratio_subscription_per_item_over_one_subscription: number | null;
    targets: { cpu_percent_of_one_core: { pass: boolean | null } };
  };
  assert.equal(r.one_subscription.items, 200);
  assert.equal(r.one_subscription.expected_samples_per_s, 400);
  // Every item changes every 500 ms: the connector receives about 400 samples/s (loose bounds, a shared machine).
  assert.ok(r.one_subscription.samples_per_s > 200 && r.one_subscription.samples_per_s < 600, `samples/s ${r.one_subscription.samples_per_s}`);
  assert.ok(r.one_subscription.cpu_percent_of_one_core >= 0);
  assert.equal(r.baseline_subscription_per_item?.items, 20);
  assert.ok(r.baseline_subscription_per_item!.samples_per_s > 10);
  assert.equal(typeof r.ratio_subscription_per_item_over_one_subscription, 'number');
  assert.equal(r.targets.cpu_percent_of_one_core.pass, null, 'the target only applies to the full workload');
});
