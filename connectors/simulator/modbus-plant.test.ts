import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startModbusPlant } from './modbus-plant.ts';
import { createModbusConnector } from '../modbus/index.ts';
import { getProfile, profileToPoints } from '../profiles/index.ts';

test('the demo plant serves a live SDM630 meter: pumps 5-15 kW, plausible voltages, counters that grow', async () => {
  let t = Date.UTC(2026, 0, 5, 8, 0, 0);
  const plant = await startModbusPlant({ port: 0, now: () => t });
  const c = createModbusConnector(plant.endpoint, { profile: 'sdm630' });
  try {
    assert.match(plant.endpoint, /^modbus-tcp:\/\/127\.0\.0\.1:\d+\?unit=1$/);
    await c.connect();
    const points = profileToPoints(getProfile('sdm630'));
    const value = (samples: { pointId: string; value: number | null }[], id: string) => samples.find((s) => s.pointId === id)!.value!;
    const first = await c.read(points);
    assert.ok(first.every((s) => s.quality === 'good'));
    assert.ok(c.status().counters.requests <= 3);
    const p1 = value(first, 'power_total');
    assert.ok(p1 >= 5000 && p1 <= 15000, `power ${p1} W`);
    for (const id of ['voltage_l1', 'voltage_l2', 'voltage_l3']) assert.ok(Math.abs(value(first, id) - 230) < 5, id);
    assert.ok(Math.abs(value(first, 'frequency') - 50) < 0.1);
    const phases = value(first, 'power_l1') + value(first, 'power_l2') + value(first, 'power_l3');
    assert.ok(Math.abs(phases - p1) < 1, 'phase powers add up to the total');
    t += 10 * 60_000;
    const later = await c.read(points);
    assert.notEqual(value(later, 'power_total'), p1, 'values change over time');
    const de = value(later, 'energy_import') - value(first, 'energy_import');
    assert.ok(de > 0.5 && de < 2.6, `10 minutes at 5-15 kW: ${de} kWh`);
    const [bad] = await c.read([{ id: 'x', address: '4:500' }]);
    assert.equal(bad!.status, 'exception 2 (illegal data address)');
  } finally {
    await c.close();
    await plant.close();
  }
});
