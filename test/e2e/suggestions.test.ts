/**
 * End-to-end test of the Suggestions tab: headless Chromium against the browser host on a
 * temporary database with the demo portfolio.
 *
 *   npx vite build --config renderer/vite.config.ts
 *   node --import tsx --test test/e2e/suggestions.test.ts
 *
 * Before matching the tab says "Run matching first"; matching is run from that empty state and the
 * tab refreshes by itself (the suggestions are invalidated after a run). Its header is the regional
 * plan: the totals SHOWN are `matching.plan`'s, and equal the sums of the plan members' allocations
 * as `matches.list({ in_plan: true })` gives them (never sums of competing alternatives). The network figures and
 * the heat cascade SHOWN are `analytics.suggestions` as the HTTP API returns it (the brewery
 * cascade: its chain and temperatures read off the page give back the API's one-line summary);
 * clicking the cascade highlights exactly its sites and exchanges on the map (queryRenderedFeatures
 * on the suggestion layers); every cluster's suggestion is listed, a click draws its circle and
 * highlights exactly its members; the radius selector asks for other clusters.
 * Screenshots: test-results/suggestions.png (cascade), suggestions-cluster.png, suggestions-empty.png.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { Outputs, Suggestions } from '../../renderer/src/api.ts';
import { formatCount, formatEur, formatMwhPerYear, formatTonnesPerYear } from '../../renderer/src/format.ts';
import { allocationOf } from '../../renderer/src/matching/model.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { REPO_ROOT, startTestHost, type TestHost } from '../support/host.ts';
import { waitForExpression, waitForMapIdle } from '../support/map.ts';

const RESULTS = join(REPO_ROOT, 'test-results');

let t: TestHost;
let b: TestBrowser;
let page: Page;

/** Extra copies of the screenshots for review (e.g. SHOTS_DIR=/tmp/shots). */
const SHOTS = process.env['SHOTS_DIR'];
const shot = async (name: string) => {
  await page.screenshot({ path: join(RESULTS, name) });
  if (SHOTS) await page.screenshot({ path: join(SHOTS, name) });
};

/** `analytics.suggestions` over the host's HTTP API (the one the page uses). */
async function apiSuggestions(input: { radius_km?: number; limit?: number } = {}): Promise<Suggestions> {
  const url = `${t.host.url}trpc/analytics.suggestions?input=${encodeURIComponent(JSON.stringify(input))}`;
  const response = await fetch(url, { headers: { authorization: `Bearer ${t.host.token}` } });
  assert.equal(response.status, 200, `analytics.suggestions answered ${response.status}`);
  return ((await response.json()) as { result: { data: Suggestions } }).result.data;
}

/** Any query procedure over the host's HTTP API. */
async function apiQuery<T>(procedure: string, input: unknown): Promise<T> {
  const url = `${t.host.url}trpc/${procedure}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`;
  const response = await fetch(url, { headers: { authorization: `Bearer ${t.host.token}` } });
  assert.equal(response.status, 200, `${procedure} answered ${response.status}`);
  return ((await response.json()) as { result: { data: T } }).result.data;
}

/** Ids on a map layer (queryRenderedFeatures over the whole view, deduplicated across tiles). */
async function rendered(layer: string): Promise<string[]> {
  return page.evaluate(`[...new Set(window.turashMap.queryRenderedFeatures({ layers: [${JSON.stringify(layer)}] }).map((f) => f.properties.id))].sort()`);
}

/** Waits until a layer draws exactly `ids` (the view is flying to the suggestion meanwhile). */
async function waitForLayer(layer: string, ids: readonly string[]): Promise<string[]> {
  const want = [...ids].sort();
  const deadline = Date.now() + 10_000;
  for (;;) {
    await waitForMapIdle(page);
    const got = await rendered(layer);
    if (JSON.stringify(got) === JSON.stringify(want) || Date.now() > deadline) return got;
    await page.waitForTimeout(150);
  }
}

