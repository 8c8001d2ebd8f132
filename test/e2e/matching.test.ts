/**
 * End-to-end test of matching in the UI: headless Chromium against the browser host on a
 * temporary database with the demo portfolio.
 *
 *   npx vite build --config renderer/vite.config.ts
 *   node --import tsx --test test/e2e/matching.test.ts
 *
 * It runs matching from the header and follows the progress (through the planning phase) to its
 * summary with the regional plan, checks the map draws one line per match of the filtered list,
 * plan members and alternatives on their own layers (queryRenderedFeatures on each), each layer
 * switched off on its own, the list grouped by the supply the alternatives compete for with a
 * plan filter, opens the best match from the list and checks the explanation and economics SHOWN
 * are the engine's numbers (read from the store, formatted as the UI formats them), opens a heat
 * plan member (allocation, share, LCOH, the hourly chart's canvas, pipes and assumptions) and an
 * alternative (the plan members taking its flows), moves a match suggested -> negotiating and reads
 * the audit trail, shows a conflict when someone else moved it first, and shows the refusal of a
 * reservation that would over-allocate a flow next to the action, naming both flows.
 * Screenshots: test-results/matching-*.png (and /tmp/shots when SHOTS_DIR is set).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { CLOSE_REASONS as DOMAIN_CLOSE_REASONS, TRANSITIONS as DOMAIN_TRANSITIONS } from '../../main/domain/match-lifecycle.ts';
import { DEFAULT_CONFIG } from '../../main/matching/config.ts';
import type { MatchRecord } from '../../main/db/matches.ts';
import { formatCtPerKwh, formatEur, formatMw, formatPercent, formatQuantity, formatScore, formatTonnesPerYear, formatYears } from '../../renderer/src/format.ts';
import { allocationOf, CLOSE_REASONS, economicsOf, heatOf, SCORE_COMPONENTS, TRANSITIONS } from '../../renderer/src/matching/model.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { REPO_ROOT, startTestHost, type TestHost } from '../support/host.ts';
import { screenPoint, waitForExpression, waitForMapIdle } from '../support/map.ts';

const RESULTS = join(REPO_ROOT, 'test-results');
/** Plan members and alternatives: one layer each (renderer/src/map/MapView.tsx). */
const PLAN_LAYER = 'match-plan';
const ALTERNATIVE_LAYER = 'match-alternatives';
const MATCH_LAYERS = [PLAN_LAYER, ALTERNATIVE_LAYER];
/** Extra copies of the screenshots for review (e.g. SHOTS_DIR=/tmp/shots). */
const SHOTS = process.env['SHOTS_DIR'];

let t: TestHost;
let b: TestBrowser;
let page: Page;

const shot = async (name: string) => {
  await page.screenshot({ path: join(RESULTS, name) });
  if (SHOTS) await page.screenshot({ path: join(SHOTS, name) });
};
const text = async (testid: string, within = page.locator('body')) => (await within.getByTestId(testid).first().innerText()).trim();

/** Match ids drawn on the given layers (queryRenderedFeatures, deduplicated across tiles) and the view's bounds. */
async function renderedMatches(layers: readonly string[] = MATCH_LAYERS): Promise<{ ids: string[]; bounds: [number, number, number, number] }> {
  return page.evaluate(`(() => {
    const map = window.turashMap;
    const ids = new Set(map.queryRenderedFeatures({ layers: ${JSON.stringify(layers)} }).map((f) => f.properties.id));
    const b = map.getBounds();
    return { ids: [...ids], bounds: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()] };
  })()`);
}

/** Waits for the map to draw `expected` match lines (the list just changed; tiles re-render). */
async function waitForLines(expected: number, layers: readonly string[] = MATCH_LAYERS): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    await waitForMapIdle(page);
    const { ids } = await renderedMatches(layers);
    if (ids.length === expected || Date.now() > deadline) return ids;
    await page.waitForTimeout(150);
  }
}

