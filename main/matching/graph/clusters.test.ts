import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FlowType } from '../../domain/entities.ts';
import { destination, mkFlow, prng } from '../fixtures.ts';
import type { MatchFlow, MatchQuality } from '../input.ts';
import { findServiceClusters, resourceKeyOf, type ServiceCluster } from './clusters.ts';
import { haversineKm } from './geo.ts';

const CENTRE = { lat: 51.45, lon: 7.0 };
let n = 0;
/** One flow at its own site and organization, `km` from CENTRE on `bearing`. */
function at(km: number, bearing: number, type: FlowType, direction: 'supply' | 'demand', quality: MatchQuality, p: Partial<MatchFlow> = {}): MatchFlow {
  const id = `f${n++}`;
  return mkFlow({ id, site_id: `site-${id}`, organization_id: `org-${id}`, type, direction, quality, amount: 60, ...destination(CENTRE.lat, CENTRE.lon, km, bearing), ...p });
}

const paper = (km: number, bearing: number, p: Partial<MatchFlow> = {}) => at(km, bearing, 'waste', 'supply', { ewc: '150101' }, p);

const checkRadius = (clusters: readonly ServiceCluster[], radiusKm: number) => {
  for (const c of clusters) {
    assert.ok(c.radius_km <= radiusKm + 1e-9, `${c.id}: ${c.radius_km} km`);
    for (const m of c.members) {
      const d = haversineKm(c.centroid.lat, c.centroid.lon, m.lat, m.lon);
      assert.ok(d <= radiusKm + 1e-9, `${c.id} ${m.site_id}: ${d} km`);
    }
  }
};

test('seven paper-packaging sites within a few km: one shared collection round', () => {
  n = 0;
  const flows = [
    ...[0.5, 1, 2, 3, 2.5, 1.5, 3].map((km, i) => paper(km, i * 51)),
    // the same code 40 km away (two sites: too few for a cluster of their own)
    paper(40, 0),
    paper(41, 5),
    // other codes and kinds nearby
    at(1, 10, 'waste', 'supply', { ewc: '150102' }),
    at(1, 20, 'heat', 'supply', {}),
  ];
  const clusters = findServiceClusters(flows, [], { radiusKm: 6 });
  assert.equal(clusters.length, 1);
  const [c] = clusters;
  assert.equal(c!.kind, 'collection');
  assert.equal(c!.resource.key, 'collection:ewc:150101');
  assert.equal(c!.resource.label, '150101 (paper packaging)');
  assert.equal(c!.members.length, 7);
  assert.equal(c!.organizations, 7);
  assert.deepEqual(c!.total, { amount: 420, unit: 't/yr' });
  assert.match(c!.suggestion, /^7 sites within [1-6] km dispose of 150101 \(paper packaging\), 420 t\/yr together: a shared collection round$/);
  assert.ok(haversineKm(c!.centroid.lat, c!.centroid.lon, CENTRE.lat, CENTRE.lon) < 2);
  checkRadius(clusters, 6);
  // nearest the centre first
  const d = c!.members.map((m) => m.distance_to_centre_km);
  assert.deepEqual(d, [...d].sort((a, b) => a - b));
});

test('service categories and demand types: shared service and group buying', () => {
  n = 0;
  const flows = [
    at(1, 0, 'service', 'demand', { category: 'Security' }),
    at(2, 90, 'service', 'demand', { category: 'security ' }),
    at(2, 180, 'service', 'demand', { category: 'SECURITY' }),
    at(1, 270, 'service', 'demand', { category: 'cleaning' }),
    at(1, 45, 'electricity', 'demand', {}, { amount: 500 }),
    at(2, 135, 'electricity', 'demand', {}, { amount: 700 }),
    at(3, 225, 'electricity', 'demand', {}, { amount: 800 }),
    at(3, 300, 'electricity', 'supply', {}),
  ];
  const clusters = findServiceClusters(flows, [], { radiusKm: 5 });
  assert.deepEqual(
    clusters.map((c) => [c.resource.key, c.members.length]),
    [
      ['group_buying:electricity', 3],
      ['shared_service:category:security', 3],
    ],
  );
  assert.match(clusters[0]!.suggestion, /^3 sites within \d km buy electricity, 2,000 kW together: group buying \(an energy purchasing pool\)$/);
  assert.match(clusters[1]!.suggestion, /^3 sites within \d km need Security services, \d+ h\/yr together: one shared service contract$/);
  assert.deepEqual(findServiceClusters(flows, [], { radiusKm: 5, kinds: ['shared_service'] }).map((c) => c.kind), ['shared_service']);
});

test('one organization, inactive flows and site details', () => {
  n = 0;
  const sameOrg = [0, 1, 2].map((i) => paper(1, i * 120, { organization_id: 'org-one' }));
  assert.deepEqual(findServiceClusters(sameOrg, []), []);
  assert.equal(findServiceClusters(sameOrg, [], { minOrganizations: 1 }).length, 1);
  const paused = [0, 1, 2].map((i) => paper(1, i * 120, { status: i === 0 ? 'paused' : 'active' }));
  assert.deepEqual(findServiceClusters(paused, []), []);
  assert.equal(findServiceClusters(paused, [], { includeInactive: true }).length, 1);
  // two flows of one site count once; names come from the sites
  const flows = [paper(1, 0), paper(1, 120), paper(1, 240)];
  flows.push(mkFlow({ ...flows[0]!, id: 'extra', amount: 40 }));
  const [c] = findServiceClusters(flows, [{ id: flows[0]!.site_id, name: 'Print shop' }]);
  assert.equal(c!.members.length, 3);
  const m = c!.members.find((x) => x.site_id === flows[0]!.site_id)!;
  assert.deepEqual([m.name, m.flow_ids, m.amount], ['Print shop', ['extra', flows[0]!.id], 100]);
});

