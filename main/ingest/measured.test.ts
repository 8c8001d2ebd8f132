import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Sample } from '../../connectors/types.ts';
import { Repository } from '../db/repository.ts';
import { bindHeatMeter, SEED, seedPlant } from './fixtures/seed.ts';
import { evaluateMeasured, quantityInFlowUnit } from './measured.ts';
import { IngestService } from './service.ts';
import { INGEST_SETTINGS } from './settings.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-measured-'));
after(() => rmSync(folder, { recursive: true, force: true }));
let n = 0;

const T0 = Date.UTC(2026, 10, 20, 8, 0, 0);
const MIN = 60_000;

/** A heat meter: flow 10 m3/h, supply 80 degC, return 50 degC every 10 s in the given minutes. */
function heatMeterSamples(minutes: number[]): Sample[] {
  const out: Sample[] = [];
  for (const m of minutes) {
    for (let s = 0; s < 60; s += 10) {
      const ts = T0 + m * MIN + s * 1000;
      out.push({ pointId: 'pt-flow', sourceMs: ts, receivedMs: ts, value: 10, quality: 'good' });
      out.push({ pointId: 'pt-supply', sourceMs: ts, receivedMs: ts, value: 80, quality: 'good' });
      out.push({ pointId: 'pt-return', sourceMs: ts, receivedMs: ts, value: 50, quality: 'good' });
    }
  }
  return out;
}

async function meteredPlant(quantity?: { amount: number; unit: string }) {
  const repo = await Repository.open(join(folder, `m${n++}.db`));
  await seedPlant(repo, quantity ? { quantity } : {});
  await bindHeatMeter(repo);
  // The end-to-end way to shorten the rule: 20 minutes, 90 %, evaluate after every commit.
  await repo.setSetting(INGEST_SETTINGS.measuredMinPeriodS, 20 * 60);
  await repo.setSetting(INGEST_SETTINGS.measuredMinCoverage, 0.9);
  await repo.setSetting(INGEST_SETTINGS.measuredEvalIntervalS, 0);
  return repo;
}

