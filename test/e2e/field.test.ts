/**
 * End-to-end test of the site audit in headless Chromium: the browser host on a temporary
 * database, the demo plant (A's real node-opcua server) started from the UI, as a user would.
 *
 *   npx vite build --config renderer/vite.config.ts
 *   node --import tsx --test test/e2e/field.test.ts
 *
 * Start the demo plant -> connect to its OPC UA device (trusting the server certificate if asked)
 * -> add the heat-recovery variables from the browse tree -> see live values change -> bind the
 * heat power to the demo flow -> record -> the flow becomes `measured` once the (shortened, via
 * the setting ingest.measured_min_period_s) minimum period is covered; the database says so too.
 * Screenshots: test-results/field-1-demo.png ... field-5-measured.png.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { DEMO_FLOW_ID, DEMO_MODBUS_DEVICE_ID, DEMO_OPCUA_DEVICE_ID } from '../../main/field/demo-plant.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { REPO_ROOT, startTestHost, type TestHost } from '../support/host.ts';

const RESULTS = join(REPO_ROOT, 'test-results');

let t: TestHost;
let b: TestBrowser;
let page: Page;

const shot = (name: string) => page.screenshot({ path: join(RESULTS, name) });

describe('site audit in headless Chromium (browser host, OPC UA demo plant)', { timeout: 240_000 }, () => {
  before(async () => {
    mkdirSync(RESULTS, { recursive: true });
    t = await startTestHost({ seed: 'empty' });
    // The shortened measured rule of this test (defaults: 7 days, 90 %).
    await t.repo.setSetting('ingest.measured_min_period_s', 5);
    await t.repo.setSetting('ingest.measured_min_coverage', 0.5);
    await t.repo.setSetting('ingest.measured_eval_interval_s', 1);
    b = await launchBrowser({ allowedOrigin: t.host.url });
    page = b.page;
    await page.goto(t.host.openUrl);
    await page.getByTestId('field-open').click();
    await page.getByTestId('field-audit').waitFor();
  });

  after(async () => {
    await b?.close();
    await t?.close(); // closes the field service, which stops the demo plant it started
  });

  it('starts the demo plant on request and lists its devices at the demo site', async () => {
    await page.getByTestId('field-empty').waitFor();
    await page.getByTestId('field-demo-start').click();
    await page.getByTestId(`field-device-${DEMO_OPCUA_DEVICE_ID}`).waitFor({ timeout: 60_000 });
    await page.getByTestId('field-device-panel').waitFor();
    assert.match(await page.getByTestId('field-status').innerText(), /not connected/);
    assert.ok(await page.getByTestId('field-password-notice').isVisible(), 'the UI says passwords are kept for the session only');
    await shot('field-1-demo.png');
  });

  it('connects (trusting the server certificate if asked) and browses the address space', async () => {
    await page.getByTestId('field-connect').click();
    const connected = page.getByTestId('field-disconnect');
    const trust = page.getByTestId('field-cert-trust');
    await Promise.race([connected.waitFor({ timeout: 60_000 }), trust.waitFor({ timeout: 60_000 })]);
    if (await trust.isVisible()) {
      await shot('field-2-certificate.png');
      assert.match(await page.getByTestId('field-cert-thumbprint').innerText(), /^([0-9a-f]{2}:){19}[0-9a-f]{2}$/);
      await trust.click();
      await connected.waitFor({ timeout: 60_000 });
    }
    await page.getByTestId('field-status').filter({ hasText: 'connected' }).waitFor();
    await page.getByTestId('field-tree').first().waitFor({ timeout: 30_000 });
    await shot('field-2-connected.png');
    const heat = page.getByTestId('field-node-HeatRecovery');
    await heat.waitFor({ timeout: 30_000 });
    await heat.getByTestId('field-node-add-all').click();
    await page.getByTestId('field-point-HeatPower').waitFor({ timeout: 30_000 });
    assert.ok(await page.getByTestId('field-point-FlowRate').isVisible());
  });

  it('shows live values that change, with quality and a trend', async () => {
    const cell = page.getByTestId('field-point-HeatPower').getByTestId('field-value');
    await page.waitForFunction((el) => !!el && /\d/.test(el.textContent ?? ''), await cell.elementHandle(), { timeout: 30_000 });
    const first = await cell.innerText();
    await page.waitForFunction(([el, before]) => !!el && el.textContent !== before && /\d/.test(el.textContent ?? ''), [await cell.elementHandle(), first] as const, { timeout: 30_000 });
    const second = await cell.innerText();
    assert.notEqual(second, first, 'the heat power changed while watched');
    assert.equal(await page.getByTestId('field-point-HeatPower').locator('.quality').innerText(), 'good');
    await page.getByTestId('field-point-HeatPower').click();
    await page.getByTestId('field-trend').locator('canvas').first().waitFor();
    assert.ok((await page.getByTestId('field-counters').innerText()).includes('samples'));
    await shot('field-3-live.png');
  });

  it('binds the heat power to the demo flow with a role', async () => {
    const row = page.getByTestId('field-point-HeatPower');
    await row.getByTestId('field-bind-flow').selectOption(DEMO_FLOW_ID);
    await row.getByTestId('field-bind-role').selectOption('power');
    await row.getByTestId('field-bind-save').click();
    await page.getByTestId(`field-measured-${DEMO_FLOW_ID}`).waitFor();
    const [point] = (await t.repo.field.listPoints({ flow_id: DEMO_FLOW_ID }));
    assert.equal(point?.name, 'HeatPower');
    assert.equal(point?.role, 'power');
    await shot('field-4-bound.png');
  });

  it('records until the flow is measured, in the UI and in the database', async () => {
    await page.getByTestId('field-record-start').click();
    await page.getByTestId('field-recording').waitFor();
    await page.getByTestId(`field-measured-${DEMO_FLOW_ID}`).getByTestId('field-measured-state').filter({ hasText: /^measured$/ }).waitFor({ timeout: 90_000 });
    assert.match(await page.getByTestId('field-recording').innerText(), /[1-9]\d* samples committed/);
    await shot('field-5-measured.png');
    await page.getByTestId('field-record-stop').click();
    await page.getByTestId('field-record-start').waitFor();
    const flow = await t.repo.getFlow(DEMO_FLOW_ID);
    assert.equal(flow.precision, 'measured');
    assert.equal(flow.provenance?.kind, 'meter');
  });

  it('the Modbus demo meter: profile registers as points, decoded, and a register scan in every format', async () => {
    await page.getByTestId(`field-device-${DEMO_MODBUS_DEVICE_ID}`).click();
    await page.getByTestId('field-connect').click();
    await page.getByTestId('field-disconnect').waitFor({ timeout: 60_000 });
    const voltage = page.locator('[data-testid^="field-node-"]').filter({ hasText: /voltage/i }).first();
    await voltage.waitFor({ timeout: 30_000 });
    await voltage.getByTestId('field-node-add').click();
    const row = page.locator('[data-testid^="field-point-"]').filter({ hasText: /voltage/i }).first();
    await row.waitFor({ timeout: 30_000 });
    // The profile says float32: a plausible mains voltage, not a raw register word.
    await page.waitForFunction((el) => {
      const v = Number((el?.textContent ?? '').replace(/,/g, ''));
      return v > 100 && v < 300;
    }, await row.getByTestId('field-value').elementHandle(), { timeout: 30_000 });
    await page.getByTestId('field-scan-start').fill('0');
    await page.getByTestId('field-scan-run').click();
    await page.getByTestId('field-scan').locator('table tbody tr').first().waitFor({ timeout: 30_000 });
    assert.ok((await page.getByTestId('field-scan').locator('thead').innerText()).includes('float32_CDAB'));
    await shot('field-6-modbus.png');
    assert.deepEqual(b.errors, []);
    assert.deepEqual(b.foreignRequests, []);
  });

  it("a user's own Modbus profile: a bad register refused with its reason, then saved and chosen", async () => {
    await page.getByTestId('field-add-device').click();
    await page.getByTestId('field-device-endpoint').fill('modbus-tcp://127.0.0.1:5020?unit=3');
    await page.getByTestId('field-profile').selectOption('sdm630');
    await page.getByTestId('profile-edit-toggle').click();
    const json = page.getByTestId('profile-json');
    const sdm = JSON.parse(await json.inputValue()) as { name: string; registers: { dataType: string }[] };
    assert.equal(sdm.name, 'sdm630', 'the editor starts from the chosen profile');
    const mine = { ...sdm, name: 'boiler-house-meter', description: 'SDM630 wired at the boiler house' };
    await json.fill(JSON.stringify({ ...mine, registers: [{ ...sdm.registers[0], dataType: 'float33' }] }));
    await page.getByTestId('profile-save').click();
    await page.getByTestId('profile-error').filter({ hasText: /dataType/ }).waitFor();
    await json.fill(JSON.stringify(mine));
    await page.getByTestId('profile-save').click();
    await page.getByTestId('profile-editor').waitFor({ state: 'detached' });
    assert.equal(await page.getByTestId('field-profile').inputValue(), 'boiler-house-meter');
    await shot('field-7-profile.png');
    await page.getByTestId('field-device-dialog').getByRole('button', { name: 'Cancel' }).click();
    // The refused profile is a 400 by design (Chromium logs it); nothing else went wrong.
    assert.deepEqual(b.errors.filter((e) => !/status of 400/.test(e)), []);
  });
});
