import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Sample } from '../../connectors/types.ts';
import { Repository } from '../db/repository.ts';
import { MatchService } from '../matching/service/match-service.ts';
import { heatPowerKw } from './derived.ts';
import { bindHeatMeter, SEED, seedPlant } from './fixtures/seed.ts';
import { hourOfWeekMeans, measuredWeek, weekHourOf } from './measured-week.ts';
import { IngestService } from './service.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-measured-week-'));
after(() => rmSync(folder, { recursive: true, force: true }));
let n = 0;

const HOUR = 3_600_000;
/** Wednesday 25 November 2026, 00:00 UTC: two weeks from a Wednesday put every hour of the week in twice. */
const START = Date.UTC(2026, 10, 25);
const TWO_WEEKS = 14 * 24;
const END = START + TWO_WEEKS * HOUR;
/** Monday = 0 .. Sunday = 6 of an instant (UTC). */
const dayOf = (ms: number) => (new Date(ms).getUTCDay() + 6) % 7;
const weekday = (ms: number) => dayOf(ms) < 5;
const hourOf = (ms: number) => new Date(ms).getUTCHours();
const slot = (day: number, hour: number) => day * 24 + hour;

/** Samples every 10 minutes for each hour of the two weeks: `values(hourStart, week)` gives point -> value (null: nothing that hour). */
type HourValues = Record<string, { value: number; quality?: Sample['quality'] }>;

function recording(values: (hourStart: number, week: 0 | 1) => HourValues | null): Sample[] {
  const out: Sample[] = [];
  for (let h = 0; h < TWO_WEEKS; h++) {
    const hourStart = START + h * HOUR;
    const v = values(hourStart, h < 7 * 24 ? 0 : 1);
    if (v === null) continue;
    for (let m = 0; m < 60; m += 10) {
      const ts = hourStart + m * 60_000;
      for (const [pointId, { value, quality }] of Object.entries(v)) out.push({ pointId, sourceMs: ts, receivedMs: ts, value, quality: quality ?? 'good' });
    }
  }
  return out;
}

async function plant() {
  const repo = await Repository.open(join(folder, `w${n++}.db`));
  await seedPlant(repo);
  // No background evaluation: these tests look at the week, not at the measured rule.
  const ingest = new IngestService(repo, { now: () => END + HOUR, pruneIntervalMs: 0, autoEvaluate: false });
  return { repo, ingest };
}

const near = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-6, `${what}: ${actual}, expected ${expected}`);

