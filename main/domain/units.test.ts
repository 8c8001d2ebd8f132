import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FLOW_TYPES, type FlowType } from './entities.ts';
import { WEEKS_PER_YEAR, hoursPerYear } from './temporal.ts';
import {
  CANONICAL_UNIT,
  MEASUREMENT_MAX_AGE_DAYS,
  PRECISION_ORDER,
  PRECISION_WEIGHT,
  effectivePrecision,
  formatQuantity,
  isMorePrecise,
  toCanonical,
} from './units.ts';

/** Relative tolerance: the expectations are hand-computed, the code multiplies floats. */
function close(actual: number, expected: number, what = '') {
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what} ${actual} != ${expected}`);
}
function converts(type: FlowType, amount: number, unit: string, hours: number, expected: number) {
  const result = toCanonical(type, amount, unit, hours);
  assert.equal(result.unit, CANONICAL_UNIT[type], `${amount} ${unit}`);
  close(result.amount, expected, `${type} ${amount} ${unit}:`);
}

test('canonical units are those of domain.md section 1, one per flow type', () => {
  assert.deepEqual(CANONICAL_UNIT, {
    heat: 'kW',
    steam: 'kW',
    cooling: 'kW',
    electricity: 'kW',
    water: 'm3/h',
    wastewater: 'm3/h',
    compressed_air: 'Nm3/h',
    co2: 't/yr',
    material: 't/yr',
    waste: 't/yr',
    logistics: 't*km/yr',
    service: 'h/yr',
  });
  assert.deepEqual(Object.keys(CANONICAL_UNIT).sort(), [...FLOW_TYPES].sort());
});

test('every type accepts its own canonical unit unchanged', () => {
  for (const type of FLOW_TYPES) converts(type, 123.5, CANONICAL_UNIT[type], 8000, 123.5);
});

test('powers: W, kW, MW, GW to kW, whatever the hours', () => {
  converts('heat', 2, 'MW', 8000, 2000);
  converts('heat', 2, 'MW', 1000, 2000);
  converts('electricity', 750, 'W', 8000, 0.75);
  converts('cooling', 1.25, 'GW', 8000, 1_250_000);
  converts('steam', 400, 'kW', 8000, 400);
});

test('energy per year becomes average power over the available hours', () => {
  // domain.md 2.3 worked check: 20,000 MWh/yr at 8000 h is 2,500 kW
  converts('heat', 20_000, 'MWh/yr', 8000, 2500);
  // 12 GWh/yr on mon-fri 6-22 all year: 12e6 kWh / (80 x 52.14 h) = 2876.87... kW
  const hours = hoursPerYear({ weekly: [{ days: 'mon-fri', from: 6, to: 22 }] });
  converts('heat', 12, 'GWh/yr', hours, 12e6 / (80 * 52.14));
  converts('heat', 12, 'GWh/yr', hours, 2876.869965478);
  converts('electricity', 4_000_000, 'kWh/yr', 8000, 500);
  converts('electricity', 1, 'TWh/yr', 8000, 125_000);
  converts('cooling', 800, 'MWh/a', 4000, 200);
  // 1 GJ = 277.78 kWh: 28,800 GJ/yr = 8,000,000 kWh, over 8000 h = 1000 kW
  converts('heat', 28_800, 'GJ/yr', 8000, 1000);
  converts('steam', 288, 'TJ/yr', 8000, 10_000);
});

test('energy per month or day is scaled to a year by the calendar (x12, x365) first', () => {
  // 500 MWh/month = 6000 MWh/yr, over 6000 h = 1000 kW
  converts('heat', 500, 'MWh/month', 6000, 1000);
  // 2400 kWh/day = 876,000 kWh/yr, over 8760 h = 100 kW; over 8000 h = 109.5 kW
  converts('electricity', 2400, 'kWh/day', 8760, 100);
  converts('electricity', 2400, 'kWh/day', 8000, 109.5);
  // per week: x52.14
  converts('heat', 10, 'MWh/week', 5214, 100);
});

test('energy per hour or less is already a rate: the hours do not matter', () => {
  // 3.6 GJ/h = 1000 kWh/h = 1000 kW
  converts('heat', 3.6, 'GJ/h', 8000, 1000);
  converts('heat', 3.6, 'GJ/h', 2000, 1000);
  converts('steam', 1, 'MJ/s', 8000, 1000);
  converts('heat', 250, 'kWh/h', 8000, 250);
});

test('volumes: per hour or less is a rate, per day or more a total over the available hours', () => {
  // 240 m3/day running 24/7 (8760 h): 87,600 m3/yr / 8760 h = 10 m3/h
  converts('water', 240, 'm3/day', 8760, 10);
  // the same 87,600 m3/yr on an 8000 h flow is 10.95 m3/h while it flows
  converts('water', 240, 'm3/day', 8000, 10.95);
  converts('water', 240, 'm3/d', 8760, 10);
  converts('wastewater', 80_000, 'm3/yr', 8000, 10);
  converts('wastewater', 5, 'l/s', 8000, 18);
  converts('water', 500, 'l/min', 8000, 30);
  converts('water', 12, 'm³/h', 8000, 12);
  converts('water', 12, 'm^3/h', 8000, 12);
  converts('water', 12, 'm3 per hour', 8000, 12);
  converts('compressed_air', 25, 'Nm3/min', 8000, 1500);
  converts('compressed_air', 1500, 'Nm3/h', 8000, 1500);
  converts('compressed_air', 500, 'Nl/s', 8000, 1800);
});

test('masses: per period scaled to a year; per hour times the available hours', () => {
  converts('material', 30, 't/month', 8000, 360);
  // 500 kg/day = 0.5 t x 365 = 182.5 t/yr
  converts('waste', 500, 'kg/day', 8000, 182.5);
  converts('waste', 2, 't/d', 8000, 730);
  converts('co2', 12_000, 't/yr', 8000, 12_000);
  converts('co2', 12_000, 't/a', 8000, 12_000);
  converts('co2', 1.5, 'kt/yr', 8000, 1500);
  converts('material', 40, 'tonnes/week', 8000, 40 * 52.14);
  // 250 kg/h on a 6000 h line: 0.25 t x 6000 = 1500 t/yr
  converts('material', 250, 'kg/h', 6000, 1500);
});

test('transport work and service hours', () => {
  converts('logistics', 120_000, 't*km/yr', 8000, 120_000);
  converts('logistics', 120_000, 'tkm/yr', 8000, 120_000);
  converts('logistics', 10_000, 't·km/month', 8000, 120_000);
  converts('logistics', 10_000, 't km/month', 8000, 120_000);
  converts('service', 1200, 'h/yr', 8000, 1200);
  converts('service', 10, 'h/week', 8000, 10 * WEEKS_PER_YEAR);
});

test('units are read case-insensitively where no other unit differs only in case', () => {
  converts('heat', 2, 'mw', 8000, 2000);
  converts('heat', 20_000, 'mwh/yr', 8000, 2500);
  converts('heat', 20_000, 'MWH/YR', 8000, 2500);
  converts('heat', 20_000, 'MWh/Year', 8000, 2500);
  converts('compressed_air', 25, 'NM3/MIN', 8000, 1500);
  converts('water', 5, 'L/s', 8000, 18);
  converts('waste', 500, 'KG/Day', 8000, 182.5);
  converts('heat', 2, '  MW ', 8000, 2000);
});

test('round trip: energy per year to kW and back over the same hours gives the energy typed', () => {
  for (const hours of [8000, 4171.2, 1042.8, 8784]) {
    const kW = toCanonical('heat', 20_000, 'MWh/yr', hours).amount;
    close((kW * hours) / 1000, 20_000, `at ${hours} h`);
    const m3h = toCanonical('water', 87_600, 'm3/yr', hours).amount;
    close(m3h * hours, 87_600, `at ${hours} h`);
  }
});

test('an incompatible unit names the unit, the type and its canonical unit', () => {
  assert.throws(() => toCanonical('heat', 30, 't/month', 8000), {
    message: 'unit "t/month" cannot express heat (canonical kW): use a power (kW, MW) or an energy per period (MWh/yr)',
  });
  assert.throws(() => toCanonical('water', 5, 'MW', 8000), {
    message: 'unit "MW" cannot express water (canonical m3/h): use a volume per period (m3/h, m3/day, l/s)',
  });
  assert.throws(() => toCanonical('waste', 5, 'm3/day', 8000), {
    message: 'unit "m3/day" cannot express waste (canonical t/yr): use a mass per period (t/yr, t/month, kg/day)',
  });
  assert.throws(() => toCanonical('logistics', 5, 't/yr', 8000), {
    message: 'unit "t/yr" cannot express logistics (canonical t*km/yr): use transport work per period (t*km/yr)',
  });
  assert.throws(() => toCanonical('service', 5, 'kW', 8000), {
    message: 'unit "kW" cannot express service (canonical h/yr): use hours per period (h/yr, h/week)',
  });
  assert.throws(() => toCanonical('co2', 5, 'Nm3/h', 8000), /unit "Nm3\/h" cannot express co2 \(canonical t\/yr\)/);
  assert.throws(() => toCanonical('water', 5, 't/h', 8000), /unit "t\/h" cannot express water \(canonical m3\/h\)/);
});

test('compressed air in free-air m3 is refused with a pointer to normal m3', () => {
  assert.throws(() => toCanonical('compressed_air', 25, 'm3/min', 8000), {
    message:
      'unit "m3/min" cannot express compressed air (canonical Nm3/h): use a normal volume per period (Nm3/h, Nm3/min) (free-air m3 depend on intake temperature and pressure: convert to normal m3 first)',
  });
});

test('steam as a mass flow is refused: it needs enthalpy to become kW', () => {
  for (const unit of ['t/h', 'kg/h', 't/yr']) {
    assert.throws(
      () => toCanonical('steam', 5, unit, 8000),
      (e: Error) => e.message.startsWith(`unit "${unit}" cannot express steam (canonical kW)`) && /enthalpy/.test(e.message) && /kW or MW/.test(e.message),
    );
  }
});

test('unknown units are named', () => {
  for (const unit of ['kWz', 'MWh/fortnight', 'm3/h/day', '', 'kWh/', '/h', 'ton/yr', 'mWh/yr-ish', 'Mt/yr', 'BTU/h']) {
    assert.throws(() => toCanonical('heat', 1, unit, 8000), { message: `unknown unit "${unit}"` }, unit);
  }
});

test('a quantity without a period, or a power per time, is named and explained', () => {
  assert.throws(() => toCanonical('heat', 20_000, 'MWh', 8000), { message: 'unit "MWh" has no period: add one, e.g. MWh/yr' });
  assert.throws(() => toCanonical('waste', 20, 't', 8000), { message: 'unit "t" has no period: add one, e.g. t/yr' });
  assert.throws(() => toCanonical('heat', 500, 'kW/h', 8000), {
    message: 'unit "kW/h" divides a power by a time: use kW alone, or an energy per period like kWh/yr',
  });
});

test('bad amounts and hours per year are refused', () => {
  assert.throws(() => toCanonical('heat', Number.NaN, 'kW', 8000), { message: 'amount must be a finite number, got NaN' });
  assert.throws(() => toCanonical('heat', Infinity, 'kW', 8000), /got Infinity/);
  assert.throws(() => toCanonical('heat', 1e306, 'GW', 8000), { message: '1e+306 GW is too large to convert to kW' });
  assert.throws(() => toCanonical('heat', 1, 'MWh/yr', 0), { message: 'hoursPerYear must be above 0 and at most 8784, got 0' });
  assert.throws(() => toCanonical('heat', 1, 'MWh/yr', -5), /got -5/);
  assert.throws(() => toCanonical('heat', 1, 'MWh/yr', 525_600), /got 525600/);
  assert.throws(() => toCanonical('heat', 1, 'MWh/yr', 8785), /got 8785/);
  assert.throws(() => toCanonical('heat', 1, 'MWh/yr', Number.NaN), /got NaN/);
  // the bounds themselves are fine
  converts('heat', 8.784, 'MWh/yr', 8784, 1);
  converts('heat', 0, 'MWh/yr', 8000, 0);
});

test('formatQuantity: en-GB separators, whole numbers from 100, three significant digits below', () => {
  assert.equal(formatQuantity(2500, 'kW'), '2,500 kW');
  assert.equal(formatQuantity(1.25, 'MW'), '1.25 MW');
  assert.equal(formatQuantity(2876.87, 'kW'), '2,877 kW');
  assert.equal(formatQuantity(182.5, 't/yr'), '183 t/yr');
  assert.equal(formatQuantity(10.95, 'm3/h'), '11 m3/h');
  assert.equal(formatQuantity(12.34567, 'm3/h'), '12.3 m3/h');
  assert.equal(formatQuantity(0.012345, 't/yr'), '0.0123 t/yr');
  assert.equal(formatQuantity(99.96, 'kW'), '100 kW');
  assert.equal(formatQuantity(99.7, 'kW'), '99.7 kW');
  assert.equal(formatQuantity(100.4, 'kW'), '100 kW');
  assert.equal(formatQuantity(1_549_300, 'EUR'), '1,549,300 EUR');
  assert.equal(formatQuantity(0, 'kW'), '0 kW');
  assert.equal(formatQuantity(-0, 'kW'), '0 kW');
  assert.equal(formatQuantity(-0.0001, 'kW'), '-0.0001 kW');
  assert.equal(formatQuantity(-1234.4, 'kW'), '-1,234 kW');
  assert.equal(formatQuantity(42, ''), '42');
});

test('precision weights and order follow domain.md 2.2', () => {
  assert.deepEqual(PRECISION_WEIGHT, { measured: 1.0, estimated: 0.7, rough: 0.4 });
  assert.deepEqual([...PRECISION_ORDER], ['rough', 'estimated', 'measured']);
  assert.equal(isMorePrecise('measured', 'estimated'), true);
  assert.equal(isMorePrecise('estimated', 'rough'), true);
  assert.equal(isMorePrecise('measured', 'rough'), true);
  assert.equal(isMorePrecise('rough', 'measured'), false);
  assert.equal(isMorePrecise('estimated', 'estimated'), false);
  // the order agrees with the weights
  for (const a of PRECISION_ORDER) {
    for (const b of PRECISION_ORDER) assert.equal(isMorePrecise(a, b), PRECISION_WEIGHT[a] > PRECISION_WEIGHT[b], `${a} ${b}`);
  }
});

test('effectivePrecision: a measurement older than 365 days counts as estimated', () => {
  const now = new Date('2025-06-30T12:00:00Z');
  const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
  assert.equal(MEASUREMENT_MAX_AGE_DAYS, 365);
  assert.equal(effectivePrecision('measured', daysAgo(10), now), 'measured');
  assert.equal(effectivePrecision('measured', daysAgo(365), now), 'measured', 'exactly 365 days is not older');
  assert.equal(effectivePrecision('measured', new Date(daysAgo(365).getTime() - 1), now), 'estimated');
  assert.equal(effectivePrecision('measured', new Date('2023-01-15T00:00:00Z'), now), 'estimated');
  // no date: nothing says it is old
  assert.equal(effectivePrecision('measured', undefined, now), 'measured');
  // only measured data ages; rough and estimated stay as they are
  assert.equal(effectivePrecision('rough', daysAgo(1000), now), 'rough');
  assert.equal(effectivePrecision('estimated', daysAgo(1000), now), 'estimated');
  // unstated precision is the domain default
  assert.equal(effectivePrecision(undefined, undefined, now), 'estimated');
  assert.throws(() => effectivePrecision('measured', new Date('not a date'), now), /measuredAt is not a valid date/);
  assert.throws(() => effectivePrecision('measured', daysAgo(1), new Date('nope')), /now is not a valid date/);
});