test('a long chain of sites is split by Louvain and trimmed: the radius is respected', () => {
  n = 0;
  // two dense groups 30 km apart, joined by sites every 6 km (one connected component at linkKm 8)
  const east = destination(CENTRE.lat, CENTRE.lon, 30, 90);
  const all = [
    ...[0, 60, 120, 180, 240, 300].map((b) => paper(1.5, b)),
    ...[6, 12, 18, 24].map((km) => paper(km, 90)),
    ...[0, 60, 120, 180, 240, 300].map((b) => paper(0, 0, destination(east.lat, east.lon, 1.5, b))),
  ];
  const clusters = findServiceClusters(all, [], { radiusKm: 8, linkKm: 8, seed: 7 });
  assert.ok(clusters.length >= 2, JSON.stringify(clusters.map((c) => c.members.length)));
  checkRadius(clusters, 8);
  // each group ends up whole in one cluster
  const ofSite = new Map(clusters.flatMap((c) => c.members.map((m) => [m.site_id, c.id] as const)));
  const westIn = all.slice(0, 6).map((f) => ofSite.get(f.site_id));
  const eastIn = all.slice(10).map((f) => ofSite.get(f.site_id));
  assert.equal(new Set(westIn).size, 1);
  assert.equal(new Set(eastIn).size, 1);
  assert.ok(westIn[0] !== undefined && eastIn[0] !== undefined && westIn[0] !== eastIn[0]);
  // no site in two clusters of the same resource
  const ids = clusters.flatMap((c) => c.members.map((m) => m.site_id));
  assert.equal(new Set(ids).size, ids.length);
});

/** A random regional portfolio: 400 flows over ~80 x 80 km, five EWC codes, some demands. */
function randomPortfolio(seed: number): MatchFlow[] {
  const rnd = prng(seed);
  const codes = ['150101', '150102', '150103', '200108', '170405'];
  const out: MatchFlow[] = [];
  for (let i = 0; i < 400; i++) {
    const p = destination(CENTRE.lat, CENTRE.lon, 40 * Math.sqrt(rnd()), rnd() * 360);
    const kind = rnd();
    out.push(
      kind < 0.7
        ? mkFlow({ id: `r${i}`, site_id: `s${i}`, organization_id: `o${i % 300}`, direction: 'supply', type: 'waste', quality: { ewc: codes[Math.floor(rnd() * codes.length)]! }, ...p })
        : mkFlow({ id: `r${i}`, site_id: `s${i}`, organization_id: `o${i % 300}`, direction: 'demand', type: rnd() < 0.5 ? 'electricity' : 'water', ...p }),
    );
  }
  return out;
}

test('random portfolios: radius respected for 5, 10 and 15 km; minimum sizes; one cluster per site and resource', () => {
  for (const seed of [1, 2, 3]) {
    const flows = randomPortfolio(seed);
    for (const radiusKm of [5, 10, 15]) {
      const clusters = findServiceClusters(flows, [], { radiusKm, seed });
      assert.ok(clusters.length > 0);
      checkRadius(clusters, radiusKm);
      for (const c of clusters) {
        assert.ok(c.members.length >= 3);
        assert.ok(c.organizations >= 2);
        assert.ok(c.max_pair_km <= 2 * radiusKm + 1e-9);
      }
      const seen = new Set<string>();
      for (const c of clusters)
        for (const m of c.members) {
          const k = `${c.resource.key}|${m.site_id}`;
          assert.ok(!seen.has(k), k);
          seen.add(k);
        }
    }
  }
});

test('deterministic: same seed same clusters, whatever the input order', () => {
  const flows = randomPortfolio(11);
  const a = findServiceClusters(flows, [], { radiusKm: 10, seed: 5 });
  const b = findServiceClusters(flows, [], { radiusKm: 10, seed: 5 });
  const c = findServiceClusters([...flows].reverse(), [], { radiusKm: 10, seed: 5 });
  assert.deepEqual(a, b);
  assert.deepEqual(a, c);
  // another seed may split differently, but stays valid
  checkRadius(findServiceClusters(flows, [], { radiusKm: 10, seed: 6 }), 10);
});

test('resource keys', () => {
  const f = (p: Partial<MatchFlow> & Pick<MatchFlow, 'direction' | 'type'>) => resourceKeyOf(mkFlow({ id: 'x', ...p }))?.key ?? null;
  assert.equal(f({ direction: 'supply', type: 'waste', quality: { ewc: '150110*' } }), 'collection:ewc:150110*');
  assert.equal(f({ direction: 'supply', type: 'material', quality: { category: ' Wood  Chips' } }), 'collection:category:wood chips');
  assert.equal(f({ direction: 'supply', type: 'waste' }), null);
  assert.equal(f({ direction: 'supply', type: 'heat' }), null);
  assert.equal(f({ direction: 'demand', type: 'service' }), null);
  assert.equal(f({ direction: 'demand', type: 'material', quality: { category: 'Pallets' } }), 'group_buying:material:category:pallets');
  assert.equal(f({ direction: 'demand', type: 'water' }), 'group_buying:water');
  assert.equal(f({ direction: 'demand', type: 'waste', quality: { ewc: '150101' } }), null);
  assert.throws(() => findServiceClusters([], [], { radiusKm: 0 }), /radiusKm/);
});
