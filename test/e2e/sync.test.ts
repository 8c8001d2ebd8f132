/**
 * Two laptops through a hub, end to end: two browser hosts (two databases, two cores) and a real
 * hub (sync/hub, SQLite, in process). Each user signs in through the sync dialog; the header shows
 * the state and the pending count; an edit on one laptop appears on the other WITHOUT a reload; the
 * site's History names who changed which field. Screenshots: test-results/sync-*.png.
 *
 *   npx vite build --config renderer/vite.config.ts
 *   node --import tsx --test test/e2e/sync.test.ts
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { startHub, type RunningHub } from '../../sync/hub/server.ts';
import { seedMember } from '../../sync/hub/testing/clients.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { openCore, type Core } from '../../main/core.ts';
import type { Repository } from '../../main/db/repository.ts';
import { startHost, type RunningHost } from '../../main/host/server.ts';
import { assertRendererBuilt, RENDERER_DIR, REPO_ROOT } from '../support/host.ts';

const RESULTS = join(REPO_ROOT, 'test-results');
const PASSWORD = 'correct horse battery';
const hubFolder = mkdtempSync(join(tmpdir(), 'turash-e2e-hub-'));
/** TURASH_E2E_RENDERER: a renderer built elsewhere (e.g. while others rebuild out/renderer). */
const rendererDir = process.env.TURASH_E2E_RENDERER ?? RENDERER_DIR;

interface TestHost {
  core: Core;
  repo: Repository;
  host: RunningHost;
  close(): Promise<void>;
}

/** A browser host on its own database (test/support/host.ts's startTestHost, with rendererDir). */
async function startLaptop(name: string, seed?: (repo: Repository) => Promise<unknown>): Promise<TestHost> {
  assertRendererBuilt(rendererDir);
  const core = await openCore(join(hubFolder, `${name}.db`));
  if (seed) await seed(core.repo);
  const host = await startHost({ core, port: 0, rendererDir });
  return { core, repo: core.repo, host, close: async () => (await host.close(), await core.close()) };
}

let hub: RunningHub;
let anna: TestHost;
let ben: TestHost;
let browser: TestBrowser;
let pageA: Page;
let pageB: Page;

async function signIn(page: Page, email: string): Promise<void> {
  // Two tabs of one browser: a background tab gets no animation frames, so clicks would wait.
  await page.bringToFront();
  await page.getByTestId('sync-status').click();
  await page.getByTestId('sync-hub').fill(hub.url);
  await page.getByTestId('sync-email').fill(email);
  await page.getByTestId('sync-password').fill(PASSWORD);
  await page.getByTestId('sync-signin-submit').click();
  await page.getByTestId('sync-email-shown').filter({ hasText: email }).waitFor();
}

