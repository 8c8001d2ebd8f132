/**
 * The UI answers a user's action without waiting for refetches the action does not need (issue
 * 13, item 8), and a matching run can be cancelled (item 4): headless Chromium against the browser
 * host on a temporary database with the demo portfolio.
 *
 *   npm run build:renderer
 *   node --import tsx --test test/e2e/responsive.test.ts
 *
 * Nothing here is timed. The tests record which tRPC procedures the page asks for while it does
 * one thing and assert that no unrelated one is among them:
 * - a lifecycle step shows the new status in the detail and the list while the core is still
 *   deciding (its request is held), then asks for the move and the status counts only: not the
 *   match list, the map's sites, the database counts, the plan or the match again; a refused step
 *   is put back;
 * - opening a site asks for that site only;
 * - a flow save shows the saved flow in its site at once and refreshes the matches (the core
 *   re-matched the flow), never the map's sites, the counts, the plan or the site;
 * - Cancel during a run (held in its first phase by an open write transaction, so the click
 *   always lands while it runs) ends the job as cancelled, stores nothing, and the matches listed
 *   before are still listed.
 * Screenshots: test-results/responsive-run-*.png (the progress with Cancel, the cancelled run).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page, Request, Route } from 'playwright-core';
import { formatExact } from '../../renderer/src/format.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { REPO_ROOT, startTestHost, type TestHost } from '../support/host.ts';
import { waitForMapIdle } from '../support/map.ts';

const RESULTS = join(REPO_ROOT, 'test-results');

let t: TestHost;
let b: TestBrowser;
let page: Page;

/** The tRPC procedures of one HTTP request (`/trpc/a,b?batch=1`); none for other requests. */
function proceduresOf(request: Request): string[] {
  const url = new URL(request.url());
  if (!url.pathname.startsWith('/trpc/')) return [];
  return url.pathname.slice('/trpc/'.length).split(',').map(decodeURIComponent);
}

/** Records the procedures the page asks for from now on. */
function record(): { procedures: string[]; stop(): string[] } {
  const procedures: string[] = [];
  const listener = (request: Request) => procedures.push(...proceduresOf(request));
  page.on('request', listener);
  return {
    procedures,
    stop: () => {
      page.off('request', listener);
      return procedures;
    },
  };
}

/** Resolves with the first response whose request asks for `procedure` (registered before the action). */
function answerOf(procedure: string) {
  return page.waitForResponse((response) => proceduresOf(response.request()).includes(procedure), { timeout: 60_000 });
}

/** The page's tRPC HTTP requests that have not ended (followed from the first page load on). */
const inFlight = new Set<Request>();

function followRequests(): void {
  page.on('request', (r) => void (proceduresOf(r).length > 0 && inFlight.add(r)));
  page.on('requestfinished', (r) => void inFlight.delete(r));
  page.on('requestfailed', (r) => void inFlight.delete(r));
}

/** Waits until no tRPC HTTP request of the page is in flight (after letting the page send what it has batched). */
async function quiet(): Promise<void> {
  do {
    // A frame and a task later every request the page had queued (tRPC batches within a task) has been sent.
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)))');
  } while (inFlight.size > 0);
}

/** Holds the next request for `procedure` until `release()`. */
async function hold(procedure: string): Promise<{ release(): void; held: Promise<void> }> {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let seen!: () => void;
  const held = new Promise<void>((resolve) => (seen = resolve));
  const pattern = (url: URL) => url.pathname.startsWith('/trpc/') && url.pathname.slice(6).split(',').includes(procedure);
  const handler = async (route: Route) => {
    seen();
    await gate;
    await route.continue();
  };
  await page.route(pattern, handler, { times: 1 });
  return { held, release };
}

/** What no lifecycle step, flow save or site opening should ask for again. */
const UNRELATED = ['sites.map', 'meta.info', 'matching.plan', 'analytics.suggestions', 'search', 'sites.list'];