describe('measured precision', () => {
  test('a flow with enough metered data becomes measured, with provenance, and is re-matched', async () => {
    const repo = await meteredPlant();
    const before = await repo.getFlow(SEED.flow);
    const rematched: string[] = [];
    const now = T0 + 31 * MIN;
    const ingest = new IngestService(repo, { now: () => now, pruneIntervalMs: 0, onFlowMeasured: (id) => void rematched.push(id) });
    // 30 minutes of data, every minute covered; the evaluation runs after the commit by itself.
    const written = await ingest.recorder.write(heatMeterSamples(Array.from({ length: 30 }, (_, i) => i)));
    assert.equal(written.stored, 540);
    await ingest.idle();

    const flow = await repo.getFlow(SEED.flow);
    assert.equal(flow.precision, 'measured');
    // 10 m3/h from 80 to 50 degC is 342.05 kW (derived.test.ts works it out by hand).
    assert.equal(flow.quantity.unit, 'kW');
    assert.ok(Math.abs(flow.quantity.amount - 342.05) < 0.01, `quantity ${flow.quantity.amount}`);
    assert.deepEqual(flow.provenance, {
      kind: 'meter',
      source: 'heat from 3 meter points',
      recorded_at: new Date(now).toISOString(),
      device_id: SEED.device,
      point_ids: ['pt-flow', 'pt-supply', 'pt-return'],
      period: { from: new Date(T0).toISOString(), to: new Date(T0 + 29 * MIN + 50_000).toISOString() },
      sample_count: 540,
      coverage: 1,
    });
    assert.equal(flow.version, before.version + 1, 'written through the repository: versioned');
    const log = await repo.changeLog();
    const last = log.at(-1)!;
    assert.equal(last.entity_id, SEED.flow);
    assert.match(String(last.fields), /precision/);
    assert.deepEqual(rematched, [SEED.flow], 'the incremental re-match was asked for once');
    await ingest.close();
    await repo.close();
  });

  test('NOT upgraded below the coverage threshold, and the reason says why', async () => {
    const repo = await meteredPlant();
    const rematched: string[] = [];
    const now = T0 + 31 * MIN;
    const ingest = new IngestService(repo, { now: () => now, pruneIntervalMs: 0, onFlowMeasured: (id) => void rematched.push(id) });
    // The cable was pulled: data in minutes 0-9 and 25-29 only (15 of 30 minutes).
    await ingest.recorder.write(heatMeterSamples([...Array.from({ length: 10 }, (_, i) => i), 25, 26, 27, 28, 29]));
    await ingest.idle();
    const evaluation = ingest.evaluations.get(SEED.flow)!;
    assert.equal(evaluation.met, false);
    assert.equal(evaluation.coverage, 0.5);
    assert.match(evaluation.reason, /coverage 50\.0 % is below 90\.0 %/);
    const flow = await repo.getFlow(SEED.flow);
    assert.equal(flow.precision, 'estimated');
    assert.equal(flow.quantity.amount, 500);
    assert.deepEqual(rematched, []);
    await ingest.close();
    await repo.close();
  });

  test('NOT upgraded before the minimum period, even at full coverage', async () => {
    const repo = await meteredPlant();
    await repo.setSetting(INGEST_SETTINGS.measuredMinPeriodS, 7 * 24 * 3600); // the default: 7 days
    const result = await evaluateMeasured(repo, SEED.flow, { now: T0 + 31 * MIN });
    assert.equal(result.met, false);
    assert.match(result.reason, /no minute with good data/);
    const ingest = new IngestService(repo, { now: () => T0 + 31 * MIN, pruneIntervalMs: 0, autoEvaluate: false });
    await ingest.recorder.write(heatMeterSamples(Array.from({ length: 30 }, (_, i) => i)));
    const evaluation = await ingest.evaluateMeasured(SEED.flow);
    assert.equal(evaluation.met, false);
    assert.match(evaluation.reason, /the data cover 0\.50 h of the 168\.00 h needed/);
    assert.equal((await repo.getFlow(SEED.flow)).precision, 'estimated');
    await ingest.close();
    await repo.close();
  });

  test('a yearly total is the measured mean extrapolated over the year', async () => {
    // A heat flow typed as 2,000 MWh/yr over 8,000 h; a power meter reads 100 kW steadily.
    const repo = await meteredPlant({ amount: 2000, unit: 'MWh/yr' });
    await repo.field.createPoint({ id: 'pt-power', device_id: SEED.device, name: 'Heat power', address: '3:300', unit: 'kW' });
    await repo.field.unbindPoints(['pt-flow', 'pt-supply', 'pt-return']);
    await repo.field.bindPoints(SEED.flow, [{ point_id: 'pt-power', role: 'power' }]);
    const ingest = new IngestService(repo, { now: () => T0 + 31 * MIN, pruneIntervalMs: 0, autoEvaluate: false });
    await ingest.recorder.write(Array.from({ length: 30 * 6 }, (_, i) => ({ pointId: 'pt-power', sourceMs: T0 + i * 10_000, receivedMs: T0, value: 100, quality: 'good' as const })));
    const evaluation = await ingest.evaluateMeasured(SEED.flow);
    assert.equal(evaluation.method, 'power');
    // 100 kW * 8760 h = 876,000 kWh = 876 MWh/yr.
    assert.deepEqual(evaluation.quantity, { amount: 876, unit: 'MWh/yr' });
    const flow = await repo.getFlow(SEED.flow);
    assert.equal(flow.precision, 'measured');
    assert.equal(flow.quantity.amount, 876);
    // The canonical rate follows the flow's 8,000 h: 876,000 kWh / 8000 h = 109.5 kW.
    assert.ok(Math.abs(flow.canonical.amount - 109.5) < 1e-9, `canonical ${flow.canonical.amount}`);
    await ingest.close();
    await repo.close();
  });

  test('an energy counter: mean power from the counted energy, a reset flagged and not lost', async () => {
    const repo = await meteredPlant();
    await repo.field.createPoint({ id: 'pt-energy', device_id: SEED.device, name: 'Heat energy', address: '3:400', unit: 'kWh' });
    await repo.field.unbindPoints(['pt-flow', 'pt-supply', 'pt-return']);
    await repo.field.bindPoints(SEED.flow, [{ point_id: 'pt-energy', role: 'energy_counter' }]);
    const ingest = new IngestService(repo, { now: () => T0 + 31 * MIN, pruneIntervalMs: 0, autoEvaluate: false });
    // 6,000 kW is 100 kWh a minute, 16.667 kWh every 10 s; the meter is replaced at 15:00 and its
    // new counter starts again from 0 (reading 16.667 at 15:00, one step after the swap).
    const step = 100 / 6;
    const samples = Array.from({ length: 180 }, (_, i) => {
      const value = i < 90 ? 50_000 + i * step : (i - 89) * step;
      return { pointId: 'pt-energy', sourceMs: T0 + i * 10_000, receivedMs: T0, value, quality: 'good' as const };
    });
    await ingest.recorder.write(samples);
    const evaluation = await ingest.evaluateMeasured(SEED.flow);
    assert.equal(evaluation.method, 'energy_counter');
    assert.equal(evaluation.resets, 1);
    assert.equal(evaluation.wraps, 0);
    // 179 steps of 16.667 kWh over 179 x 10 s: 6,000 kW.
    assert.ok(Math.abs(evaluation.canonical!.amount - 6000) < 0.01, `mean ${evaluation.canonical!.amount} kW`);
    assert.equal(evaluation.met, true);
    assert.equal((await repo.getFlow(SEED.flow)).quantity.amount, 6000);
    await ingest.close();
    await repo.close();
  });

  test('quantityInFlowUnit: rate units take the mean, totals per period the mean over 8760 h', () => {
    const flow = (unit: string, hours = 8000) => ({ type: 'heat' as const, quantity: { amount: 1, unit }, hours_per_year: hours });
    assert.equal(quantityInFlowUnit(flow('kW'), 250), 250);
    assert.equal(quantityInFlowUnit(flow('MW'), 250), 0.25);
    assert.ok(Math.abs(quantityInFlowUnit(flow('GWh/yr'), 250) - 2.19) < 1e-12);
    const water = { type: 'water' as const, quantity: { amount: 1, unit: 'm3/day' }, hours_per_year: 8760 };
    assert.ok(Math.abs(quantityInFlowUnit(water, 10) - 240) < 1e-9, '10 m3/h all year is 240 m3/day');
  });
});

