/**
 * Smoke test of `turash bench hub` on a tiny run (a few laptops, a few seconds, both stores, the
 * real-client comparison): it runs, loses nothing, and reports every figure. No timed assertion.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runHubBench } from './hub.ts';

type Figures = { n: number; p50: number; p95: number; max: number } | null;
interface Scenario {
  scenario: string;
  store: 'sqlite' | 'postgres';
  laptops: number;
  acknowledged_messages: number;
  messages_per_s: number;
  push_ms: Figures;
  pull_ms: Figures;
  live_update_ms: Figures;
  hub_rss_mib: { start: number[]; peak: number[] };
  cpu_percent_of_one_core: { hubs: number; laptops_bench_process: number; postgres: number | null };
  check: { hub_messages: number; acknowledged_missing_on_hub: number; laptops_not_holding_everything: number; laptops_merkle_differs: number; live_signals_missed: number; writes_refused_by_real_replicas: number };
  nothing_lost: boolean;
}

test('bench hub: a tiny run on SQLite and PostgreSQL loses nothing and reports throughput, latencies, memory and CPU', { timeout: 600_000 }, async () => {
  const report = (await runHubBench({ laptops: 4, team: 2, seconds: 3, thinkMs: [300, 800], realLaptops: 2, store: 'both', capacitySteps: [32] })) as {
    capacity: { store: string; messages_per_s: number | null; steps: { factor: number; messages_per_s: number | null; holds: boolean }[] }[];
    table: string[];
    scenarios: Scenario[];
    ratios_to_baseline: Record<string, number | null>;
    two_instances_over_one: number | null;
    lightweight_vs_real: { hub_cpu_ms_per_1000_messages: { lightweight: number | null; real: number | null } } | null;
    failed_scenarios: { scenario: string; error: string }[];
    pass: { nothing_lost: boolean };
  };
  assert.deepEqual(report.failed_scenarios, []);
  assert.deepEqual(
    report.scenarios.map((s) => s.scenario),
    [
      'sqlite, 1 laptop (baseline)',
      'sqlite, 4 laptops',
      'postgres 1 hub, 1 laptop (baseline)',
      'postgres 1 hub, 4 laptops',
      'postgres 2 hubs, 4 laptops',
      'postgres 1 hub, saturated',
      'postgres 2 hubs, saturated',
      'sqlite, 2 lightweight laptops',
      'sqlite, 2 real sync clients',
      'capacity sqlite 1 hub, person x32',
      'capacity postgres 1 hub, person x32',
    ],
  );
  // One capacity step per store, with its throughput; whether it held is the machine's business.
  assert.deepEqual(report.capacity.map((c) => [c.store, c.steps.map((s) => s.factor)]), [['sqlite', [32]], ['postgres', [32]]]);
  for (const c of report.capacity) assert.ok((c.steps[0]!.messages_per_s ?? 0) > 0, JSON.stringify(c));
  for (const s of report.scenarios) {
    const where = `${s.scenario}: ${JSON.stringify(s.check)}`;
    assert.equal(s.nothing_lost, true, where);
    assert.equal(s.check.acknowledged_missing_on_hub, 0, where);
    assert.equal(s.check.laptops_not_holding_everything, 0, where);
    assert.equal(s.check.laptops_merkle_differs, 0, where);
    assert.equal(s.check.live_signals_missed, 0, where);
    assert.equal(s.check.writes_refused_by_real_replicas, 0, where);
    assert.ok(s.acknowledged_messages > 0 && s.check.hub_messages >= s.acknowledged_messages, where);
    assert.ok(s.messages_per_s > 0, where);
    assert.ok(s.push_ms && s.push_ms.p95 >= s.push_ms.p50 && s.push_ms.p50 > 0, where);
    assert.ok(s.pull_ms && s.pull_ms.n > 0, where);
    if (!s.scenario.includes('real')) assert.ok(s.live_update_ms && s.live_update_ms.n > 0 && s.live_update_ms.p95 >= s.live_update_ms.p50, where);
    assert.ok(s.hub_rss_mib.peak.every((mib) => mib > 0), where);
    assert.ok(s.cpu_percent_of_one_core.hubs > 0, where);
    assert.equal(s.cpu_percent_of_one_core.postgres === null, s.store !== 'postgres', where);
  }
  assert.equal(report.pass.nothing_lost, true);
  assert.ok((report.two_instances_over_one ?? 0) > 0);
  assert.ok((report.ratios_to_baseline.sqlite_push_p95 ?? 0) > 0 && (report.ratios_to_baseline.postgres_push_p95 ?? 0) > 0);
  assert.ok((report.lightweight_vs_real?.hub_cpu_ms_per_1000_messages.real ?? 0) > 0);
  assert.equal(report.table.length, report.scenarios.length + 1 + report.capacity.length);
});
