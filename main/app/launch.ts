/**
 * The decisions of `npm start` (scripts/start.mjs), pure of Electron so they are tested in plain
 * Node: which arguments it takes, whether the renderer needs a build, where Electron's binary is
 * (without require('electron'), which would start a synchronous download with no time limit),
 * and whether to launch Electron or fall back to the browser host.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDatabasePath } from '../paths.ts';

export const USAGE = `usage: npm start -- [--no-electron] [--port <n>] [--db <path>]

  Builds what is missing (renderer, Electron bundles) and starts the desktop app. When Electron's
  binary is not there and cannot be downloaded, starts the browser host on 127.0.0.1 instead.

  --no-electron   start the browser host even if Electron is available
  --port <n>      browser host port (default: PORT, else 0 = a free port)
  --db <path>     database file (default: TURASH_DB, else the user data folder's turash.db)
  --help          this text`;

export interface StartOptions {
  noElectron: boolean;
  port: number;
  db: string | undefined;
  help: boolean;
}

export type ParsedStart = { ok: true; options: StartOptions } | { ok: false; error: string };

function parsePort(text: string | undefined, what: string): number | string {
  if (text === undefined || !/^\d{1,5}$/.test(text) || Number(text) > 65535) return `${what} must be a port number from 0 to 65535, got "${text ?? ''}"`;
  return Number(text);
}

/** Parses `npm start -- ...` arguments (without node and the script), with PORT and TURASH_DB. */
export function parseStartArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): ParsedStart {
  let noElectron = false;
  let help = false;
  let portText: string | undefined;
  let portFrom = '--port';
  let db: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => (inline !== undefined ? inline : argv[++i]);
    switch (name) {
      case '--no-electron':
        noElectron = true;
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      case '--port':
        portText = value();
        break;
      case '--db': {
        db = value();
        if (!db) return { ok: false, error: '--db needs a path' };
        break;
      }
      default:
        return { ok: false, error: `unknown argument "${arg}"` };
    }
  }
  if (portText === undefined && env.PORT !== undefined && env.PORT !== '') {
    portText = env.PORT;
    portFrom = 'PORT';
  }
  let port = 0;
  if (portText !== undefined) {
    const parsed = parsePort(portText, portFrom);
    if (typeof parsed === 'string') return { ok: false, error: parsed };
    port = parsed;
  }
  if (db === undefined && env.TURASH_DB) db = env.TURASH_DB;
  return { ok: true, options: { noElectron, port, db, help } };
}

/** The newest modification time (ms) of the files under these paths, skipping node_modules and out. */
export function newestMtime(paths: readonly string[]): number | undefined {
  let newest: number | undefined;
  const visit = (path: string) => {
    let stats;
    try {
      stats = statSync(path);
    } catch {
      return;
    }
    if (stats.isDirectory()) {
      for (const entry of readdirSync(path)) {
        if (entry === 'node_modules' || entry === 'out' || entry === 'dist' || entry.startsWith('.')) continue;
        visit(join(path, entry));
      }
    } else if (newest === undefined || stats.mtimeMs > newest) {
      newest = stats.mtimeMs;
    }
  };
  for (const path of paths) visit(path);
  return newest;
}

/** Build the renderer when there is no build, or a source is newer than the built index.html. */
export function needsRendererBuild(builtIndexMtime: number | undefined, newestSourceMtime: number | undefined): boolean {
  if (builtIndexMtime === undefined) return true;
  if (newestSourceMtime === undefined) return false;
  return newestSourceMtime > builtIndexMtime;
}

/** The executable inside node_modules/electron/dist, as electron's install.js names it. */
export function electronPlatformPath(platform: NodeJS.Platform | 'mas'): string | undefined {
  switch (platform) {
    case 'mas':
    case 'darwin':
      return 'Electron.app/Contents/MacOS/Electron';
    case 'freebsd':
    case 'openbsd':
    case 'linux':
      return 'electron';
    case 'win32':
      return 'electron.exe';
    default:
      return undefined;
  }
}

export type ElectronBinary = { found: true; path: string; version: string } | { found: false; reason: string; version: string };

/**
 * Finds the downloaded Electron binary the way node_modules/electron/index.js does (path.txt names
 * the executable under dist/, ELECTRON_OVERRIDE_DIST_PATH replaces dist/), without its side effect
 * of downloading synchronously when it is missing.
 */