describe('wired in the Core', () => {
  test('openCore: a recording that meets the rule upgrades the flow and runs the incremental re-match', async () => {
    const { openCore } = await import('../core.ts');
    const path = join(folder, `core${n++}.db`);
    const core = await openCore(path);
    try {
      await seedPlant(core.repo);
      await bindHeatMeter(core.repo);
      await core.repo.setSetting(INGEST_SETTINGS.measuredMinPeriodS, 20 * 60);
      await core.repo.setSetting(INGEST_SETTINGS.measuredEvalIntervalS, 0);
      // Matching has run (before that there is nothing to keep up to date); the setup's own changes are settled.
      await core.matching.runAll({});
      await core.rematches.idle();
      // Observe the real re-match (the core's re-match queue looks the method up at call time).
      const rematched: string[] = [];
      const original = core.matching.rematchFlow.bind(core.matching);
      core.matching.rematchFlow = async (flowId, query) => {
        rematched.push(flowId);
        return original(flowId, query);
      };
      // Recent data this time: the Core's clock is the real one.
      const start = Math.floor(Date.now() / MIN) * MIN - 40 * MIN;
      const samples = heatMeterSamples(Array.from({ length: 30 }, (_, i) => i)).map((s) => ({ ...s, sourceMs: s.sourceMs - T0 + start }));
      assert.equal((await core.ingest.recorder.write(samples)).stored, 540);
      await core.ingest.idle();
      // The measured flow's change event queued its re-match (the core's one subscription).
      await core.rematches.idle();
      const flow = await core.repo.getFlow(SEED.flow);
      assert.equal(flow.precision, 'measured');
      assert.equal(flow.provenance?.kind, 'meter');
      assert.deepEqual(rematched, [SEED.flow]);
    } finally {
      await core.close();
    }
  });
});
