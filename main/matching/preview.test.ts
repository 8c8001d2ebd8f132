/**
 * The first results shown while a large run is still building its records must be exactly the
 * first records the full run returns (same pairs, order and figures), on several portfolios and
 * queries, ties included.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveConfig } from './config.ts';
import { Matcher } from './engine.ts';
import { bestMatches } from './preview.ts';
import { syntheticPortfolio } from './synthetic.ts';

const cases = [
  { name: '3,000 flows, defaults', flows: 3000, seed: 11, query: {} },
  { name: '2,000 flows, no fallback, 25 km', flows: 2000, seed: 12, query: { fallback: false, max_km: 25 } },
  { name: '1,500 flows, top 3 per flow, unprofitable kept', flows: 1500, seed: 13, query: { top_n: 3, include_unprofitable: true } },
];

for (const c of cases) {
  test(`first results = the first records of the full run: ${c.name}`, () => {
    const matcher = new Matcher({ flows: syntheticPortfolio({ flows: c.flows, seed: c.seed }) });
    const config = resolveConfig(c.query);
    const full = matcher.matchAll(config).matches;
    assert.ok(full.length > 60, `the portfolio gives enough matches to compare (${full.length})`);
    for (const n of [1, 10, 50]) {
      const ranked = matcher.rankAll(config);
      const first = bestMatches(matcher.table, ranked, n);
      ranked.release();
      assert.deepEqual(first, full.slice(0, n), `the best ${n}`);
    }
  });
}

test('first results of a run with fewer matches than asked: all of them, in order', () => {
  const matcher = new Matcher({ flows: syntheticPortfolio({ flows: 40, seed: 3 }) });
  const config = resolveConfig({});
  const full = matcher.matchAll(config).matches;
  const ranked = matcher.rankAll(config);
  assert.deepEqual(bestMatches(matcher.table, ranked, full.length + 25), full);
  ranked.release();
});
