import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { alignSeries, counterDeltas, heatPowerKw, waterDensity } from './derived.ts';

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not within ${tolerance} of ${expected}`);

describe('heat power P = m_dot * cp * dT', () => {
  test('water density follows the steam tables', () => {
    // IAPWS reference values at 1 bar: 999.97 (4 degC), 998.21 (20), 980.56 (65), 971.80 (80).
    close(waterDensity(4), 999.97, 0.02, '4 degC');
    close(waterDensity(20), 998.21, 0.02, '20 degC');
    close(waterDensity(65), 980.56, 0.05, '65 degC');
    close(waterDensity(80), 971.8, 0.05, '80 degC');
    assert.throws(() => waterDensity(180), /temperature 180 degC is outside 0-150 degC/);
  });

  test('worked example: 10 m3/h of water cooled from 80 to 50 degC gives 342 kW', () => {
    // By hand: mean temperature (80 + 50) / 2 = 65 degC, density 980.55 kg/m3;
    // m_dot = 10 m3/h / 3600 s/h * 980.55 kg/m3 = 2.7238 kg/s;
    // P = 2.7238 kg/s * 4.186 kJ/(kg K) * (80 - 50) K = 342.05 kW.
    close(heatPowerKw({ flow: 10, flowUnit: 'm3/h', supplyC: 80, returnC: 50 }), 342.05, 0.01, 'P');
    // The same flow in l/s (10 m3/h = 2.7778 l/s) gives the same power.
    close(heatPowerKw({ flow: 10 / 3.6, flowUnit: 'l/s', supplyC: 80, returnC: 50 }), 342.05, 0.01, 'P from l/s');
  });

  test('a mass flow needs no density: 2 kg/s from 90 to 60 degC is 2 * 4.186 * 30 = 251.16 kW', () => {
    close(heatPowerKw({ flow: 2, flowUnit: 'kg/s', supplyC: 90, returnC: 60 }), 251.16, 1e-9, 'P');
    close(heatPowerKw({ flow: 7.2, flowUnit: 't/h', supplyC: 90, returnC: 60 }), 251.16, 1e-9, 'P from t/h');
  });

  test('a return hotter than the supply gives a negative power; bad units and values are named', () => {
    assert.ok(heatPowerKw({ flow: 10, flowUnit: 'm3/h', supplyC: 50, returnC: 80 }) < 0);
    assert.throws(() => heatPowerKw({ flow: 10, flowUnit: 'kW', supplyC: 80, returnC: 50 }), /unit "kW" is not a flow rate/);
    assert.throws(() => heatPowerKw({ flow: Number.NaN, flowUnit: 'm3/h', supplyC: 80, returnC: 50 }), /flow NaN is not a finite number/);
  });
});

describe('energy from counters', () => {
  const r = (ts: number, value: number) => ({ ts, value });

  test('plain increments add up', () => {
    const result = counterDeltas([r(0, 1000), r(1, 1010), r(2, 1010), r(3, 1025.5)]);
    assert.equal(result.total, 25.5);
    assert.deepEqual(result.steps.map((s) => s.event), ['normal', 'normal', 'normal']);
  });

  test('a uint32 counter wrapping past 2^32 counts the difference across the wrap', () => {
    // 4,294,967,000 -> 200: (2^32 - 4,294,967,000) + 200 = 296 + 200 = 496.
    const result = counterDeltas([r(0, 4_294_966_900), r(1, 4_294_967_000), r(2, 200), r(3, 300)], { rollover: 2 ** 32 });
    assert.equal(result.total, 100 + 496 + 100);
    assert.equal(result.wraps, 1);
    assert.equal(result.resets, 0);
    assert.equal(result.steps[1]!.event, 'wrap');
  });

  test('an 8-digit register (shows 99999999 last, modulus 100000000) wraps too', () => {
    // 99,999,990 -> 15: (100,000,000 - 99,999,990) + 15 = 25.
    const result = counterDeltas([r(0, 99_999_990), r(1, 15)], { rollover: 100_000_000 });
    assert.equal(result.total, 25);
    assert.equal(result.wraps, 1);
  });

  test('a drop that is not a wrap is a reset: the new value counts from 0 and is flagged', () => {
    // 5,000,000 -> 40 with a 2^32 rollover would be a 4.29e9 "wrap": implausible, so a reset.
    const result = counterDeltas([r(0, 4_999_990), r(1, 5_000_000), r(2, 40), r(3, 100)], { rollover: 2 ** 32 });
    assert.equal(result.total, 10 + 40 + 60);
    assert.equal(result.resets, 1);
    assert.equal(result.wraps, 0);
    assert.equal(result.steps[1]!.event, 'reset');
    // Without a rollover every drop is a reset.
    assert.equal(counterDeltas([r(0, 99_999_990), r(1, 15)]).resets, 1);
  });

  test('readings out of order and a bad rollover are errors that say where', () => {
    assert.throws(() => counterDeltas([r(5, 1), r(3, 2)]), /out of order at index 1/);
    assert.throws(() => counterDeltas([r(0, 1)], { rollover: -1 }), /rollover must be a positive number, got -1/);
  });
});

describe('alignment of several series', () => {
  test('each reference timestamp takes the nearest sample of the others within the tolerance', () => {
    const flow = [
      { ts: 0, value: 10 },
      { ts: 1000, value: 11 },
      { ts: 2000, value: 12 },
    ];
    const supply = [
      { ts: 20, value: 80 },
      { ts: 980, value: 81 },
      { ts: 2600, value: 82 },
    ];
    const ret = [
      { ts: -10, value: 50 },
      { ts: 1010, value: 51 },
      { ts: 1990, value: 52 },
    ];
    // At 2000 the nearest supply sample is 600 ms away: beyond 500 ms, so that row is dropped.
    assert.deepEqual(alignSeries([flow, supply, ret], 500), [
      [0, 10, 80, 50],
      [1000, 11, 81, 51],
    ]);
  });
});
