/** Smoke test of `turash bench sync` on a tiny workload: it runs, moves everything, reports figures. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSyncBench } from './sync.ts';

test('bench sync runs on a tiny workload and reports push, pull, baseline ratio and live latency', { timeout: 120_000 }, async () => {
  const report = (await runSyncBench({ changes: 616, samples: 3 })) as {
    replicas_equal: boolean;
    workload: { messages_pushed: number; messages_pulled: number };
    push_pull_ms: number;
    baseline: { ms: number };
    ratio_to_baseline: number;
    live_latency_ms: { median: number; p95: number };
  };
  assert.equal(report.replicas_equal, true);
  assert.equal(report.workload.messages_pushed, 616);
  assert.ok(report.workload.messages_pulled >= 616);
  assert.ok(report.push_pull_ms > 0 && report.baseline.ms > 0 && report.ratio_to_baseline > 0);
  assert.ok(report.live_latency_ms.median > 0 && report.live_latency_ms.p95 >= report.live_latency_ms.median);
});
