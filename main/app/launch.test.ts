import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decideLaunch,
  desktopDatabasePath,
  displayAvailable,
  downloadFailureReason,
  electronPlatformPath,
  fallbackMessage,
  findElectronBinary,
  hostBanner,
  needsRendererBuild,
  newestMtime,
  parseStartArgs,
  type ElectronBinary,
} from './launch.ts';

let base: string;
before(() => {
  base = mkdtempSync(join(tmpdir(), 'turash-launch-'));
});
after(() => rmSync(base, { recursive: true, force: true }));

/** A node_modules/electron as npm leaves it here: package files, no dist/ and no path.txt. */
function fakeElectronPackage(name: string, downloaded: boolean): string {
  const dir = join(base, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'electron', version: '45.4.1' }));
  if (downloaded) {
    mkdirSync(join(dir, 'dist'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'electron'), '#!/bin/sh\n');
    writeFileSync(join(dir, 'path.txt'), 'electron');
  }
  return dir;
}

const present: ElectronBinary = { found: true, path: '/x/node_modules/electron/dist/electron', version: '45.4.1' };
const absent: ElectronBinary = { found: false, reason: 'the binary has not been downloaded (no node_modules/electron/path.txt)', version: '45.4.1' };

test('arguments: --no-electron, --port, --db, with PORT and TURASH_DB as defaults', () => {
  assert.deepEqual(parseStartArgs([]), { ok: true, options: { noElectron: false, port: 0, db: undefined, help: false } });
  assert.deepEqual(parseStartArgs(['--no-electron', '--port', '8080', '--db=/tmp/a.db']), {
    ok: true,
    options: { noElectron: true, port: 8080, db: '/tmp/a.db', help: false },
  });
  assert.equal((parseStartArgs([], { PORT: '3000', TURASH_DB: '/d.db' }) as { options: { port: number } }).options.port, 3000);
  assert.equal((parseStartArgs([], { TURASH_DB: '/d.db' }) as { options: { db: string } }).options.db, '/d.db');
  assert.equal((parseStartArgs(['--port=9000'], { PORT: '3000' }) as { options: { port: number } }).options.port, 9000, '--port wins over PORT');
  assert.equal((parseStartArgs(['--db', '/x.db'], { TURASH_DB: '/d.db' }) as { options: { db: string } }).options.db, '/x.db');
  assert.match((parseStartArgs(['--port', 'abc']) as { error: string }).error, /port number/);
  assert.match((parseStartArgs(['--port', '70000']) as { error: string }).error, /port number/);
  assert.match((parseStartArgs([], { PORT: 'x' }) as { error: string }).error, /PORT must be/);
  assert.match((parseStartArgs(['--frobnicate']) as { error: string }).error, /unknown argument/);
  assert.match((parseStartArgs(['--db']) as { error: string }).error, /--db needs a path/);
  assert.equal((parseStartArgs(['--help']) as { options: { help: boolean } }).options.help, true);
});

test('the Electron binary is found as electron/index.js finds it, without downloading', () => {
  const missing = findElectronBinary(fakeElectronPackage('not-downloaded', false), {}, 'linux');
  assert.equal(missing.found, false);
  assert.equal(missing.version, '45.4.1');
  assert.match((missing as { reason: string }).reason, /not been downloaded/);

  const dir = fakeElectronPackage('downloaded', true);
  assert.deepEqual(findElectronBinary(dir, {}, 'linux'), { found: true, path: join(dir, 'dist', 'electron'), version: '45.4.1' });

  // path.txt without the file (an interrupted download).
  const broken = fakeElectronPackage('broken', true);
  rmSync(join(broken, 'dist', 'electron'));
  assert.match((findElectronBinary(broken, {}, 'linux') as { reason: string }).reason, /missing/);

  // ELECTRON_OVERRIDE_DIST_PATH replaces dist/.
  const override = join(base, 'override');
  mkdirSync(override, { recursive: true });
  writeFileSync(join(override, 'electron'), '');
  assert.equal(findElectronBinary(fakeElectronPackage('o', false), { ELECTRON_OVERRIDE_DIST_PATH: override }, 'linux').found, true);

  assert.equal(findElectronBinary(join(base, 'nothing-here')).found, false);
  assert.equal(electronPlatformPath('darwin'), 'Electron.app/Contents/MacOS/Electron');
  assert.equal(electronPlatformPath('win32'), 'electron.exe');
  assert.equal(electronPlatformPath('aix'), undefined);
});

test('binary present -> Electron; --no-electron -> browser host', () => {
  assert.deepEqual(decideLaunch({ noElectron: false, binary: present, display: true }), { action: 'electron', binary: present.path });
  const forced = decideLaunch({ noElectron: true, binary: present, display: true });
  assert.equal(forced.action, 'browser-host');
});