export function findElectronBinary(packageDir: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): ElectronBinary {
  let version = 'unknown';
  try {
    version = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return { found: false, reason: `the electron package is not installed (${packageDir})`, version };
  }
  let executable: string | undefined;
  try {
    executable = readFileSync(join(packageDir, 'path.txt'), 'utf8').trim();
  } catch {
    executable = undefined;
  }
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const path = join(env.ELECTRON_OVERRIDE_DIST_PATH, executable || electronPlatformPath(platform) || 'electron');
    return existsSync(path) ? { found: true, path, version } : { found: false, reason: `ELECTRON_OVERRIDE_DIST_PATH has no ${path}`, version };
  }
  if (!executable) return { found: false, reason: 'the binary has not been downloaded (no node_modules/electron/path.txt)', version };
  const path = join(packageDir, 'dist', executable);
  if (!existsSync(path)) return { found: false, reason: `the binary is missing (${path})`, version };
  return { found: true, path, version };
}

/** What came of running node_modules/electron/install.js (spawnSync's result, abridged). */
export interface DownloadAttempt {
  status: number | null;
  signal?: string | null;
  timedOut: boolean;
  /** The spawn itself failed (e.g. ENOENT). */
  error?: string | undefined;
  output: string;
}

/** A one-line reason for a failed download: the error line of install.js's output, not its stack. */
export function downloadFailureReason(attempt: DownloadAttempt, timeoutSeconds: number): string {
  if (attempt.timedOut) return `no download within ${timeoutSeconds} s`;
  if (attempt.error) return attempt.error;
  const lines = attempt.output
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('at ') && !/^[-=]+$/.test(l));
  const errorLine = lines.find((l) => /\b(Error|ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|HTTPError|fetch failed)\b/.test(l));
  const line = errorLine ?? lines.at(-1) ?? (attempt.signal ? `killed by ${attempt.signal}` : `exit status ${attempt.status}`);
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

/** Linux needs an X11 or Wayland display for a window; macOS and Windows always have one. */
export function displayAvailable(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): boolean {
  if (platform !== 'linux' && platform !== 'freebsd' && platform !== 'openbsd') return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

export interface LaunchFacts {
  /** --no-electron */
  noElectron: boolean;
  binary: ElectronBinary;
  /** undefined: no download attempted yet in this run. */
  download?: { ok: true } | { ok: false; reason: string } | undefined;
  display: boolean;
}

export type LaunchDecision =
  | { action: 'electron'; binary: string }
  | { action: 'download'; version: string }
  | { action: 'browser-host'; message: string };

/** One step of the launcher: launch Electron, try the download (once), or start the browser host. */
export function decideLaunch(facts: LaunchFacts): LaunchDecision {
  if (facts.noElectron) return { action: 'browser-host', message: '--no-electron: starting the browser host' };
  if (facts.binary.found) {
    if (!facts.display) {
      return { action: 'browser-host', message: 'Electron is installed but there is no display (DISPLAY and WAYLAND_DISPLAY are unset); starting the browser host instead' };
    }
    return { action: 'electron', binary: facts.binary.path };
  }
  if (facts.download === undefined) return { action: 'download', version: facts.binary.version };
  const reason = facts.download.ok ? `the download ended but ${facts.binary.reason}` : facts.download.reason;
  return { action: 'browser-host', message: fallbackMessage(reason) };
}

export function fallbackMessage(reason: string): string {
  return `Electron's binary could not be downloaded (${reason}); starting the browser host instead`;
}

/** The browser host's banner: the URL to open, with its token, impossible to miss. */
export function hostBanner(openUrl: string, database: string): string {
  const width = Math.max(openUrl.length, 46) + 4;
  const rule = '='.repeat(width);
  return [
    '',
    rule,
    '  Turash Field is running in the browser host.',
    '  Open this URL in your browser (it carries the access token):',
    '',
    `  ${openUrl}`,
    '',
    `  database: ${database}`,
    '  Press Ctrl+C to stop.',
    rule,
    '',
  ].join('\n');
}

/**
 * The desktop app's database: --db=<path> on Electron's command line, else TURASH_DB, else
 * turash.db in Electron's user data folder (the same file the browser host and the CLI default to).
 */
export function desktopDatabasePath(argv: readonly string[], env: NodeJS.ProcessEnv, userDataPath: string): string {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith('--db=') && arg.length > 5) return arg.slice(5);
    if (arg === '--db' && argv[i + 1]) return argv[i + 1]!;
  }
  if (env.TURASH_DB) return env.TURASH_DB;
  return defaultDatabasePath({ TURASH_HOME: userDataPath });
}
