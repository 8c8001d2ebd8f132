// bench api-latency on a small portfolio: every procedure answered and was measured, through the
// real host over HTTP (never a timed assertion).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runApiLatencyBench } from './api-latency.ts';

test('bench api-latency: every UI procedure measured over HTTP, percentiles ordered', { timeout: 600_000 }, async () => {
  const r = (await runApiLatencyBench({ flows: 800, seed: 3, samples: 3 })) as {
    workload: { matches: number };
    procedures: Record<string, { p50_ms: number; p95_ms: number; max_ms: number } | { error: string }>;
    targets: { p95_ms: { failed: string[] } };
  };
  assert.ok(r.workload.matches > 0);
  assert.deepEqual(r.targets.p95_ms.failed, [], 'every procedure answered');
  // the procedures the UI's hot paths call (each measured under a descriptive name: "path (what)")
  const measured = new Set(Object.keys(r.procedures).map((name) => name.split(' ')[0]));
  for (const path of ['matches.page', 'matches.lines', 'matches.list', 'matches.get', 'sites.map', 'sites.get', 'matching.plan', 'matches.transition', 'flows.update', 'analytics.suggestions', 'workflow.impact.report']) {
    assert.ok(measured.has(path), `${path} measured: ${[...measured].join(', ')}`);
  }
  for (const [name, p] of Object.entries(r.procedures)) {
    assert.ok('p50_ms' in p, `${name}: ${'error' in p ? p.error : ''}`);
    assert.ok(p.p50_ms > 0 && p.p50_ms <= p.p95_ms && p.p95_ms <= p.max_ms, `${name}: ${JSON.stringify(p)}`);
  }
});
