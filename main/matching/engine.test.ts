import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMPATIBLE_DEMAND_TYPES } from './compatibility.ts';
import { resolveConfig } from './config.ts';
import { matchAll, matchFlow, Matcher } from './engine.ts';
import { destination, mkFlow, prng } from './fixtures.ts';
import type { MatchFlow } from './input.ts';
import type { EngineMatch } from './match.ts';
import { matchAllNaive, rankAllNaive } from './naive.ts';
import { rankedSignature } from './bench.ts';
import { routeSplit } from './router.ts';
import { EUROPEAN_INDUSTRIAL_AREAS, syntheticPortfolio } from './synthetic.ts';
import { FLOW_TYPES } from '../domain/entities.ts';

const NOW = '2025-01-01T00:00:00Z';
const config = resolveConfig({ now: NOW });
const json = (ms: readonly EngineMatch[]) => ms.map((m) => JSON.stringify(m));

/** A regional portfolio (Rhine-Ruhr and Benelux) plus edge cases: pairs straddling the distance limits, the antimeridian, a pole. */
function portfolio(seed: number, n: number): MatchFlow[] {
  const anchors = EUROPEAN_INDUSTRIAL_AREAS.filter((a) => ['NL', 'BE'].includes(a.country) || (a.country === 'DE' && a.lon < 8));
  const flows = syntheticPortfolio({ flows: n, seed, anchors });
  const rnd = prng(seed * 7 + 1);
  let k = 0;
  const add = (p: Partial<MatchFlow> & Pick<MatchFlow, 'direction' | 'type'>) =>
    flows.push(mkFlow({ id: `e-${seed}-${k++}`, organization_id: `eo-${k}`, amount: 20_000, ...p }));
  // straddling the heat limit (20 km) and its relaxed limit (30 km), 1 mm either side
  for (const km of [20 - 1e-6, 20 + 1e-6, 30 - 1e-6, 30 + 1e-6, 100 - 1e-6, 100 + 1e-6]) {
    const type = km > 50 ? 'material' : 'heat';
    const at = { lat: 50 + rnd(), lon: 5 + rnd() };
    const to = destination(at.lat, at.lon, km, rnd() * 360);
    add({ direction: 'supply', type, ...at, price_eur: 90, price_per: type === 'heat' ? 'MWh' : 't' });
    add({ direction: 'demand', type, ...to, amount: 15_000, price_eur: 90, price_per: type === 'heat' ? 'MWh' : 't' });
  }
  // across the antimeridian (Fiji) and near the North Pole
  for (const [lat, lon] of [[-17.8, 179.99], [-17.8, -179.99], [-17.85, 179.9], [-17.75, -179.95], [89.95, 0], [89.96, 120], [89.94, -100]] as const) {
    add({ direction: 'supply', type: 'material', lat, lon, country: 'FJ', amount: 5000 });
    add({ direction: 'demand', type: 'material', lat: lat + 0.01, lon: lon, country: 'FJ', amount: 3000, price_eur: 100, price_per: 't' });
    add({ direction: 'supply', type: 'water', lat, lon, country: 'FJ', amount: 50 });
    add({ direction: 'demand', type: 'water', lat: lat - 0.01, lon: -lon, country: 'FJ', amount: 40 });
  }
  return flows;
}

test('the indexed engine returns exactly what the naive all-pairs scan returns (random portfolios, edge cases)', () => {
  for (const seed of [1, 2, 3]) {
    const flows = portfolio(seed, 400);
    // the index remembers the first pass's relaxable failures for the fallback, the naive scan searches twice: other fallback steps too
    const steps = (list: { relax: 'distance' | 'tolerances' | 'temporal'; factor: number }[]) => ({ ...config, fallback: { enabled: true, steps: list } });
    for (const cfg of [
      config,
      resolveConfig({ now: NOW, max_km: 12, top_n: 5 }),
      resolveConfig({ now: NOW, fallback: false, include_unprofitable: true }),
      steps([{ relax: 'tolerances', factor: 1.5 }, { relax: 'temporal', factor: 0.5 }]),
      steps([{ relax: 'temporal', factor: 0.25 }, { relax: 'distance', factor: 2 }]),
      resolveConfig({ now: NOW, top_n: 2, max_per_partner: 1 }), // lists fill early: a full supply's relaxable pairs still serve hungry demands
    ]) {
      const indexed = matchAll({ flows }, cfg);
      const naive = matchAllNaive({ flows }, cfg);
      assert.ok(indexed.matches.length > 50, `seed ${seed}: a portfolio with matches (${indexed.matches.length})`);
      assert.deepEqual(json(indexed.matches), json(naive.matches), `seed ${seed}`);
      assert.ok(indexed.stats.pairs_examined < naive.stats.pairs_examined / 3, 'the index examines far fewer pairs');
    }
  }
});

