/**
 * When the desktop app checks for, downloads and installs updates: pure policy over an injected
 * `Updater` (electron-updater's autoUpdater in the app, adapted by main/app/updater.ts; a real
 * electron-updater against a local HTTP server in main/app/updater-policy.test.ts), an
 * `ActivityProbe` (recording, sync) and injected timers. Imports nothing of Electron, so it is
 * tested in plain Node. It lives outside the Electron shell (main/app) because the API
 * (main/api/updates-router.ts) uses its types, and the core may not depend on the shell.
 *
 * - checks at start and every `intervalHours` (default 4) while online; offline ticks are skipped;
 * - downloads a found update in the background (autoDownload is off: the policy asks for it);
 * - exposes a state for the UI (idle / checking / available / downloading % / ready / error);
 * - `restartToUpdate()` installs now unless a recording or a sync is running: then the restart is
 *   deferred (with the reason) and happens as soon as both are over; a quit installs anyway
 *   (autoInstallOnAppQuit, set by the adapter), since quitting ends the recording too;
 * - a stable/beta channel (`latest*.yml` / `beta*.yml`, prereleases allowed on beta).
 */

export type UpdateChannel = 'stable' | 'beta';
export const UPDATE_CHANNELS: readonly UpdateChannel[] = ['stable', 'beta'];

export interface UpdateInfoLike {
  version: string;
  releaseDate?: string;
}
export interface ProgressLike {
  percent: number;
  transferred?: number;
  total?: number;
}

export interface UpdaterEvents {
  'update-available': (info: UpdateInfoLike) => void;
  'update-not-available': (info: UpdateInfoLike) => void;
  'download-progress': (progress: ProgressLike) => void;
  'update-downloaded': (info: UpdateInfoLike) => void;
  error: (error: Error) => void;
}

/** What the policy needs of an updater (electron-updater's AppUpdater, adapted in updater.ts). */
export interface Updater {
  /** null when the updater is inactive (e.g. not a packaged app). */
  checkForUpdates(): Promise<{ updateInfo: UpdateInfoLike; isUpdateAvailable?: boolean } | null>;
  downloadUpdate(): Promise<unknown>;
  /** Quits the app and runs the downloaded installer. */
  quitAndInstall(): void;
  /** electron-updater: `channel` ('latest' | 'beta') and `allowPrerelease`. */
  setChannel(channel: UpdateChannel): void;
  on<E extends keyof UpdaterEvents>(event: E, listener: UpdaterEvents[E]): void;
}

export interface ActivityProbe {
  recordingActive(): boolean;
  syncActive(): boolean;
}

export interface PolicyTimers {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export type UpdateStatus = 'idle' | 'checking' | 'available' | 'downloading' | 'ready' | 'error';

/** What the UI shows ("restart to update" when status is 'ready'). */
export interface UpdateState {
  status: UpdateStatus;
  channel: UpdateChannel;
  currentVersion: string;
  /** The version found (available, downloading, ready). */
  version?: string;
  /** 0–100 while downloading. */
  percent?: number;
  error?: string;
  /** Set while a requested restart waits for a recording or a sync to end. */
  deferredReason?: string;
  /** ISO time of the last completed check. */
  lastChecked?: string;
}

export type RestartAnswer = { ok: true } | { ok: false; deferred: boolean; reason: string };

export interface UpdatePolicyOptions {
  updater: Updater;
  activity: ActivityProbe;
  currentVersion: string;
  channel?: UpdateChannel;
  /** Hours between checks; default 4. */
  intervalHours?: number;
  /** How often a deferred restart looks whether the recording/sync is over; default 30 s. */
  deferredPollMs?: number;
  /** Electron: net.isOnline(). */
  isOnline?: () => boolean;
  timers?: PolicyTimers;
  now?: () => Date;
  log?: (message: string) => void;
}

const HOUR = 3_600_000;

export class UpdatePolicy {
  readonly #updater: Updater;
  readonly #activity: ActivityProbe;
  readonly #isOnline: () => boolean;
  readonly #timers: PolicyTimers;
  readonly #now: () => Date;
  readonly #log: (message: string) => void;
  readonly #intervalMs: number;
  readonly #deferredPollMs: number;
  #state: UpdateState;
  #checkTimer: unknown;
  #deferredTimer: unknown;
  #restartPending = false;
  #installing = false;
  #checking: Promise<UpdateState> | undefined;
  readonly #listeners = new Set<(state: UpdateState) => void>();

