import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from './config.ts';
import { matchAll } from './engine.ts';
import { annuityFactor, irr, npv, payback } from './finance.ts';
import { destination, mkFlow } from './fixtures.ts';
import { pipeCostPerMetre } from './economics.ts';

const config = resolveConfig({ now: '2025-01-01T00:00:00Z', include_unprofitable: true });
const round = (x: number, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits;

test('worked check (a): capex 25,000, CF 10,000, 8 %, 10 y -> NPV 42,101, IRR 38.45 %, payback 2.5', () => {
  assert.equal(round(npv(25_000, 10_000, 0.08, 10)), 42_101);
  const r = irr(25_000, 10_000, 10);
  assert.ok(r !== null);
  assert.equal(round(r * 100, 2), 38.45);
  assert.ok(Math.abs(npv(25_000, 10_000, r, 10)) < 1e-4, 'IRR zeroes the NPV within 1e-4 EUR');
  assert.equal(payback(25_000, 10_000), 2.5);
});

test('IRR and payback are null when the cash flow is not positive', () => {
  assert.equal(irr(25_000, 0, 10), null);
  assert.equal(irr(25_000, -5, 10), null);
  assert.equal(payback(25_000, 0), null);
  assert.equal(payback(25_000, -1), null);
});

test('IRR converges for very large and negative rates (bisection fallback)', () => {
  for (const [capex, cf] of [[1_000, 9e6], [5_000, 1e5], [1e6, 1.2e5], [1e6, 0.11e6], [100, 10.01]] as const) {
    const r = irr(capex, cf, 10);
    assert.ok(r !== null && r >= -0.99, `${capex}/${cf}`);
    assert.ok(Math.abs(npv(capex, cf, r, 10)) < 1e-4, `NPV at IRR for ${capex}/${cf}: ${npv(capex, cf, r, 10)}`);
  }
});

test('annuity factor at 8 % over 10 years', () => {
  assert.equal(round(annuityFactor(0.08, 10), 6), 6.710081);
});

test('Hotmaps pipe table: the next step up, 976 above 190 MW', () => {
  assert.equal(pipeCostPerMetre(2.5, config), 288);
  assert.equal(pipeCostPerMetre(3.6, config), 288);
  assert.equal(pipeCostPerMetre(3.61, config), 323);
  assert.equal(pipeCostPerMetre(0.15, config), 195);
  assert.equal(pipeCostPerMetre(500, config), 976);
});

function heatPair(supplyKw: number, demandKw: number, km: number) {
  const p = destination(51, 7, km, 0);
  return matchAll(
    {
      flows: [
        mkFlow({ id: 's', direction: 'supply', type: 'heat', amount: supplyKw, quality: { temperature_c: { min: 90, max: 110 } } }),
        mkFlow({ id: 'd', direction: 'demand', type: 'heat', amount: demandKw, lat: p.lat, lon: p.lon, quality: { temperature_c: { min: 70, max: 95 } }, price_eur: 50, price_per: 'MWh' }),
      ],
    },
    config,
  ).matches;
}

test('worked check (b): the heat example, number by number', () => {
  const [m] = heatPair(3000, 2500, 3.0);
  assert.ok(m);
  const e = m.economics;
  assert.deepEqual(e.delivered, { amount: 2500, unit: 'kW' });
  assert.equal(round(e.delivered_per_year.amount), 20_000);
  assert.equal(e.hours_per_year, 8000);
  assert.equal(round(e.annual_value_eur), 1_000_000);
  assert.ok('pipe_m' in e.capex_breakdown);
  const b = e.capex_breakdown as { pipe_m: number; pipe_eur_per_m: number; pipe_eur: number; source_hx_eur: number; sink_hx_eur: number; pump_eur: number };
  assert.equal(round(b.pipe_m), 3600);
  assert.equal(b.pipe_eur_per_m, 288);
  assert.equal(round(b.pipe_eur), 1_036_800);
  assert.equal(round(b.source_hx_eur), 37_500);
  assert.equal(round(b.sink_hx_eur), 250_000);
  assert.equal(round(b.pump_eur), 225_000);
  assert.equal(round(e.capex_eur), 1_549_300);
  assert.equal(round(e.opex_eur_per_year), 46_479);
  assert.equal(round(e.cash_flow_eur_per_year), 953_521);
  assert.equal(round(e.npv_eur), 4_848_904);
  assert.equal(round(e.irr! * 100, 1), 61.0);
  assert.equal(round(e.payback_years!, 2), 1.62);
  assert.equal(round(e.co2_t_per_year, 1), 6666.7);
  assert.equal(m.scores.quality, 1, 'a hotter supply is no gap for heat');
});

test('worked check (c): small heat over 2 km does not pay, and is hidden unless asked', () => {
  const [m] = heatPair(400, 150, 2.0);
  assert.ok(m);
  assert.equal(round(m.economics.capex_eur), 546_000);
  assert.equal(round(m.economics.cash_flow_eur_per_year), 43_620);
  assert.equal(round(m.economics.npv_eur), -253_306);
  const p = destination(51, 7, 2.0, 0);
  const hidden = matchAll(
    {
      flows: [
        mkFlow({ id: 's', direction: 'supply', type: 'heat', amount: 400 }),
        mkFlow({ id: 'd', direction: 'demand', type: 'heat', amount: 150, lat: p.lat, lon: p.lon, price_eur: 50, price_per: 'MWh' }),
      ],
    },
    resolveConfig({ now: '2025-01-01T00:00:00Z' }),
  );
  assert.equal(hidden.matches.length, 0);
  assert.equal(hidden.stats.filtered.npv, 1);
});

test('sensitivity: NPV at -20/-10/+10/+20 % of annual value and of capex', () => {
  const [m] = heatPair(3000, 2500, 3.0);
  const e = m!.economics;
  const A = annuityFactor(0.08, 10);
  assert.deepEqual(e.sensitivity.annual_value.map((p) => p.change), [-0.2, -0.1, 0.1, 0.2]);
  const plus10 = -e.capex_eur + (e.annual_value_eur * 1.1 - e.opex_eur_per_year) * A;
  assert.equal(round(e.sensitivity.annual_value[2]!.npv_eur), round(plus10));
  const capexUp = e.capex_eur * 1.2;
  assert.equal(round(e.sensitivity.capex[3]!.npv_eur), round(-capexUp + (e.annual_value_eur - 0.03 * capexUp) * A));
  assert.ok(e.sensitivity.capex[0]!.npv_eur > e.npv_eur && e.sensitivity.capex[3]!.npv_eur < e.npv_eur);
});

test('complexity: high for the 1.5 M EUR heat example; exchange costs beside, never inside, the NPV', () => {
  const [m] = heatPair(3000, 2500, 3.0);
  const k = m!.economics.complexity;
  assert.equal(k.level, 'high');
  assert.equal(k.multiplier, 1.8);
  assert.equal(k.risk_level, 'low');
  assert.equal(round(k.exchange_cost_eur), round(1_549_300 * 0.8 + 1_549_300 * 0.01 + 1_549_300 * 0.0005));
  assert.equal(round(k.npv_after_exchange_costs_eur), round(m!.economics.npv_eur - k.exchange_cost_eur));
});

test('a type default price is used and listed as an assumption; a stated price in another unit is converted', () => {
  const p = destination(51, 7, 1, 90);
  const flows = [
    mkFlow({ id: 's', direction: 'supply', type: 'water', amount: 10 }),
    mkFlow({ id: 'd', direction: 'demand', type: 'water', amount: 10, lat: p.lat, lon: p.lon }),
  ];
  const [m] = matchAll({ flows }, config).matches;
  assert.equal(m!.economics.price.source, 'default');
  assert.equal(m!.economics.annual_value_eur, 10 * 8000 * 2);
  assert.ok(m!.assumptions.some((a) => a.includes('water price 2 EUR/m3 assumed')));
  flows[1] = { ...flows[1]!, price_eur: 3, price_per: 'EUR/m3' };
  assert.equal(matchAll({ flows }, config).matches[0]!.economics.price.source, 'flow');
  const heat = [
    mkFlow({ id: 's', direction: 'supply', type: 'electricity', amount: 100 }),
    mkFlow({ id: 'd', direction: 'demand', type: 'electricity', amount: 100, lat: p.lat, lon: p.lon, price_eur: 0.12, price_per: 'kWh' }),
  ];
  assert.equal(round(matchAll({ flows: heat }, config).matches[0]!.economics.price.eur_per_unit, 6), 120);
});

test('waste: avoided disposal default, trucking opex and CO2 per tonne diverted', () => {
  const p = destination(51, 7, 10, 45);
  const flows = [
    mkFlow({ id: 's', direction: 'supply', type: 'waste', amount: 1000, quality: { ewc: '150101' } }),
    mkFlow({ id: 'd', direction: 'demand', type: 'material', amount: 2000, lat: p.lat, lon: p.lon, price_eur: 20, price_per: 't' }),
  ];
  const [m] = matchAll({ flows }, config).matches;
  const e = m!.economics;
  assert.equal(e.delivered.amount, 1000);
  assert.equal(round(e.annual_value_eur), 1000 * (20 + 100));
  assert.equal(e.avoided_disposal.source, 'default');
  assert.equal(round(e.truck_opex_eur_per_year, 6), round(0.15 * 1000 * 10 * 1.2, 6));
  assert.equal(e.capex_eur, 5000);
  assert.equal(e.co2_t_per_year, 500);
});
