import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPair, CONSTRAINTS, type ConstraintName } from './compatibility.ts';
import { resolveConfig } from './config.ts';
import { destination, mkFlow } from './fixtures.ts';
import type { MatchFlow } from './input.ts';

const config = resolveConfig({ now: '2025-01-01T00:00:00Z' });
const near = destination(51, 7, 2, 90);

/** A heat pair that passes everything; each case below breaks exactly one constraint. */
function base(): [MatchFlow, MatchFlow] {
  return [
    mkFlow({ id: 's', direction: 'supply', type: 'heat', amount: 1000, quality: { temperature_c: { min: 80, max: 90 }, pressure_bar: { min: 5, max: 6 } } }),
    mkFlow({ id: 'd', direction: 'demand', type: 'heat', amount: 800, lat: near.lat, lon: near.lon, quality: { temperature_c: { min: 70, max: 80 }, pressure_bar: { min: 4, max: 5 } } }),
  ];
}

const q = (f: MatchFlow, quality: MatchFlow['quality']): MatchFlow => ({ ...f, quality: { ...f.quality, ...quality } });
const far = (km: number) => destination(51, 7, km, 90);
const mon_fri_8_16 = Array.from({ length: 168 }, (_, h) => Math.floor(h / 24) < 5 && h % 24 >= 8 && h % 24 < 16);
const mon_fri_8_15 = Array.from({ length: 168 }, (_, h) => Math.floor(h / 24) < 5 && h % 24 >= 8 && h % 24 < 15); // 35 h
const weekend = Array.from({ length: 168 }, (_, h) => Math.floor(h / 24) >= 5);

const cases: Record<ConstraintName, (s: MatchFlow, d: MatchFlow) => [MatchFlow, MatchFlow]> = {
  direction: (s, d) => [{ ...s, direction: 'demand' }, d],
  type: (s, d) => [{ ...s, type: 'water', quality: {} }, { ...d, quality: {} }],
  ewc: (s, d) => [
    { ...s, type: 'waste', quality: { ewc: '150101' } },
    { ...d, type: 'waste', quality: { accepted_ewc: ['150102'] } },
  ],
  category: (s, d) => [
    { ...s, type: 'service', quality: { category: 'cleaning' } },
    { ...d, type: 'service', quality: { category: 'Security' } },
  ],
  recovery_operations: (s, d) => [
    { ...s, type: 'waste', quality: { ewc: '020304', recovery_operations: ['R3'] } },
    { ...d, type: 'material', quality: { recovery_operations: ['R1', 'R5'] } },
  ],
  same_organization: (s, d) => [s, { ...d, organization_id: s.organization_id }],
  distance: (s, d) => [s, { ...d, ...far(20.5) }],
  temperature: (s, d) => [s, q(d, { temperature_c: { min: 106, max: 120 } })], // gap 16 K > 15 K
  pressure: (s, d) => [s, q(d, { pressure_bar: { min: 7.6, max: 8 } })], // (7.6 - 6) / 7.6 = 21 % > 20 %
  purity: (s, d) => [q(s, { purity_pct: 90 }), q(d, { purity_pct: 95.5 })],
  contamination: (s, d) => [q(s, { contamination_mg_kg: 60 }), q(d, { contamination_mg_kg: 50 })],
  hazardous: (s, d) => [q(s, { hazardous: true }), d],
  temporal: (s, d) => [{ ...s, week_mask: mon_fri_8_16, schedule_stated: true }, { ...d, week_mask: weekend, schedule_stated: true }],
  status: (s, d) => [s, { ...d, status: 'paused' }],
};

test('the base pair passes every hard constraint', () => {
  const [s, d] = base();
  const r = checkPair(s, d, config);
  assert.equal(r.ok, true, JSON.stringify(r));
});

for (const name of CONSTRAINTS) {
  test(`a pair failing only "${name}" is rejected with that reason`, () => {
    const [s, d] = cases[name](...base());
    const r = checkPair(s, d, config);
    assert.equal(r.ok, false);
    assert.equal(r.ok ? '' : r.failed, name);
  });
}

test('the reason is the FIRST failing constraint in domain order', () => {
  const [s, d] = base();
  const r = checkPair({ ...s, status: 'paused' }, { ...d, organization_id: s.organization_id, ...far(40) }, config);
  assert.equal(r.ok ? '' : r.failed, 'same_organization');
});