  constructor(options: UpdatePolicyOptions) {
    this.#updater = options.updater;
    this.#activity = options.activity;
    this.#isOnline = options.isOnline ?? (() => true);
    this.#timers = options.timers ?? { setInterval: (cb, ms) => setInterval(cb, ms).unref(), clearInterval: (h) => clearInterval(h as NodeJS.Timeout) };
    this.#now = options.now ?? (() => new Date());
    this.#log = options.log ?? (() => {});
    this.#intervalMs = (options.intervalHours ?? 4) * HOUR;
    this.#deferredPollMs = options.deferredPollMs ?? 30_000;
    this.#state = { status: 'idle', channel: options.channel ?? 'stable', currentVersion: options.currentVersion };
    this.#updater.setChannel(this.#state.channel);

    this.#updater.on('update-available', (info) => {
      this.#set({ status: 'available', version: info.version, error: undefined });
      this.#download();
    });
    this.#updater.on('update-not-available', () => this.#set({ status: 'idle', version: undefined }));
    this.#updater.on('download-progress', (progress) => {
      if (this.#state.status === 'ready') return;
      this.#set({ status: 'downloading', percent: Math.max(0, Math.min(100, Math.round(progress.percent))) });
    });
    this.#updater.on('update-downloaded', (info) => {
      this.#set({ status: 'ready', version: info.version, percent: 100, error: undefined });
      this.#log(`update ${info.version} downloaded; installs on restart or quit`);
    });
    this.#updater.on('error', (error) => {
      this.#set({ status: 'error', error: error.message });
      this.#log(`update error: ${error.message}`);
    });
  }

  /** Checks now (if online) and then every intervalHours. */
  start(): Promise<UpdateState> {
    if (this.#checkTimer === undefined) this.#checkTimer = this.#timers.setInterval(() => void this.check(), this.#intervalMs);
    return this.check();
  }

  stop(): void {
    if (this.#checkTimer !== undefined) this.#timers.clearInterval(this.#checkTimer);
    if (this.#deferredTimer !== undefined) this.#timers.clearInterval(this.#deferredTimer);
    this.#checkTimer = this.#deferredTimer = undefined;
  }

  state(): UpdateState {
    return { ...this.#state };
  }

  /** Called with every new state (push it to the UI). Returns the unsubscribe function. */
  subscribe(listener: (state: UpdateState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** One check. Skipped when offline, or when an update is already downloading or downloaded. */
  check(): Promise<UpdateState> {
    if (this.#checking) return this.#checking;
    if (!this.#isOnline()) {
      this.#log('update check skipped: offline');
      return Promise.resolve(this.state());
    }
    if (this.#state.status === 'downloading' || this.#state.status === 'ready' || this.#installing) return Promise.resolve(this.state());
    this.#set({ status: 'checking', error: undefined });
    this.#checking = this.#updater
      .checkForUpdates()
      .then(
        (result) => {
          // null: the updater is inactive; no update-* event comes.
          if (result === null || result.isUpdateAvailable === false) {
            if (this.#state.status === 'checking') this.#set({ status: 'idle', version: undefined });
          }
        },
        (error: unknown) => this.#set({ status: 'error', error: error instanceof Error ? error.message : String(error) }),
      )
      .then(() => {
        this.#checking = undefined;
        this.#set({ lastChecked: this.#now().toISOString() });
        return this.state();
      });
    return this.#checking;
  }

  /** The "restart to update" button. */
  restartToUpdate(): RestartAnswer {
    if (this.#state.status !== 'ready') return { ok: false, deferred: false, reason: 'no update has been downloaded' };
    const busy = this.#busyReason();
    if (busy) {
      this.#restartPending = true;
      this.#set({ deferredReason: busy });
      if (this.#deferredTimer === undefined) this.#deferredTimer = this.#timers.setInterval(() => this.activityChanged(), this.#deferredPollMs);
      this.#log(`restart to update deferred: ${busy}`);
      return { ok: false, deferred: true, reason: `${busy}: the app restarts when it is over (or installs when you quit)` };
    }
    this.#install();
    return { ok: true };
  }

  /** A recording or a sync started or ended: runs a deferred restart once nothing is running. */
  activityChanged(): void {
    if (!this.#restartPending) return;
    const busy = this.#busyReason();
    if (busy) {
      if (busy !== this.#state.deferredReason) this.#set({ deferredReason: busy });
      return;
    }
    this.#install();
  }

  /** Stable or beta: re-checks at once on the new channel (unless an update is already downloaded). */
  setChannel(channel: UpdateChannel): Promise<UpdateState> {
    if (!UPDATE_CHANNELS.includes(channel)) throw new Error(`unknown update channel: ${String(channel)}`);
    if (channel === this.#state.channel) return Promise.resolve(this.state());
    this.#updater.setChannel(channel);
    this.#set({ channel });
    return this.check();
  }

  #busyReason(): string | undefined {
    if (this.#activity.recordingActive()) return 'a recording is running';
    if (this.#activity.syncActive()) return 'a sync is running';
    return undefined;
  }

  #install(): void {
    this.#restartPending = false;
    if (this.#deferredTimer !== undefined) this.#timers.clearInterval(this.#deferredTimer);
    this.#deferredTimer = undefined;
    this.#installing = true;
    this.#set({ deferredReason: undefined });
    this.#log(`restarting to install ${this.#state.version ?? 'the update'}`);
    this.#updater.quitAndInstall();
  }

  #download(): void {
    this.#set({ status: 'downloading', percent: 0 });
    this.#updater.downloadUpdate().catch((error: unknown) => this.#set({ status: 'error', error: error instanceof Error ? error.message : String(error) }));
  }

  #set(patch: Partial<UpdateState>): void {
    const next: UpdateState = { ...this.#state, ...patch };
    for (const key of Object.keys(next) as (keyof UpdateState)[]) if (next[key] === undefined) delete next[key];
    this.#state = next;
    for (const listener of this.#listeners) listener(this.state());
  }
}

/**
 * The update server: TURASH_UPDATE_URL (with `${os}` and `${arch}` as in electron-builder.yml)
 * overrides the `publish` URL that electron-builder wrote into app-update.yml; undefined → use it.
 */
export function updateFeedUrl(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, arch: string): string | undefined {
  const raw = env['TURASH_UPDATE_URL']?.trim();
  if (!raw) return undefined;
  const os = platform === 'win32' ? 'win' : platform === 'darwin' ? 'mac' : platform;
  const url = raw.replaceAll('${os}', os).replaceAll('${arch}', arch);
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname))) {
    throw new Error(`TURASH_UPDATE_URL must be https (http only for localhost): ${url}`);
  }
  return url;
}

/** electron-updater's channel name for ours. */
export function electronUpdaterChannel(channel: UpdateChannel): { channel: string; allowPrerelease: boolean } {
  return channel === 'beta' ? { channel: 'beta', allowPrerelease: true } : { channel: 'latest', allowPrerelease: false };
}