describe('matching in headless Chromium (browser host, demo portfolio)', { timeout: 240_000 }, () => {
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

    // Which phases the progress names while it runs (the run is fast: watch the DOM as it changes).
    await page.evaluate(`(() => {
      window.seenPhases = new Set();
      const look = () => document.querySelectorAll('[data-testid="matching-progress"] .phases li').forEach((li) => window.seenPhases.add(li.textContent.trim()));
      new MutationObserver(look).observe(document.body, { childList: true, subtree: true });
    })()`);
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
    const phases = (await page.evaluate('[...window.seenPhases]')) as string[];
    assert.ok(phases.includes('Finishing and storing the regional plan'), `the progress names the planning phase: ${phases.join(' | ')}`);
    // The summary ends with the regional plan: its totals are the stored plan's.
    const plan = await t.repo.plan.summary();
    assert.ok(plan && plan.members > 0, 'the run made a regional plan');
    const runPlan = page.getByTestId('matching-plan');
    assert.equal(Number(await runPlan.getByTestId('run-plan-npv').getAttribute('data-value')), plan.totals.npv_eur);
    assert.equal(await text('run-plan-npv', runPlan), formatEur(plan.totals.npv_eur));
    assert.equal(Number(await runPlan.getByTestId('run-plan-members').getAttribute('data-value')), plan.members);
    assert.equal(await runPlan.getByTestId('run-plan-objective').getAttribute('data-value'), 'npv');
    assert.match(await text('run-plan-explain', runPlan), /plan members only, never sums of competing alternatives/);
    await shot('matching-run.png');

    await page.getByTestId('matching-show').click();
    await page.getByTestId('matching-dialog').waitFor({ state: 'detached' });
    await page.locator(`[data-testid="match-list-count"][data-total="${stored.total}"]`).waitFor();

    // Every match of the list is on the map (the initial view holds every site, so every line):
    // plan members on their layer, alternatives on theirs.
    const all = (await t.repo.matches.list({ limit: 5000 })).items;
    const members = all.filter((m) => m.plan !== null);
    const alternatives = all.filter((m) => m.plan === null);
    assert.equal(members.length, plan.members, 'the stored plan members are the plan\'s');
    assert.ok(alternatives.length > 0, 'the demo portfolio leaves alternatives outside the plan');
    const ids = await waitForLines(all.length);
    assert.deepEqual(new Set(await waitForLines(members.length, [PLAN_LAYER])), new Set(members.map((m) => m.id)), 'the plan layer draws exactly the plan members');
    assert.deepEqual(new Set(await waitForLines(alternatives.length, [ALTERNATIVE_LAYER])), new Set(alternatives.map((m) => m.id)), 'the alternatives layer draws exactly the alternatives');
    // Drawn distinctly: members solid and thicker in their type's colour, alternatives thin, dashed, grey.
    const style = (await page.evaluate(`(() => {
      const map = window.turashMap;
      const at = (layer, z) => map.getLayer(layer) && map.getPaintProperty(layer, 'line-width');
      return { plan: at('match-plan'), alt: at('match-alternatives'), dash: map.getPaintProperty('match-alternatives', 'line-dasharray') ?? null, planDash: map.getPaintProperty('match-plan', 'line-dasharray') ?? null, altColor: map.getPaintProperty('match-alternatives', 'line-color') };
    })()`)) as { plan: unknown[]; alt: unknown[]; dash: unknown; planDash: unknown; altColor: string };
    const widthAt12 = (w: unknown[]) => Number(w[w.length - 1]);
    assert.ok(widthAt12(style.plan) > 2 * widthAt12(style.alt), `plan lines are much thicker (${JSON.stringify(style.plan)} vs ${JSON.stringify(style.alt)})`);
    assert.ok(Array.isArray(style.dash) && style.planDash === null, 'alternatives dashed, plan members solid');
    // The legend says which is which, with the counts.
    const legend = page.getByTestId('line-legend');
    assert.equal(Number(await legend.getByTestId('line-legend-plan').getAttribute('data-count')), members.length);
    assert.equal(Number(await legend.getByTestId('line-legend-alternatives').getAttribute('data-count')), alternatives.length);
    assert.match(await legend.innerText(), /Alternatives \(not in the plan\)/);
    const { bounds } = await renderedMatches();
    const [west, south, east, north] = bounds;
    const inside = (lon: number, lat: number) => lon >= west && lon <= east && lat >= south && lat <= north;
    const inView = all.filter((m) => inside(m.supply.lon, m.supply.lat) || inside(m.demand.lon, m.demand.lat));
    assert.equal(inView.length, all.length, 'the initial view shows both ends of every match');
    assert.equal(ids.length, inView.length, 'match lines drawn = matches of the list in view');
    assert.deepEqual(new Set(ids), new Set(all.map((m) => m.id)), 'the lines are the listed matches');

    // A filter narrows list and map alike.
    await page.getByTestId('match-filter-score').fill('0.8');
    const good = await t.repo.matches.list({ min_score: 0.8, limit: 5000 });
    assert.ok(good.total > 0 && good.total < all.length, `a 0.8 threshold should split the demo's matches (${good.total} of ${all.length})`);
    await page.locator(`[data-testid="match-list-count"][data-total="${good.total}"]`).waitFor();
    assert.equal(await page.getByTestId('match-row').count(), Math.min(100, good.total));
    const filtered = await waitForLines(good.total);
    assert.deepEqual(new Set(filtered), new Set(good.items.map((m) => m.id)), 'with a minimum score the map draws exactly the filtered matches');

    // Each layer can be switched off on its own.
    await page.getByTestId('match-filter-score').fill('');
    await page.locator(`[data-testid="match-list-count"][data-total="${stored.total}"]`).waitFor();
    await waitForLines(all.length);
    await page.getByTestId('layer-alternatives').uncheck();
    assert.deepEqual(new Set(await waitForLines(members.length)), new Set(members.map((m) => m.id)), 'alternatives off: only the plan is drawn');
    await shot('matching-map-plan-only.png');
    await page.getByTestId('layer-plan').uncheck();
    await waitForMapIdle(page);
    assert.equal((await renderedMatches()).ids.length, 0, 'no match lines with both layers off');
    await page.getByTestId('layer-alternatives').check();
    assert.deepEqual(new Set(await waitForLines(alternatives.length)), new Set(alternatives.map((m) => m.id)), 'plan off: only the alternatives are drawn');
    await page.getByTestId('layer-plan').check();
    await waitForLines(all.length);
    await shot('matching-map.png');

    // The list: the plan's totals on top, grouped by the supply the alternatives compete for,
    // plan members first with how much of the supply the plan allocates; a plan filter.
    assert.equal(Number(await page.getByTestId('list-plan-npv').getAttribute('data-value')), plan.totals.npv_eur, 'the list header shows the plan\'s NPV');
    const groups = page.getByTestId('match-group');
    const bySupply = new Map<string, MatchRecord[]>();
    for (const m of all) bySupply.set(m.supply.flow_id, [...(bySupply.get(m.supply.flow_id) ?? []), m]);
    assert.equal(await groups.count(), bySupply.size, 'one group per supply');
    for (const [flowId, ms] of bySupply) {
      const group = page.locator(`[data-testid="match-group"][data-flow="${flowId}"]`);
      const rows = await group.getByTestId('match-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-in-plan')));
      const inPlan = ms.filter((m) => m.plan !== null).length;
      assert.deepEqual(rows, [...Array(inPlan).fill('true'), ...Array(ms.length - inPlan).fill('false')], `${flowId}: its plan members first, then its alternatives`);
      const allocated = ms.reduce((sum, m) => {
        const a = allocationOf(m);
        const h = heatOf(m);
        if (!a) return sum;
        return sum + (h ? (a.delivered_mwh_per_year ?? 0) + (((h.loss_w_per_m * h.route_m) / 1e6) * h.hours_delivering) : a.allocated.amount);
      }, 0);
      assert.ok(Math.abs(Number(await group.getAttribute('data-allocated')) - allocated) <= 1e-6 * Math.max(1, allocated), `${flowId}: the allocated quantity shown is the plan's`);
    }
    await page.getByTestId('match-filter-plan-members').click();
    await page.locator(`[data-testid="match-list-count"][data-total="${members.length}"]`).waitFor();
    assert.deepEqual([...new Set(await page.getByTestId('match-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-in-plan'))))], ['true'], 'plan members only');
    assert.deepEqual(new Set(await waitForLines(members.length)), new Set(members.map((m) => m.id)), 'the map follows the plan filter');
    await shot('matching-list-members.png');
    await page.getByTestId('match-filter-plan-alternatives').click();
    await page.locator(`[data-testid="match-list-count"][data-total="${alternatives.length}"]`).waitFor();
    assert.deepEqual([...new Set(await page.getByTestId('match-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-in-plan'))))], ['false'], 'alternatives only');
    await page.getByTestId('match-filter-plan-all').click();
    await page.locator(`[data-testid="match-list-count"][data-total="${stored.total}"]`).waitFor();
    await shot('matching-list-grouped.png');
  });

  it('opens the best match from the list and shows the engine\'s explanation and economics', async () => {
    const [best] = (await t.repo.matches.list({ order: 'score', limit: 1 })).items;
    assert.ok(best);
    // A flat list, best score first.
    await page.getByTestId('match-group-by').selectOption('none');
    await page.getByTestId('match-groups').waitFor({ state: 'detached' });
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

  it('opens a heat plan member: its allocation, share, LCOH, the hourly chart, pipes and every assumption', async () => {
    const members = (await t.repo.matches.list({ in_plan: true, limit: 5000 })).items.filter((m) => m.type === 'heat' && heatOf(m) !== null);
    assert.ok(members.length > 0, 'the demo plan has heat members');
    // One with a heat pump if the plan has one (it shows more), else the largest allocation.
    const member = members.find((m) => heatOf(m)!.heat_pump !== null) ?? [...members].sort((a, b) => allocationOf(b)!.allocated.amount - allocationOf(a)!.allocated.amount)[0]!;
    const a = allocationOf(member)!;
    const h = heatOf(member)!;
    await page.locator(`[data-testid="match-row"][data-id="${member.id}"]`).click();
    const detail = page.getByTestId('match-detail');
    const card = detail.getByTestId('plan-card');
    await card.waitFor();
    assert.equal(await card.getAttribute('data-in-plan'), 'true');
    assert.match((await text('plan-status', card)).replace(/\s+/g, ' '), /^In the plan allocated [\d,.]+ MWh\/yr \(share [\d.]+ %\)/);
    assert.equal(await text('plan-allocated', card), formatQuantity(a.allocated));
    assert.equal(a.allocated.unit, 'MWh/yr', 'heat is allocated in MWh per year');
    assert.equal(await text('plan-share', card), formatPercent(a.share, a.share < 0.999 ? 1 : 0));
    assert.equal(await text('plan-npv', card), formatEur(a.npv_eur));
    assert.equal(await text('plan-lcoh', card), formatCtPerKwh(a.lcoh_ct_per_kwh));
    assert.equal(await text('headline-lcoh', detail), formatCtPerKwh(a.lcoh_ct_per_kwh), 'LCOH next to NPV in the headline');
    assert.equal(await text('headline-npv', detail), formatEur(a.npv_eur));
    assert.equal(await text('econ-lcoh', detail), formatCtPerKwh(h.lcoh_ct_per_kwh), 'LCOH next to the stand-alone NPV');
    assert.equal(await detail.getByTestId('match-in-plan').innerText(), 'in the plan');

    // The year hour by hour: a uPlot canvas of daily means, the full 8,760 hours on request.
    const chart = detail.getByTestId('hourly-chart');
    await chart.locator('canvas').first().waitFor();
    assert.equal(await chart.getAttribute('data-points'), '365');
    const box = await chart.locator('canvas').first().boundingBox();
    assert.ok(box && box.width > 250 && box.height > 100, `the chart has a readable size: ${JSON.stringify(box)}`);
    // The axes are drawn on the canvas (months along x, MW up y: see the screenshot); the plot says so to a screen reader.
    assert.match((await chart.getByTestId('hourly-plot').getAttribute('aria-label')) ?? '', /^Power in MW over the year, January to December/);
    assert.match(await chart.innerText(), /\(MW\)/, 'the caption gives the unit');
    await chart.getByTestId('hourly-hourly').click();
    await page.locator('[data-testid="hourly-chart"][data-points="8760"]').waitFor();
    await chart.getByTestId('hourly-daily').press('Enter'); // keyboard works as a click on the toggle
    await page.locator('[data-testid="hourly-chart"][data-points="365"]').waitFor();
    const hourly = await t.core.matching.hourly(member.id);
    assert.ok(hourly && hourly.delivered.length === 8760, 'the API gives 8,760 hours');

    // The planner's figures: capacity, pipe class, two pipes along the route, losses, heat pump.
    const heat = detail.getByTestId('heat-card');
    assert.equal(await text('heat-capacity', heat), formatMw(h.capacity_mw));
    assert.equal(await text('heat-pipe-class', heat), formatMw(h.pipe_class_mw));
    assert.match(await text('heat-pipes', heat), /^2 pipes \(flow and return\) × [\d,]+ m route/);
    assert.match(await text('heat-losses', heat), / W per metre of route \(both pipes\)/);
    if (h.heat_pump) assert.ok((await text('heat-pump', heat)).includes(`COP ${h.heat_pump.cop.toFixed(2)}`), 'the heat pump and its COP');
    else assert.match(await text('heat-pump', heat), /not needed/);
    const assumptions = (await detail.getByTestId('assumptions').locator('li').allInnerTexts()).map((x) => x.trim());
    for (const x of member.assumptions) assert.ok(assumptions.includes(x), `assumption listed: ${x}`);
    assert.equal(await detail.getByTestId('priced-v1').count(), 0, 'priced by the new method: no marking');
    await shot('matching-member.png');
    await heat.scrollIntoViewIfNeeded();
    await shot('matching-member-heat.png');
  });

  it('opens an alternative: not in the plan, with the plan members that take its flows', async () => {
    const all = (await t.repo.matches.list({ limit: 5000 })).items;
    const members = all.filter((m) => m.plan !== null);
    const rivalsOf = (x: MatchRecord) => members.filter((m) => m.supply.flow_id === x.supply.flow_id || m.demand.flow_id === x.demand.flow_id);
    const alternative = all.find((m) => m.plan === null && m.type === 'heat' && rivalsOf(m).length > 0) ?? all.find((m) => m.plan === null && rivalsOf(m).length > 0);
    assert.ok(alternative, 'an alternative competes with a plan member');
    await page.locator(`[data-testid="match-row"][data-id="${alternative.id}"]`).click();
    const detail = page.getByTestId('match-detail');
    const card = detail.locator('[data-testid="plan-card"][data-in-plan="false"]');
    await card.waitFor();
    assert.match((await text('plan-status', card)).replace(/\s+/g, ' '), /^Alternative not in the plan/);
    await card.getByTestId('plan-competitor').first().waitFor();
    const shown = await card.getByTestId('plan-competitor').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
    assert.deepEqual(new Set(shown), new Set(rivalsOf(alternative).map((m) => m.id)), 'the plan members on its supply and its demand are named');
    await shot('matching-alternative.png');
    // A named member opens from there.
    await card.getByTestId('plan-competitor').first().click();
    await detail.locator('[data-testid="plan-card"][data-in-plan="true"]').waitFor();
  });

  it('refuses a reservation that would over-allocate a flow, next to the action, naming both flows', async () => {
    const all = (await t.repo.matches.list({ limit: 5000 })).items.filter((m) => m.status === 'suggested');
    const until = new Date(Date.now() + 20 * 86_400_000).toISOString();
    // A plan member held by a colleague, and an alternative for one of its flows that cannot be held beside it.
    let pair: { held: MatchRecord; heldVersion: number; refused: MatchRecord } | undefined;
    for (const held of all.filter((m) => m.plan !== null)) {
      const rivals = all.filter((m) => m.plan === null && (m.supply.flow_id === held.supply.flow_id || m.demand.flow_id === held.demand.flow_id));
      if (rivals.length === 0) continue;
      let v = (await t.repo.matches.transition(held.id, { to: 'negotiating', version: held.version }, 'colleague')).version;
      v = (await t.repo.matches.transition(held.id, { to: 'reserved', version: v, reserved_until: until }, 'colleague')).version;
      for (const refused of rivals) {
        const fails = await t.core.matching.checkHold(refused.id).then(
          () => false,
          () => true,
        );
        if (fails) {
          pair = { held, heldVersion: v, refused };
          break;
        }
      }
      if (pair) break;
      v = (await t.repo.matches.transition(held.id, { to: 'negotiating', version: v }, 'colleague')).version;
      await t.repo.matches.transition(held.id, { to: 'suggested', version: v }, 'colleague');
    }
    assert.ok(pair, 'the demo has an alternative that cannot be reserved beside a reserved plan member');
    const { refused } = pair;

    await page.locator(`[data-testid="match-row"][data-id="${refused.id}"]`).click();
    const detail = page.getByTestId('match-detail');
    await detail.locator('[data-testid="plan-card"][data-in-plan="false"]').waitFor();
    await detail.getByTestId('transition-negotiating').click();
    await detail.getByTestId('transition-confirm').click();
    await detail.getByTestId('match-status').filter({ hasText: 'negotiating' }).waitFor();
    // the first form closes once its save is done (under load it can still say "Saving…" here)
    await detail.getByTestId('transition-confirm').waitFor({ state: 'detached' });
    await detail.getByTestId('transition-reserved').click();
    await detail.getByTestId('transition-confirm').click();
    // The refusal stands in the form where the user acted, in words, naming both flows.
    const problem = detail.getByTestId('transition-form').getByTestId('transition-error');
    await problem.waitFor();
    assert.equal(await problem.getAttribute('data-reason'), 'over-allocated');
    const message = await problem.innerText();
    assert.match(message, /^Refused: reserving “.+” → “.+” would promise a flow more than it has/);
    assert.ok(message.includes(`“${refused.supply.flow_name}”`) && message.includes(`“${refused.demand.flow_name}”`), `both flows named: ${message}`);
    assert.match(await problem.getByTestId('refusal-flow').innerText(), / would be allocated [\d,.]+ \S+ of the [\d,.]+ \S+ it has /);
    assert.deepEqual(await problem.getByTestId('refusal-held').evaluateAll((els) => els.map((e) => e.getAttribute('data-id'))), [pair.held.id], 'the reservation in the way is named');
    await problem.getByTestId('refusal-held').filter({ hasText: `${pair.held.supply.organization_name} → ${pair.held.demand.organization_name}` }).waitFor();
    await detail.getByTestId('lifecycle').scrollIntoViewIfNeeded();
    await shot('matching-reservation-refused.png');
    assert.equal((await t.repo.matches.get(refused.id)).status, 'negotiating', 'the refused reservation changed nothing');
    // The reservation in the way opens from the message.
    await problem.getByTestId('refusal-held').click();
    await detail.locator('[data-testid="match-status"]').filter({ hasText: 'reserved' }).waitFor();
    assert.ok((await text('match-title', detail)).includes(pair.held.demand.organization_name));

    // Put both back as they were for the next run.
    const r = await t.repo.matches.get(refused.id);
    await t.repo.matches.transition(refused.id, { to: 'suggested', version: r.version }, 'colleague');
    const v = (await t.repo.matches.transition(pair.held.id, { to: 'negotiating', version: pair.heldVersion }, 'colleague')).version;
    await t.repo.matches.transition(pair.held.id, { to: 'suggested', version: v }, 'colleague');
  });

  it('runs again with other weights from the weights panel; the detail explains with those weights', async () => {
    await page.getByTestId('matching-weights').click();
    await page.getByTestId('weight-quality').fill('0.5');
    await page.getByTestId('weight-top-n').fill('5');
    // The plan's objective: CO2 this time (a radio group: the keyboard's arrows move it).
    await page.getByTestId('objective-npv').focus();
    await page.keyboard.press('ArrowRight');
    assert.ok(await page.getByTestId('objective-co2').isChecked(), 'CO2 chosen with the keyboard');
    await page.getByTestId('matching-run-weights').click();
    const summary = page.getByTestId('matching-summary');
    await summary.or(page.getByTestId('matching-failed')).waitFor({ timeout: 60_000 });
    assert.ok(await summary.isVisible(), 'the second run finished');
    assert.match(await summary.innerText(), /top 5 per flow/);
    const plan = await t.repo.plan.summary();
    assert.equal(plan?.objective, 'co2', 'the plan maximised CO2');
    assert.equal(await summary.getByTestId('run-plan-objective').getAttribute('data-value'), 'co2');
    assert.match(await text('run-plan-explain', summary), /the most CO₂ avoided/);
    assert.equal(Number(await summary.getByTestId('run-plan-co2').getAttribute('data-value')), plan.totals.co2_t_per_year);
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

  it('marks a match stored by the earlier engine as priced by the earlier method', async () => {
    // A database from before version 2: its stored match has no hourly economics and engine 1.x.
    const all = (await t.repo.matches.list({ limit: 5000 })).items;
    const old = all.find((m) => m.type === 'heat' && all.filter((x) => x.supply.flow_id === m.supply.flow_id).length === 1) ?? all[0]!;
    const { heat: _heat, ...economics } = old.economics;
    await t.repo.matches.saveRun(
      [
        {
          ...(old.detail as object),
          id: old.id,
          supply_flow_id: old.supply.flow_id,
          demand_flow_id: old.demand.flow_id,
          type: old.type,
          score: old.score,
          scores: old.scores,
          distance_km: old.distance_km,
          route: old.route,
          relaxed: old.relaxed,
          binding_constraint: old.binding_constraint,
          assumptions: ['heat loss 2 %/km (engine 1)'],
          economics,
          engine_version: 'turash-matching/1.4.0',
        },
      ],
      { flowId: old.supply.flow_id },
    );
    assert.equal((await t.repo.matches.get(old.id)).priced_by, 'v1');
    await page.locator('body').press('Escape');
    await page.getByTestId('match-detail').waitFor({ state: 'detached' });
    await page.locator(`[data-testid="match-row"][data-id="${old.id}"]`).click();
    const detail = page.getByTestId('match-detail');
    const notice = detail.getByTestId('priced-v1');
    await notice.waitFor();
    assert.match(await notice.innerText(), /Priced by the earlier method \(annual averages, one pipe/);
    assert.match(await notice.innerText(), /Run matching again/i);
    assert.equal(await detail.getByTestId('heat-card').count(), 0, 'no hourly view for numbers that have none');
    await shot('matching-v1.png');
  });
});
