#!/usr/bin/env node
/**
 * `npm start`: builds what is missing and starts the desktop app; when Electron cannot be had,
 * starts the browser host instead. The decisions are in main/app/launch.ts (tested in plain Node);
 * this script performs them.
 *
 *   1. Renderer: `vite build` when out/renderer/index.html is missing or older than renderer/.
 *   2. Electron's binary: node_modules/electron/dist as path.txt names it (never require('electron'):
 *      it downloads synchronously without a time limit). If missing, one download attempt through
 *      electron's own install.js, at most 60 s.
 *   3. Electron there (and a display): bundle main + preload (esbuild) and run `electron .`.
 *      Otherwise: the browser host in this process on 127.0.0.1, printing the URL to open.
 *
 *   npm start -- [--no-electron] [--port <n>] [--db <path>]
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DOWNLOAD_TIMEOUT_S = 60;
const require = createRequire(import.meta.url);

register();
const launch = await import('../main/app/launch.ts');

const say = (line) => console.log(`[start] ${line}`);

function fail(message, code = 1) {
  console.error(`[start] ${message}`);
  process.exit(code);
}

// --- Arguments.

const parsed = launch.parseStartArgs(process.argv.slice(2), process.env);
if (!parsed.ok) {
  console.error(`${parsed.error}\n\n${launch.USAGE}`);
  process.exit(2);
}
const options = parsed.options;
if (options.help) {
  console.log(launch.USAGE);
  process.exit(0);
}

// --- 1. The renderer.

function buildRenderer() {
  const rendererDir = join(ROOT, 'renderer');
  const index = join(ROOT, 'out', 'renderer', 'index.html');
  const built = existsSync(index) ? statSync(index).mtimeMs : undefined;
  const config = join(rendererDir, 'vite.config.ts');
  if (!existsSync(config)) {
    if (built !== undefined) return;
    fail(`the renderer is not built and cannot be: no ${config}`);
  }
  const newest = launch.newestMtime([rendererDir, join(ROOT, 'package-lock.json')]);
  if (!launch.needsRendererBuild(built, newest)) return;
  say(built === undefined ? 'building the renderer (vite build)…' : 'the renderer sources changed: rebuilding it (vite build)…');
  const vitePackage = require.resolve('vite/package.json');
  const viteBin = join(dirname(vitePackage), require(vitePackage).bin.vite);
  const result = spawnSync(process.execPath, [viteBin, 'build', '--config', config, '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status === 0) return;
  if (built !== undefined) {
    say('the renderer build failed (above): using the previous build');
    return;
  }
  fail('the renderer build failed (above), and there is no previous build to use');
}

buildRenderer();

// --- 2. Electron, or why not.

function electronPackageDir() {
  try {
    return dirname(require.resolve('electron/package.json'));
  } catch {
    return join(ROOT, 'node_modules', 'electron');
  }
}

function tryDownload(packageDir, version) {
  say(`Electron ${version}'s binary is not downloaded yet: trying to download it once (node node_modules/electron/install.js, at most ${DOWNLOAD_TIMEOUT_S} s)…`);
  const result = spawnSync(process.execPath, [join(packageDir, 'install.js')], {
    cwd: packageDir,
    encoding: 'utf8',
    timeout: DOWNLOAD_TIMEOUT_S * 1000,
    killSignal: 'SIGKILL',
    env: { ...process.env, ELECTRON_RUN_AS_NODE: undefined },
  });
  const timedOut = result.error?.code === 'ETIMEDOUT';
  const attempt = {
    status: result.status,
    signal: result.signal,
    timedOut,
    error: result.error && !timedOut ? result.error.message : undefined,
    output: `${result.stderr ?? ''}\n${result.stdout ?? ''}`,
  };
  if (result.status === 0) return { ok: true };
  return { ok: false, reason: launch.downloadFailureReason(attempt, DOWNLOAD_TIMEOUT_S) };
}

const packageDir = electronPackageDir();
const display = launch.displayAvailable(process.env, process.platform);
let facts = { noElectron: options.noElectron, binary: launch.findElectronBinary(packageDir), download: undefined, display };
let decision = launch.decideLaunch(facts);
if (decision.action === 'download') {
  facts = { ...facts, download: tryDownload(packageDir, decision.version) };
  facts.binary = launch.findElectronBinary(packageDir);
  decision = launch.decideLaunch(facts);
}

// --- 3a. Electron.

async function runElectron(binary) {
  const { buildElectron } = await import('./build-electron.mjs');
  try {
    await buildElectron({ root: ROOT, quiet: true });
  } catch (error) {
    fail(`bundling the Electron app failed: ${error.message}\n[start] (npm start -- --no-electron starts the browser host)`);
  }
  say(`starting Electron (${binary})`);
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  if (options.db) env.TURASH_DB = options.db;
  const child = spawn(binary, ['.'], { cwd: ROOT, stdio: 'inherit', env });
  const forward = (signal) => () => {
    if (!child.killed) child.kill(signal);
  };
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  child.on('error', (error) => fail(`Electron could not be started: ${error.message}\n[start] (npm start -- --no-electron starts the browser host)`));
  child.on('exit', (code, signal) => {
    if (code !== 0 && code !== null) say(`Electron exited with status ${code} (npm start -- --no-electron starts the browser host)`);
    process.exit(code ?? (signal ? 0 : 1));
  });
}

// --- 3b. The browser host, in this process.

async function runBrowserHost(message) {
  say(message);
  const { openCore } = await import('../main/core.ts');
  const { startHost } = await import('../main/host/server.ts');
  const { defaultDatabasePath } = await import('../main/paths.ts');
  const { seedDemoPortfolioOnce } = await import('../main/portfolio/demo-seed.ts');

  const database = options.db ?? defaultDatabasePath();
  let core;
  try {
    core = await openCore(database);
  } catch (error) {
    fail(`cannot open the database ${database}: ${error.message}`);
  }
  try {
    const seeded = await seedDemoPortfolioOnce(core.repo);
    if (seeded) say(`first run: loaded the demo portfolio (${seeded.organizations} organizations, ${seeded.sites} sites, ${seeded.flows} flows)`);
  } catch (error) {
    say(`the demo portfolio could not be loaded (${error.message}); continuing with the database as it is`);
  }
  let host;
  try {
    host = await startHost({ core, port: options.port, rendererDir: join(ROOT, 'out', 'renderer') });
  } catch (error) {
    await core.close().catch(() => {});
    fail(`the browser host could not start: ${error.message}`);
  }
  console.log(launch.hostBanner(host.openUrl, database));

  let stopping = false;
  const stop = async (signal) => {
    if (stopping) {
      console.error('[start] stopping immediately');
      process.exit(130);
    }
    stopping = true;
    say(`${signal}: stopping the browser host…`);
    const timer = setTimeout(() => {
      console.error('[start] could not stop within 10 s: exiting');
      process.exit(1);
    }, 10_000);
    timer.unref();
    try {
      await host.close();
      await core.close();
      say('stopped; the database is closed');
      process.exit(0);
    } catch (error) {
      console.error(`[start] stopping failed: ${error.message}`);
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

if (decision.action === 'electron') await runElectron(decision.binary);
else if (decision.action === 'browser-host') await runBrowserHost(decision.message);
else fail(`unexpected launcher state: ${JSON.stringify(decision)}`);
