import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runPacketBench } from './packet.ts';

test('bench packet: the report has the packet time, both baselines, their ratios and the target', async () => {
  const r = (await runPacketBench({ runs: 2 })) as Record<string, unknown> & { targets: Record<string, { pass: boolean }> };
  for (const k of ['packet_median_ms', 'packet_cold_ms', 'baseline_data_assembly_median_ms', 'baseline_empty_pdf_median_ms', 'ratio_to_data_assembly', 'ratio_to_empty_pdf', 'pdf_bytes_both']) {
    assert.equal(typeof r[k], 'number', k);
    assert.ok((r[k] as number) > 0, k);
  }
  assert.equal(typeof r.targets.packet_median_ms!.pass, 'boolean');
  assert.match(r.workload as string, /best match m-/);
});