test('edge cases are matched as the limits say: 1 mm inside yes, 1 mm outside no (relaxed), across the antimeridian and at the pole', () => {
  const flows = portfolio(9, 0);
  const ids = new Set(matchAll({ flows }, config).matches.map((m) => `${m.supply_flow_id}>${m.demand_flow_id}`));
  const has = (s: number, d: number) => ids.has(`e-9-${s}>e-9-${d}`);
  assert.ok(has(0, 1), 'heat just inside 20 km');
  assert.ok(has(2, 3), 'heat just outside 20 km: relaxed');
  assert.ok(has(4, 5), 'heat just inside 30 km: relaxed');
  assert.ok(!has(6, 7), 'heat just outside 30 km: never');
  assert.ok(has(8, 9) && has(10, 11), 'material around 100 km (relaxed beyond)');
  const fiji = matchAll({ flows }, config).matches.filter((m) => m.supply_flow_id === 'e-9-12');
  assert.ok(fiji.some((m) => m.demand_flow_id === 'e-9-17'), 'material across the antimeridian (179.99 -> -179.99 + 0.01 lat)');
  const pole = matchAll({ flows }, config).matches.filter((m) => m.supply_flow_id === 'e-9-28');
  assert.ok(pole.length >= 2, 'near the pole every longitude is close');
});

test('incremental: matchFlow returns exactly the full match\'s matches involving the flow, before and after an edit', () => {
  const flows = portfolio(4, 500);
  const matcher = new Matcher({ flows });
  const full = matcher.matchAll(config);
  const rnd = prng(99);
  let nonEmpty = 0;
  for (let i = 0; i < 40; i++) {
    const id = flows[Math.floor(rnd() * flows.length)]!.id;
    const want = full.matches.filter((m) => m.supply_flow_id === id || m.demand_flow_id === id);
    const got = matcher.matchFlow(id, config).matches;
    assert.deepEqual(json(got), json(want), id);
    if (want.length > 0) nonEmpty++;
  }
  assert.ok(nonEmpty > 10);
  // edits: quantity, place, status
  const edited = [...flows];
  for (let i = 0; i < 15; i++) {
    const j = Math.floor(rnd() * edited.length);
    const f = edited[j]!;
    const change = i % 3 === 0 ? { amount: f.amount * 3 } : i % 3 === 1 ? destination(f.lat, f.lon, 5, 45) : { status: f.status === 'active' ? ('paused' as const) : ('active' as const) };
    edited[j] = { ...f, ...change };
    matcher.upsert(edited[j]!);
    const want = matchAll({ flows: edited }, config).matches.filter((m) => m.supply_flow_id === f.id || m.demand_flow_id === f.id);
    assert.deepEqual(json(matcher.matchFlow(f.id, config).matches), json(want), `after editing ${f.id}`);
  }
  assert.deepEqual(matchFlow({ flows }, 'no-such-flow', config).matches, []);
  assert.equal(matcher.remove(flows[0]!.id), true);
  assert.deepEqual(matcher.matchFlow(flows[0]!.id, config).matches, []);
});