describe('measured week (hour-of-week mean power)', () => {
  test('two weeks of a heat meter with a weekday/weekend pattern give the matching 168 values', async () => {
    const { repo, ingest } = await plant();
    await bindHeatMeter(repo);
    // Weekdays 06-22 UTC: 10 m3/h in the first week, 12 m3/h in the second, 80 -> 50 degC; weekday
    // nights: the pump stands still (0 m3/h, recorded). Weekends: 2 m3/h from 70 to 50 degC.
    const samples = recording((t, week) => {
      if (!weekday(t)) return { 'pt-flow': { value: 2 }, 'pt-supply': { value: 70 }, 'pt-return': { value: 50 } };
      const day = hourOf(t) >= 6 && hourOf(t) < 22;
      return { 'pt-flow': { value: day ? (week === 0 ? 10 : 12) : 0 }, 'pt-supply': { value: 80 }, 'pt-return': { value: 50 } };
    });
    assert.equal((await ingest.recorder.write(samples)).stored, TWO_WEEKS * 6 * 3);

    const week = await measuredWeek(repo, SEED.flow);
    assert.ok(week);
    assert.equal(week.length, 168);
    const p10 = heatPowerKw({ flow: 10, flowUnit: 'm3/h', supplyC: 80, returnC: 50 });
    const p12 = heatPowerKw({ flow: 12, flowUnit: 'm3/h', supplyC: 80, returnC: 50 });
    const weekend = heatPowerKw({ flow: 2, flowUnit: 'm3/h', supplyC: 70, returnC: 50 });
    assert.ok(Math.abs(p10 - 342.05) < 0.01, `the worked example of derived.test.ts: ${p10}`);
    for (let day = 0; day < 7; day++) {
      for (let hour = 0; hour < 24; hour++) {
        const expected = day >= 5 ? weekend : hour >= 6 && hour < 22 ? (p10 + p12) / 2 : 0;
        near(week[slot(day, hour)]!, expected, `day ${day} hour ${hour}`);
      }
    }
    // Monday 00-01 is index 0: the first value is a weekday night, the weekend starts at 120.
    assert.equal(week[0], 0);
    near(week[slot(0, 6)]!, (p10 + p12) / 2, 'Monday 06-07');
    near(week[120]!, weekend, 'Saturday 00-01');
    await ingest.close();
    await repo.close();
  });

  test('power points are summed in kW; hours without good data from every point are gaps, filled with the mean', async () => {
    const { repo, ingest } = await plant();
    await repo.field.createPoint({ id: 'pt-p1', device_id: SEED.device, name: 'Power 1', address: '3:500', unit: 'kW' });
    await repo.field.createPoint({ id: 'pt-p2', device_id: SEED.device, name: 'Power 2', address: '3:501', unit: 'MW' });
    await repo.field.bindPoints(SEED.flow, [
      { point_id: 'pt-p1', role: 'power' },
      { point_id: 'pt-p2', role: 'power' },
    ]);
    // Weekdays only (the meter is switched off at weekends: NO data, not zeros). Point 1: 100 kW
    // 08-18, 20 kW otherwise; point 2: 0.05 MW = 50 kW. Monday 12-13: only bad samples both weeks;
    // Tuesday 03-04: point 2 silent both weeks. Both are gaps, not zeros.
    const covered: number[] = [];
    const samples = recording((t): HourValues | null => {
      if (!weekday(t)) return null;
      const p1 = hourOf(t) >= 8 && hourOf(t) < 18 ? 100 : 20;
      if (dayOf(t) === 0 && hourOf(t) === 12) return { 'pt-p1': { value: p1, quality: 'bad' }, 'pt-p2': { value: 0.05, quality: 'bad' } };
      if (dayOf(t) === 1 && hourOf(t) === 3) return { 'pt-p1': { value: p1 } };
      covered.push(p1 + 50);
      return { 'pt-p1': { value: p1 }, 'pt-p2': { value: 0.05 } };
    });
    await ingest.recorder.write(samples);

    const week = await measuredWeek(repo, SEED.flow);
    assert.ok(week);
    // The fill: the mean of all the recorded hours (the flow's measured mean power).
    const mean = covered.reduce((a, b) => a + b, 0) / covered.length;
    assert.ok(mean > 70 && mean < 150);
    for (let day = 0; day < 7; day++) {
      for (let hour = 0; hour < 24; hour++) {
        const gap = day >= 5 || (day === 0 && hour === 12) || (day === 1 && hour === 3);
        const expected = gap ? mean : hour >= 8 && hour < 18 ? 150 : 70;
        near(week[slot(day, hour)]!, expected, `day ${day} hour ${hour}`);
      }
    }
    await ingest.close();
    await repo.close();
  });

  test('an energy counter: the counted energy per hour, a reset not lost, recorded zeros stay zeros', async () => {
    const { repo, ingest } = await plant();
    await repo.field.createPoint({ id: 'pt-energy', device_id: SEED.device, name: 'Heat energy', address: '3:400', unit: 'MWh' });
    await repo.field.bindPoints(SEED.flow, [{ point_id: 'pt-energy', role: 'energy_counter' }]);
    // 200 kW on weekdays, nothing at weekends; a reading every 15 minutes, in MWh. The meter is
    // replaced on the second Monday at 10:00: the new counter started just after the last reading
    // of the old one (which stood at 40 MWh plus what it counted).
    const kw = (t: number) => (weekday(t) ? 200 : 0);
    const samples: Sample[] = [];
    let energyMwh = 40;
    const swap = START + (5 * 24 + 10) * HOUR; // Monday 30 November, 10:00
    let offset = 0;
    for (let t = START; t < END; t += 15 * 60_000) {
      if (t === swap) offset = energyMwh - 0.05; // the new counter's first reading shows the last 15 minutes' 50 kWh
      samples.push({ pointId: 'pt-energy', sourceMs: t, receivedMs: t, value: energyMwh - offset, quality: 'good' });
      energyMwh += (kw(t) * 0.25) / 1000;
    }
    await ingest.recorder.write(samples);

    const week = await measuredWeek(repo, SEED.flow);
    assert.ok(week);
    for (let s = 0; s < 168; s++) near(week[s]!, s < 120 ? 200 : 0, `slot ${s}`);
    await ingest.close();
    await repo.close();
  });

  test('no usable data: undefined', async () => {
    const { repo, ingest } = await plant();
    assert.equal(await measuredWeek(repo, SEED.flow), undefined, 'no points bound');
    await bindHeatMeter(repo);
    assert.equal(await measuredWeek(repo, SEED.flow), undefined, 'points bound, nothing recorded');
    // Temperatures only: no hour has good data from all three points.
    await ingest.recorder.write(recording(() => ({ 'pt-supply': { value: 80 }, 'pt-return': { value: 50 } })));
    assert.equal(await measuredWeek(repo, SEED.flow), undefined, 'no flow rate recorded');
    await ingest.close();
    await repo.close();
  });

  test('hourOfWeekMeans: Monday 00-01 UTC first, empty slots get the mean of the recorded hours', () => {
    assert.equal(weekHourOf(Date.UTC(2026, 10, 23, 0, 30)), 0, 'Monday 00:30');
    assert.equal(weekHourOf(Date.UTC(2026, 10, 29, 23, 59)), 167, 'Sunday 23:59');
    assert.equal(hourOfWeekMeans(new Map()), undefined);
    const monday = Date.UTC(2026, 10, 23);
    // Monday 00-01 twice (10 and 30), Monday 01-02 once (50): slot means 20 and 50, the fill is the
    // mean of the three hours (30), not of the two slots (35).
    const week = hourOfWeekMeans(new Map([[monday, 10], [monday + 7 * 24 * HOUR, 30], [monday + HOUR, 50]]))!;
    assert.deepEqual([week[0], week[1], week[2], week[167]], [20, 50, 30, 30]);
    assert.equal(hourOfWeekMeans(new Map([[monday, -5]])), undefined, 'a negative mean is refused');
    assert.deepEqual(hourOfWeekMeans(new Map([[monday, -1], [monday + HOUR, 11]]))!.slice(0, 3), [0, 11, 5], 'a negative slot is 0');
  });
});

