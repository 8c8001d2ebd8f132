/**
 * End-to-end test of matching in the UI: headless Chromium against the browser host on a
 * temporary database with the demo portfolio.
 *
 *   npx vite build --config renderer/vite.config.ts
 *   node --import tsx --test test/e2e/matching.test.ts
 *
 * It runs matching from the header and follows the progress to its summary, checks the map draws
 * one line per match of the filtered list (queryRenderedFeatures on the match layer), opens the
 * best match from the list and checks the explanation and economics SHOWN are the engine's numbers
 * (read from the store, formatted as the UI formats them), moves it suggested -> negotiating and
 * reads the audit trail, and shows a conflict when someone else moved it first.
 * Screenshots: test-results/matching-map.png, matching-detail.png (and matching-run.png).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { CLOSE_REASONS as DOMAIN_CLOSE_REASONS, TRANSITIONS as DOMAIN_TRANSITIONS } from '../../main/domain/match-lifecycle.ts';
import { DEFAULT_CONFIG } from '../../main/matching/config.ts';
import { formatEur, formatPercent, formatScore, formatTonnesPerYear, formatYears } from '../../renderer/src/format.ts';
import { CLOSE_REASONS, economicsOf, SCORE_COMPONENTS, TRANSITIONS } from '../../renderer/src/matching/model.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { REPO_ROOT, startTestHost, type TestHost } from '../support/host.ts';
import { screenPoint, waitForExpression, waitForMapIdle } from '../support/map.ts';

const RESULTS = join(REPO_ROOT, 'test-results');
const MATCH_LAYER = 'match-lines';

let t: TestHost;
let b: TestBrowser;
let page: Page;

const shot = (name: string) => page.screenshot({ path: join(RESULTS, name) });
const text = async (testid: string, within = page.locator('body')) => (await within.getByTestId(testid).first().innerText()).trim();

/** Match ids drawn on a layer (queryRenderedFeatures, deduplicated across tiles) and the view's bounds. */
async function renderedMatches(layer = MATCH_LAYER): Promise<{ ids: string[]; bounds: [number, number, number, number] }> {
  return page.evaluate(`(() => {
    const map = window.turashMap;
    const ids = new Set(map.queryRenderedFeatures({ layers: [${JSON.stringify(layer)}] }).map((f) => f.properties.id));
    const b = map.getBounds();
    return { ids: [...ids], bounds: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()] };
  })()`);
}

/** Waits for the map to draw `expected` match lines (the list just changed; tiles re-render). */
async function waitForLines(expected: number): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    await waitForMapIdle(page);
    const { ids } = await renderedMatches();
    if (ids.length === expected || Date.now() > deadline) return ids;
    await page.waitForTimeout(150);
  }
}

