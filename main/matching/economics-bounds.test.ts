// A price or quantity stored before the entity schema bounded them (price_eur 1e300 made the NPV
// infinite) must never put Infinity or NaN into a match.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveConfig } from './config.ts';
import { matchAll } from './engine.ts';
import { destination, mkFlow } from './fixtures.ts';

const config = resolveConfig({ now: '2025-01-01T00:00:00Z', include_unprofitable: true });

/** Every number anywhere in the value, with its path. */
function numbers(value: unknown, path = '', out: [string, number][] = []): [string, number][] {
  if (typeof value === 'number') out.push([path, value]);
  else if (Array.isArray(value)) value.forEach((v, i) => numbers(v, `${path}[${i}]`, out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) numbers(v, `${path}.${k}`, out);
  return out;
}

test('an absurd stored price or quantity gives finite economics (the price counts as not stated, the quantity as none)', () => {
  const p = destination(51, 7, 1, 90);
  const cases = [
    [mkFlow({ id: 's', direction: 'supply', type: 'water', amount: 10 }), mkFlow({ id: 'd', direction: 'demand', type: 'water', amount: 10, lat: p.lat, lon: p.lon, price_eur: 1e300, price_per: 'm3' })],
    [mkFlow({ id: 's', direction: 'supply', type: 'waste', amount: 10, disposal_cost_eur: 1e300, disposal_per: 't' }), mkFlow({ id: 'd', direction: 'demand', type: 'material', amount: 10, lat: p.lat, lon: p.lon })],
    [mkFlow({ id: 's', direction: 'supply', type: 'heat', amount: 1e300 }), mkFlow({ id: 'd', direction: 'demand', type: 'heat', amount: 1e300, lat: p.lat, lon: p.lon, price_eur: 1e300, price_per: 'MWh' })],
  ];
  for (const flows of cases) {
    const { matches } = matchAll({ flows }, config);
    const bad = numbers(matches).filter(([, n]) => !Number.isFinite(n));
    assert.deepEqual(bad, [], `${flows[0]!.type}: ${JSON.stringify(bad)}`);
  }
  const [water] = matchAll({ flows: cases[0]! }, config).matches;
  assert.equal(water!.economics.price.source, 'default');
  const [waste] = matchAll({ flows: cases[1]! }, config).matches;
  assert.equal(waste!.economics.avoided_disposal.source, 'default');
});
