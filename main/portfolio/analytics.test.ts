import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Repository } from '../db/repository.ts';
import { loadDemoPortfolio } from '../interchange/demo.ts';
import { graphSuggestions } from './analytics.ts';
import { MatchService } from './match-service.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-analytics-'));
let repo: Repository;
before(async () => {
  repo = await Repository.open(join(folder, 'a.db'));
  await repo.importDocument(loadDemoPortfolio());
  await new MatchService(repo).runAll({ now: '2026-11-24T00:00:00Z' });
});
after(async () => {
  await repo.close();
  rmSync(folder, { recursive: true, force: true });
});

test('suggestions over the stored matches of the demo portfolio', async () => {
  const { network, cascades, clusters } = await graphSuggestions(repo, { radiusKm: 15 });
  const matches = await repo.matches.list({ limit: 5000 });
  assert.equal(network.exchanges, matches.total, 'every stored match is an exchange of the network');
  assert.ok(network.sites_involved > 1 && network.sites_involved <= (await repo.counts()).sites);
  // The demo's brewery takes high-grade heat and gives off low-grade heat: one cascade at least.
  assert.ok(cascades.length >= 1, 'a heat cascade in the demo');
  assert.ok(cascades.some((c) => c.sites.some((site) => site.includes('brewery'))), JSON.stringify(cascades.map((c) => c.sites)));
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
