/**
 * The Electron main process: lifecycle, the one window, the app:// protocol, the security policy
 * and the tRPC-over-IPC wiring. Every decision lives in a pure module next to this file
 * (security.ts, window-options.ts, app-protocol.ts, menu.ts, launch.ts) and is tested in plain
 * Node; this file only connects those decisions to Electron's events. Bundled by
 * scripts/build-electron.mjs to out/app/main.js (package.json "main").
 */
import { readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, Menu, net, protocol, safeStorage, session, shell, type IpcMainInvokeEvent, type Session, type WebContents } from 'electron';
import { createIPCHandler } from 'trpc-electron/main';
import { TRPCError } from '@trpc/server';
import { appRouter } from '../api/router.ts';
import { UPDATE_CHANNEL_SETTING } from '../api/updates-router.ts';
import { contextFor, openCore, type Core } from '../core.ts';
import { seedDemoPortfolioOnce } from '../portfolio/demo-seed.ts';
import { APP_NAME, APP_VERSION } from '../version.ts';
import { APP_SCHEME_PRIVILEGES, handleAppRequest } from './app-protocol.ts';
import { desktopDatabasePath } from './launch.ts';
import { RotatingLog, teeConsole } from './log-file.ts';
import { fieldSecretPort, hubTokenVault } from './secret-ports.ts';
import { SecretStore } from './secrets.ts';
import { electronAutoUpdater } from './updater.ts';
import { UPDATE_CHANNELS, updateFeedUrl, UpdatePolicy, type UpdateChannel } from '../updates/policy.ts';
import { aboutDetail, applicationMenuTemplate, importReportMessage, importSelectionProblem, IMPORT_DIALOG_FILTERS } from './menu.ts';
import {
  APP_ENTRY_URL,
  APP_SCHEME,
  checkIpcSender,
  devicePermissionAllowed,
  downloadAllowed,
  isAllowedExternalUrl,
  navigationDecision,
  permissionCheckAllowed,
  permissionRequestAllowed,
  windowOpenDecision,
} from './security.ts';
import { mainWindowOptions } from './window-options.ts';

const development = !app.isPackaged;

/**
 * The built files, found next to this bundle (out/app/main.js -> out/), which is right both when
 * run from the project (`electron .`) and packaged (resources/app.asar/out/). Falls back to the
 * app path for a bundle moved elsewhere.
 */
function outDirectory(): string {
  const besideBundle = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  if (existsSync(join(besideBundle, 'preload', 'preload.cjs'))) return besideBundle;
  return join(app.getAppPath(), 'out');
}
const OUT_DIR = outDirectory();
const RENDERER_DIR = join(OUT_DIR, 'renderer');
const PRELOAD_PATH = join(OUT_DIR, 'preload', 'preload.cjs');

// --- Before 'ready': identity, user data, single instance, privileged scheme, sandbox everywhere.

app.setName(APP_NAME);
// The same folder as main/paths.ts userDataDir(): desktop, browser host and CLI share one database.
app.setPath('userData', process.env.TURASH_HOME || join(app.getPath('appData'), APP_NAME));

// The main process log: <userData>/logs/main.log, 1 MiB × 5 files; console output is copied there.
const log = new RotatingLog({ directory: join(app.getPath('userData'), 'logs') });
teeConsole(log);
console.info(`[turash] ${APP_NAME} ${APP_VERSION} starting (Electron ${process.versions.electron ?? '?'}, pid ${process.pid})`);

// Another instance owns the database: it is focused through 'second-instance'; this one leaves.
const primaryInstance = app.requestSingleInstanceLock();
if (!primaryInstance) app.quit();

protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
app.enableSandbox();

let core: Core | undefined;
let mainWindow: BrowserWindow | undefined;
/** Hub token and device passwords, encrypted with safeStorage (secrets.json in the user data folder). */
let secrets: SecretStore | undefined;
/** Update checks, background download, "restart to update" (deferred while recording or syncing). */
let updates: UpdatePolicy | undefined;
const trustedWebContents = new Set<number>();

// A refused IPC sender makes trpc-electron's handler reject (createContext throws): log it instead
// of letting Node treat it as a crash.
process.on('unhandledRejection', (reason) => {
  if (reason instanceof TRPCError && reason.code === 'FORBIDDEN' && reason.message.startsWith('IPC refused')) return; // logged
  console.error('[turash] unhandled rejection:', reason);
});

// --- Every webContents, whatever creates it: no navigation away, no new windows, no webviews.

function openExternally(url: string): void {
  // Only allow-listed https pages, checked again right before the call.
  if (isAllowedExternalUrl(url)) void shell.openExternal(url);
}

