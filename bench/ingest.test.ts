import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runIngestBench } from './ingest.ts';

test('bench ingest: a tiny workload stores every sample and reports each figure with its baseline and targets', { timeout: 300_000 }, async () => {
  const r = (await runIngestBench({ points: 20, seconds: 1, baselineSeconds: 0.3, rematch: false, demo: false })) as {
    samples_stored: number;
    samples_per_s: number;
    ratio_vs_naive: number;
    baseline: { samples_per_s: number };
    workload: { recorder: { duplicates: number; rejected: number } };
    api: Record<string, { calls: number; p99_ms: number | null }>;
    targets: Record<string, { target: number; pass: boolean | null }>;
  };
  assert.ok(r.samples_stored > 0 && r.samples_stored % 20 === 0, `whole writes stored: ${r.samples_stored}`);
  assert.equal(r.workload.recorder.duplicates, 0);
  assert.equal(r.workload.recorder.rejected, 0);
  for (const k of ['samples_per_s', 'ratio_vs_naive'] as const) assert.equal(typeof r[k], 'number', k);
  assert.ok(r.baseline.samples_per_s > 0);
  assert.ok(r.api.idle!.calls > 0 && r.api.during_ingestion!.calls > 0, 'the API was called idle and during ingestion');
  assert.equal(r.api.during_rematch!.calls, 0, 'no re-match asked for');
  assert.deepEqual(Object.keys(r.targets), ['samples_per_s', 'api_p99_during_ingestion_ms', 'api_p99_during_rematch_ms']);
  assert.equal(r.targets.api_p99_during_rematch_ms!.pass, null);
});
