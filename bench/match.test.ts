import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runMatchBench } from './match.ts';

test('bench match: indexed equals naive, the report has every figure and target', async () => {
  const anchors = [
    { lat: 51.45, lon: 6.76, country: 'DE' },
    { lat: 51.92, lon: 4.2, country: 'NL' },
    { lat: 51.28, lon: 4.33, country: 'BE' },
  ];
  const r = (await runMatchBench({ flows: 1500, seed: 7, anchors, repeat: 1 })) as Record<string, unknown> & { targets: Record<string, { pass: boolean | null }> };
  assert.equal(r.results_equal, true);
  for (const k of ['full_match_ms', 'naive_ms', 'ratio', 'incremental_median_ms', 'incremental_p95_ms', 'pairs_examined', 'matches', 'flows']) assert.equal(typeof r[k], 'number', k);
  assert.equal(r.naive_sampled, false);
  assert.deepEqual(Object.keys(r.targets), ['full_match_ms', 'naive_ratio', 'results_equal', 'incremental_median_ms']);
  assert.equal(r.targets.results_equal!.pass, true);
  assert.ok((r.matches as number) > 100);
});
