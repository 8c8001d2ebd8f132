/**
 * Where the application keeps its data when no --db is given: the same user data folder Electron
 * uses for "Turash Field" (app.getPath('userData')), so the desktop app, the browser host and the
 * command line share one database. TURASH_HOME overrides it (tests, portable installs).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_NAME } from './version.ts';

export function userDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.TURASH_HOME) return env.TURASH_HOME;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), APP_NAME);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', APP_NAME);
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), APP_NAME);
}

export function defaultDatabasePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(userDataDir(env), 'turash.db');
}

/** The built renderer, relative to this source tree (the browser host; the Electron shell finds it next to its bundle). */
export const RENDERER_DIR = fileURLToPath(new URL('../out/renderer/', import.meta.url));
