/**
 * End-to-end test of the renderer in headless Chromium against the browser host on a temporary
 * database loaded with the demo portfolio (real Hotmaps sites of the Rhine-Ruhr plus labelled
 * synthetic records).
 *
 *   npx vite build --config renderer/vite.config.ts
 *   node --import tsx --test test/e2e/ui.test.ts
 *
 * It checks what a user checks: every site is on the map (clusters counted), search finds a real
 * site and opens it, a bad flow edit shows the server's message next to the field and saves
 * nothing, a good edit persists across a reload, a broken import lists its problems, and the API
 * refuses calls without the token or from another origin. Screenshots go to test-results/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { REPO_ROOT, startTestHost, type TestHost } from '../support/host.ts';
import { pixelAt, renderedSites, screenPoint, waitForExpression, waitForMapIdle } from '../support/map.ts';

const RESULTS = join(REPO_ROOT, 'test-results');
/** A real Hotmaps site of the demo with an excess-heat supply flow. */
const SITE_ID = 'hm-site-143';
const FLOW_ID = 'hm-flow-143-100-200';

let t: TestHost;
let b: TestBrowser;
let page: Page;

/** Extra copies of the screenshots for review (e.g. SHOTS_DIR=/tmp/shots). */
const SHOTS = process.env['SHOTS_DIR'];
const shot = async (name: string) => {
  await page.screenshot({ path: join(RESULTS, name) });
  if (SHOTS) await page.screenshot({ path: join(SHOTS, name) });
};

