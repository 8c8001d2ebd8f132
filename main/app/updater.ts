/**
 * electron-updater behind the `Updater` interface of main/updates/policy.ts. The only module that
 * imports electron-updater. `adaptAppUpdater` works on any AppUpdater (the test builds a real one
 * with a test app adapter and Node's HTTP); `electronAutoUpdater` takes electron-updater's
 * `autoUpdater` (read lazily: reading it constructs the platform updater, which needs Electron).
 */
import type { EventEmitter } from 'node:events';
import electronUpdater, { type AppUpdater } from 'electron-updater';
import { electronUpdaterChannel, type Updater, type UpdateChannel } from '../updates/policy.ts';

export interface UpdaterLogger {
  info(message?: unknown): void;
  warn(message?: unknown): void;
  error(message?: unknown): void;
  debug?(message: string): void;
}

export interface AdaptOptions {
  /** The generic update server (updateFeedUrl()); undefined keeps app-update.yml's publish URL. */
  feedUrl?: string | undefined;
  logger?: UpdaterLogger;
}

export function adaptAppUpdater(appUpdater: AppUpdater, options: AdaptOptions = {}): Updater {
  // The policy decides when to download; an update downloaded and not yet installed is installed on quit.
  appUpdater.autoDownload = false;
  appUpdater.autoInstallOnAppQuit = true;
  if (options.logger) appUpdater.logger = options.logger;
  if (options.feedUrl) appUpdater.setFeedURL({ provider: 'generic', url: options.feedUrl });
  return {
    checkForUpdates: async () => {
      const result = await appUpdater.checkForUpdates();
      return result ? { updateInfo: result.updateInfo, isUpdateAvailable: result.isUpdateAvailable } : null;
    },
    downloadUpdate: () => appUpdater.downloadUpdate(),
    quitAndInstall: () => appUpdater.quitAndInstall(false, true),
    setChannel: (channel: UpdateChannel) => {
      const mapped = electronUpdaterChannel(channel);
      appUpdater.channel = mapped.channel;
      appUpdater.allowPrerelease = mapped.allowPrerelease;
      // Setting a channel allows downgrades (beta -> stable); keep that only when leaving beta.
      appUpdater.allowDowngrade = channel === 'stable';
    },
    on: (event, listener) => {
      // electron-updater's events carry the same payloads (UpdateInfo, ProgressInfo, Error).
      (appUpdater as unknown as EventEmitter).on(event, listener as (...args: unknown[]) => void);
    },
  };
}

/** electron-updater's autoUpdater for this platform (AppImage/deb, NSIS, mac), adapted. */
export function electronAutoUpdater(options: AdaptOptions = {}): Updater {
  return adaptAppUpdater(electronUpdater.autoUpdater, options);
}
