/**
 * The update policy against a REAL electron-updater (its AppImageUpdater, GenericProvider,
 * latest-linux.yml parsing, semver comparison, download and sha512 check, install-on-quit handler)
 * and a real HTTP server on 127.0.0.1 serving latest-linux.yml, beta-linux.yml and the artifacts.
 *
 * Nothing of Electron is needed for check, download and install-on-quit: the updater is built with
 * a test app adapter (electron-updater's AppAdapter interface) and Node's HTTP (builder-util-runtime's
 * HttpExecutor, the base of electron-updater's own). Only the "restart" test needs a stub:
 * BaseUpdater.quitAndInstall emits Electron's `autoUpdater` 'before-quit-for-update', so that test
 * puts a stand-in `electron` module (an EventEmitter `autoUpdater`) in the require cache.
 * The installer itself is a test installer (doInstall records the call; nothing is installed).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type ClientRequest, type IncomingMessage, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type * as BuilderUtilRuntime from 'builder-util-runtime';
import type { DownloadOptions } from 'builder-util-runtime';
import { AppImageUpdater, type AppUpdater } from 'electron-updater';
import type { AppAdapter } from 'electron-updater/out/AppAdapter.js';
import type { InstallOptions } from 'electron-updater/out/BaseUpdater.js';
import { adaptAppUpdater } from './updater.ts';
import { electronUpdaterChannel, updateFeedUrl, UpdatePolicy, type PolicyTimers, type UpdateState, type UpdateStatus } from '../updates/policy.ts';

const requireFromUpdater = createRequire(createRequire(import.meta.url).resolve('electron-updater'));
const runtime = requireFromUpdater('builder-util-runtime') as typeof BuilderUtilRuntime;

/** electron-updater's HttpExecutor over Node's http (the app uses Electron's net instead). */
class NodeHttpExecutor extends runtime.HttpExecutor<ClientRequest> {
  createRequest(options: object, callback: (response: IncomingMessage) => void): ClientRequest {
    return httpRequest(options, callback);
  }
  /** As ElectronHttpExecutor.download, over Node's http. */
  download(url: URL, destination: string, options: DownloadOptions): Promise<string> {
    return options.cancellationToken.createPromise<string>((resolve, reject, onCancel) => {
      const requestOptions = { headers: options.headers ?? undefined, redirect: 'manual' };
      runtime.configureRequestUrl(url, requestOptions);
      runtime.configureRequestOptions(requestOptions);
      this.doDownload(
        requestOptions,
        { destination, options, onCancel, callback: (error: Error | null) => (error === null || error === undefined ? resolve(destination) : reject(error)), responseHandler: null },
        0,
      );
    });
  }
}

const CURRENT = '0.1.0';
const STABLE = '0.2.0';
const BETA = '0.3.0-beta.1';
const archSuffix = process.arch === 'x64' ? '' : `-${process.arch}`;
const channelFile = (channel: string) => `${channel}-linux${archSuffix}.yml`;

let dir: string;
let server: Server;
let baseUrl: string;
const requests: string[] = [];
const bytesServed = new Map<string, number>();
const artifacts = new Map<string, Buffer>();
const metadata = new Map<string, string>();

function sha512(data: Buffer): string {
  return createHash('sha512').update(data).digest('base64');
}

function channelYaml(version: string, file: string, data: Buffer, digest = sha512(data)): string {
  // The shape electron-builder writes for a Linux AppImage release.
  return [
    `version: ${version}`,
    'files:',
    `  - url: ${file}`,
    `    sha512: ${digest}`,
    `    size: ${data.length}`,
    `    blockMapSize: 0`,
    `path: ${file}`,
    `sha512: ${digest}`,
    `releaseDate: '2025-06-01T10:00:00.000Z'`,
    '',
  ].join('\n');
}

before(async () => {
  if (process.platform !== 'linux') return;
  dir = mkdtempSync(join(tmpdir(), 'turash-updates-'));
  const stableFile = `turash-field-${STABLE}-linux-x86_64.AppImage`;
  const betaFile = `turash-field-${BETA}-linux-x86_64.AppImage`;
  artifacts.set(stableFile, randomBytes(300_000));
  artifacts.set(betaFile, randomBytes(200_000));
  artifacts.set('corrupt.AppImage', randomBytes(1000));
  metadata.set(channelFile('latest'), channelYaml(STABLE, stableFile, artifacts.get(stableFile)!));
  metadata.set(channelFile('beta'), channelYaml(BETA, betaFile, artifacts.get(betaFile)!));
  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1));
    requests.push(path);
    const yaml = metadata.get(path);
    if (yaml !== undefined) {
      res.writeHead(200, { 'content-type': 'text/yaml' }).end(yaml);
      return;
    }
    const data = artifacts.get(path);
    if (!data) {
      res.writeHead(404).end('not found');
      return;
    }
    bytesServed.set(path, (bytesServed.get(path) ?? 0) + data.length);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length }).end(data);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  // The "installed" AppImage (electron-updater requires APPIMAGE to be set for an AppImage build).
  writeFileSync(join(dir, 'current.AppImage'), 'old');
  process.env['APPIMAGE'] = join(dir, 'current.AppImage');
});