test('binary missing -> one download attempt; failed -> browser host with the reason', () => {
  assert.deepEqual(decideLaunch({ noElectron: false, binary: absent, display: true }), { action: 'download', version: '45.4.1' });
  const failed = decideLaunch({ noElectron: false, binary: absent, download: { ok: false, reason: 'TypeError: fetch failed' }, display: true });
  assert.deepEqual(failed, {
    action: 'browser-host',
    message: "Electron's binary could not be downloaded (TypeError: fetch failed); starting the browser host instead",
  });
  // A download that "succeeded" without leaving a binary does not loop.
  const odd = decideLaunch({ noElectron: false, binary: absent, download: { ok: true }, display: true });
  assert.equal(odd.action, 'browser-host');
  assert.match((odd as { message: string }).message, /^Electron's binary could not be downloaded \(the download ended but/);
  // --no-electron never downloads.
  assert.equal(decideLaunch({ noElectron: true, binary: absent, display: true }).action, 'browser-host');
});

test('binary present but no display (Linux without X11/Wayland) -> browser host', () => {
  const decision = decideLaunch({ noElectron: false, binary: present, display: false });
  assert.equal(decision.action, 'browser-host');
  assert.match((decision as { message: string }).message, /no display/);
  assert.equal(displayAvailable({}, 'linux'), false);
  assert.equal(displayAvailable({ DISPLAY: ':0' }, 'linux'), true);
  assert.equal(displayAvailable({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux'), true);
  assert.equal(displayAvailable({}, 'darwin'), true);
  assert.equal(displayAvailable({}, 'win32'), true);
});

test('the download failure reason is the error line of install.js, not its stack', () => {
  // What install.js printed on these machines.
  const output = [
    'TypeError: fetch failed',
    '    at node:internal/deps/undici/undici:14976:13',
    '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
    '    at async FetchDownloader.download (file:///work/main/node_modules/@electron/get/dist/FetchDownloader.js:46:30)',
  ].join('\n');
  assert.equal(downloadFailureReason({ status: 1, timedOut: false, output }, 60), 'TypeError: fetch failed');
  assert.equal(
    downloadFailureReason({ status: 1, timedOut: false, output: 'RequestError: getaddrinfo ENOTFOUND github.com\n    at x' }, 60),
    'RequestError: getaddrinfo ENOTFOUND github.com',
  );
  assert.equal(downloadFailureReason({ status: null, signal: 'SIGKILL', timedOut: true, output: '' }, 60), 'no download within 60 s');
  assert.equal(downloadFailureReason({ status: null, timedOut: false, error: 'spawn node ENOENT', output: '' }, 60), 'spawn node ENOENT');
  assert.equal(downloadFailureReason({ status: 3, timedOut: false, output: '' }, 60), 'exit status 3');
  assert.ok(downloadFailureReason({ status: 1, timedOut: false, output: `Error: ${'x'.repeat(500)}` }, 60).length <= 200);
  assert.match(fallbackMessage('no download within 60 s'), /^Electron's binary could not be downloaded \(no download within 60 s\); starting the browser host instead$/);
});

test('the renderer is rebuilt when missing or older than its sources', () => {
  assert.equal(needsRendererBuild(undefined, 1000), true);
  assert.equal(needsRendererBuild(undefined, undefined), true);
  assert.equal(needsRendererBuild(2000, 1000), false);
  assert.equal(needsRendererBuild(1000, 2000), true);
  assert.equal(needsRendererBuild(1000, undefined), false);

  const src = join(base, 'renderer');
  mkdirSync(join(src, 'src'), { recursive: true });
  mkdirSync(join(src, 'node_modules'), { recursive: true });
  writeFileSync(join(src, 'index.html'), '');
  writeFileSync(join(src, 'src', 'main.tsx'), '');
  writeFileSync(join(src, 'node_modules', 'ignored.js'), '');
  utimesSync(join(src, 'index.html'), 1000, 1000);
  utimesSync(join(src, 'src', 'main.tsx'), 2000, 2000);
  utimesSync(join(src, 'node_modules', 'ignored.js'), 9000, 9000);
  assert.equal(newestMtime([src, join(base, 'no-such-file')]), 2_000_000);
  assert.equal(newestMtime([join(base, 'no-such-dir')]), undefined);
});

test('the desktop database: --db, then TURASH_DB, then the user data folder', () => {
  assert.equal(desktopDatabasePath(['electron', '.', '--db=/a.db'], { TURASH_DB: '/b.db' }, '/ud'), '/a.db');
  assert.equal(desktopDatabasePath(['electron', '.', '--db', '/a.db'], {}, '/ud'), '/a.db');
  assert.equal(desktopDatabasePath(['electron', '.'], { TURASH_DB: '/b.db' }, '/ud'), '/b.db');
  assert.equal(desktopDatabasePath(['electron', '.'], {}, '/ud'), join('/ud', 'turash.db'));
});

test('the browser host banner shows the URL with its token', () => {
  const banner = hostBanner('http://127.0.0.1:4321/#token=abc', '/data/turash.db');
  assert.match(banner, /http:\/\/127\.0\.0\.1:4321\/#token=abc/);
  assert.match(banner, /Ctrl\+C/);
  assert.match(banner, /\/data\/turash\.db/);
});