test('monotonicity: moving the partner further away never raises the score (random pairs)', () => {
  const rnd = prng(7);
  let compared = 0;
  for (let i = 0; i < 300; i++) {
    const type = FLOW_TYPES[Math.floor(rnd() * FLOW_TYPES.length)]!;
    const demandTypes = COMPATIBLE_DEMAND_TYPES[type];
    const dType = demandTypes[Math.floor(rnd() * demandTypes.length)]!;
    const lo = 20 + rnd() * 150;
    const s = mkFlow({ id: 's', direction: 'supply', type, amount: 10 + rnd() * 5000, precision: rnd() < 0.5 ? 'rough' : 'measured', quality: rnd() < 0.5 ? { temperature_c: { min: lo, max: lo + 20 } } : {} });
    const bearing = rnd() * 360;
    const d1 = rnd() * 30;
    const d2 = d1 + rnd() * 30;
    const dq = rnd() < 0.5 ? { temperature_c: { min: lo - 20 + rnd() * 40, max: lo + 40 } } : {};
    const demandAt = (km: number) => mkFlow({ id: 'd', direction: 'demand', type: dType, amount: 10 + rnd() * 5000, quality: dq, ...destination(51, 7, km, bearing), country: rnd() < 0.2 ? 'NL' : 'DE' });
    const cfg = resolveConfig({ now: NOW, include_unprofitable: true, min_annual_value_eur: 0 });
    const seed = rnd();
    const near = prng(Math.floor(seed * 1e9));
    const far = prng(Math.floor(seed * 1e9));
    // same random attributes for both demands: rebuild with the same sub-stream
    const dNear = { ...demandAt(d1), amount: 1000 + near() * 1000 };
    const dFar = { ...dNear, ...destination(51, 7, d2, bearing) };
    far();
    const a = matchAll({ flows: [s, dNear] }, cfg).matches[0];
    const b = matchAll({ flows: [s, dFar] }, cfg).matches[0];
    if (a === undefined) {
      assert.equal(b, undefined, 'a pair failing nearer cannot pass further away');
      continue;
    }
    if (b === undefined) continue;
    if (a.relaxed.length !== b.relaxed.length) continue; // a different fallback tier, compared by tier
    assert.ok(b.score <= a.score + 1e-12, `${type}->${dType} at ${d1.toFixed(2)} vs ${d2.toFixed(2)} km: ${a.score} < ${b.score}`);
    assert.ok(b.scores.transport >= a.scores.transport);
    compared++;
  }
  assert.ok(compared > 100, `compared ${compared}`);
});

test('score: the weighted sum normalised as (score + 0.20) / 0.95; weights per query', () => {
  const p = destination(51, 7, 3, 0);
  const flows = [
    mkFlow({ id: 's', direction: 'supply', type: 'water', amount: 100, trust: 1 }),
    mkFlow({ id: 'd', direction: 'demand', type: 'water', amount: 50, trust: 1, ...p, country: 'NL' }),
  ];
  const [m] = matchAll({ flows }, config).matches;
  const sc = m!.scores;
  const raw = 0.25 * sc.quality + 0.2 * sc.temporal + 0.15 * sc.quantity + 0.15 * sc.trust - 0.1 * sc.transport - 0.1 * sc.regulatory;
  assert.ok(Math.abs(m!.score - (raw + 0.2) / 0.95) < 1e-12);
  assert.ok(Math.abs(sc.transport - 3 / 20) < 1e-9, 'water limit 20 km');
  assert.ok(Math.abs(sc.regulatory - 0.1) < 1e-12, 'cross-border');
  assert.equal(m!.binding_constraint, 'transport');
  const heavy = matchAll({ flows }, resolveConfig({ now: NOW, weights: { regulatory: 1 } })).matches[0]!;
  assert.equal(heavy.binding_constraint, 'regulatory');
  assert.ok(heavy.score < m!.score);
});