test('distance limit = min(query, supply max, demand max, type default)', () => {
  const [s, d0] = base();
  const d = { ...d0, ...far(8) };
  assert.equal(checkPair(s, d, config).ok, true);
  assert.equal(checkPair(s, d, resolveConfig({ max_km: 7, now: 0 + 1 })).ok, false);
  assert.equal(checkPair({ ...s, max_distance_km: 7.9 }, d, config).ok, false);
  assert.equal(checkPair(s, { ...d, max_distance_km: 7.9 }, config).ok, false);
  const steam = checkPair({ ...s, type: 'steam' }, { ...d, ...far(5.5) }, config);
  assert.equal(steam.ok ? '' : steam.failed, 'distance', 'steam default 5 km (the supply carries the medium)');
  const ok = checkPair(s, d, config);
  assert.ok(ok.ok && Math.abs(ok.facts.limit_km - 20) < 1e-12, "heat: the Hotmaps 20 km search radius");
});

test('temperature direction: heat takes a hotter supply, cooling a colder one, others need overlap', () => {
  const [s, d] = base();
  assert.equal(checkPair(q(s, { temperature_c: { min: 300, max: 400 } }), d, config).ok, true);
  const cold = [
    mkFlow({ id: 'c1', direction: 'supply', type: 'cooling', quality: { temperature_c: { min: 4, max: 6 } } }),
    mkFlow({ id: 'c2', direction: 'demand', type: 'cooling', lat: near.lat, lon: near.lon, quality: { temperature_c: { min: 10, max: 12 } } }),
  ] as const;
  assert.equal(checkPair(cold[0], cold[1], config).ok, true);
  const warm = checkPair(q(cold[0], { temperature_c: { min: 22.5, max: 25 } }), cold[1], config);
  assert.equal(warm.ok ? '' : warm.failed, 'temperature', 'cooling: 22.5 - 12 = 10.5 K > 10 K');
  const water = [
    mkFlow({ id: 'w1', direction: 'supply', type: 'water', quality: { temperature_c: { min: 40, max: 45 } } }),
    mkFlow({ id: 'w2', direction: 'demand', type: 'water', lat: near.lat, lon: near.lon, quality: { temperature_c: { min: 10, max: 20 } } }),
  ] as const;
  const hot = checkPair(water[0], water[1], config);
  assert.equal(hot.ok ? '' : hot.failed, 'temperature', 'water: 20 K apart > 10 K, either way');
});

test('a gap exactly at the tolerance passes with sub-score 0', () => {
  const [s, d] = base();
  const r = checkPair(s, q(d, { temperature_c: { min: 105, max: 110 } }), config);
  assert.ok(r.ok);
  assert.equal(r.facts.temperature_gap_k, 15);
});

test('hazardous waste goes to a demand that accepts it; EWC lists compare the 6 digits', () => {
  const s = mkFlow({ id: 's', direction: 'supply', type: 'waste', amount: 100, quality: { ewc: '170503*' } });
  const d = mkFlow({ id: 'd', direction: 'demand', type: 'waste', lat: near.lat, lon: near.lon, quality: { accepted_ewc: ['170503*'] } });
  const no = checkPair(s, d, config);
  assert.equal(no.ok ? '' : no.failed, 'hazardous');
  assert.equal(checkPair(s, q(d, { accepts_hazardous: true }), config).ok, true);
  const missing = checkPair(q(s, { ewc: undefined }), q(d, { accepts_hazardous: true }), config);
  assert.equal(missing.ok ? '' : missing.failed, 'ewc', 'no code stated: cannot be checked against the list');
});

