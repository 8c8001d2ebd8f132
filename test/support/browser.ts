/**
 * Headless Chromium for end-to-end tests: Debian's /usr/bin/chromium driven by playwright-core,
 * with a fresh user-data-dir per launch (quality.md, "Testing on these machines"). SwiftShader
 * gives WebGL2, enough for MapLibre.
 *
 * Console errors and uncaught page errors are collected so a test can assert the page ran clean.
 * Set E2E_CONSOLE=1 to echo the page's whole console while debugging.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /** Console messages of type "error" and uncaught exceptions, in order. */
  errors: string[];
  /** Requests the page made to anything but the host under test (there must be none: offline app). */
  foreignRequests: string[];
  close(): Promise<void>;
}

export async function launchBrowser(options: { allowedOrigin?: string; viewport?: { width: number; height: number } } = {}): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`);
  const userDataDir = await mkdtemp(join(tmpdir(), 'turash-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: options.viewport ?? { width: 1440, height: 900 },
    deviceScaleFactor: 1,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  const foreignRequests: string[] = [];
  page.on('console', (message) => {
    if (process.env['E2E_CONSOLE']) console.log('[page]', message.type(), message.text());
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  context.on('request', (request) => {
    const url = request.url();
    if (options.allowedOrigin && !url.startsWith(options.allowedOrigin) && !url.startsWith('ws://127.0.0.1') && !/^(data|blob):/.test(url)) {
      foreignRequests.push(url);
    }
  });
  return {
    context,
    page,
    errors,
    foreignRequests,
    close: async () => {
      await context.close().catch(() => undefined);
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