test('diversity: at most 2 matches to one partner organization in a flow\'s top N', () => {
  const flows: MatchFlow[] = [mkFlow({ id: 'd', direction: 'demand', type: 'material', amount: 10_000, price_eur: 100, price_per: 't' })];
  for (let org = 0; org < 4; org++) {
    for (let k = 0; k < 5; k++) {
      flows.push(mkFlow({ id: `s${org}-${k}`, organization_id: `org${org}`, direction: 'supply', type: 'material', amount: 1000 + 100 * k, ...destination(51, 7, 1 + org + k / 10, 30 * k) }));
    }
  }
  const r = matchAll({ flows }, resolveConfig({ now: NOW, top_n: 6 }));
  const mine = r.matches.filter((m) => m.rank.demand !== null);
  assert.equal(mine.length, 6);
  const perOrg = new Map<string, number>();
  for (const m of mine) perOrg.set(m.supply_organization_id, (perOrg.get(m.supply_organization_id) ?? 0) + 1);
  assert.ok([...perOrg.values()].every((n) => n <= 2), JSON.stringify([...perOrg]));
  assert.ok(perOrg.size >= 3);
  assert.deepEqual(mine.map((m) => m.rank.demand).sort((a, b) => a! - b!), [1, 2, 3, 4, 5, 6]);
  // every supply still lists its only partner: the union holds all 20
  assert.equal(r.matches.length, 20);
  const loose = matchAll({ flows }, resolveConfig({ now: NOW, top_n: 6, max_per_partner: 5 })).matches.filter((m) => m.rank.demand !== null);
  assert.ok(Math.max(...[...new Set(loose.map((m) => m.supply_organization_id))].map((o) => loose.filter((m) => m.supply_organization_id === o).length)) > 2);
});

test('fallback: relaxed matches fill a short list, after the stated ones, labelled with what was relaxed', () => {
  const flows = [
    mkFlow({ id: 'd', direction: 'demand', type: 'heat', amount: 500, price_eur: 60, price_per: 'MWh' }),
    mkFlow({ id: 'near', organization_id: 'a', direction: 'supply', type: 'heat', amount: 5000, ...destination(51, 7, 1, 0) }),
    mkFlow({ id: 'far', organization_id: 'b', direction: 'supply', type: 'heat', amount: 5000, ...destination(51, 7, 25, 0) }),
    mkFlow({ id: 'cool', organization_id: 'c', direction: 'supply', type: 'heat', amount: 5000, ...destination(51, 7, 1, 90), quality: { temperature_c: { min: 40, max: 50 } } }),
  ];
  flows[0] = { ...flows[0]!, quality: { temperature_c: { min: 70, max: 80 } } };
  const r = matchAll({ flows }, resolveConfig({ now: NOW, top_n: 3, include_unprofitable: true })).matches;
  const byId = new Map(r.map((m) => [m.supply_flow_id, m]));
  assert.deepEqual(byId.get('near')!.relaxed, []);
  assert.deepEqual(byId.get('far')!.relaxed, ['distance']);
  assert.deepEqual(byId.get('cool')!.relaxed, ['tolerances'], '70 - 50 = 20 K: within 15 x 1.5');
  assert.equal(byId.get('near')!.rank.demand, 1, 'stated matches rank first');
  assert.equal(byId.get('far')!.scores.transport, 1, 'scored against the stated limit');
  const strict = matchAll({ flows }, resolveConfig({ now: NOW, top_n: 3, fallback: false, include_unprofitable: true })).matches;
  assert.deepEqual(strict.map((m) => m.supply_flow_id), ['near']);
  // a flow that already has N stated matches is not given relaxed ones
  const full = matchAll({ flows }, resolveConfig({ now: NOW, top_n: 1, include_unprofitable: true })).matches.filter((m) => m.rank.demand !== null);
  assert.deepEqual(full.map((m) => m.supply_flow_id), ['near']);
});