describe('matching in headless Chromium (browser host, demo portfolio)', { timeout: 120_000 }, () => {
  before(async () => {
    mkdirSync(RESULTS, { recursive: true });
    t = await startTestHost({ seed: 'demo' });
    b = await launchBrowser({ allowedOrigin: t.host.url });
    page = b.page;
    await page.goto(t.host.openUrl);
  });

  after(async () => {
    await b?.close();
    await t?.close();
  });

  it('keeps the renderer\'s copy of the lifecycle rules equal to the domain\'s', () => {
    assert.deepEqual(TRANSITIONS, DOMAIN_TRANSITIONS);
    assert.deepEqual([...CLOSE_REASONS], [...DOMAIN_CLOSE_REASONS]);
  });

  it('runs matching from the header, shows the summary and draws one line per listed match', async () => {
    const counts = await t.repo.counts();
    await page.getByTestId('site-list-count').filter({ hasText: String(counts.sites) }).waitFor();
    await waitForMapIdle(page);
    assert.equal((await t.repo.matches.counts()).total, 0, 'a fresh database has no matches');

    // The weights panel starts at the engine's defaults.
    await page.getByTestId('matching-weights').click();
    await page.getByTestId('weights-panel').waitFor();
    for (const c of SCORE_COMPONENTS) assert.equal(Number(await page.getByTestId(`weight-${c}`).inputValue()), DEFAULT_CONFIG.weights[c], `${c} slider`);
    assert.equal(Number(await page.getByTestId('weight-top-n').inputValue()), DEFAULT_CONFIG.top_n);
    await shot('matching-weights.png');
    await page.getByTestId('matching-dialog').getByRole('button', { name: 'Close' }).first().click();
    await page.getByTestId('matching-dialog').waitFor({ state: 'detached' });

    await page.getByTestId('run-matching').click();
    await page.getByTestId('matching-dialog').waitFor();
    // The progress bar runs through the phases, then the summary replaces it.
    const summary = page.getByTestId('matching-summary');
    const failed = page.getByTestId('matching-failed');
    await summary.or(failed).waitFor({ timeout: 60_000 });
    if (await failed.isVisible()) assert.fail(`matching failed in the UI: ${await failed.innerText()}`);
    assert.equal(await page.getByTestId('matching-progress').count(), 0, 'the progress bar is gone at the end');

    const stored = await t.repo.matches.counts();
    assert.ok(stored.total > 10, `the demo portfolio should give matches, got ${stored.total}`);
    assert.equal(await text('matching-found'), String(stored.total));
    assert.equal(await text('matching-automated'), String(stored.automated));
    assert.equal(await text('matching-facilitated'), String(stored.facilitated));
    const relaxed = (await t.repo.matches.list({ limit: 5000 })).items.filter((m) => m.relaxed.length > 0).length;
    assert.equal(await text('matching-relaxed'), String(relaxed));
    const summaryText = await summary.innerText();
    assert.ok(summaryText.includes(`automated · ${formatPercent(stored.automated / stored.total)}`), `the automated share is shown: ${summaryText}`);
    assert.ok(summaryText.includes(`facilitated · ${formatPercent(stored.facilitated / stored.total)}`), 'the facilitated share is shown');
    await shot('matching-run.png');

    await page.getByTestId('matching-show').click();
    await page.getByTestId('matching-dialog').waitFor({ state: 'detached' });
    await page.locator(`[data-testid="match-list-count"][data-total="${stored.total}"]`).waitFor();

    // Every match of the list is on the map (the initial view holds every site, so every line).
    const all = (await t.repo.matches.list({ limit: 5000 })).items;
    const ids = await waitForLines(all.length);
    const { bounds } = await renderedMatches();
    const [west, south, east, north] = bounds;
    const inside = (lon: number, lat: number) => lon >= west && lon <= east && lat >= south && lat <= north;
    const inView = all.filter((m) => inside(m.supply.lon, m.supply.lat) || inside(m.demand.lon, m.demand.lat));
    assert.equal(inView.length, all.length, 'the initial view shows both ends of every match');
    assert.equal(ids.length, inView.length, 'match lines drawn = matches of the list in view');
    assert.deepEqual(new Set(ids), new Set(all.map((m) => m.id)), 'the lines are the listed matches');
    await page.getByTestId('score-legend').waitFor();

    // A filter narrows list and map alike.
    await page.getByTestId('match-filter-score').fill('0.8');
    const good = await t.repo.matches.list({ min_score: 0.8, limit: 5000 });
    assert.ok(good.total > 0 && good.total < all.length, `a 0.8 threshold should split the demo's matches (${good.total} of ${all.length})`);
    await page.locator(`[data-testid="match-list-count"][data-total="${good.total}"]`).waitFor();
    assert.equal(await page.getByTestId('match-row').count(), Math.min(100, good.total));
    const filtered = await waitForLines(good.total);
    assert.deepEqual(new Set(filtered), new Set(good.items.map((m) => m.id)), 'with a minimum score the map draws exactly the filtered matches');

    // The layer can be switched off.
    await page.getByTestId('layer-matches').uncheck();
    await waitForMapIdle(page);
    assert.equal((await renderedMatches()).ids.length, 0, 'no match lines with the layer off');
    await page.getByTestId('layer-matches').check();
    await page.getByTestId('match-filter-score').fill('');
    await page.locator(`[data-testid="match-list-count"][data-total="${stored.total}"]`).waitFor();
    await waitForLines(all.length);
    await shot('matching-map.png');
  });

  it('opens the best match from the list and shows the engine\'s explanation and economics', async () => {
    const [best] = (await t.repo.matches.list({ order: 'score', limit: 1 })).items;
    assert.ok(best);
    const firstRow = page.getByTestId('match-row').first();
    assert.equal(await firstRow.getAttribute('data-id'), best.id, 'the list is ordered by score: the best match is first');
    await firstRow.click();
    const detail = page.getByTestId('match-detail');
    await detail.waitFor();
    await detail.getByTestId('econ-npv').waitFor();

    // Score and its six components, with the weights of the run (the defaults here).
    assert.equal(await text('match-score', detail), formatScore(best.score));
    for (const c of SCORE_COMPONENTS) {
      const row = detail.getByTestId(`component-${c}`);
      assert.equal(await text('component-value', row), formatScore(best.scores[c]!), `${c} score`);
      assert.equal(await text('component-weight', row), DEFAULT_CONFIG.weights[c].toFixed(2), `${c} weight`);
      const binding = ((await row.getAttribute('class')) ?? '').includes('binding');
      assert.equal(binding, c === best.binding_constraint, `${c} is ${c === best.binding_constraint ? '' : 'not '}marked binding`);
    }
    assert.equal(await detail.getByTestId('weights-unknown').count(), 0, 'the weights shown reproduce the engine\'s raw score');
    // The table fits its card, every row laid out as a table row (a rule of the field view's
    // stylesheet once made the binding row a flex box and pushed the bars out of sight).
    const layout = await detail.getByTestId('score-card').evaluate((card) => {
      const table = card.querySelector('table')!;
      const rows = [...table.querySelectorAll('tbody tr')].map((r) => getComputedStyle(r).display);
      return { overflow: table.getBoundingClientRect().right - card.getBoundingClientRect().right, rows };
    });
    assert.ok(layout.overflow <= 0.5, `the score table fits its card (overflows by ${layout.overflow.toFixed(1)} px)`);
    assert.deepEqual([...new Set(layout.rows)], ['table-row'], 'every component row is a table row');
    const tight = (best.detail as { tightest_constraint: { constraint: string; used: number } }).tightest_constraint;
    assert.ok((await text('tightest-constraint', detail)).toLowerCase().includes(tight.constraint), 'the tightest hard constraint is named');
    assert.ok((await text('match-route', detail)).startsWith(best.route), 'the route is shown');

    // Economics exactly as the engine computed them.
    const e = economicsOf(best);
    assert.equal(await text('econ-npv', detail), formatEur(e.npv_eur));
    assert.equal(await text('econ-irr', detail), formatPercent(e.irr));
    assert.equal(await text('econ-payback', detail), formatYears(e.payback_years));
    assert.equal(await text('econ-capex', detail), formatEur(e.capex_eur));
    assert.equal(await text('econ-co2', detail), formatTonnesPerYear(e.co2_t_per_year));
    assert.equal(await text('econ-value', detail), formatEur(e.annual_value_eur));
    assert.match(await text('econ-irr', detail), /^-?\d+\.\d %$/, 'IRR is a percentage');
    assert.match(await text('econ-npv', detail), /^-?€[\d,]+$/, 'NPV is whole euros with thousands separators');
    const sensitivity = await detail.getByTestId('sensitivity').innerText();
    for (const p of [...e.sensitivity!.annual_value, ...e.sensitivity!.capex]) assert.ok(sensitivity.includes(formatEur(p.npv_eur)), `sensitivity shows ${formatEur(p.npv_eur)}`);

    // The selected match is highlighted on the map (the view fitted to its two sites).
    await waitForExpression(page, `window.turashMap.queryRenderedFeatures({ layers: ['match-selected'] }).some((f) => f.properties.id === ${JSON.stringify(best.id)})`, 8000);
    await waitForMapIdle(page);
    await shot('matching-detail.png');
    await detail.getByTestId('economics-card').scrollIntoViewIfNeeded();
    await shot('matching-economics.png');

    // Esc closes the detail; clicking the match's line on the map opens it again.
    await page.locator('body').press('Escape');
    await detail.waitFor({ state: 'detached' });
    await waitForMapIdle(page);
    const mid = await screenPoint(page, (best.supply.lon + best.demand.lon) / 2, (best.supply.lat + best.demand.lat) / 2);
    await page.mouse.click(mid.x, mid.y);
    await detail.getByTestId('match-score').filter({ hasText: formatScore(best.score) }).waitFor();
    assert.ok((await text('match-title', detail)).includes(best.demand.organization_name));
  });

  it('moves the match suggested -> negotiating with a note, shows the audit trail, and reports a conflict', async () => {
    const [best] = (await t.repo.matches.list({ order: 'score', limit: 1 })).items;
    assert.ok(best);
    const detail = page.getByTestId('match-detail');
    assert.equal(await detail.locator('[data-testid^="transition-"]').count(), TRANSITIONS.suggested.length, 'one button per allowed move');
    await detail.getByTestId('transition-negotiating').click();
    await detail.getByTestId('transition-note').fill('Called the energy manager; meeting on site next week.');
    await detail.getByTestId('transition-confirm').click();
    await detail.getByTestId('match-status').filter({ hasText: 'negotiating' }).waitFor();
    const events = detail.getByTestId('audit-event');
    await events.first().waitFor();
    assert.equal(await events.count(), 1);
    const event = await events.first().innerText();
    assert.match(event, /suggested\s*→\s*negotiating/);
    assert.ok(event.includes('meeting on site next week'), 'the note is in the audit trail');

    const saved = await t.repo.matches.get(best.id);
    assert.equal(saved.status, 'negotiating');
    assert.equal(saved.version, best.version + 1);
    assert.equal(saved.events.length, 1);
    assert.equal(saved.events[0]!.note, 'Called the energy manager; meeting on site next week.');
    // The list row follows.
    await page.locator(`[data-testid="match-row"][data-id="${best.id}"] .match-status`).filter({ hasText: 'negotiating' }).waitFor();
    await detail.locator('[data-testid="transition-reserved"]').waitFor();
    await detail.getByTestId('lifecycle').scrollIntoViewIfNeeded();
    await shot('matching-lifecycle.png');

    // Someone else moves it back first: the UI's move is refused as a conflict, and Reload shows theirs.
    await t.repo.matches.transition(best.id, { to: 'suggested', version: saved.version }, 'colleague');
    await detail.getByTestId('transition-cancelled').click();
    await detail.getByTestId('transition-reason').selectOption('timing');
    await detail.getByTestId('transition-confirm').click();
    const problem = detail.getByTestId('transition-error');
    await problem.waitFor();
    assert.match(await problem.innerText(), /changed this match/);
    await problem.getByRole('button', { name: 'Reload' }).click();
    await detail.getByTestId('match-status').filter({ hasText: 'suggested' }).waitFor();
    assert.equal(await detail.getByTestId('audit-event').count(), 2);
    assert.equal((await t.repo.matches.get(best.id)).status, 'suggested', 'the refused move changed nothing');

    // The refused move is a 409 in the network log, expected; nothing else.
    assert.deepEqual(b.errors.filter((e) => !/status of 409 \(Conflict\)/.test(e)), [], 'the page logged no other errors');
    assert.deepEqual(b.foreignRequests, [], 'no request left the local host');
  });

  it('runs again with other weights from the weights panel; the detail explains with those weights', async () => {
    await page.getByTestId('matching-weights').click();
    await page.getByTestId('weight-quality').fill('0.5');
    await page.getByTestId('weight-top-n').fill('5');
    await page.getByTestId('matching-run-weights').click();
    const summary = page.getByTestId('matching-summary');
    await summary.or(page.getByTestId('matching-failed')).waitFor({ timeout: 60_000 });
    assert.ok(await summary.isVisible(), 'the second run finished');
    assert.match(await summary.innerText(), /top 5 per flow/);
    await page.getByTestId('matching-show').click();
    const stored = await t.repo.matches.counts();
    await page.locator(`[data-testid="match-list-count"][data-total="${stored.total}"]`).waitFor();

    const [best] = (await t.repo.matches.list({ order: 'score', limit: 1 })).items;
    assert.ok(best);
    await page.locator(`[data-testid="match-row"][data-id="${best.id}"]`).click();
    const detail = page.getByTestId('match-detail');
    await detail.locator(`[data-testid="match-score"]`).filter({ hasText: formatScore(best.score) }).waitFor();
    assert.equal(await text('component-weight', detail.getByTestId('component-quality')), '0.50');
    // The engine's raw score is reproduced with the weights shown: the run used them.
    assert.equal(await detail.getByTestId('weights-unknown').count(), 0);
  });
});