test('materials: the category must fit as well as the EWC code (de-inking sludge is no feed)', () => {
  const sludge = mkFlow({ id: 'sludge', direction: 'supply', type: 'waste', amount: 9000, quality: { ewc: '030305', category: 'paper sludge' } });
  const feedMill = mkFlow({ id: 'feed', direction: 'demand', type: 'material', lat: near.lat, lon: near.lon, quality: { category: 'Animal feed' } });
  const composter = mkFlow({ id: 'compost', direction: 'demand', type: 'material', lat: near.lat, lon: near.lon, quality: { category: 'compost input', accepted_ewc: ['030305'] } });
  const r = checkPair(sludge, feedMill, config);
  assert.equal(r.ok ? '' : r.failed, 'category', 'a feed mill never takes sludge');
  assert.equal(checkPair(sludge, composter, config).ok, true, 'a composter takes sludges its permit lists');
  // a waste stating only its EWC code takes the category of the code: 030305 is a sludge
  assert.equal(checkPair(q(sludge, { category: undefined }), feedMill, config).ok, false);
  // food-grade by-products go to feed; kitchen waste (20 01 08) does not
  const bread = mkFlow({ id: 'bread', direction: 'supply', type: 'waste', amount: 900, quality: { ewc: '020601' } });
  assert.equal(checkPair(bread, feedMill, config).ok, true);
  const kitchen = checkPair(q(bread, { ewc: '200108' }), feedMill, config);
  assert.equal(kitchen.ok ? '' : kitchen.failed, 'category');
  // free text outside the vocabulary compares by equality, case-insensitive
  const a = mkFlow({ id: 'a', direction: 'supply', type: 'material', quality: { category: 'Zeolite X' } });
  const b = mkFlow({ id: 'b', direction: 'demand', type: 'material', lat: near.lat, lon: near.lon, quality: { category: 'zeolite x ' } });
  assert.equal(checkPair(a, b, config).ok, true);
  assert.equal(checkPair(a, q(b, { category: 'zeolite y' }), config).ok, false);
  assert.equal(checkPair(a, q(b, { category: 'metals' }), config).ok, false, 'free text against a vocabulary category: not equal');
  // a side without a category (or a code that gives one) is not compared
  assert.equal(checkPair(q(a, { category: undefined }), q(b, { category: 'metals' }), config).ok, true);
});

test('recovery operations: both stated and disjoint is no candidate; one side stated is not compared', () => {
  const s = mkFlow({ id: 's', direction: 'supply', type: 'waste', quality: { ewc: '020304', recovery_operations: ['R3', 'R1'] } });
  const d = mkFlow({ id: 'd', direction: 'demand', type: 'waste', lat: near.lat, lon: near.lon, quality: { recovery_operations: ['R1'] } });
  assert.equal(checkPair(s, d, config).ok, true);
  const no = checkPair(s, q(d, { recovery_operations: ['R10'] }), config);
  assert.equal(no.ok ? '' : no.failed, 'recovery_operations');
  assert.equal(checkPair(q(s, { recovery_operations: undefined }), q(d, { recovery_operations: ['R10'] }), config).ok, true);
});

test('fallback: a pair within 1.5x passes relaxed and says what it needed', () => {
  const [s, d] = base();
  const dist = checkPair(s, { ...d, ...far(27) }, config, { fallback: true });
  assert.ok(dist.ok);
  assert.deepEqual(dist.relaxed, ['distance']);
  assert.equal(dist.step, 1);
  const tol = checkPair(s, q(d, { temperature_c: { min: 110, max: 120 } }), config, { fallback: true });
  assert.ok(tol.ok);
  assert.deepEqual(tol.relaxed, ['tolerances']);
  assert.equal(tol.step, 2);
  const both = checkPair(
    { ...s, week_mask: mon_fri_8_15, schedule_stated: true },
    { ...q(d, { temperature_c: { min: 110, max: 120 } }), ...far(27) },
    config,
    { fallback: true },
  );
  assert.ok(both.ok);
  assert.deepEqual(both.relaxed, ['distance', 'tolerances', 'temporal']);
  assert.equal(both.step, 3);
  const strict = checkPair({ ...s, week_mask: mon_fri_8_15, schedule_stated: true }, d, config);
  assert.equal(strict.ok ? '' : strict.failed, 'temporal', '35 h < 40 h as stated');
  const beyond = checkPair(s, { ...d, ...far(31) }, config, { fallback: true });
  assert.equal(beyond.ok ? '' : beyond.failed, 'distance', '31 km > 20 x 1.5');
});

test('haversine with R = 6371.0088 km; a rejected pair still reports its distance', async () => {
  const { haversineKm } = await import('./geo.ts');
  assert.equal(Math.round(haversineKm(51.5074, -0.1278, 48.8566, 2.3522) * 10) / 10, 343.6);
  assert.equal(Math.round(haversineKm(0, 179.5, 0, -179.5) * 1000) / 1000, Math.round(((6371.0088 * Math.PI) / 180) * 1000) / 1000);
  const [s, d] = base();
  const r = checkPair(s, { ...d, ...far(40) }, config);
  assert.ok(!r.ok && Math.abs(r.facts.distance_km - 40) < 1e-6);
});
