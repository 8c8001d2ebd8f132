/**
 * The built Electron bundle, run in plain Node against a stand-in of Electron's API
 * (fixtures/electron-stub.cjs): proves that out/app/main.js links and starts (ESM bundle, the
 * electron shim, externals such as sqlite3, the demo portfolio asset), and that main.ts wires the
 * tested policies into the right events. Electron itself cannot be downloaded on these machines.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Inside the project (so the bundle resolves node_modules), in the ignored out/ folder.
const OUT = join(ROOT, 'out', `.shell-test-${process.pid}`);
let home: string;

interface Report {
  name: string;
  userData: string;
  sandboxEnabled: boolean;
  schemes: { scheme: string; privileges: Record<string, boolean> }[];
  windowOptions: { webPreferences: Record<string, unknown> };
  loadedUrl: string;
  menu: string[];
  errors: string[];
  warnings: string[];
  opened: string[];
  checks: Record<string, unknown> & {
    protocolIndex: { status: number; csp: string | null; body: string };
    ipcTrusted: { version?: string; counts?: { organizations: number } } | string;
  };
  quit: { beforeQuitPrevented: boolean; exitCode: number };
}
let report: Report;
let stderr = '';

before(async () => {
  const { buildElectron } = await import('../../scripts/build-electron.mjs');
  const outputs = await buildElectron({ outDir: OUT, quiet: true });
  mkdirSync(join(OUT, 'renderer'), { recursive: true });
  writeFileSync(join(OUT, 'renderer', 'index.html'), '<!doctype html><title>stub renderer</title>');
  home = mkdtempSync(join(tmpdir(), 'turash-shell-'));
  const reportFile = join(home, 'report.json');
  const run = spawnSync(process.execPath, ['--require', fileURLToPath(new URL('./fixtures/electron-stub.cjs', import.meta.url)), outputs.main], {
    cwd: ROOT,
    env: { ...process.env, TURASH_HOME: home, TURASH_DB: '', STUB_REPORT: reportFile, NODE_OPTIONS: '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  stderr = run.stderr;
  assert.ok(existsSync(reportFile), `the bundle ran and reported (status ${run.status}):\n${run.stderr}\n${run.stdout}`);
  report = JSON.parse(readFileSync(reportFile, 'utf8')) as Report;
});

after(() => {
  rmSync(OUT, { recursive: true, force: true });
  if (home) rmSync(home, { recursive: true, force: true });
});

test('the bundle starts: user data folder, sandbox, privileged scheme, no startup error', () => {
  assert.deepEqual(report.errors, [], stderr);
  assert.equal(report.name, 'Turash Field');
  assert.equal(report.userData, home);
  assert.equal(report.sandboxEnabled, true);
  assert.equal(report.schemes[0]!.scheme, 'app');
  assert.equal(report.schemes[0]!.privileges.standard, true);
  assert.equal(report.loadedUrl, 'app://turash/index.html');
  assert.ok(existsSync(join(home, 'turash.db')), 'the database is in the user data folder');
});

test('the window gets the secure options and the built CJS preload', () => {
  const web = report.windowOptions.webPreferences;
  assert.equal(web.contextIsolation, true);
  assert.equal(web.sandbox, true);
  assert.equal(web.nodeIntegration, false);
  assert.equal(web.webSecurity, true);
  assert.equal(web.preload, join(OUT, 'preload', 'preload.cjs'));
  assert.ok(report.menu.includes('import') && report.menu.includes('toggle-devtools') && report.menu.includes('about'));
});

test('the app protocol serves the renderer with the CSP and refuses traversal', () => {
  assert.equal(report.checks.protocolIndex.status, 200);
  assert.match(report.checks.protocolIndex.csp ?? '', /default-src 'self'/);
  assert.match(report.checks.protocolIndex.body, /stub renderer/);
  assert.equal(report.checks.protocolTraversal, 403);
});

test('navigation, new windows, webviews, permissions and remote requests are guarded', () => {
  const c = report.checks;
  assert.equal(c.navigateAwayPrevented, true);
  assert.equal(c.navigateInsideAllowed, true);
  assert.equal(c.navigateLicencePrevented, true);
  assert.equal(c.subframeAwayPrevented, true);
  assert.equal(c.subframeLicencePrevented, true);
  assert.equal(c.mainFrameLeftToWillNavigate, true);
  assert.deepEqual(c.windowOpenEvil, { action: 'deny' });
  assert.deepEqual(c.windowOpenHotmaps, { action: 'deny' });
  assert.deepEqual(report.opened, ['https://creativecommons.org/licenses/by/4.0/', 'https://www.hotmaps.eu/']);
  assert.equal(c.webviewPrevented, true);
  assert.equal(c.permissionRequestGranted, false);
  assert.equal(c.permissionCheckGranted, false);
  assert.equal(c.devicePermission, false);
  assert.deepEqual((c.remoteRequest as { response: unknown }).response, { cancel: true });
});

test('tRPC over IPC answers our window and refuses other senders', () => {
  const trusted = report.checks.ipcTrusted;
  assert.ok(typeof trusted === 'object', `trusted call answered: ${JSON.stringify(trusted)}`);
  assert.equal(trusted.version, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  assert.ok((trusted.counts?.organizations ?? 0) > 0, 'the demo portfolio was seeded from the bundled asset');
  assert.equal(report.checks.ipcForeignSender, 'no answer');
  assert.equal(report.checks.ipcSubframe, 'no answer');
  assert.equal(report.checks.ipcOtherPage, 'no answer');
  assert.equal(report.warnings.filter((w) => w.includes('IPC refused')).length, 3);
});

test('quitting waits for the core to close, then exits 0', () => {
  assert.equal(report.quit.beforeQuitPrevented, true);
  assert.equal(report.quit.exitCode, 0);
});