test('router by archetype: across-the-fence water and permitted truck off-take automated; pipes, permits, hazards facilitated; split per type', () => {
  const fence = destination(51, 7, 0.08, 0); // 80 m: no new pipe
  const flows = [
    mkFlow({ id: 'w-s', organization_id: 'a', direction: 'supply', type: 'water', amount: 20 }),
    mkFlow({ id: 'w-d', organization_id: 'b', direction: 'demand', type: 'water', amount: 20, ...fence }),
    mkFlow({ id: 'h-s', organization_id: 'c', direction: 'supply', type: 'waste', amount: 500, quality: { ewc: '160601*' }, lat: 52, lon: 7 }),
    mkFlow({ id: 'h-d', organization_id: 'd', direction: 'demand', type: 'waste', amount: 500, quality: { accepts_hazardous: true }, ...destination(52, 7, 5, 0), country: 'NL', precision: 'rough' }),
  ];
  const r = matchAll({ flows }, config);
  const water = r.matches.find((m) => m.supply_flow_id === 'w-s')!;
  assert.equal(water.route, 'automated');
  assert.deepEqual(water.route_reasons, []);
  const haz = r.matches.find((m) => m.supply_flow_id === 'h-s')!;
  assert.equal(haz.route, 'facilitated');
  assert.deepEqual(haz.route_reasons, ['hazardous', 'risk', 'rough_data', 'cross_border', 'permit']);
  assert.ok(Math.abs(haz.scores.regulatory - 0.8) < 1e-12);
  const zero = { hazardous: 0, risk: 0, rough_data: 0, cross_border: 0, capex: 0, new_pipe: 0, new_cable: 0, permit: 0, quality_relaxed: 0 };
  assert.deepEqual(r.stats.routes, {
    matches: 2,
    automated: 1,
    facilitated: 1,
    automated_share: 0.5,
    reasons: { ...zero, hazardous: 1, risk: 1, rough_data: 1, cross_border: 1, permit: 1 },
    by_type: {
      waste: { matches: 1, automated: 0, facilitated: 1, automated_share: 0, reasons: { ...zero, hazardous: 1, risk: 1, rough_data: 1, cross_border: 1, permit: 1 } },
      water: { matches: 1, automated: 1, facilitated: 0, automated_share: 1, reasons: zero },
    },
  });
  assert.deepEqual(routeSplit([]).automated_share, 0);

  // heat over 3 km: a new pipe and a large investment
  const [heat] = matchAll(
    {
      flows: [
        mkFlow({ id: 's', direction: 'supply', type: 'heat', amount: 3000 }),
        mkFlow({ id: 'd', direction: 'demand', type: 'heat', amount: 2500, ...destination(51, 7, 3, 0) }),
      ],
    },
    config,
  ).matches;
  assert.deepEqual(heat!.route_reasons, ['capex', 'new_pipe']);

  // trucked waste 60 km away: distance alone no longer sends it to a facilitator; the permit decides
  const far = destination(51, 7, 60, 90);
  const waste = (demand: MatchFlow['quality'], supply: MatchFlow['quality'] = {}) =>
    matchAll(
      {
        flows: [
          mkFlow({ id: 'ws', direction: 'supply', type: 'waste', amount: 2000, disposal_cost_eur: 90, disposal_per: 't', quality: { ewc: '020304', ...supply } }),
          mkFlow({ id: 'wd', direction: 'demand', type: 'material', amount: 2000, price_eur: 10, price_per: 't', ...far, quality: demand }),
        ],
      },
      config,
    ).matches[0]!;
  assert.deepEqual(waste({}).route_reasons, ['permit'], 'no recovery operation stated by the demand');
  assert.deepEqual(waste({ recovery_operations: ['R3'] }, { recovery_operations: ['R3'] }).route_reasons, []);
  assert.deepEqual(waste({ recovery_operations: ['R3'], accepted_ewc: ['020304'] }).route_reasons, [], 'the permit lists the code');
  assert.deepEqual(waste({ recovery_operations: ['R3'] }).route_reasons, ['permit'], 'a permit that does not say it covers this waste');
  assert.deepEqual(waste({}, { waste_status: 'by_product' }).route_reasons, [], 'a by-product is not waste: no waste permit');
  const offtake = waste({ recovery_operations: ['R3'] }, { recovery_operations: ['R3'] });
  assert.equal(offtake.route, 'automated');
  assert.equal(offtake.economics.complexity?.level, 'high', 'complexity (an economics figure) may be high at 60 km');

  // electricity over a kilometre needs a cable; relaxed quality goes to a person
  const [cable] = matchAll(
    {
      flows: [
        mkFlow({ id: 'es', direction: 'supply', type: 'electricity', amount: 500 }),
        mkFlow({ id: 'ed', direction: 'demand', type: 'electricity', amount: 400, price_eur: 150, price_per: 'MWh', ...destination(51, 7, 1, 0) }),
      ],
    },
    config,
  ).matches;
  assert.ok(cable!.route_reasons.includes('new_cable'));
  const [relaxed] = matchAll(
    {
      flows: [
        mkFlow({ id: 'rs', direction: 'supply', type: 'water', amount: 20, quality: { temperature_c: { min: 31, max: 35 } } }),
        mkFlow({ id: 'rd', direction: 'demand', type: 'water', amount: 20, ...fence, quality: { temperature_c: { min: 10, max: 20 } } }),
      ],
    },
    config,
  ).matches;
  assert.deepEqual(relaxed!.relaxed, ['tolerances']);
  assert.deepEqual(relaxed!.route_reasons, ['quality_relaxed']);
});