app.on('web-contents-created', (_event, contents: WebContents) => {
  const guard = (event: { preventDefault(): void }, url: string, mayOpenExternally: boolean) => {
    const decision = navigationDecision(url);
    if (decision.allow) return;
    event.preventDefault();
    if (decision.openExternally && mayOpenExternally) openExternally(url);
  };
  contents.on('will-navigate', (event) => guard(event, event.url, true));
  // Subframes (the main frame is handled by will-navigate): refused, never opened externally.
  contents.on('will-frame-navigate', (event) => {
    if (!event.isMainFrame) guard(event, event.url, false);
  });
  contents.on('will-redirect', (event) => guard(event, event.url, false));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    const decision = windowOpenDecision(url);
    if (decision.openExternally) openExternally(url);
    return { action: decision.action };
  });
});

// --- Session policy: permissions denied, no remote requests, only self-made downloads.

function secureSession(ses: Session): void {
  ses.setPermissionRequestHandler((contents, permission, callback) => callback(permissionRequestAllowed(permission, contents.getURL())));
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin) => permissionCheckAllowed(permission, requestingOrigin));
  ses.setDevicePermissionHandler(() => devicePermissionAllowed());
  // No remote content: the CSP already forbids it; the session refuses it as well.
  ses.webRequest.onBeforeRequest({ urls: ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*', 'ftp://*/*'] }, (_details, callback) => callback({ cancel: true }));
  ses.on('will-download', (event, item) => {
    if (!downloadAllowed(item.getURL())) event.preventDefault();
  });
}

// --- IPC: the appRouter over trpc-electron, only for our window's main frame on app://turash/.

function createContext({ event }: { event: IpcMainInvokeEvent }) {
  const frame = event.senderFrame;
  const verdict = checkIpcSender(
    { webContentsId: event.sender.id, frame: frame ? { url: frame.url, isMainFrame: frame.parent === null } : null },
    trustedWebContents,
  );
  if (!verdict.ok) {
    console.warn(`[turash] IPC refused: ${verdict.reason}`);
    throw new TRPCError({ code: 'FORBIDDEN', message: `IPC refused: ${verdict.reason}` });
  }
  if (!core) throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'the core is not open' });
  return Promise.resolve(contextFor(core, { updates }));
}

let ipcHandler: ReturnType<typeof createIPCHandler<typeof appRouter>> | undefined;

// --- The window.

function createMainWindow(): BrowserWindow {
  const win = new BrowserWindow(mainWindowOptions({ preloadPath: PRELOAD_PATH, development }));
  const id = win.webContents.id;
  trustedWebContents.add(id);
  win.on('closed', () => {
    trustedWebContents.delete(id);
    if (mainWindow === win) mainWindow = undefined;
  });
  win.once('ready-to-show', () => win.show());
  if (ipcHandler) ipcHandler.attachWindow(win);
  else ipcHandler = createIPCHandler({ router: appRouter, windows: [win], createContext });
  void win.loadURL(APP_ENTRY_URL);
  return win;
}

// --- Menu actions.

async function importFromMenu(): Promise<void> {
  const win = mainWindow;
  if (!win || !core) return;
  const chosen = await dialog.showOpenDialog(win, { title: 'Import portfolio files', properties: ['openFile', 'multiSelections'], filters: IMPORT_DIALOG_FILTERS });
  if (chosen.canceled || chosen.filePaths.length === 0) return;
  const files = await Promise.all(chosen.filePaths.map(async (path) => ({ path, size: (await stat(path)).size })));
  const problem = importSelectionProblem(files);
  if (problem) {
    await dialog.showMessageBox(win, { type: 'warning', message: 'Cannot import these files', detail: problem });
    return;
  }
  const inputs = await Promise.all(files.map(async (f) => ({ name: basename(f.path), text: await readFile(f.path, 'utf8') })));
  const jobId = core.imports.start(inputs);
  try {
    for await (const event of core.imports.watch(jobId)) {
      if (win.isDestroyed()) return;
      if (event.kind === 'progress') {
        win.setProgressBar(event.total > 0 ? event.done / event.total : 2); // 2 = indeterminate
        continue;
      }
      win.setProgressBar(-1);
      if (event.kind === 'failed') {
        await dialog.showMessageBox(win, { type: 'error', message: 'The import failed', detail: event.message });
        return;
      }
      const message = importReportMessage(event.report);
      await dialog.showMessageBox(win, { type: message.type, message: message.message, detail: message.detail });
      // The renderer has no push channel for menu actions yet: reload so every view shows the import.
      if (event.report.ok && !win.isDestroyed()) win.webContents.reload();
      return;
    }
  } finally {
    if (!win.isDestroyed()) win.setProgressBar(-1);
  }
}

function showAbout(): void {
  const options = {
    type: 'info' as const,
    title: `About ${APP_NAME}`,
    message: `${APP_NAME} ${APP_VERSION}`,
    detail: aboutDetail(process.versions),
    buttons: ['OK'],
  };
  if (mainWindow) void dialog.showMessageBox(mainWindow, options);
  else void dialog.showMessageBox(options);
}

// --- Lifecycle.

