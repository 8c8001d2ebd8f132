/**
 * The renderer's Content-Security-Policy (main/host/csp.ts, shared by the browser host and the
 * Electron shell), enforced by real Chromium: through the browser host on a temporary database in
 * headless Chromium, an injected inline <script> does not run and is reported as a violation,
 * eval and new Function are refused, and a fetch to another origin (a real server on another port
 * that would answer with permissive CORS) is refused by connect-src before any request leaves,
 * while the app's own scripts run (the UI renders its counts from the API).
 *
 *   npx vite build --config renderer/vite.config.ts
 *   node --import tsx --test test/e2e/csp.test.ts
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { startTestHost, type TestHost } from '../support/host.ts';

interface Violation {
  directive: string;
  blockedURI: string;
  sample: string;
}

let t: TestHost;
let b: TestBrowser;
let page: Page;
let foreign: http.Server;
let foreignUrl: string;
let foreignHits = 0;

const violations = (): Promise<Violation[]> => page.evaluate(() => (window as unknown as { __cspViolations: Violation[] }).__cspViolations);

async function waitForViolation(match: (v: Violation) => boolean, what: string): Promise<Violation> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const found = (await violations()).find(match);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no CSP violation for ${what}; reported: ${JSON.stringify(await violations())}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

describe('the renderer CSP in headless Chromium (browser host)', { timeout: 90_000 }, () => {
  before(async () => {
    foreign = http.createServer((_req, res) => {
      foreignHits++;
      res.writeHead(200, { 'access-control-allow-origin': '*', 'content-type': 'text/plain' }).end('exfiltrated');
    });
    await new Promise<void>((done) => foreign.listen(0, '127.0.0.1', done));
    foreignUrl = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}/steal`;
    t = await startTestHost({ seed: 'demo' });
    b = await launchBrowser({ allowedOrigin: t.host.url });
    page = b.page;
    // Injected by the test harness (DevTools protocol), before any page script: records violations.
    await b.context.addInitScript(() => {
      const list: unknown[] = [];
      (window as unknown as { __cspViolations: unknown[] }).__cspViolations = list;
      document.addEventListener('securitypolicyviolation', (e) => list.push({ directive: e.effectiveDirective, blockedURI: e.blockedURI, sample: e.sample }));
    });
    await page.goto(t.host.openUrl);
  });

  after(async () => {
    await b?.close();
    await t?.close();
    if (foreign) await new Promise<void>((done) => foreign.close(() => done()));
  });

  it("runs the app's own scripts under the policy", async () => {
    const response = await page.request.get(t.host.url);
    const csp = response.headers()['content-security-policy'] ?? '';
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.ok(!csp.includes("'unsafe-inline'") || !/script-src[^;]*'unsafe-inline'/.test(csp), 'no unsafe-inline for scripts');
    assert.ok(!/script-src[^;]*'unsafe-eval'/.test(csp), 'no unsafe-eval');
    // React rendered the counts it read over the API: the bundled module script ran.
    await page.getByTestId('counts').filter({ hasText: /\d+ sites/ }).waitFor({ timeout: 30_000 });
    assert.deepEqual(await violations(), [], 'the app itself causes no violation');
  });

  it('an injected inline <script> does not run and is reported', async () => {
    const ran = await page.evaluate(async () => {
      const script = document.createElement('script');
      script.textContent = 'window.__inlineRan = true;';
      document.body.append(script);
      await new Promise((done) => setTimeout(done, 100));
      return (window as unknown as { __inlineRan?: boolean }).__inlineRan === true;
    });
    assert.equal(ran, false, 'the inline script must not run');
    // (the sample stays empty: the policy has no 'report-sample')
    await waitForViolation((x) => x.directive.startsWith('script-src') && x.blockedURI === 'inline', 'the inline script');
    // An inline event handler is inline script too.
    const handlerRan = await page.evaluate(async () => {
      const img = document.createElement('img');
      img.setAttribute('onerror', 'window.__handlerRan = true');
      img.src = 'data:,not-an-image';
      document.body.append(img);
      await new Promise((done) => setTimeout(done, 200));
      img.remove();
      return (window as unknown as { __handlerRan?: boolean }).__handlerRan === true;
    });
    assert.equal(handlerRan, false, 'the inline event handler must not run');
  });

  it('eval and new Function are refused', async () => {
    // DevTools' own evaluation may eval (Playwright's page.evaluate does), so the attempt runs later,
    // from a timer of the page, outside the DevTools call. No named helper inside evaluate: tsx
    // would wrap it in a __name() the page does not have.
    await page.evaluate(() => {
      setTimeout(() => {
        const result = { eval: 'ran', fn: 'ran' };
        try {
          eval('1 + 1');
        } catch (error) {
          result.eval = error instanceof Error ? error.name : String(error);
        }
        try {
          new Function('return 1')();
        } catch (error) {
          result.fn = error instanceof Error ? error.name : String(error);
        }
        (window as unknown as { __evalResult: unknown }).__evalResult = result;
      }, 0);
    });
    const outcome = await (await page.waitForFunction(() => (window as unknown as { __evalResult?: unknown }).__evalResult)).jsonValue();
    assert.deepEqual(outcome, { eval: 'EvalError', fn: 'EvalError' });
    await waitForViolation((x) => x.directive.startsWith('script-src') && x.blockedURI === 'eval', 'eval');
  });

  it('a fetch to another origin is refused by connect-src, before any request leaves', async () => {
    const result = await page.evaluate(async (url) => {
      try {
        const response = await fetch(url);
        return `fetched: ${await response.text()}`;
      } catch (error) {
        return `refused: ${error instanceof Error ? error.name : String(error)}`;
      }
    }, foreignUrl);
    assert.equal(result, 'refused: TypeError');
    const v = await waitForViolation((x) => x.directive === 'connect-src', 'the cross-origin fetch');
    assert.ok(v.blockedURI.startsWith(foreignUrl.replace('/steal', '')), v.blockedURI);
    assert.equal(foreignHits, 0, 'the other server was never contacted');
    // The app's own API (same origin) still answers.
    await page.getByTestId('counts').waitFor();
  });
});
