import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkFlow } from '../fixtures.ts';
import type { EngineMatch } from '../match.ts';
import { buildExchangeGraph, exchangeNetworkStats, type GraphMatch } from './exchange-graph.ts';

const flow = (id: string, site: string, org: string, direction: 'supply' | 'demand', type: 'heat' | 'waste' | 'water' = 'heat') =>
  mkFlow({ id, site_id: site, organization_id: org, direction, type });

const match = (supply: string, demand: string, value: number, status?: string): GraphMatch => ({
  id: `m-${supply}-${demand}`,
  supply_flow_id: supply,
  demand_flow_id: demand,
  score: 0.7,
  distance_km: 3,
  status,
  economics: { annual_value_eur: value },
});

/**
 * Two separate groups: P -> Q (heat, live), P -> Q (waste), P -> R (water), R -> P (heat);
 * and S -> T. U hosts a flow but no exchange. One match names an unknown flow, one is cancelled.
 */
function portfolio() {
  const flows = [
    flow('p1', 'P', 'org-1', 'supply'),
    flow('p2', 'P', 'org-1', 'supply', 'waste'),
    flow('p3', 'P', 'org-1', 'supply', 'water'),
    flow('p4', 'P', 'org-1', 'demand'),
    flow('q1', 'Q', 'org-2', 'demand'),
    flow('q2', 'Q', 'org-2', 'demand', 'waste'),
    flow('r1', 'R', 'org-3', 'demand', 'water'),
    flow('r2', 'R', 'org-3', 'supply'),
    flow('s1', 'S', 'org-4', 'supply'),
    flow('t1', 'T', 'org-5', 'demand'),
    flow('u1', 'U', 'org-6', 'demand'),
  ];
  const matches = [
    match('p1', 'q1', 100_000, 'live'),
    match('p2', 'q2', 20_000),
    match('p3', 'r1', 5_000, 'negotiating'),
    match('r2', 'p4', 40_000),
    match('s1', 't1', 300_000),
    match('x1', 't1', 1),
    match('s1', 'q1', 999, 'cancelled'),
  ];
  return { flows, matches };
}

test('sites are nodes, matches are directed edges with their attributes', () => {
  const { flows, matches } = portfolio();
  const g = buildExchangeGraph(flows, matches, { sites: [{ id: 'P', name: 'Paper mill', sector: 'Paper' }] });
  assert.equal(g.order, 6); // P Q R S T U
  assert.equal(g.size, 5);
  assert.deepEqual(g.getNodeAttributes('P'), {
    site_id: 'P',
    organization_id: 'org-1',
    name: 'Paper mill',
    organization_name: null,
    sector: 'Paper',
    country: 'DE',
    lat: 51,
    lon: 7,
    flow_ids: ['p1', 'p2', 'p3', 'p4'],
  });
  // two exchanges between the same two sites
  assert.deepEqual(g.edges('P', 'Q').sort(), ['m-p1-q1', 'm-p2-q2']);
  const e = g.getEdgeAttributes('m-p1-q1');
  assert.equal(g.source('m-p1-q1'), 'P');
  assert.equal(g.target('m-p1-q1'), 'Q');
  assert.deepEqual(
    { type: e.type, demand_type: e.demand_type, score: e.score, value: e.value_eur_per_year, status: e.status, live: e.live },
    { type: 'heat', demand_type: 'heat', score: 0.7, value: 100_000, status: 'live', live: true },
  );
  assert.equal(g.getEdgeAttribute('m-p2-q2', 'status'), 'suggested'); // no status = fresh engine match
  assert.deepEqual(g.getAttribute('skipped'), [
    { match_id: 'm-s1-q1', reason: 'closed' },
    { match_id: 'm-x1-t1', reason: 'unknown_flow' },
  ]);
  assert.equal(buildExchangeGraph(flows, matches, { includeIdleSites: false }).order, 5);
  assert.equal(buildExchangeGraph(flows, matches, { statuses: ['live'] }).size, 1);
});

test('network statistics: involvement, components, central sites', () => {
  const { flows, matches } = portfolio();
  const s = exchangeNetworkStats(buildExchangeGraph(flows, matches), { top: 2 });
  assert.equal(s.sites, 6);
  assert.equal(s.sites_involved, 5);
  assert.equal(s.organizations_involved, 5);
  assert.equal(s.exchanges, 5);
  assert.equal(s.live_exchanges, 1);
  assert.deepEqual(s.by_status, { live: 1, suggested: 3, negotiating: 1 });
  assert.deepEqual(s.by_type, { heat: 3, waste: 1, water: 1 });
  assert.equal(s.value_eur_per_year, 465_000);
  assert.equal(s.live_value_eur_per_year, 100_000);
  assert.deepEqual(s.components, [
    { sites: ['P', 'Q', 'R'], exchanges: 4, value_eur_per_year: 165_000 },
    { sites: ['S', 'T'], exchanges: 1, value_eur_per_year: 300_000 },
  ]);
  assert.deepEqual(
    s.central_by_degree.map((c) => [c.site_id, c.degree, c.in_degree, c.out_degree, c.partners, c.value_eur_per_year]),
    [
      ['P', 4, 1, 3, 2, 165_000],
      ['Q', 2, 2, 0, 1, 120_000],
    ],
  );
  assert.deepEqual(
    s.central_by_value.map((c) => c.site_id),
    ['S', 'T'],
  );
});

test('an empty portfolio gives an empty network', () => {
  const s = exchangeNetworkStats(buildExchangeGraph([], []));
  assert.equal(s.sites, 0);
  assert.deepEqual(s.components, []);
  assert.deepEqual(s.central_by_degree, []);
});

test('EngineMatch records are accepted as they are', () => {
  // compile-time check: the engine's record satisfies GraphMatch
  const asGraphMatch = (m: EngineMatch): GraphMatch => m;
  assert.equal(typeof asGraphMatch, 'function');
});
