/**
 * End-to-end test of the facilitator's workflow in headless Chromium against the browser host on a
 * temporary database with the demo portfolio:
 *
 *   npx vite build --config renderer/vite.config.ts
 *   node --import tsx --test test/e2e/workflow.test.ts
 *
 * It runs matching from the header, opens the best match and takes it suggested -> negotiating ->
 * reserved (with an expiry, which shows in the reminders badge) -> contracted, adds a note,
 * produces the partner packets (engineer F's packets.generate) and records one as sent, checks the
 * impact dashboard's totals equal the engine's numbers of the contracted match and exports its
 * CSV, shows the regional plan's totals as the potential beside them (with the share reached), takes it live and verifies it with a bound heat meter (M&V), and sees a new high-scoring
 * match arrive as a notification and in the in-app list.
 * Screenshots: test-results/workflow-*.png, and the first page of the supplier's PDF as
 * test-results/workflow-packet-1.png (pdftoppm).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { MatchRecord } from '../../main/db/matches.ts';
import { formatEur, formatNumber, formatPercent } from '../../renderer/src/format.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { REPO_ROOT, startTestHost, type TestHost } from '../support/host.ts';

const RESULTS = join(REPO_ROOT, 'test-results');
const DAY = 86_400_000;

let t: TestHost;
let b: TestBrowser;
let page: Page;
let match: MatchRecord;

/** Extra copies of the screenshots for review (e.g. SHOTS_DIR=/tmp/shots). */
const SHOTS = process.env['SHOTS_DIR'];
const shot = async (name: string) => {
  await page.screenshot({ path: join(RESULTS, name) });
  if (SHOTS) await page.screenshot({ path: join(SHOTS, name) });
};
const localDate = (ms: number) => {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
};

async function move(to: string, fill?: () => Promise<void>) {
  const detail = page.getByTestId('match-detail');
  await detail.getByTestId(`transition-${to}`).click();
  await detail.getByTestId('transition-form').waitFor();
  await fill?.();
  await detail.getByTestId('transition-confirm').click();
  await detail.getByTestId('match-status').filter({ hasText: to }).waitFor();
  // The status shows at once (an optimistic update, renderer/src/cache/lifecycle.ts); the core
  // stores it when the mutation answers: awaited, not assumed
  const until = Date.now() + 20_000;
  let stored = (await t.repo.matches.get(match.id)).status;
  while (stored !== to && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    stored = (await t.repo.matches.get(match.id)).status;
  }
  assert.equal(stored, to);
}