function request(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

/** The flow card of FLOW_ID in the detail panel, and its editor. */
const flowItem = () => page.locator(`[data-testid="detail-panel"] li:has([data-testid="flow"][data-id="${FLOW_ID}"])`);

async function openEditor(): Promise<void> {
  const item = flowItem();
  if ((await item.locator('[data-testid="flow-editor"]').count()) === 0) await item.locator('[data-testid="flow-edit"]').click();
  await item.locator('[data-testid="flow-editor"]').waitFor();
}

describe('renderer in headless Chromium (browser host, demo portfolio)', { timeout: 180_000 }, () => {
  before(async () => {
    mkdirSync(RESULTS, { recursive: true });
    if (SHOTS) mkdirSync(SHOTS, { recursive: true });
    t = await startTestHost({ seed: 'demo' });
    b = await launchBrowser({ allowedOrigin: t.host.url });
    page = b.page;
    await page.goto(t.host.openUrl);
  });

  after(async () => {
    await b?.close();
    await t?.close();
  });

  it('shows every site of the database on the map (clusters counted by point_count)', async () => {
    const counts = await t.repo.counts();
    const mapSites = await t.repo.mapSites();
    assert.ok(counts.sites > 100, `the demo portfolio should have many sites, has ${counts.sites}`);
    await page.getByTestId('site-list-count').filter({ hasText: String(counts.sites) }).waitFor();
    await waitForMapIdle(page);

    // The token moved from the address bar to sessionStorage.
    assert.ok(!page.url().includes('token='), `the token must leave the visible URL: ${page.url()}`);
    await page.getByTestId('counts').filter({ hasText: `${counts.sites} sites` }).waitFor();

    const rendered = await renderedSites(page);
    const [west, south, east, north] = rendered.bounds;
    const inView = mapSites.filter((s) => s.lon >= west && s.lon <= east && s.lat >= south && s.lat <= north);
    assert.equal(rendered.total, inView.length, 'sites drawn (single + clustered) = sites of the database in view');
    assert.equal(rendered.total, counts.sites, 'the initial view shows every site of the database');
    assert.ok(rendered.clusters.length > 0, 'at this zoom sites are clustered');
    const known = new Set(mapSites.map((s) => s.id));
    for (const id of rendered.siteIds) assert.ok(known.has(id), `drawn site ${id} is in the database`);

    // Every cluster in view carries its count, drawn offline as an HTML label over the circle.
    const labels = await page.evaluate(`[...document.querySelectorAll('.cluster-count')].map((el) => {
      const r = el.getBoundingClientRect(); const m = window.turashMap.getContainer().getBoundingClientRect();
      return { x: r.left + r.width / 2 - m.left, y: r.top + r.height / 2 - m.top, count: Number(el.dataset.count), text: el.textContent };
    })`);
    for (const c of rendered.clusters) {
      const label = (labels as { x: number; y: number; count: number; text: string }[]).find((l) => Math.hypot(l.x - c.x, l.y - c.y) < 4);
      assert.ok(label, `cluster of ${c.count} at ${c.x.toFixed(0)},${c.y.toFixed(0)} has a count label`);
      assert.equal(label.count, c.count);
    }

    // Legend and attribution are on screen.
    await page.getByTestId('legend').filter({ hasText: 'Synthetic demo data' }).waitFor();
    const attribution = await page.getByTestId('attribution').innerText();
    assert.match(attribution, /Site data: Hotmaps Industrial Database \(Fraunhofer ISI\), CC BY 4\.0/);
    assert.match(attribution, /Basemap: Natural Earth \(public domain\)/);
    await shot('ui-map.png');

    // Clicking a cluster zooms in.
    const target = await page.evaluate(`(() => {
      const m = window.turashMap.getContainer().getBoundingClientRect();
      const clusters = ${JSON.stringify(rendered.clusters)}.sort((a, b) => b.count - a.count);
      for (const c of clusters) {
        const el = document.elementFromPoint(m.left + c.x, m.top + c.y);
        if (el && el.tagName === 'CANVAS') return { x: m.left + c.x, y: m.top + c.y, count: c.count };
      }
      return null;
    })()`);
    assert.ok(target, 'a cluster is clickable (not hidden under the legend)');
    const { x, y } = target as { x: number; y: number };
    await page.mouse.click(x, y);
    await waitForExpression(page, `window.turashMap.getZoom() > ${rendered.zoom + 0.5}`, 5000);
    await waitForMapIdle(page);
    const zoomed = await renderedSites(page);
    assert.ok(zoomed.zoom > rendered.zoom, 'the map zoomed in on the cluster');

    // A wider view shows the offline basemap: land, borders and sea.
    await page.evaluate(`window.turashMap.jumpTo({ center: [10, 50], zoom: 3.3 })`);
    await waitForMapIdle(page);
    await shot('ui-map-europe.png');
    // Sea is sea and land is land (catches broken polygons, e.g. antimeridian wedges over the sea).
    const ocean: [number, number, number] = [0xc9, 0xdb, 0xe8];
    const land: [number, number, number] = [0xf3, 0xf1, 0xec];
    const near = (a: number[], c: number[]) => a.every((v, i) => Math.abs(v - c[i]!) <= 6);
    for (const [name, lon, lat, expected] of [
      ['North Sea', 3.5, 56, ocean],
      ['Adriatic Sea', 14.8, 43.2, ocean],
      ['Baltic Sea', 19, 56, ocean],
      ['Germany', 10.5, 51, land],
      ['Poland', 19, 52, land],
    ] as const) {
      const p = await screenPoint(page, lon, lat);
      assert.equal(await page.evaluate(`document.elementFromPoint(${p.x}, ${p.y})?.tagName`), 'CANVAS', `${name} is not covered by a panel`);
      const rgb = await pixelAt(page, p.x, p.y);
      assert.ok(near(rgb, expected), `${name} at ${lon},${lat} is drawn ${rgb.join(',')}, expected ${expected.join(',')}`);
    }
    assert.deepEqual(b.foreignRequests, [], 'the app makes no request outside the local host (offline basemap)');
  });

  it('finds a real site with the search box and opens its detail', async () => {
    const site = await t.repo.getSite(SITE_ID);
    const organization = await t.repo.getOrganization(site.organization_id);
    await page.locator('body').press('/');
    assert.equal(await page.evaluate(`document.activeElement?.dataset.testid`), 'search-input', '"/" focuses the search');
    await page.keyboard.type(site.name);
    const hit = page.locator(`[data-testid="search-hit"][data-kind="site"][data-id="${SITE_ID}"]`);
    await hit.waitFor();
    await hit.click();
    await page.getByTestId('detail-title').filter({ hasText: site.name }).waitFor();
    assert.equal(await page.getByTestId('org-name').innerText(), organization.name);
    assert.match(await page.getByTestId('site-coordinates').innerText(), /51\.36823° N, 6\.71227° E/);
    await page.locator(`[data-testid="flow"][data-id="${FLOW_ID}"]`).waitFor();

    // The map flew to the site: it is drawn as a single, selected site near the centre.
    await waitForExpression(page, `window.turashMap.getZoom() >= 11.9`, 5000);
    await waitForMapIdle(page);
    const rendered = await renderedSites(page);
    assert.ok(rendered.siteIds.includes(SITE_ID), 'the found site is drawn unclustered after flying to it');
    await shot('ui-site-detail.png');

    // Esc closes the detail panel; choosing the site in the list opens it again.
    await page.locator('body').press('Escape');
    await page.getByTestId('detail-panel').waitFor({ state: 'detached' });
    await page.getByTestId('site-filter').fill(site.name.slice(0, 12));
    await page.locator(`[data-testid="site-row"][data-id="${SITE_ID}"]`).click();
    await page.getByTestId('detail-title').filter({ hasText: site.name }).waitFor();
  });

  it('shows the server\'s validation message next to the field and saves nothing', async () => {
    const before = await t.repo.getFlow(FLOW_ID);
    await openEditor();
    const editor = flowItem().locator('[data-testid="flow-editor"]');

    // A unit that cannot express heat.
    await editor.locator('[data-field="quantity.unit"] input').fill('t/month');
    await editor.getByTestId('flow-save').click();
    const unitError = editor.locator('[data-field="quantity.unit"] .field-error');
    await unitError.waitFor();
    const expected = await t.repo.updateFlow(FLOW_ID, { quantity: { amount: before.quantity.amount, unit: 't/month' } }, before.version).then(
      () => assert.fail('the store accepted t/month for heat'),
      (error: { problems: { field: string; message: string }[] }) => error.problems,
    );
    assert.deepEqual(expected.map((p) => p.field), ['quantity.unit']);
    assert.equal(await unitError.innerText(), expected[0]!.message, 'the inline text is the server\'s message');
    assert.match(await unitError.innerText(), /t\/month.*cannot express heat/);
    await shot('ui-flow-error.png');

    // A negative amount (with a valid unit): the message moves to the amount.
    await editor.locator('[data-field="quantity.unit"] input').fill('GWh/yr');
    await editor.locator('[data-field="quantity.amount"] input').fill('-5');
    await editor.getByTestId('flow-save').click();
    const amountError = editor.locator('[data-field="quantity.amount"] .field-error');
    await amountError.waitFor();
    assert.match(await amountError.innerText(), /must not be negative/);
    assert.equal(await editor.locator('[data-field="quantity.unit"] .field-error').count(), 0);

    // Temperature min above max: shown at the minimum.
    await editor.locator('[data-field="quantity.amount"] input').fill(String(before.quantity.amount));
    await editor.locator('[data-field="quality.temperature_c.min"] input').fill('300');
    await editor.getByTestId('flow-save').click();
    await editor.locator('[data-field="quality.temperature_c.min"] .field-error').filter({ hasText: 'min must not be above max' }).waitFor();

    const after = await t.repo.getFlow(FLOW_ID);
    assert.equal(after.version, before.version, 'nothing was saved');
    assert.deepEqual(after.quantity, before.quantity);
    assert.deepEqual(after.quality, before.quality);
  });

  it('saves a fixed value, which persists across a reload', async () => {
    const before = await t.repo.getFlow(FLOW_ID);
    await openEditor();
    const editor = flowItem().locator('[data-testid="flow-editor"]');
    await editor.locator('[data-field="quantity.amount"] input').fill('712.5');
    await editor.locator('[data-field="quantity.unit"] input').fill('GWh/yr');
    await editor.locator('[data-field="quality.temperature_c.min"] input').fill('110');
    await editor.locator('[data-field="quality.temperature_c.max"] input').fill('190');
    // The heat profile: the select offers the names the core accepts (the API's vocabulary), grouped.
    const profile = editor.locator('[data-field="temporal.profile"] select');
    assert.equal(await profile.inputValue(), before.temporal?.profile ?? '', 'the stored profile is selected');
    assert.ok((await profile.locator('optgroup').count()) >= 3, 'flat/measured, residential regions, industrial processes');
    await profile.selectOption('hotmaps:industry:paper:DE');
    await editor.getByTestId('flow-save').click();
    await editor.getByTestId('form-message').filter({ hasText: `Saved (version ${before.version + 1})` }).waitFor();
    assert.equal(await editor.locator('.field-error').count(), 0);

    const saved = await t.repo.getFlow(FLOW_ID);
    assert.equal(saved.version, before.version + 1);
    assert.deepEqual(saved.quantity, { amount: 712.5, unit: 'GWh/yr' });
    assert.deepEqual(saved.quality?.temperature_c, { min: 110, max: 190 });
    assert.equal(saved.temporal?.profile, 'hotmaps:industry:paper:DE');

    // Reload: the token comes from sessionStorage; the saved value is shown.
    await page.reload();
    await waitForMapIdle(page);
    await page.getByTestId('site-filter').fill('Krupp Mannesmann');
    await page.locator(`[data-testid="site-row"][data-id="${SITE_ID}"]`).click();
    const card = page.locator(`[data-testid="flow"][data-id="${FLOW_ID}"]`);
    await card.waitFor();
    assert.match(await card.getByTestId('flow-quantity').innerText(), /712\.5\s+GWh\/yr/);
    assert.match(await card.getByTestId('flow-temperature').innerText(), /110\s*–\s*190 °C/);
    await openEditor();
    assert.equal(await flowItem().locator('[data-field="temporal.profile"] select').inputValue(), 'hotmaps:industry:paper:DE', 'the saved profile is shown after a reload');
    await shot('ui-flow-saved.png');
  });

  it('edits a waste flow\'s recovery operations and legal status, with an inline error for a bad R-code', async () => {
    const WASTE_FLOW = 'demo-flow-paper-mill-sludge';
    const before = await t.repo.getFlow(WASTE_FLOW);
    await page.getByTestId('site-filter').fill('Board mill');
    await page.locator('[data-testid="site-row"][data-id="demo-site-paper-mill"]').click();
    const item = page.locator(`[data-testid="detail-panel"] li:has([data-testid="flow"][data-id="${WASTE_FLOW}"])`);
    await item.locator('[data-testid="flow-edit"]').click();
    const editor = item.locator('[data-testid="flow-editor"]');
    await editor.waitFor();
    assert.equal(await editor.locator('[data-field="temporal.profile"]').count(), 0, 'no heat profile for a waste flow');
    const rcodes = editor.locator('[data-field="quality.recovery_operations"] input');
    assert.equal(await rcodes.inputValue(), (before.quality?.recovery_operations ?? []).join(', '));
    await rcodes.fill('R3, R14');
    await editor.getByTestId('flow-save').click();
    await editor.locator('[data-field="quality.recovery_operations"] .field-error').filter({ hasText: '"R14" is not a recovery operation' }).waitFor();
    assert.equal((await t.repo.getFlow(WASTE_FLOW)).version, before.version, 'nothing was saved');
    await rcodes.fill('r3 r10');
    await editor.locator('[data-field="quality.waste_status"] select').selectOption('end_of_waste');
    await editor.getByTestId('flow-save').click();
    await editor.getByTestId('form-message').filter({ hasText: `Saved (version ${before.version + 1})` }).waitFor();
    const saved = await t.repo.getFlow(WASTE_FLOW);
    assert.deepEqual(saved.quality?.recovery_operations, ['R3', 'R10']);
    assert.equal(saved.quality?.waste_status, 'end_of_waste');
    assert.equal(saved.quality?.ewc, before.quality?.ewc, 'the rest of the quality block is kept');
  });

  it('lists every problem of a broken import and changes nothing', async () => {
    const before = await t.repo.counts();
    const broken = {
      format: 'turash-exchange',
      version: 1,
      organizations: [{ id: 'acme', name: '' }],
      sites: [{ id: 'acme-1', organization_id: 'nobody', name: 'Plant', country: 'Germany', lat: 95, lon: 7 }],
      flows: [{ id: 'acme-f', site_id: 'acme-1', direction: 'supply', type: 'heat', name: 'Heat', quantity: { amount: 5, unit: 't/month' } }],
    };
    await page.getByTestId('import-button').click();
    await page.getByTestId('import-file-input').setInputFiles({
      name: 'broken.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(broken, null, 2)),
    });
    const table = page.getByTestId('import-problems');
    await table.waitFor({ timeout: 15_000 });
    const rows = await table.locator('tbody tr').allInnerTexts();
    assert.ok(rows.length >= 3, `every problem is listed, got:\n${rows.join('\n')}`);
    const text = rows.join('\n');
    for (const needle of ['broken.json', 'name', 'country', 'lat']) assert.ok(text.includes(needle), `the problems mention ${needle}:\n${text}`);
    assert.match(await page.getByTestId('import-problems-title').innerText(), /Nothing was imported/);
    await shot('ui-import-problems.png');
    assert.deepEqual(await t.repo.counts(), before, 'a broken import changes nothing');
    await page.getByTestId('import-dialog').press('Escape');
    await page.getByTestId('import-dialog').waitFor({ state: 'detached' });
  });

  it('imports a good file with progress and refreshes the counts and the map', async () => {
    const before = await t.repo.counts();
    const n = 300;
    const doc = {
      format: 'turash-exchange',
      version: 1,
      organizations: [{ id: 'e2e-org', name: 'E2E Test Industries', sector: 'Chemical industry', nace: 'C20' }],
      sites: Array.from({ length: n }, (_, i) => ({
        id: `e2e-site-${i}`,
        organization_id: 'e2e-org',
        name: `E2E plant ${i}`,
        country: 'DE',
        lat: 51.2 + (i % 20) * 0.02,
        lon: 6.6 + Math.floor(i / 20) * 0.03,
      })),
      flows: [],
    };
    // Record whether a progress bar was on screen at any time.
    await page.evaluate(`(() => {
      window.__sawProgress = false;
      new MutationObserver(() => { if (document.querySelector('[data-testid="import-progress"]')) window.__sawProgress = true; })
        .observe(document.body, { childList: true, subtree: true });
    })()`);
    await page.getByTestId('import-button').click();
    await page.getByTestId('import-file-input').setInputFiles({ name: 'e2e.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(doc)) });
    await page.getByTestId('import-summary').waitFor({ timeout: 20_000 });
    assert.equal(await page.getByTestId('import-created').innerText(), String(n + 1));
    assert.equal(await page.evaluate(`window.__sawProgress`), true, 'a progress indicator was shown');
    const counts = await t.repo.counts();
    assert.equal(counts.sites, before.sites + n);
    await page.getByTestId('counts').filter({ hasText: `${counts.sites} sites` }).waitFor();
    await page.getByTestId('import-dialog').getByRole('button', { name: 'Done' }).click();

    // The map shows the new sites too (with the list filters cleared: they also filter the map).
    await page.getByTestId('site-filter').fill('');
    await page.getByTestId('site-list-count').filter({ hasText: new RegExp(`^${counts.sites}$`) }).waitFor();
    await page.evaluate(`window.turashMap.fitBounds([[6.3, 50.9], [7.9, 52.0]], { duration: 0, padding: 10 })`);
    await waitForMapIdle(page);
    const rendered = await renderedSites(page);
    const [west, south, east, north] = rendered.bounds;
    const inView = (await t.repo.mapSites()).filter((s) => s.lon >= west && s.lon <= east && s.lat >= south && s.lat <= north);
    assert.ok(inView.length >= n);
    assert.equal(rendered.total, inView.length, 'after the import the map draws every site in view, old and new');
  });

  it('draws the regional plan and its alternatives as two map layers, each switched from the legend with the keyboard', async () => {
    // Before any run the legend already offers both layers, and the match tab says how to make the plan.
    const plan = page.getByTestId('layer-plan');
    const alternatives = page.getByTestId('layer-alternatives');
    assert.ok((await plan.isChecked()) && (await alternatives.isChecked()), 'both layers are on by default');
    await page.getByTestId('tab-matches').click();
    assert.match(await page.getByTestId('list-plan-empty').innerText(), /Run matching to make the regional plan/);
    await page.getByTestId('tab-sites').click();

    await page.getByTestId('run-matching').click();
    await page.getByTestId('matching-summary').waitFor({ timeout: 60_000 });
    await page.getByTestId('matching-dialog').press('Escape');
    await page.getByTestId('matching-dialog').waitFor({ state: 'detached' });
    const all = (await t.repo.matches.list({ limit: 5000 })).items;
    const members = all.filter((m) => m.plan !== null).map((m) => m.id).sort();
    const others = all.filter((m) => m.plan === null).map((m) => m.id).sort();
    assert.ok(members.length > 0 && others.length > 0, 'the demo gives plan members and alternatives');
    await page.evaluate(`window.turashMap.fitBounds([[6.0, 50.8], [8.2, 52.2]], { duration: 0, padding: 10 })`);
    const drawn = async (layer: string): Promise<string[]> => {
      await waitForMapIdle(page);
      return page.evaluate(`[...new Set(window.turashMap.queryRenderedFeatures({ layers: [${JSON.stringify(layer)}] }).map((f) => f.properties.id))].sort()`);
    };
    const until = async (layer: string, want: string[]) => {
      const deadline = Date.now() + 10_000;
      let got = await drawn(layer);
      while (JSON.stringify(got) !== JSON.stringify(want) && Date.now() < deadline) {
        await page.waitForTimeout(150);
        got = await drawn(layer);
      }
      return got;
    };
    assert.deepEqual(await until('match-plan', members), members, 'plan members on their layer');
    assert.deepEqual(await until('match-alternatives', others), others, 'alternatives on theirs');
    await page.getByTestId('line-legend').waitFor();
    await shot('ui-plan-layers.png');

    // Keyboard: Tab reaches the checkbox, Space switches the layer off and on again.
    await plan.focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(`document.activeElement?.getAttribute('data-testid')`), 'layer-alternatives', 'Tab moves from one layer to the next');
    await page.keyboard.press('Space');
    assert.equal(await alternatives.isChecked(), false);
    assert.deepEqual(await until('match-alternatives', []), [], 'alternatives switched off');
    assert.deepEqual(await drawn('match-plan'), members, 'the plan stays');
    await page.keyboard.press('Space');
    assert.deepEqual(await until('match-alternatives', others), others, 'alternatives back');
  });

  it('asks for the token when the page is opened without one', async () => {
    const other = await b.context.newPage();
    try {
      await other.goto(t.host.url);
      await other.getByTestId('no-token').filter({ hasText: 'turash serve' }).waitFor();
    } finally {
      await other.close();
    }
  });

  it('refuses API calls without the token (401) and from a foreign origin (403)', async () => {
    const url = `${t.host.url}trpc/meta.info`;
    const withToken = await request(url, { authorization: `Bearer ${t.host.token}` });
    assert.equal(withToken.status, 200, withToken.body);
    const noToken = await request(url, {});
    assert.equal(noToken.status, 401, noToken.body);
    const wrongToken = await request(url, { authorization: 'Bearer not-the-token' });
    assert.equal(wrongToken.status, 401);
    const foreign = await request(url, { authorization: `Bearer ${t.host.token}`, origin: 'https://evil.example' });
    assert.equal(foreign.status, 403, foreign.body);
  });

  it('ran without errors in the page', () => {
    // The rejected saves above are answered 400 by design (Chromium logs every 4xx response);
    // anything else in the console is a bug.
    const unexpected = b.errors.filter((e) => !/status of 400 \(Bad Request\)/.test(e));
    assert.deepEqual(unexpected, []);
  });
});