describe('matched with its measured shape', () => {
  test('a heat supply metered on weekdays only delivers nothing to a weekend-only demand; flat, it does', async () => {
    const { repo, ingest } = await plant();
    await bindHeatMeter(repo);
    // The supply runs on weekdays (10 m3/h, 80 -> 50 degC, 342 kW) and stands still at weekends,
    // both recorded.
    await ingest.recorder.write(recording((t) => ({ 'pt-flow': { value: weekday(t) ? 10 : 0 }, 'pt-supply': { value: 80 }, 'pt-return': { value: 50 } })));
    // Scaled to 3 MW (the flow's quantity sets the year's energy; the meters only its shape).
    await repo.updateFlow(SEED.flow, { quantity: { amount: 3, unit: 'MW' }, temporal: { profile: 'measured' } });
    // A 2 MW demand 0.5 km away, weekends only.
    await repo.createOrganization({ id: 'org-weekend', name: 'Weekend Baths', sector: 'Leisure' });
    await repo.createSite({ id: 'site-weekend', organization_id: 'org-weekend', name: 'Baths', country: 'DE', lat: 51.4545, lon: 7.01 });
    await repo.createFlow({
      id: 'flow-weekend-demand',
      site_id: 'site-weekend',
      direction: 'demand',
      type: 'heat',
      name: 'Pool heating, weekends',
      quantity: { amount: 2, unit: 'MW' },
      precision: 'estimated',
      quality: { temperature_c: { min: 40, max: 60 } },
      temporal: { weekly: [{ days: 'sat-sun', from: 0, to: 24 }] },
      economics: { price_eur: 60, price_per: 'MWh', current_fuel: 'natural_gas' },
    });
    const query = { now: '2026-12-10T00:00:00Z', include_unprofitable: true, min_annual_value_eur: 0 };
    const pair = async () => {
      const m = (await repo.matches.list({ flow_id: 'flow-weekend-demand', limit: 10 })).items.find((x) => x.supply.flow_id === SEED.flow);
      assert.ok(m, 'the pair is listed (unprofitable ones included)');
      return m.economics as { npv_eur: number; heat: { delivered_mwh_per_year: number; supply_profile: string } };
    };

    await new MatchService(repo).runAll(query);
    const measured = await pair();
    assert.equal(measured.heat.supply_profile, 'measured');
    assert.equal(measured.heat.delivered_mwh_per_year, 0, 'the metered week (a measured flow without data would be flat and deliver)');
    assert.ok(measured.npv_eur < 0, `measured: not profitable, npv ${measured.npv_eur}`);

    await repo.updateFlow(SEED.flow, { temporal: { profile: 'flat' } });
    await new MatchService(repo).runAll(query);
    const flat = await pair();
    assert.equal(flat.heat.supply_profile, 'flat');
    assert.ok(flat.heat.delivered_mwh_per_year > 100, `flat delivers ${flat.heat.delivered_mwh_per_year} MWh/yr`);
    assert.ok(flat.npv_eur > 0, `flat: profitable, npv ${flat.npv_eur}`);
    await ingest.close();
    await repo.close();
  });
});