describe('the facilitator workflow in headless Chromium (browser host, demo portfolio)', { timeout: 180_000 }, () => {
  before(async () => {
    mkdirSync(RESULTS, { recursive: true });
    if (SHOTS) mkdirSync(SHOTS, { recursive: true });
    t = await startTestHost({ seed: 'demo' });
    b = await launchBrowser({ allowedOrigin: t.host.url });
    page = b.page;
    await b.context.grantPermissions(['notifications'], { origin: t.host.url });
    // Records what the page hands to the OS notification service (headless Chromium has no
    // notification centre to look at); the real constructor is still called.
    // (A string, not a function: tsx would wrap a function's classes in helpers the page lacks.)
    await page.addInitScript(`(() => {
      const Real = window.Notification;
      const seen = [];
      window.shownNotifications = seen;
      class Recording extends Real {
        constructor(title, options) {
          super(title, options);
          seen.push(title + ' | ' + (options && options.body ? options.body : ''));
        }
      }
      Object.defineProperty(Recording, 'permission', { get: () => Real.permission });
      Recording.requestPermission = (...args) => Real.requestPermission(...args);
      window.Notification = Recording;
    })()`);
    await page.goto(t.host.openUrl);
  });

  after(async () => {
    await b?.close();
    await t?.close();
  });

  it('runs matching and opens the best match', async () => {
    await page.getByTestId('run-matching').click();
    const summary = page.getByTestId('matching-summary');
    await summary.or(page.getByTestId('matching-failed')).waitFor({ timeout: 90_000 });
    assert.ok(await summary.isVisible(), 'matching finished');
    await page.getByTestId('matching-show').click();
    [match] = (await t.repo.matches.list({ order: 'score', limit: 1 })).items as [MatchRecord];
    assert.ok(match);
    await page.locator(`[data-testid="match-row"][data-id="${match.id}"]`).click();
    await page.getByTestId('match-detail').getByTestId('lifecycle').waitFor();
    // The first run is the alert baseline: nothing is "new" yet.
    assert.equal(await page.getByTestId('alerts-count').innerText(), '0');
    assert.equal(await page.getByTestId('reminders-count').innerText(), '0');
    await shot('workflow-1-suggested.png');
  });

  it('takes the match to negotiating and reserved with an expiry that shows as a reminder', async () => {
    await move('negotiating');
    await shot('workflow-2-negotiating.png');
    const until = localDate(Date.now() + 5 * DAY);
    await move('reserved', () => page.getByTestId('transition-reserved-until').fill(until));
    const reservation = page.getByTestId('reservation');
    await reservation.waitFor();
    assert.match(await reservation.getByTestId('reservation-state').innerText(), /ends in [56] days/);
    await page.getByTestId('reminders-count').filter({ hasText: '1' }).waitFor();
    await page.getByTestId('reminders-button').click();
    const item = page.getByTestId('reminders-list').getByTestId('reminder-item');
    assert.equal(await item.count(), 1);
    assert.ok((await item.innerText()).includes(match.supply.organization_name));
    await shot('workflow-3-reserved-reminder.png');
    await page.getByTestId('reminders-button').click();
  });

  it('adds a note, kept in the audit trail', async () => {
    const detail = page.getByTestId('match-detail');
    await detail.getByTestId('note-text').fill('Met the plant manager: the heat is available from March.');
    await detail.getByTestId('note-add').click();
    await detail.getByTestId('note').filter({ hasText: 'available from March' }).waitFor();
    await detail.getByTestId('audit-event').filter({ hasText: 'available from March' }).waitFor();
    assert.equal((await t.repo.workflow.listNotes(match.id)).length, 1);
  });

  it('moves to contracted, produces the packets and records one as sent', async () => {
    await move('contracted');
    // A contracted match is no longer reserved: the badge follows.
    await page.getByTestId('reminders-count').filter({ hasText: /^0$/ }).waitFor();
    const detail = page.getByTestId('match-detail');
    await detail.getByTestId('packets-generate').click();
    const files = detail.getByTestId('packet-file');
    await files.first().waitFor({ timeout: 60_000 });
    const paths = await files.evaluateAll((els) => els.map((e) => e.getAttribute('data-path') ?? ''));
    assert.ok(paths.length >= 3, `two PDFs and a bundle, got ${paths.join(', ')}`);
    for (const p of paths) assert.ok(existsSync(p), `${p} was written`);
    const pdf = paths.find((p) => p.endsWith('.supply.pdf'));
    assert.ok(pdf, 'the supplier has its PDF');
    assert.equal(readFileSync(pdf).subarray(0, 5).toString(), '%PDF-');
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', pdf, join(RESULTS, 'workflow-packet-1')]);
    assert.ok(existsSync(join(RESULTS, 'workflow-packet-1.png')));

    await detail.getByTestId('packet-org').selectOption(match.supply.organization_id);
    await detail.getByTestId('packet-recipient').fill('Eva Energie <eva@example.org>');
    await detail.getByTestId('packet-record-sent').click();
    await detail.getByTestId('packet-sent').filter({ hasText: 'Eva Energie' }).waitFor();
    const [sent] = await t.repo.workflow.listPacketSends(match.id);
    assert.ok(sent);
    assert.equal(sent.organization_id, match.supply.organization_id);
    assert.ok(sent.files.some((f) => f.path === pdf), 'the record names the PDF that was produced');
    await detail.getByTestId('packets').scrollIntoViewIfNeeded();
    await shot('workflow-4-contracted-packets.png');
  });

  it('shows the contracted match in the impact dashboard with the engine\'s numbers, and exports CSV', async () => {
    await page.getByTestId('open-impact').click();
    const dash = page.getByTestId('impact-dashboard');
    await dash.getByTestId('impact-totals').waitFor();
    const e = (await t.repo.matches.get(match.id)).economics as { co2_t_per_year: number; annual_value_eur: number; delivered_per_year: { amount: number; unit: string } };
    const base = e.delivered_per_year.unit.replace('/yr', '');
    const expected: Record<string, number> = {
      co2_t: e.co2_t_per_year,
      value_eur: e.annual_value_eur,
      energy_mwh: base === 'MWh' ? e.delivered_per_year.amount : 0,
      tonnes_t: base === 't' ? e.delivered_per_year.amount : 0,
      water_m3: base === 'm3' ? e.delivered_per_year.amount : 0,
    };
    for (const [metric, value] of Object.entries(expected)) {
      for (const status of ['contracted', 'all']) {
        const cell = dash.getByTestId(`impact-${status}-${metric}`);
        assert.equal(Number(await cell.getAttribute('data-value')), value, `${status} ${metric}`);
        assert.equal((await cell.innerText()).trim(), formatNumber(value), `${status} ${metric} as shown`);
      }
      assert.equal(Number(await dash.getByTestId(`impact-live-${metric}`).getAttribute('data-value')), 0, `live ${metric}`);
    }
    assert.ok(expected['co2_t']! > 0 && expected['value_eur']! > 0, 'the best demo match avoids CO2 and is worth something');
    assert.equal(await dash.getByTestId('impact-row').count(), 1);

    // Beside them the potential: the regional plan's totals (plan members only), and how much of it is reached.
    const plan = await t.repo.plan.summary();
    assert.ok(plan, 'the run made a regional plan');
    const potential = dash.getByTestId('impact-potential');
    await potential.waitFor();
    assert.equal(Number(await potential.getByTestId('impact-potential-npv').getAttribute('data-value')), plan.totals.npv_eur, 'potential NPV = the plan\'s');
    assert.equal((await potential.getByTestId('impact-potential-npv').innerText()).trim(), formatEur(plan.totals.npv_eur));
    const near = (x: number, y: number) => Math.abs(x - y) <= 1e-6 * Math.max(1, Math.abs(y));
    assert.ok(near(Number(await potential.getByTestId('impact-potential-value').getAttribute('data-value')), plan.totals.annual_value_eur), 'potential value = the plan\'s');
    assert.ok(near(Number(await potential.getByTestId('impact-potential-co2').getAttribute('data-value')), plan.totals.co2_t_per_year), 'potential CO2 = the plan\'s');
    const reachedValue = await potential.locator('tr', { has: page.getByTestId('impact-potential-value') }).locator('.wf-reached').innerText();
    assert.equal(reachedValue.trim(), formatPercent(expected['value_eur']! / plan.totals.annual_value_eur), 'the share of the potential value reached');
    // The report carries it itself (impact.report's potential) once the core does; until then the plan's summary is read.
    const source = await potential.getAttribute('data-source');
    assert.ok(source === 'impact.report' || source === 'matching.plan', `source ${source}`);
    await shot('workflow-5-impact.png');

    const [download] = await Promise.all([page.waitForEvent('download'), dash.getByTestId('impact-export-csv').click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    const lines = csv.trim().split('\r\n');
    // The contracted exchange, then (from a core that exports the potential) one row per plan member.
    const potentialLines = lines.slice(2);
    assert.ok(potentialLines.length === 0 || potentialLines.length === plan.members, `${lines.length - 1} rows: the exchange and the plan's members`);
    for (const line of potentialLines) assert.match(line, /^m-[^,]+,potential,/);
    assert.ok(lines[1]!.startsWith(`${match.id},contracted,`), lines[1]);
    assert.ok(lines[1]!.includes(`,${Number(e.co2_t_per_year.toFixed(3))},`), `CSV has the CO2: ${lines[1]}`);
    await dash.getByTestId('impact-close').click();
  });

  it('goes live, binds a heat meter and shows measured beside projected (M&V)', async () => {
    // A heat meter installed at the receiving site (the field service's device and point): its energy counter (kWh).
    await t.repo.field.createDevice({ id: 'dev-e2e-meter', site_id: match.demand.site_id, name: 'Heat meter', protocol: 'modbus-tcp', endpoint: 'modbus-tcp://127.0.0.1:1502' });
    await t.repo.field.createPoint({ id: 'pt-e2e-energy', device_id: 'dev-e2e-meter', name: 'Delivered energy', address: '3:100', role: 'energy_counter', unit: 'kWh' });
    await move('live');
    const e = (await t.repo.matches.get(match.id)).economics as { co2_t_per_year: number; delivered_per_year: { amount: number }; price: { eur_per_unit: number }; avoided_disposal: { eur_per_unit: number } };
    // Yesterday, read every 15 minutes: the counter rises at the projection's average power
    // (delivered MWh/yr over 8760 h), so the measured day equals the projected day.
    const dayStart = new Date();
    dayStart.setHours(0, 0, 0, 0);
    const day0 = dayStart.getTime() - DAY;
    const avgKw = (e.delivered_per_year.amount * 1000) / 8760;
    await t.repo.measurements.commitBatch(
      Array.from({ length: 97 }, (_, i) => ({ point_id: 'pt-e2e-energy', ts_ms: day0 + i * 900_000, received_ms: day0 + i * 900_000, value: 50_000 + i * avgKw * 0.25, quality: 'good' as const, status: null })),
    );
    const measured = (avgKw * 24) / 1000;
    const detail = page.getByTestId('match-detail');
    const meters = detail.getByTestId('meters');
    await meters.scrollIntoViewIfNeeded();
    await meters.getByTestId('meter-point').selectOption('pt-e2e-energy');
    assert.equal(await meters.getByTestId('meter-role').inputValue(), 'delivered_total', 'an energy counter is bound as a counter');
    await meters.getByTestId('meter-bind').click();
    await meters.getByTestId('meter-bound').filter({ hasText: 'Delivered energy' }).waitFor();
    await meters.getByTestId('mv-from').fill(localDate(day0));
    await meters.getByTestId('mv-to').fill(localDate(day0 + DAY));
    const verification = meters.getByTestId('verification');
    await verification.filter({ hasText: `${formatNumber(measured)} MWh` }).waitFor();
    const shown = await verification.innerText();
    assert.ok(shown.includes('coverage 100.0 %'), shown);
    assert.ok(shown.includes('(measured 100 % of it)'), shown);
    await meters.scrollIntoViewIfNeeded();
    await shot('workflow-6-meter.png');

    await page.getByTestId('open-impact').click();
    const dash = page.getByTestId('impact-dashboard');
    await dash.getByTestId('impact-from').fill(localDate(day0));
    await dash.getByTestId('impact-to').fill(localDate(day0 + DAY));
    await dash.getByTestId('verified-row').filter({ hasText: '100.0 %' }).waitFor();
    assert.equal(await dash.getByTestId('verified-row').count(), 1);
    const measuredValue = measured * (e.price.eur_per_unit + e.avoided_disposal.eur_per_unit);
    const measuredCo2 = measured * (e.co2_t_per_year / e.delivered_per_year.amount);
    const totals = await dash.getByTestId('verified-totals').innerText();
    assert.ok(totals.includes(formatEur(measuredValue)), `measured value ${formatEur(measuredValue)} in "${totals}"`);
    assert.ok(totals.includes(`${formatNumber(measuredCo2)} t CO2`), `measured CO2 ${formatNumber(measuredCo2)} in "${totals}"`);
    assert.equal(Number(await dash.getByTestId('impact-live-co2_t').getAttribute('data-value')), e.co2_t_per_year, 'now counted as live');
    await dash.getByTestId('impact-verified').scrollIntoViewIfNeeded();
    await shot('workflow-7-impact-verified.png');
    await dash.getByTestId('impact-close').click();
  });

  it('announces a new high-scoring match as a desktop notification and in the in-app list (the OS call observed through a wrapper)', async () => {
    // A new demand next to the best match's supplier, as a sync or a site visit would bring it.
    const supply = await t.repo.getFlow(match.supply.flow_id);
    const site = await t.repo.getSite(match.supply.site_id);
    // The bar first: what is stored now is the silent baseline (the core re-matches the new flow by itself).
    await t.core.rematches.idle();
    await t.core.alerts.setThreshold(0.5);
    await t.repo.createOrganization({ id: 'org-e2e-new', name: 'New Neighbour GmbH', sharing: 'partners' });
    await t.repo.createSite({ id: 'site-e2e-new', organization_id: 'org-e2e-new', name: 'New plant', country: site.country, lat: site.lat + 0.002, lon: site.lon, kind: 'plant' });
    const demand = await t.repo.createFlow({
      id: 'flow-e2e-new',
      site_id: 'site-e2e-new',
      direction: 'demand',
      type: supply.type,
      name: 'New demand',
      precision: 'measured',
      quantity: supply.quantity,
      ...(supply.quality ? { quality: supply.quality } : {}),
      ...(supply.temporal ? { temporal: supply.temporal } : {}),
    });
    // Saved, the flow is re-matched in the background (the core follows the repository's changes).
    await t.core.rematches.settled([demand.id]);
    await page.getByTestId('alerts-count').filter({ hasNotText: /^0$/ }).waitFor({ timeout: 15_000 });
    // One digest for the re-match (made after the quiet time that debounces single-flow re-matches).
    const digests = await t.repo.workflow.alerts.list({ unseenOnly: true });
    assert.equal(digests.length, 1, digests.map((d) => d.text).join(' / '));
    const behind = (await t.repo.workflow.alerts.matches(digests[0]!.id)).items;
    assert.ok(behind.length >= 1 && behind.every((a) => a.match_id.includes('flow-e2e-new')), behind.map((a) => a.match_id).join(', '));
    const shown = await page.evaluate(() => (window as unknown as { shownNotifications: string[] }).shownNotifications);
    assert.equal(shown.length, 1, `one notification per digest: ${shown.join(' / ')}`);
    assert.ok(shown[0]!.startsWith(digests[0]!.text) && shown[0]!.includes('New Neighbour GmbH'), shown[0]);
    // The list shows the digest; it opens to its matches, and a match opens in the detail.
    await page.getByTestId('alerts-button').click();
    const digest = page.getByTestId('alerts-list').getByTestId('alert-digest').first();
    assert.equal(await digest.getByTestId('alert-digest-toggle').locator('b').innerText(), digests[0]!.text);
    await digest.getByTestId('alert-item').first().waitFor();
    assert.equal(await digest.getByTestId('alert-item').count(), behind.length);
    await shot('workflow-8-alerts.png');
    await page.getByTestId('alerts-mark-seen').click();
    await page.getByTestId('alerts-count').filter({ hasText: /^0$/ }).waitFor();
    await digest.getByTestId('alert-item').first().click();
    await page.getByTestId('alerts-list').waitFor({ state: 'detached' });
    await page.getByTestId('match-detail').filter({ hasText: 'New Neighbour GmbH' }).waitFor();
    assert.deepEqual(b.errors, [], 'no errors in the page');
  });
});
