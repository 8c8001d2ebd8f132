import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../config.ts';
import { matchAll } from '../engine.ts';
import { destination, mkFlow } from '../fixtures.ts';
import type { MatchFlow } from '../input.ts';
import { findHeatCascades, heatEnergyMwh } from './cascades.ts';
import type { GraphMatch } from './exchange-graph.ts';

/** A heat flow at a site (one organization per site). */
const heat = (id: string, site: string, direction: 'supply' | 'demand', tmin: number, tmax: number, kW = 1000, at = { lat: 51, lon: 7 }): MatchFlow =>
  mkFlow({ id, site_id: site, organization_id: `org-${site}`, direction, type: 'heat', amount: kW, quality: { temperature_c: { min: tmin, max: tmax } }, ...at });

const m = (supply: string, demand: string, mwh: number, value = 0, extra: Partial<GraphMatch> = {}): GraphMatch => ({
  id: `m-${supply}-${demand}`,
  supply_flow_id: supply,
  demand_flow_id: demand,
  score: 0.8,
  distance_km: 2,
  economics: { annual_value_eur: value, delivered_per_year: { amount: mwh, unit: 'MWh/yr' } },
  ...extra,
});

/**
 * A (300 degC) -> B; B (90 degC) -> C and -> E; C (45 degC) -> D.
 * Plus F (100) -> G whose own heat is hotter (120, not a cascade) -> H,
 * and J (no temperature) -> K (50) -> L.
 */
function portfolio() {
  const flows = [
    heat('sA', 'A', 'supply', 280, 300, 3000),
    heat('dB', 'B', 'demand', 150, 200, 2000),
    heat('sB', 'B', 'supply', 80, 90, 1500),
    heat('dC', 'C', 'demand', 60, 70),
    heat('sC', 'C', 'supply', 40, 45, 600),
    heat('dD', 'D', 'demand', 30, 35, 500),
    heat('dE', 'E', 'demand', 60, 70, 300),
    heat('sF', 'F', 'supply', 90, 100),
    heat('dG', 'G', 'demand', 70, 80),
    heat('sG', 'G', 'supply', 110, 120),
    heat('dH', 'H', 'demand', 70, 80),
    mkFlow({ id: 'sJ', site_id: 'J', organization_id: 'org-J', direction: 'supply', type: 'heat' }),
    heat('dK', 'K', 'demand', 40, 60),
    heat('sK', 'K', 'supply', 40, 50),
    heat('dL', 'L', 'demand', 30, 40),
  ];
  const matches = [
    m('sA', 'dB', 16_000, 500_000),
    m('sB', 'dC', 8_000, 100_000),
    m('sC', 'dD', 4_000, 50_000),
    m('sB', 'dE', 2_000, 400_000),
    m('sF', 'dG', 5_000, 10_000),
    m('sG', 'dH', 5_000, 10_000),
    m('sJ', 'dK', 5_000, 10_000),
    m('sK', 'dL', 5_000, 10_000),
  ];
  return { flows, matches };
}

test('finds the known cascades, maximal only, ranked by delivered energy', () => {
  const { flows, matches } = portfolio();
  const r = findHeatCascades(flows, matches, { distinct: false });
  assert.equal(r.truncated, false);
  assert.deepEqual(
    r.cascades.map((c) => c.sites),
    [
      ['A', 'B', 'C', 'D'],
      ['A', 'B', 'E'],
    ],
  );
  const [top] = r.cascades;
  assert.equal(top!.total_energy_mwh_per_year, 28_000);
  assert.equal(top!.total_value_eur_per_year, 650_000);
  assert.equal(top!.id, 'm-sA-dB>m-sB-dC>m-sC-dD');
  // steps: site, flow in, flow out, temperatures, energy
  assert.deepEqual(
    top!.steps.map((s) => [s.site_id, s.flow_in, s.flow_out, s.temperature_in_c?.max ?? null, s.temperature_out_c?.max ?? null, s.energy_in_mwh_per_year]),
    [
      ['A', null, 'sA', null, 300, null],
      ['B', 'dB', 'sB', 300, 90, 16_000],
      ['C', 'dC', 'sC', 90, 45, 8_000],
      ['D', 'dD', null, 45, null, 4_000],
    ],
  );
  assert.equal(top!.summary, 'A (300 degC) -> B (90 degC) -> C (45 degC) -> D: 28,000 MWh/yr, 650,000 EUR/yr');
  assert.ok(top!.links.every((l) => !l.energy_estimated));
});

test('distinct (default): a flow appears in one returned cascade only', () => {
  const { flows, matches } = portfolio();
  const r = findHeatCascades(flows, matches);
  assert.deepEqual(r.cascades.map((c) => c.sites.join('')), ['ABCD']); // ABE reuses sA, dB and sB
  assert.equal(r.found, 2);
});

test('rank by value, limit, and minimum links', () => {
  const { flows, matches } = portfolio();
  const all = { distinct: false };
  assert.deepEqual(
    findHeatCascades(flows, matches, { ...all, rankBy: 'value' }).cascades.map((c) => c.sites.join('')),
    ['ABE', 'ABCD'],
  );
  assert.deepEqual(findHeatCascades(flows, matches, { rankBy: 'value' }).cascades.map((c) => c.sites.join('')), ['ABE']);
  assert.deepEqual(findHeatCascades(flows, matches, { ...all, limit: 1 }).cascades.map((c) => c.sites.join('')), ['ABCD']);
  assert.equal(findHeatCascades(flows, matches, { ...all, limit: 1 }).found, 2);
  assert.deepEqual(findHeatCascades(flows, matches, { ...all, minLinks: 3 }).cascades.map((c) => c.sites.join('')), ['ABCD']);
});

