/**
 * The Suggestions over the demo portfolio after a full run: the exchange network's figures are the
 * regional plan's (plan members at their allocation, never competing alternatives added up), the
 * network counts plan members against alternatives, and cascades and clusters are found.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Repository } from '../../db/repository.ts';
import { loadDemoPortfolio } from '../../interchange/demo.ts';
import { graphSuggestions } from './analytics.ts';
import { MatchService } from './match-service.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-analytics-'));
let repo: Repository;
before(async () => {
  repo = await Repository.open(join(folder, 'a.db'));
  await repo.importDocument(loadDemoPortfolio());
  // The demo's brewery gives off 45-60 degC heat that no demo demand can use without a heat pump,
  // which does not pay (matching version 2): a fish farm next door that needs 30-40 degC does, so
  // steelworks heat -> brewery -> fish farm is a cascade.
  await repo.createOrganization({ id: 'test-org-fish', name: 'Fish farm (test)', sharing: 'partners' });
  await repo.createSite({ id: 'test-site-fish', organization_id: 'test-org-fish', name: 'Fish farm', country: 'DE', lat: 51.5755, lon: 7.0434, kind: 'plant' });
  await repo.createFlow({
    id: 'test-flow-fish-heat',
    site_id: 'test-site-fish',
    direction: 'demand',
    type: 'heat',
    name: 'Tank heating',
    quantity: { amount: 1500, unit: 'kW' },
    quality: { temperature_c: { min: 30, max: 40 } },
    temporal: { profile: 'flat' },
    economics: { price_eur: 45, price_per: 'MWh' },
  });
  await new MatchService(repo).runAll({ now: '2026-11-24T00:00:00Z' });
});
after(async () => {
  await repo.close();
  rmSync(folder, { recursive: true, force: true });
});

test('the network\'s figures are the plan\'s: plan members at their allocation, counted against the alternatives', async () => {
  const { plan, network } = await graphSuggestions(repo, { radiusKm: 15 });
  const all = (await repo.matches.list({ limit: 5000 })).items;
  const members = all.filter((m) => m.plan !== null);
  assert.ok(plan, 'the run made a plan');
  assert.equal(members.length, plan.members);
  assert.equal(network.exchanges, all.length, 'every stored match is an exchange of the network (its shape)');
  assert.equal(network.plan_members, plan.members);
  assert.equal(network.alternatives, all.length - plan.members);
  assert.ok(network.alternatives > 0, 'the demo has alternatives outside the plan');
  const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-6 * Math.max(1, Math.abs(b)), `${what}: ${a} != ${b}`);
  close(network.value_eur_per_year, plan.totals.annual_value_eur, 'network value = the plan\'s total annual value');
  const listed = all.reduce((sum, m) => sum + (m.economics['annual_value_eur'] as number), 0);
  assert.ok(listed > network.value_eur_per_year * 1.2, `the alternatives list ${listed} EUR/yr together, the plan ${network.value_eur_per_year}`);
  close(
    network.components.reduce((sum, c) => sum + c.value_eur_per_year, 0),
    plan.totals.annual_value_eur,
    'the connected groups split the plan\'s value',
  );
  // a site's value counts its plan members only
  for (const c of network.central_by_value) {
    const own = members.filter((m) => m.supply.site_id === c.site_id || m.demand.site_id === c.site_id);
    if (own.some((m) => m.supply.site_id === m.demand.site_id)) continue; // an exchange within one site: not what this checks
    close(c.value_eur_per_year, own.reduce((sum, m) => sum + (m.plan!.allocation['annual_value_eur'] as number), 0), `value of ${c.site_id}`);
  }
  assert.ok(network.sites_involved > 1 && network.sites_involved <= (await repo.counts()).sites);
});

test('cascades and clusters over the demo portfolio', async () => {
  const { cascades, clusters } = await graphSuggestions(repo, { radiusKm: 15 });
  assert.ok(cascades.length >= 1, 'a heat cascade');
  assert.ok(
    cascades.some((c) => c.sites.includes('demo-site-brewery') && c.sites.at(-1) === 'test-site-fish'),
    JSON.stringify(cascades.map((c) => c.sites)),
  );
  for (const cascade of cascades) {
    assert.ok(cascade.steps.length >= 2);
    assert.equal(new Set(cascade.sites).size, cascade.sites.length, 'no site twice in a cascade');
  }
  for (const cluster of clusters) {
    assert.ok(cluster.members.length >= 3, 'a cluster has at least three sites');
    assert.ok(cluster.radius_km <= 15 + 1e-9, `within the radius: ${cluster.radius_km}`);
    assert.match(cluster.suggestion, /\d+ sites within/);
  }
});

test('before any plan the network has its shape but no figures', async () => {
  const fresh = await Repository.open(join(folder, 'fresh.db'));
  try {
    await fresh.importDocument(loadDemoPortfolio());
    const { plan, network } = await graphSuggestions(fresh);
    assert.equal(plan, null);
    assert.equal(network.plan_members, 0);
    assert.equal(network.value_eur_per_year, 0);
  } finally {
    await fresh.close();
  }
});

test('kept per data generation: the same answer until a lifecycle step, a flow edit or another process\'s run changes the data', async () => {
  const first = await graphSuggestions(repo, { radiusKm: 15 });
  assert.equal(await graphSuggestions(repo, { radiusKm: 15 }), first, 'asked again with nothing written: the kept answer');
  assert.notEqual(await graphSuggestions(repo, { radiusKm: 5 }), first, 'another radius is its own answer');
  // A lifecycle step closes one exchange: the network loses it at once.
  const [open] = (await repo.matches.list({ in_plan: false, status: 'suggested', limit: 1 })).items;
  assert.ok(open);
  await repo.matches.transition(open.id, { to: 'cancelled', version: open.version, reason: 'other' }, 'test');
  const afterStep = await graphSuggestions(repo, { radiusKm: 15 });
  assert.notEqual(afterStep, first);
  assert.equal(afterStep.network.exchanges, first.network.exchanges - 1, 'the cancelled match left the network');
  // A write of a site (change log) moves the generation on too.
  const site = await repo.getSite('test-site-fish');
  await repo.updateSite(site.id, { name: 'Fish farm (renamed)' }, site.version);
  assert.notEqual(await graphSuggestions(repo, { radiusKm: 15 }), afterStep, 'a site write is seen');
});