after(async () => {
  if (server) await new Promise<void>((done) => server.close(() => done()));
  if (dir) rmSync(dir, { recursive: true, force: true });
  delete process.env['APPIMAGE'];
});

/** electron-updater's AppAdapter without Electron: a packaged app at version CURRENT. */
class TestApp implements AppAdapter {
  readonly name = 'Turash Field';
  readonly isPackaged = true;
  quits = 0;
  readonly #quitHandlers: ((exitCode: number) => void)[] = [];
  constructor(readonly appUpdateConfigPath: string, readonly userDataPath: string, readonly baseCachePath: string, readonly version = CURRENT) {}
  whenReady(): Promise<void> {
    return Promise.resolve();
  }
  relaunch(): void {}
  /** What Electron's app.quit() does for electron-updater: the quit handlers run (exit code 0). */
  quit(): void {
    this.quits++;
    for (const handler of this.#quitHandlers) handler(0);
  }
  onQuit(handler: (exitCode: number) => void): void {
    this.#quitHandlers.push(handler);
  }
}

/** The real AppImageUpdater; only its installer step is replaced by a recording test installer. */
class TestAppImageUpdater extends AppImageUpdater {
  readonly installs: InstallOptions[] = [];
  constructor(app: TestApp) {
    super(null, app);
    Object.defineProperty(this, 'httpExecutor', { value: new NodeHttpExecutor(), writable: true });
  }
  protected override doInstall(options: InstallOptions): boolean {
    this.installs.push(options);
    return true;
  }
  downloadedFile(): string | null {
    return this.installerPath;
  }
}

function makeUpdater(name: string, version = CURRENT): { app: TestApp; updater: TestAppImageUpdater } {
  const root = mkdtempSync(join(dir, `${name}-`));
  const configPath = join(root, 'app-update.yml');
  // What electron-builder writes into resources/app-update.yml from electron-builder.yml's publish.
  writeFileSync(configPath, `provider: generic\nurl: ${baseUrl}\nchannel: latest\nupdaterCacheDirName: turash-field-updater\n`);
  const app = new TestApp(configPath, join(root, 'user-data'), join(root, 'cache'), version);
  const updater = new TestAppImageUpdater(app);
  updater.disableDifferentialDownload = true;
  updater.logger = null;
  return { app, updater };
}

function manualTimers(): PolicyTimers & { tick(): void; active: number } {
  const callbacks = new Map<number, () => void>();
  let next = 1;
  return {
    setInterval: (callback) => {
      callbacks.set(next, callback);
      return next++;
    },
    clearInterval: (handle) => void callbacks.delete(handle as number),
    tick: () => {
      for (const callback of [...callbacks.values()]) callback();
    },
    get active() {
      return callbacks.size;
    },
  };
}

function waitFor(policy: UpdatePolicy, status: UpdateStatus, timeoutMs = 15_000): Promise<UpdateState> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for "${status}", state ${JSON.stringify(policy.state())}`)), timeoutMs);
    const check = (state: UpdateState) => {
      if (state.status === 'error' && status !== 'error') {
        clearTimeout(timer);
        reject(new Error(`update error while waiting for "${status}": ${state.error ?? ''}`));
        return;
      }
      if (state.status !== status) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(state);
    };
    const unsubscribe = policy.subscribe(check);
    check(policy.state());
  });
}

const linuxOnly = process.platform === 'linux' ? {} : { skip: 'electron-updater reads latest-linux.yml only on Linux' };

test('the policy checks the local server, sees the newer version, downloads it (sha512 verified) and reports ready', linuxOnly, async () => {
  const { updater } = makeUpdater('download');
  const activity = { recordingActive: () => false, syncActive: () => false };
  const timers = manualTimers();
  const states: string[] = [];
  const policy = new UpdatePolicy({ updater: adaptAppUpdater(updater as AppUpdater), activity, currentVersion: CURRENT, timers });
  policy.subscribe((s) => states.push(s.status));
  await policy.start();
  const ready = await waitFor(policy, 'ready');
  assert.equal(ready.version, STABLE);
  assert.equal(ready.channel, 'stable');
  assert.equal(ready.percent, 100);
  assert.ok(states.includes('checking') && states.includes('available') && states.includes('downloading'), states.join(','));
  assert.ok(requests.includes(channelFile('latest')), `fetched ${channelFile('latest')}: ${requests.join(', ')}`);
  const artifact = `turash-field-${STABLE}-linux-x86_64.AppImage`;
  assert.equal(bytesServed.get(artifact), artifacts.get(artifact)!.length, 'the artifact bytes were fetched from the server');
  const file = updater.downloadedFile();
  assert.ok(file, 'electron-updater knows the downloaded file');
  assert.equal(sha512(readFileSync(file)), sha512(artifacts.get(artifact)!), 'the downloaded file is the artifact');
  assert.equal(timers.active, 1, 'one periodic check is scheduled');
  policy.stop();
  assert.equal(timers.active, 0);
});

test('a wrong sha512 in latest-linux.yml is an error, not a ready update', linuxOnly, async () => {
  const { updater } = makeUpdater('corrupt');
  const saved = metadata.get(channelFile('latest'))!;
  metadata.set(channelFile('latest'), channelYaml(STABLE, 'corrupt.AppImage', artifacts.get('corrupt.AppImage')!, sha512(Buffer.from('something else'))));
  try {
    const policy = new UpdatePolicy({ updater: adaptAppUpdater(updater as AppUpdater), activity: { recordingActive: () => false, syncActive: () => false }, currentVersion: CURRENT, timers: manualTimers() });
    await policy.start();
    const failed = await waitFor(policy, 'error');
    assert.match(failed.error ?? '', /sha512 checksum mismatch/i);
    assert.deepEqual(policy.restartToUpdate(), { ok: false, deferred: false, reason: 'no update has been downloaded' });
  } finally {
    metadata.set(channelFile('latest'), saved);
  }
});

test('restart during a recording is deferred and happens when it ends (electron autoUpdater stubbed for quitAndInstall)', linuxOnly, async () => {
  // BaseUpdater.quitAndInstall emits require("electron").autoUpdater 'before-quit-for-update'; electron's
  // package without its binary would try to download it, so a stand-in is put in the require cache.
  const electronPath = requireFromUpdater.resolve('electron');
  const stubAutoUpdater = new EventEmitter();
  let beforeQuitForUpdate = 0;
  stubAutoUpdater.on('before-quit-for-update', () => beforeQuitForUpdate++);
  const cache = requireFromUpdater.cache;
  const previous = cache[electronPath];
  cache[electronPath] = { id: electronPath, filename: electronPath, loaded: true, exports: { autoUpdater: stubAutoUpdater } } as unknown as NodeJS.Module;
  try {
    const { app, updater } = makeUpdater('restart');
    let recording = true;
    let syncing = false;
    const timers = manualTimers();
    const policy = new UpdatePolicy({
      updater: adaptAppUpdater(updater as AppUpdater),
      activity: { recordingActive: () => recording, syncActive: () => syncing },
      currentVersion: CURRENT,
      timers,
    });
    await policy.start();
    await waitFor(policy, 'ready');

    const answer = policy.restartToUpdate();
    assert.equal(answer.ok, false);
    assert.ok(!answer.ok && answer.deferred && /recording/.test(answer.reason), JSON.stringify(answer));
    assert.equal(policy.state().deferredReason, 'a recording is running');
    timers.tick();
    assert.equal(updater.installs.length, 0, 'nothing installed while recording');

    recording = false;
    syncing = true;
    timers.tick();
    assert.equal(updater.installs.length, 0, 'nothing installed while syncing');
    assert.equal(policy.state().deferredReason, 'a sync is running');

    syncing = false;
    timers.tick(); // the deferred-restart poll sees both over
    assert.equal(updater.installs.length, 1, 'installed once the recording and the sync are over');
    assert.equal(updater.installs[0]!.isSilent, false);
    await new Promise((done) => setImmediate(done));
    assert.equal(beforeQuitForUpdate, 1);
    assert.equal(app.quits, 1, 'the app quits to let the installer run');
    assert.equal(policy.state().deferredReason, undefined);
    policy.stop();
  } finally {
    if (previous) cache[electronPath] = previous;
    else delete cache[electronPath];
  }
});

test('quitting during a recording installs the downloaded update on quit (autoInstallOnAppQuit)', linuxOnly, async () => {
  const { app, updater } = makeUpdater('quit');
  const policy = new UpdatePolicy({ updater: adaptAppUpdater(updater as AppUpdater), activity: { recordingActive: () => true, syncActive: () => false }, currentVersion: CURRENT, timers: manualTimers() });
  await policy.start();
  await waitFor(policy, 'ready');
  assert.equal(updater.autoInstallOnAppQuit, true);
  assert.equal(policy.restartToUpdate().ok, false);
  assert.equal(updater.installs.length, 0);
  app.quit(); // the user quits; the recording ends with the app
  assert.equal(updater.installs.length, 1);
  assert.equal(updater.installs[0]!.isSilent, true, 'electron-updater installs silently on quit');
  policy.stop();
});

test('the beta channel fetches beta-linux.yml and downloads the prerelease', linuxOnly, async () => {
  const { updater } = makeUpdater('beta');
  const policy = new UpdatePolicy({ updater: adaptAppUpdater(updater as AppUpdater), activity: { recordingActive: () => false, syncActive: () => false }, currentVersion: CURRENT, channel: 'beta', timers: manualTimers() });
  assert.equal(updater.channel, 'beta');
  assert.equal(updater.allowPrerelease, true);
  const before = requests.length;
  await policy.start();
  const ready = await waitFor(policy, 'ready');
  assert.equal(ready.version, BETA);
  assert.equal(ready.channel, 'beta');
  assert.ok(requests.slice(before).includes(channelFile('beta')), requests.slice(before).join(', '));
  assert.ok(!requests.slice(before).includes(channelFile('latest')));
  policy.stop();
});

test('switching from stable to beta re-checks on beta', linuxOnly, async () => {
  // Already at the stable version: stable has nothing newer.
  const { updater } = makeUpdater('switch', STABLE);
  const policy = new UpdatePolicy({ updater: adaptAppUpdater(updater as AppUpdater), activity: { recordingActive: () => false, syncActive: () => false }, currentVersion: STABLE, timers: manualTimers() });
  const stable = await policy.start();
  assert.equal(stable.status, 'idle');
  assert.ok(stable.lastChecked);
  await policy.setChannel('beta');
  const ready = await waitFor(policy, 'ready');
  assert.equal(ready.version, BETA);
  policy.stop();
});

test('offline: no check; an unreachable server is an error state, not a crash', async () => {
  const calls: string[] = [];
  const listeners = new Map<string, (arg: never) => void>();
  const fake = {
    checkForUpdates: () => {
      calls.push('check');
      return Promise.reject(new Error('net::ERR_NAME_NOT_RESOLVED'));
    },
    downloadUpdate: () => Promise.resolve(),
    quitAndInstall: () => calls.push('install'),
    setChannel: (c: string) => calls.push(`channel:${c}`),
    on: (event: string, listener: (arg: never) => void) => void listeners.set(event, listener),
  };
  let online = false;
  const timers = manualTimers();
  const policy = new UpdatePolicy({ updater: fake, activity: { recordingActive: () => false, syncActive: () => false }, currentVersion: CURRENT, isOnline: () => online, timers });
  assert.equal((await policy.start()).status, 'idle');
  assert.deepEqual(calls, ['channel:stable'], 'no check while offline');
  online = true;
  timers.tick();
  await new Promise((done) => setTimeout(done, 0));
  assert.equal(policy.state().status, 'error');
  assert.match(policy.state().error!, /ERR_NAME_NOT_RESOLVED/);
  assert.deepEqual(calls, ['channel:stable', 'check']);
});

test('the update URL comes from TURASH_UPDATE_URL, https only (http for localhost)', () => {
  assert.equal(updateFeedUrl({}, 'linux', 'x64'), undefined);
  assert.equal(updateFeedUrl({ TURASH_UPDATE_URL: 'https://u.example/field/${os}/${arch}' }, 'win32', 'x64'), 'https://u.example/field/win/x64');
  assert.equal(updateFeedUrl({ TURASH_UPDATE_URL: 'http://127.0.0.1:8080/' }, 'linux', 'x64'), 'http://127.0.0.1:8080/');
  assert.throws(() => updateFeedUrl({ TURASH_UPDATE_URL: 'http://updates.example/' }, 'linux', 'x64'), /https/);
  assert.deepEqual(electronUpdaterChannel('beta'), { channel: 'beta', allowPrerelease: true });
  assert.deepEqual(electronUpdaterChannel('stable'), { channel: 'latest', allowPrerelease: false });
});