describe('a responsive UI (browser host, demo portfolio)', { timeout: 240_000 }, () => {
  before(async () => {
    mkdirSync(RESULTS, { recursive: true });
    t = await startTestHost({ seed: 'demo' });
    b = await launchBrowser({ allowedOrigin: t.host.url });
    page = b.page;
    followRequests();
    await page.goto(t.host.openUrl);
    await waitForMapIdle(page);
    // The matches every test below works on, made from the header as a user would.
    await page.getByTestId('run-matching').click();
    const summary = page.getByTestId('matching-summary');
    const failed = page.getByTestId('matching-failed');
    await summary.or(failed).waitFor({ timeout: 60_000 });
    if (await failed.isVisible()) assert.fail(`matching failed in the UI: ${await failed.innerText()}`);
    await page.getByTestId('matching-show').click();
    const total = (await t.repo.matches.counts()).total;
    assert.ok(total > 10, `the demo portfolio gives matches (${total})`);
    await page.locator(`[data-testid="match-list-count"][data-total="${total}"]`).waitFor();
  });

  after(async () => {
    await b?.close();
    await t?.close();
  });

  it('shows a lifecycle step before the core answers and then asks only for the move and the status counts', async () => {
    const [best] = (await t.repo.matches.list({ order: 'score', limit: 1 })).items;
    assert.ok(best && best.status === 'suggested');
    await page.locator(`[data-testid="match-row"][data-id="${best.id}"]`).click();
    const detail = page.getByTestId('match-detail');
    await detail.getByTestId('match-status').filter({ hasText: 'suggested' }).waitFor();
    await detail.getByTestId('transition-negotiating').click();
    await quiet();

    const asked = record();
    const transition = await hold('matches.transition');
    const moved = answerOf('matches.transition');
    const counts = answerOf('matches.summary');
    await detail.getByTestId('transition-confirm').click();
    await transition.held;
    // The core has not answered yet: the detail and the list row already show the move.
    await detail.getByTestId('match-status').filter({ hasText: 'negotiating' }).waitFor();
    await page.locator(`[data-testid="match-row"][data-id="${best.id}"] .match-status`).filter({ hasText: 'negotiating' }).waitFor();
    assert.equal((await t.repo.matches.get(best.id)).status, 'suggested', 'shown before the core stored it');
    transition.release();
    assert.equal((await moved).status(), 200);
    // The status counts follow the answer; every refresh the step causes starts together with them.
    await counts;
    await detail.getByTestId('transition-confirm').waitFor({ state: 'detached' });
    await quiet();
    const procedures = asked.stop();

    assert.equal((await t.repo.matches.get(best.id)).status, 'negotiating');
    await detail.getByTestId('audit-event').first().waitFor();
    assert.ok(procedures.includes('matches.transition') && procedures.includes('matches.summary'), procedures.join(' '));
    for (const p of [...UNRELATED, 'matches.list', 'matches.page', 'matches.lines', 'matches.get', 'sites.get']) assert.ok(!procedures.includes(p), `the step asked for ${p}: ${procedures.join(' ')}`);
  });

  it('puts a step back when the core refuses it (someone else moved the match first)', async () => {
    const [best] = (await t.repo.matches.list({ order: 'score', limit: 1 })).items;
    assert.ok(best && best.status === 'negotiating');
    const detail = page.getByTestId('match-detail');
    await t.repo.matches.transition(best.id, { to: 'suggested', version: best.version }, 'colleague');
    await detail.getByTestId('transition-cancelled').click();
    await detail.getByTestId('transition-reason').selectOption('timing');
    const transition = await hold('matches.transition');
    await detail.getByTestId('transition-confirm').click();
    await transition.held;
    await detail.getByTestId('match-status').filter({ hasText: 'cancelled' }).waitFor();
    transition.release();
    await detail.getByTestId('transition-error').filter({ hasText: /changed this match/ }).waitFor();
    // Back to what it showed before the click; Reload shows the colleague's move.
    await detail.getByTestId('match-status').filter({ hasText: 'negotiating' }).waitFor();
    await page.locator(`[data-testid="match-row"][data-id="${best.id}"] .match-status`).filter({ hasText: 'negotiating' }).waitFor();
    await detail.getByTestId('transition-error').getByRole('button', { name: 'Reload' }).click();
    await detail.getByTestId('match-status').filter({ hasText: 'suggested' }).waitFor();
    assert.equal((await t.repo.matches.get(best.id)).status, 'suggested', 'the refused step changed nothing');
  });

  it('opens a site asking for that site only, and saves a flow without refetching the map, the counts, the plan or the site', async () => {
    const [best] = (await t.repo.matches.list({ order: 'score', limit: 1 })).items;
    assert.ok(best);
    const site = await t.repo.getSite(best.supply.site_id);
    await page.getByTestId('match-close').click();
    await page.getByTestId('tab-sites').click();
    await page.getByTestId('site-filter').fill(site.name);
    const row = page.locator(`[data-testid="site-row"][data-id="${site.id}"]`);
    await row.waitFor();
    await quiet();

    let asked = record();
    const opened = answerOf('sites.get');
    await row.click();
    await page.getByTestId('detail-title').filter({ hasText: site.name }).waitFor();
    await opened;
    await quiet();
    assert.deepEqual(asked.stop(), ['sites.get'], 'opening a site asks for that site only');

    const flow = await t.repo.getFlow(best.supply.flow_id);
    const card = page.locator(`[data-testid="flow"][data-id="${flow.id}"]`);
    await card.getByTestId('flow-edit').click();
    const editor = page.getByTestId('flow-editor');
    await editor.waitFor();
    const amount = Math.round(flow.quantity.amount * 1.1 * 1000) / 1000;
    await editor.locator('[data-field="quantity.amount"] input').fill(String(amount));
    await quiet();

    asked = record();
    const saved = answerOf('flows.update');
    const lists = answerOf('matches.lines');
    await editor.getByTestId('flow-save').click();
    await editor.getByTestId('form-message').filter({ hasText: `Saved (version ${flow.version + 1})` }).waitFor();
    assert.equal((await saved).status(), 200);
    // The site shows the saved flow from the answer itself.
    await card.getByTestId('flow-quantity').filter({ hasText: formatExact(amount) }).waitFor();
    await lists;
    await quiet();
    const procedures = asked.stop();
    assert.equal((await t.repo.getFlow(flow.id)).quantity.amount, amount);
    assert.ok(procedures.includes('flows.update'), procedures.join(' '));
    for (const p of [...UNRELATED, 'sites.get', 'flows.get']) assert.ok(!procedures.includes(p), `the save asked for ${p}: ${procedures.join(' ')}`);
  });

  it('cancels a run: the job ends cancelled, nothing is stored and the matches listed before are still listed', async () => {
    const before = (await t.repo.matches.list({ limit: 5000 })).items.map((m) => `${m.id}@${m.version}`).sort();
    const [best] = (await t.repo.matches.list({ order: 'score', limit: 1 })).items;
    assert.ok(best);
    const plan = await t.repo.plan.summary();
    await page.getByTestId('tab-matches').click();
    await page.locator(`[data-testid="match-list-count"][data-total="${before.length}"]`).waitFor();

    // An open write transaction holds the run before it stores anything, so Cancel lands while it runs.
    let reopen!: () => void;
    const writer = t.repo.write(() => new Promise<void>((resolve) => (reopen = resolve)));
    try {
      await page.getByTestId('run-matching').click();
      await page.getByTestId('matching-progress').waitFor();
      await page.locator('[data-testid="matching-cancel"]:enabled').waitFor();
      await page.screenshot({ path: join(RESULTS, 'responsive-run-progress.png') });
      const cancelled = answerOf('matching.cancel');
      await page.getByTestId('matching-cancel').click();
      const answer = await cancelled;
      assert.equal(answer.status(), 200, `matching.cancel answered ${answer.status()}: ${await answer.text()}`);
      // Sent alone (not batched): one answer, not a list of them.
      const body = (await answer.json()) as { result: { data: { cancelled: boolean } } };
      assert.equal(body.result.data.cancelled, true, 'the running job was cancelled');
    } finally {
      reopen?.();
      await writer;
    }
    // The dialog says so once the job's watch reports its end as cancelled.
    await page.locator('[data-testid="matching-cancelled"][data-ended="cancelled"]').waitFor({ timeout: 60_000 });
    assert.equal(await page.getByTestId('matching-summary').count(), 0);
    await page.screenshot({ path: join(RESULTS, 'responsive-run-cancelled.png') });

    const after = (await t.repo.matches.list({ limit: 5000 })).items.map((m) => `${m.id}@${m.version}`).sort();
    assert.deepEqual(after, before, 'the cancelled run stored no match');
    assert.deepEqual(await t.repo.plan.summary(), plan, 'nor a plan');
    await page.getByTestId('matching-dialog').getByRole('button', { name: 'Close' }).last().click();
    await page.getByTestId('matching-dialog').waitFor({ state: 'detached' });
    await page.locator(`[data-testid="match-list-count"][data-total="${before.length}"]`).waitFor();
    await page.locator(`[data-testid="match-row"][data-id="${best.id}"]`).waitFor();
    assert.deepEqual(b.errors.filter((e) => !/status of 409 \(Conflict\)/.test(e)), [], 'the page logged no other errors');
  });
});