test('hotter onward heat, unknown temperatures and minimum drop break the chain', () => {
  const { flows, matches } = portfolio();
  const all = findHeatCascades(flows, matches).cascades.flatMap((c) => c.sites);
  for (const s of ['F', 'G', 'H', 'J', 'K', 'L']) assert.ok(!all.includes(s), s);
  // B passes 90 degC on after receiving 300 (drop 210); C passes 45 after 90 (drop 45)
  assert.deepEqual(
    findHeatCascades(flows, matches, { minDropK: 100, distinct: false }).cascades.map((c) => c.sites.join('')),
    ['ABC', 'ABE'],
  );
  assert.deepEqual(findHeatCascades(flows, matches, { minDropK: 250 }).cascades, []);
});

test('maxLinks cuts long chains into windows', () => {
  const { flows, matches } = portfolio();
  assert.deepEqual(
    findHeatCascades(flows, matches, { maxLinks: 2, distinct: false }).cascades.map((c) => c.sites.join('')).sort(),
    ['ABC', 'ABE', 'BCD'],
  );
});

test('statuses: closed matches are left out, live-only on request', () => {
  const { flows, matches } = portfolio();
  const failed = matches.map((x) => (x.id === 'm-sB-dC' ? { ...x, status: 'failed' } : x));
  assert.deepEqual(findHeatCascades(flows, failed).cascades.map((c) => c.sites.join('')), ['ABE']);
  const live = matches.map((x) => (['m-sA-dB', 'm-sB-dE'].includes(x.id) ? { ...x, status: 'live' } : x));
  assert.deepEqual(findHeatCascades(flows, live, { distinct: false }).cascades.map((c) => c.sites.join('')), ['ABCD', 'ABE']);
  assert.deepEqual(findHeatCascades(flows, live, { statuses: ['live'] }).cascades.map((c) => c.sites.join('')), ['ABE']);
});

test('no cycles: a ring of sites passing ever colder heat never repeats a site', () => {
  const flows = [
    heat('sX1', 'X', 'supply', 190, 200),
    heat('dX', 'X', 'demand', 20, 30),
    heat('sX2', 'X', 'supply', 25, 30),
    heat('dY', 'Y', 'demand', 80, 90),
    heat('sY', 'Y', 'supply', 90, 100),
    heat('dY2', 'Y', 'demand', 20, 25),
    heat('dZ', 'Z', 'demand', 40, 50),
    heat('sZ', 'Z', 'supply', 45, 50),
  ];
  const matches = [m('sX1', 'dY', 100), m('sY', 'dZ', 100), m('sZ', 'dX', 100), m('sX2', 'dY2', 100)];
  const r = findHeatCascades(flows, matches, { maxLinks: 10, distinct: false });
  assert.ok(r.cascades.length > 0);
  for (const c of r.cascades) {
    assert.equal(new Set(c.sites).size, c.sites.length, c.id);
    // temperatures strictly fall along the chain
    const tops = c.links.map((l) => l.temperature_c!.max!);
    for (let i = 1; i < tops.length; i++) assert.ok(tops[i]! < tops[i - 1]!, c.id);
  }
  assert.deepEqual(r.cascades.map((c) => c.sites.join('')).sort(), ['XYZ', 'YZX', 'ZXY']);
});

test('deterministic: input order does not change the result', () => {
  const { flows, matches } = portfolio();
  const a = findHeatCascades(flows, matches);
  const b = findHeatCascades([...flows].reverse(), [...matches].reverse());
  assert.deepEqual(a, b);
});

test('energy is estimated from the flows when the match carries none', () => {
  const { flows, matches } = portfolio();
  const bare = matches.map(({ economics: _e, ...x }) => x);
  const r = findHeatCascades(flows, bare);
  const ab = r.cascades[0]!.links[0]!;
  assert.equal(ab.energy_estimated, true);
  // min(3000 x 0.9 x (1 - 0.02 x 2), 2000) kW x 8000 h = 16,000 MWh
  assert.equal(ab.energy_mwh_per_year, 16_000);
  const e = heatEnergyMwh({ delivered_per_year: { amount: 5e6, unit: 'kWh/yr' } } as never, undefined, undefined);
  assert.deepEqual(e, { mwh: 5000, estimated: false });
});

test('end to end with the engine: matches from matchAll feed the cascade search', () => {
  const A = { lat: 51.2, lon: 6.8 };
  const at = (km: number) => destination(A.lat, A.lon, km, 90);
  const flows = [
    heat('sA', 'A', 'supply', 280, 300, 6000, A),
    heat('dB', 'B', 'demand', 150, 200, 4000, at(1)),
    heat('sB', 'B', 'supply', 80, 90, 3000, at(1)),
    heat('dC', 'C', 'demand', 60, 70, 2000, at(2)),
    heat('sC', 'C', 'supply', 40, 45, 1500, at(2)),
    heat('dD', 'D', 'demand', 30, 35, 1000, at(3)),
  ].map((f) => ({ ...f, price_eur: 50, price_per: 'MWh' }));
  const result = matchAll({ flows }, resolveConfig({ now: '2025-01-01T00:00:00Z', include_unprofitable: true }));
  const r = findHeatCascades(flows, result.matches, { distinct: false, limit: 100 });
  const abcd = r.cascades.find((c) => c.sites.join('') === 'ABCD');
  assert.ok(abcd, r.cascades.map((c) => c.sites.join('')).join(','));
  assert.ok(abcd.links.every((l) => !l.energy_estimated && l.energy_mwh_per_year > 0));
  // B -> C -> D is inside A -> B -> C -> D: not listed on its own
  assert.ok(!r.cascades.some((c) => c.sites.join('') === 'BCD'));
  for (const c of r.cascades) assert.equal(new Set(c.sites).size, c.sites.length);
});