describe('suggestions in headless Chromium (browser host, demo portfolio)', { timeout: 150_000 }, () => {
  before(async () => {
    mkdirSync(RESULTS, { recursive: true });
    if (SHOTS) mkdirSync(SHOTS, { recursive: true });
    t = await startTestHost({ seed: 'demo' });
    b = await launchBrowser({ allowedOrigin: t.host.url });
    page = b.page;
    await page.goto(t.host.openUrl);
    await waitForMapIdle(page);
  });

  after(async () => {
    await b?.close();
    await t?.close();
  });

  it('asks to run matching first, runs it from there and then shows the network and the cascade of the API', async () => {
    await page.getByTestId('tab-suggestions').click();
    const empty = page.getByTestId('suggestions-empty');
    await empty.waitFor();
    assert.match(await empty.innerText(), /Run matching first/);
    assert.equal(await page.getByTestId('cascade').count(), 0, 'no cascade without matches');
    // Clusters only need the flows: listed already.
    const before = await apiSuggestions({ radius_km: 10 });
    await page.getByTestId('cluster').first().waitFor();
    assert.equal(await page.getByTestId('cluster').count(), before.clusters.length);
    await shot('suggestions-empty.png');

    // Run matching from the empty state; the tab refreshes once the run is stored.
    await page.getByTestId('suggestions-run').click();
    const summary = page.getByTestId('matching-summary');
    await summary.or(page.getByTestId('matching-failed')).waitFor({ timeout: 30_000 });
    assert.ok(await summary.isVisible(), 'matching finished');
    await page.getByTestId('matching-dialog').getByRole('button', { name: 'Close' }).last().click();
    await page.getByTestId('matching-dialog').waitFor({ state: 'detached' });
    await page.getByTestId('suggestions-plan').getByTestId('sugg-plan-npv').waitFor();
    assert.equal(await page.getByTestId('suggestions-empty').count(), 0);

    // The header: the regional plan's totals, equal to the sums over its members' allocations.
    const plan = await apiQuery<Outputs['matching']['plan']>('matching.plan', undefined);
    assert.ok(plan && plan.members > 0, 'matching made a regional plan');
    const members = (await apiQuery<Outputs['matches']['list']>('matches.list', { in_plan: true, limit: 5000 })).items;
    assert.equal(members.length, plan.members, 'matches.list({ in_plan: true }) lists the plan members');
    const sum = (f: (a: NonNullable<ReturnType<typeof allocationOf>>) => number | null) => members.reduce((total, m) => total + (f(allocationOf(m)!) ?? 0), 0);
    const expected = {
      npv: sum((a) => a.npv_eur),
      value: sum((a) => a.annual_value_eur),
      co2: sum((a) => a.co2_t_per_year),
      energy: sum((a) => a.delivered_mwh_per_year),
      capex: sum((a) => a.capex_eur),
    };
    const header = page.getByTestId('suggestions-plan');
    await header.getByTestId('sugg-plan-npv').waitFor();
    const near = (x: number, y: number) => Math.abs(x - y) <= 1e-6 * Math.max(1, Math.abs(y));
    const shown: Record<keyof typeof expected, [number, string, string]> = {
      npv: [plan.totals.npv_eur, formatEur(plan.totals.npv_eur), 'sugg-plan-npv'],
      value: [plan.totals.annual_value_eur, `${formatEur(plan.totals.annual_value_eur)}/yr`, 'sugg-plan-value'],
      co2: [plan.totals.co2_t_per_year, formatTonnesPerYear(plan.totals.co2_t_per_year), 'sugg-plan-co2'],
      energy: [plan.totals.delivered_mwh_per_year, formatMwhPerYear(plan.totals.delivered_mwh_per_year), 'sugg-plan-energy'],
      capex: [plan.totals.capex_eur, formatEur(plan.totals.capex_eur), 'sugg-plan-capex'],
    };
    for (const [key, [total, text, testid]] of Object.entries(shown) as [keyof typeof expected, [number, string, string]][]) {
      assert.ok(near(total, expected[key]), `plan ${key} ${total} = the sum of its members' allocations ${expected[key]}`);
      const cell = header.getByTestId(testid);
      assert.equal(Number(await cell.getAttribute('data-value')), total, `${key} shown is the plan's`);
      assert.equal((await cell.innerText()).trim(), text, `${key} as shown`);
    }
    // ... and not the sums of all the alternatives (members compete with them for the same flows).
    const everyMatch = (await apiQuery<Outputs['matches']['list']>('matches.list', { limit: 5000 })).items;
    const alternativesValue = everyMatch.reduce((total, m) => total + (m.economics as { annual_value_eur: number }).annual_value_eur, 0);
    assert.ok(alternativesValue > plan.totals.annual_value_eur * 1.05, 'the sum over every alternative would overstate the value');
    assert.equal(Number(await header.getByTestId('sugg-plan-members').getAttribute('data-value')), plan.members);
    assert.equal(await header.getByTestId('sugg-plan-objective').getAttribute('data-value'), plan.objective);
    assert.equal(await header.getByTestId('sugg-plan-status').getAttribute('data-status'), plan.status);
    assert.ok((await header.getByTestId('sugg-plan-gap').innerText()).trim().endsWith('%'), 'the gap is shown');
    assert.match(await header.getByTestId('sugg-plan-explain').innerText(), /plan members only, never sums of competing alternatives/);
    await shot('suggestions-plan.png');

    const api = await apiSuggestions({ radius_km: 10 });
    const n = api.network;
    assert.ok(n.exchanges > 0, 'the demo portfolio gives exchanges');
    const stat = async (id: string) => (await page.getByTestId(id).innerText()).replace(/\s+/g, ' ').trim();
    assert.ok((await stat('network-sites')).startsWith(`${formatCount(n.sites_involved)} of ${formatCount(n.sites)}`), await stat('network-sites'));
    assert.ok((await stat('network-exchanges')).startsWith(formatCount(n.exchanges)));
    assert.ok((await stat('network-components')).startsWith(formatCount(n.components.length)));
    const central = await page.getByTestId('central-site').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
    assert.deepEqual(central, n.central_by_degree.map((c) => c.site_id), 'the most central sites, by exchanges');

    // The cascades shown are the API's, in its order. Version 2 prices the brewery's 60 degC heat with
    // the heat pump a 70-95 degC network needs: unprofitable, so the demo's former cascade through
    // the brewery is gone, and the tab must say there is none.
    const cards = page.getByTestId('cascade');
    assert.deepEqual(await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-id'))), api.cascades.map((c) => c.id));
    if (api.cascades.length === 0) {
      assert.match(await page.getByTestId('cascades-none').innerText(), /No heat cascade/);
      await shot('suggestions.png');
      return;
    }
    // A chain reads back as its summary (the brewery's, when the API has it).
    const brewery = api.cascades.find((c) => c.sites.includes('demo-site-brewery')) ?? api.cascades[0]!;
    const card = page.locator(`[data-testid="cascade"][data-id="${brewery.id}"]`);
    const steps = await card.getByTestId('cascade-step').evaluateAll((els) =>
      els.map((e) => ({
        name: e.querySelector('[data-testid="cascade-step-name"]')?.textContent?.trim() ?? '',
        temp: e.querySelector('[data-testid="cascade-step-temp"]')?.textContent?.trim() ?? null,
      })),
    );
    const energy = (await card.getByTestId('cascade-energy').innerText()).trim();
    const value = (await card.getByTestId('cascade-value').innerText()).trim();
    const eur = value.replace(/^€/, '').replace(/\/yr$/, '');
    const chain = steps.map((s) => (s.temp ? `${s.name} (${s.temp.replace(' °C', ' degC')})` : s.name)).join(' -> ');
    assert.equal(`${chain}: ${energy}, ${eur} EUR/yr`, brewery.summary, 'the cascade shown is the API\'s');
    if (brewery.sites.includes('demo-site-brewery')) assert.match(brewery.summary, /\(500 degC\) -> Brewery Gelsenkirchen site \(60 degC\) -> /);
    const linkEnergies = await card.getByTestId('cascade-link-energy').allInnerTexts();
    assert.deepEqual(
      linkEnergies.map((s) => s.trim()),
      brewery.links.map((l) => `${l.energy_estimated ? '≈ ' : ''}${formatCount(Math.round(l.energy_mwh_per_year))} MWh/yr`),
      'each exchange of the chain shows its delivered energy',
    );

    // Clicking it highlights exactly its sites and exchanges, and the view holds them.
    await card.click();
    assert.equal(await card.getAttribute('aria-pressed'), 'true');
    const links = brewery.links.map((l) => l.match_id);
    assert.deepEqual(await waitForLayer('suggestion-links', links), [...links].sort(), 'highlighted lines = the cascade\'s exchanges');
    assert.deepEqual(await waitForLayer('suggestion-sites', brewery.sites), [...brewery.sites].sort(), 'highlighted sites = the cascade\'s sites');
    assert.equal(await page.locator('.suggestion-badge').count(), brewery.sites.length, 'numbered badges on the cascade\'s sites');
    await shot('suggestions.png');
  });

  it('lists every cluster\'s suggestion, highlights a cluster\'s members and follows the radius', async () => {
    const api = await apiSuggestions({ radius_km: 10 });
    assert.ok(api.clusters.length > 0, 'the demo portfolio gives service clusters');
    const texts = (await page.getByTestId('cluster-suggestion').allInnerTexts()).map((s) => s.trim());
    assert.deepEqual(texts, api.clusters.map((c) => c.suggestion), 'each cluster\'s suggestion is listed, in the API\'s order');

    const cluster = api.clusters[0]!;
    const card = page.locator(`[data-testid="cluster"][data-id="${cluster.id}"]`);
    assert.equal((await card.getByTestId('cluster-member-count').innerText()).trim(), `${cluster.members.length} sites`);
    await card.click();
    const members = cluster.members.map((m) => m.site_id);
    assert.deepEqual(await waitForLayer('suggestion-sites', members), [...members].sort(), 'highlighted sites = the cluster\'s members');
    assert.deepEqual(await rendered('suggestion-area'), [cluster.id], 'the cluster\'s circle is drawn');
    assert.deepEqual(await rendered('suggestion-links'), [], 'the cascade\'s lines are gone');
    assert.equal(await page.getByTestId('cluster-member').count(), cluster.members.length, 'its members are listed');
    await shot('suggestions-cluster.png');

    // Another radius, other clusters (the API's for that radius); the highlight is dropped.
    const wider = await apiSuggestions({ radius_km: 15 });
    await page.getByTestId('cluster-radius').selectOption('15');
    const expected = wider.clusters.map((c) => c.suggestion);
    await waitForExpression(
      page,
      `JSON.stringify([...document.querySelectorAll('[data-testid="cluster-suggestion"]')].map((e) => e.textContent.trim())) === ${JSON.stringify(JSON.stringify(expected))}`,
      10_000,
    );
    assert.deepEqual(await waitForLayer('suggestion-sites', []), [], 'no highlight after the radius changed');

    assert.deepEqual(b.errors, [], 'the page logged no errors');
    assert.deepEqual(b.foreignRequests, [], 'no request left the local host');
  });
});
