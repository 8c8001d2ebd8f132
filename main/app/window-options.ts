/**
 * The main window's options, kept pure (types only from electron) so the security-relevant
 * webPreferences are asserted by tests in plain Node.
 */
import type { BrowserWindowConstructorOptions } from 'electron';
import { APP_NAME } from '../version.ts';

export interface WindowOptionsInput {
  /** Absolute path of the built, sandbox-compatible CommonJS preload (out/preload/preload.cjs). */
  preloadPath: string;
  /** Development build: DevTools can be opened. Packaged builds have no DevTools at all. */
  development: boolean;
  /** Window icon (Linux, Windows); optional. */
  iconPath?: string | undefined;
}

export function mainWindowOptions(input: WindowOptionsInput): BrowserWindowConstructorOptions {
  if (!input.preloadPath.endsWith('.cjs')) {
    // A sandboxed preload is run as a classic script: ESM preloads are not supported there.
    throw new Error(`the preload must be a CommonJS bundle (.cjs), got ${input.preloadPath}`);
  }
  return {
    title: APP_NAME,
    width: 1400,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    // Shown on 'ready-to-show', so the user never sees an empty white frame.
    show: false,
    backgroundColor: '#f5f6f4',
    ...(input.iconPath ? { icon: input.iconPath } : {}),
    webPreferences: {
      preload: input.preloadPath,
      // The checklist: isolated, sandboxed renderer without Node, with the web's security model.
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      devTools: input.development,
      spellcheck: false,
    },
  };
}