test('materials: the category sub-score joins the quality mean (1 same category, 0.8 an accepted input)', () => {
  const at = destination(51, 7, 5, 0);
  const run = (supplyCategory: string) =>
    matchAll(
      {
        flows: [
          mkFlow({ id: 'ms', direction: 'supply', type: 'material', amount: 1000, quality: { category: supplyCategory } }),
          mkFlow({ id: 'md', direction: 'demand', type: 'material', amount: 1000, price_eur: 30, price_per: 't', ...at, quality: { category: 'compost' } }),
        ],
      },
      config,
    ).matches[0]!;
  assert.deepEqual(run('compost').quality_detail, { category: 1 });
  assert.deepEqual(run('garden waste').quality_detail, { category: 0.8 });
  assert.equal(run('garden waste').scores.quality, 0.8);
});

test('precision: measured data older than 365 days counts as estimated (trust and an assumption)', () => {
  const at = destination(51, 7, 2, 0);
  const mk = (measured_at: string) => [
    mkFlow({ id: 's', direction: 'supply', type: 'water', amount: 20, precision: 'measured', measured_at }),
    mkFlow({ id: 'd', direction: 'demand', type: 'water', amount: 20, ...at, precision: 'measured' }),
  ];
  const fresh = matchAll({ flows: mk('2024-06-01T00:00:00Z') }, config).matches[0]!;
  const old = matchAll({ flows: mk('2023-06-01T00:00:00Z') }, config).matches[0]!;
  assert.ok(Math.abs(fresh.scores.trust - 0.8) < 1e-12);
  assert.ok(Math.abs(old.scores.trust - 0.85 * 0.8) < 1e-12);
  assert.ok(old.assumptions.some((a) => a.includes('older than 365 days')));
});

test('match shape: stable id, engine version, delivered unit, rank', () => {
  const at = destination(51, 7, 2, 0);
  const r = matchAll({ flows: [mkFlow({ id: 'a', direction: 'supply', type: 'water', amount: 20 }), mkFlow({ id: 'b', direction: 'demand', type: 'water', amount: 10, ...at })] }, config);
  const m = r.matches[0]!;
  assert.equal(m.id, 'm-a-b');
  assert.match(m.engine_version, /^turash-matching\//);
  assert.deepEqual(m.economics.delivered, { amount: 10, unit: 'm3/h' });
  assert.deepEqual(m.rank, { supply: 1, demand: 1 });
  assert.equal(r.stats.matches, 1);
  assert.throws(() => matchAll({ flows: [mkFlow({ id: 'a', direction: 'supply', type: 'water', lat: 91 })] }), /lat 91/);
  assert.throws(() => matchAll({ flows: [mkFlow({ id: 'a', direction: 'supply', type: 'water' }), mkFlow({ id: 'a', direction: 'demand', type: 'water' })] }), /twice/);
});

test('fallback from remembered pairs: the index (one search, relaxable failures kept) equals the naive two-pass scan on a dense portfolio', () => {
  // top 3: most lists fill in the first pass, so a full supply's relaxable pairs must still reach hungry demands
  const m = new Matcher({ flows: syntheticPortfolio({ flows: 3000, seed: 5 }) });
  for (const top_n of [3, 20]) {
    const c = resolveConfig({ now: NOW, top_n });
    const indexed = rankedSignature(m.rankAll(c), m.table.flows);
    assert.ok(indexed.length > 1000);
    assert.deepEqual(indexed, rankedSignature(rankAllNaive(m.table, c), m.table.flows), `top ${top_n}`);
  }
});