describe('sync between two laptops (two browser hosts, one hub)', { timeout: 180_000 }, () => {
  before(async () => {
    mkdirSync(RESULTS, { recursive: true });
    hub = await startHub({ database: join(hubFolder, 'hub.db'), port: 0 });
    await seedMember(hub.store, 'anna@example.org', 'Rhine-Ruhr', 'facilitator', PASSWORD);
    await seedMember(hub.store, 'ben@example.org', 'Rhine-Ruhr', 'engineer', PASSWORD);
    anna = await startLaptop('anna', async (repo) => {
        await repo.createOrganization({ id: 'org-sync', name: 'Stadtwerke Sync', sector: 'Utility', sharing: 'partners' });
        await repo.createSite({ id: 'site-sync', organization_id: 'org-sync', name: 'Heizkraftwerk Nord', country: 'DE', lat: 51.45, lon: 7.01 });
        await repo.createFlow({ id: 'flow-sync', site_id: 'site-sync', direction: 'supply', type: 'heat', name: 'Flue gas heat', quantity: { amount: 12, unit: 'GWh/yr' } });
        // Private: must never reach Ben.
        await repo.createOrganization({ id: 'org-secret', name: 'Confidential Chemicals', sharing: 'private' });
        await repo.createSite({ id: 'site-secret', organization_id: 'org-secret', name: 'Secret Plant', country: 'DE', lat: 51.5, lon: 7.1 });
    });
    ben = await startLaptop('ben');
    browser = await launchBrowser();
    pageA = browser.page;
    pageB = await browser.context.newPage();
    await pageA.goto(anna.host.openUrl);
    await pageB.goto(ben.host.openUrl);
  });

  after(async () => {
    await browser?.close();
    await anna?.close();
    await ben?.close();
    await hub?.close();
    rmSync(hubFolder, { recursive: true, force: true });
  });

  it('shows "Not connected" in the header before signing in', async () => {
    await pageA.getByTestId('sync-state').filter({ hasText: 'Not connected' }).waitFor();
    await pageA.screenshot({ path: join(RESULTS, 'sync-not-connected.png') });
  });

  it('signs both laptops in; Ben receives Anna\'s shared records, not her private ones', async () => {
    await signIn(pageA, 'anna@example.org');
    await pageA.waitForTimeout(500); // the dialog's fade-in
    await pageA.screenshot({ path: join(RESULTS, 'sync-dialog-signed-in.png') });
    await pageA.getByTestId('sync-close').click();
    await pageA.getByTestId('sync-state').filter({ hasText: 'Synced' }).waitFor({ timeout: 30_000 });
    await pageA.getByTestId('sync-pending').filter({ hasText: '0 pending' }).waitFor({ timeout: 30_000 });

    await signIn(pageB, 'ben@example.org');
    await pageB.getByTestId('sync-close').click();
    await pageB.getByTestId('sync-dialog').waitFor({ state: 'detached' });
    await pageB.getByTestId('sync-state').filter({ hasText: 'Synced' }).waitFor({ timeout: 30_000 });
    // Without a reload: the site list of Ben's laptop now holds Anna's shared site.
    await pageB.locator('[data-testid="site-row"][data-id="site-sync"]').waitFor({ timeout: 30_000 });
    assert.equal(await pageB.locator('[data-testid="site-row"][data-id="site-secret"]').count(), 0);
    const benDoc = await ben.repo.exportDocument();
    assert.deepEqual(benDoc.organizations.map((o) => o.id), ['org-sync']);
    await pageB.screenshot({ path: join(RESULTS, 'sync-ben-received.png') });
  });

  it('an edit on Anna\'s laptop appears on Ben\'s without a reload, with its history', async () => {
    await pageB.bringToFront();
    await pageB.locator('[data-testid="site-row"][data-id="site-sync"]').click();
    await pageB.getByTestId('detail-title').filter({ hasText: 'Heizkraftwerk Nord' }).waitFor();
    const navigations: string[] = [];
    pageB.on('framenavigated', (frame) => navigations.push(frame.url()));

    await anna.repo.updateSite('site-sync', { name: 'Heizkraftwerk Nord (Block B)' });
    await pageB.getByTestId('detail-title').filter({ hasText: 'Heizkraftwerk Nord (Block B)' }).waitFor({ timeout: 15_000 });
    assert.deepEqual(navigations, [], 'the page must not reload');

    await pageB.getByTestId('history-toggle-site').click();
    const newest = pageB.getByTestId('history-entry').first();
    await newest.filter({ hasText: 'anna@example.org' }).waitFor();
    assert.match(await newest.innerText(), /via hub[\s\S]*name → Heizkraftwerk Nord \(Block B\)/);
    await pageB.screenshot({ path: join(RESULTS, 'sync-live-edit-history.png') });
    assert.deepEqual(browser.errors, []);
  });

  it('"Sign out everywhere" ends every session of Ben\'s account on the hub', async () => {
    // A second session of Ben's, as another laptop of his would hold.
    const ben2 = await hub.store.createSession((await hub.store.findUserByEmail('ben@example.org'))!.id, 'sign-in');
    assert.ok(await hub.store.userOfToken(ben2));
    await pageB.bringToFront();
    await pageB.getByTestId('sync-status').click();
    await pageB.getByTestId('sync-signout-everywhere').click();
    await pageB.getByTestId('sync-message').filter({ hasText: 'Signed out on every device' }).waitFor();
    await pageB.getByTestId('sync-email').waitFor();
    assert.equal(await hub.store.userOfToken(ben2), undefined, 'the other session must end too');
    const ben = (await hub.store.users()).find((u) => u.email === 'ben@example.org')!;
    assert.equal(ben.activeSessions, 0);
    await pageB.screenshot({ path: join(RESULTS, 'sync-signed-out-everywhere.png') });
    assert.deepEqual(browser.errors, []);
  });
});