async function start(): Promise<void> {
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
    dialog.showErrorBox(`${APP_NAME} cannot start`, `The renderer is not built (no ${join(RENDERER_DIR, 'index.html')}). Run "npm start", which builds it.`);
    app.exit(1);
    return;
  }
  const databasePath = desktopDatabasePath(process.argv, process.env, app.getPath('userData'));
  try {
    // Secrets first: the core's field service and sync take their ports from the encrypted store.
    secrets = new SecretStore(app.getPath('userData'), safeStorage);
    if (!secrets.encryptionAvailable()) console.warn('[turash] no OS encryption for secrets (keyring): device passwords are kept for the session only, the hub token in the local database');
    const syncVault = hubTokenVault(secrets);
    // The workers are bundles of their own next to this one (scripts/build-electron.mjs).
    core = await openCore(databasePath, {
      matchWorkerUrl: pathToFileURL(join(OUT_DIR, 'app', 'match-worker.mjs')),
      analyticsWorkerUrl: pathToFileURL(join(OUT_DIR, 'app', 'analytics-worker.mjs')),
      packetWorkerUrl: pathToFileURL(join(OUT_DIR, 'app', 'packet-worker.mjs')),
      field: { secrets: fieldSecretPort(secrets) },
      ...(syncVault ? { syncVault } : {}),
    });
  } catch (error) {
    dialog.showErrorBox(`${APP_NAME} cannot open its database`, `${databasePath}\n\n${error instanceof Error ? error.message : String(error)}`);
    app.exit(1);
    return;
  }
  try {
    await seedDemoPortfolioOnce(core.repo);
  } catch (error) {
    // Not fatal: the app works on an empty database.
    console.error('[turash] the demo portfolio could not be loaded:', error instanceof Error ? error.message : error);
  }
  // the first "Run matching" should not wait for a cold worker (match-service.ts warmUp)
  void core.matching.warmUp();

  secureSession(session.defaultSession);
  protocol.handle(APP_SCHEME, (request) => handleAppRequest(request, RENDERER_DIR));
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      applicationMenuTemplate({
        platform: process.platform,
        development,
        actions: { importFiles: () => void importFromMenu().catch((e: unknown) => dialog.showErrorBox('Import', e instanceof Error ? e.message : String(e))), about: showAbout },
      }),
    ),
  );
  if (process.platform === 'darwin') {
    app.setAboutPanelOptions({ applicationName: APP_NAME, applicationVersion: APP_VERSION, credits: aboutDetail(process.versions) });
  }
  mainWindow = createMainWindow();

  void startUpdates();
}

/** After the window: electron-updater on the generic server, under the update policy. */
async function startUpdates(): Promise<void> {
  // electron-updater only works in a packaged app (it reads resources/app-update.yml).
  if (!app.isPackaged || !core) return;
  try {
    // The channel the user chose in the UI (updates.setChannel stores it), else the environment.
    const stored = await core.repo.getSetting(UPDATE_CHANNEL_SETTING);
    const requested = stored ?? (process.env.TURASH_UPDATE_CHANNEL as UpdateChannel | undefined);
    const channel: UpdateChannel = requested && UPDATE_CHANNELS.includes(requested) ? requested : 'stable';
    updates = new UpdatePolicy({
      updater: electronAutoUpdater({ feedUrl: updateFeedUrl(process.env, process.platform, process.arch), logger: log }),
      // A restart never cuts a recording or a sync round short.
      activity: { recordingActive: () => core?.field.isRecording() ?? false, syncActive: () => core?.sync.isSyncing() ?? false },
      currentVersion: APP_VERSION,
      channel,
      isOnline: () => net.isOnline(),
      log: (message) => console.info(`[turash] ${message}`),
    });
    void updates.start();
  } catch (error) {
    console.error('[turash] updates are off:', error instanceof Error ? error.message : error);
  }
}

app.on('second-instance', () => {
  if (!mainWindow) return;
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.focus();
});

app.on('activate', () => {
  // macOS: clicking the dock icon with no window open opens one.
  if (app.isReady() && core && !mainWindow) mainWindow = createMainWindow();
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

/** Graceful shutdown: hold the quit until the core (the SQLite database) is closed. */
let shutdown: 'running' | 'closing' | 'closed' = 'running';
app.on('before-quit', (event) => {
  if (shutdown === 'closed' || !core) return;
  event.preventDefault();
  if (shutdown === 'closing') return;
  shutdown = 'closing';
  updates?.stop();
  const closing = core.close().catch((error: unknown) => console.error('[turash] closing the database failed:', error));
  const timeout = new Promise<void>((done) => setTimeout(done, 5000).unref());
  void Promise.race([closing, timeout]).finally(() => {
    shutdown = 'closed';
    core = undefined;
    app.quit();
  });
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());

if (primaryInstance) {
  app.whenReady().then(start, (error: unknown) => {
    console.error('[turash] Electron failed to start:', error);
    app.exit(1);
  });
}
