/**
 * The desktop shell's security policy as pure decisions, so every rule is unit-tested in plain Node
 * (main.ts only wires these into Electron's events). Electron's security checklist, item by item:
 * - the UI is served from our own privileged scheme (app://turash/), never file:// or the network;
 * - navigation stays on that origin; new windows are never created by the renderer;
 * - only a short, fixed allow-list of https pages (data licences and sources) may be opened in the
 *   user's browser, and never a URL the renderer composed from other input;
 * - every permission request and check is denied (the app needs none of them);
 * - an IPC message is served only when it comes from our window's main frame on app://turash/.
 */

export const APP_SCHEME = 'app';
export const APP_HOST = 'turash';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** What the window loads. */
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** True for a URL of our application (app://turash/...), false for anything else, malformed included. */
export function isAppUrl(url: string): boolean {
  const parsed = parse(url);
  return parsed !== undefined && parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && !parsed.username && !parsed.password;
}

/**
 * Pages the user may open in their own browser from the app (links in attributions and licence
 * notices). An entry matches on exact origin and a path prefix; everything else is refused.
 */
export const EXTERNAL_LINK_ALLOW_LIST: readonly { origin: string; pathPrefix: string }[] = [
  // Hotmaps: the source of the industrial sites (CC BY 4.0) and its project pages.
  { origin: 'https://gitlab.com', pathPrefix: '/hotmaps/' },
  { origin: 'https://www.hotmaps.eu', pathPrefix: '/' },
  { origin: 'https://www.hotmaps-project.eu', pathPrefix: '/' },
  // Creative Commons licence deeds and legal codes.
  { origin: 'https://creativecommons.org', pathPrefix: '/licenses/' },
  { origin: 'https://creativecommons.org', pathPrefix: '/publicdomain/' },
  // Natural Earth / OpenStreetMap attributions of base map data.
  { origin: 'https://www.naturalearthdata.com', pathPrefix: '/' },
  { origin: 'https://www.openstreetmap.org', pathPrefix: '/copyright' },
];

/** May this URL be handed to shell.openExternal? https only, no credentials, allow-listed page. */
export function isAllowedExternalUrl(url: string): boolean {
  if (url.length > 2048) return false;
  const parsed = parse(url);
  if (!parsed || parsed.protocol !== 'https:' || parsed.username || parsed.password || parsed.port) return false;
  return EXTERNAL_LINK_ALLOW_LIST.some((entry) => parsed.origin === entry.origin && parsed.pathname.startsWith(entry.pathPrefix));
}

export interface NavigationDecision {
  /** Let the navigation happen in the window. */
  allow: boolean;
  /** Hand the URL to the user's browser instead (only allow-listed https pages). */
  openExternally: boolean;
}

/** will-navigate / will-redirect: stay on app://turash/; allow-listed pages go to the browser. */
export function navigationDecision(url: string): NavigationDecision {
  if (isAppUrl(url)) return { allow: true, openExternally: false };
  return { allow: false, openExternally: isAllowedExternalUrl(url) };
}

/** setWindowOpenHandler: never a new Electron window; allow-listed pages go to the browser. */
export function windowOpenDecision(url: string): { action: 'deny'; openExternally: boolean } {
  return { action: 'deny', openExternally: isAllowedExternalUrl(url) };
}

/**
 * Permissions the renderer may be granted. Empty on purpose: the app uses no camera, microphone,
 * geolocation, notifications, MIDI, HID, serial (serial ports are opened by the main process),
 * clipboard reads, fullscreen requests or anything else gated by a permission.
 */
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set<string>();

/** session.setPermissionRequestHandler: grant only what is allowed (nothing), from our origin. */
export function permissionRequestAllowed(permission: string, requestingUrl: string): boolean {
  return ALLOWED_PERMISSIONS.has(permission) && isAppUrl(requestingUrl);
}

/** session.setPermissionCheckHandler: same policy for synchronous checks. */
export function permissionCheckAllowed(permission: string, requestingOrigin: string): boolean {
  return ALLOWED_PERMISSIONS.has(permission) && isAppUrl(requestingOrigin);
}

/** session.setDevicePermissionHandler (WebHID, WebUSB, Web Serial): never. */
export function devicePermissionAllowed(): boolean {
  return false;
}

/**
 * Downloads the renderer may start: files it produced itself (blob: or data: URLs created by our
 * page, e.g. an exported packet), or files of our own origin. Never a download from the network.
 */
export function downloadAllowed(url: string): boolean {
  if (isAppUrl(url)) return true;
  if (url.startsWith(`blob:${APP_ORIGIN}/`)) return true;
  return url.startsWith('data:');
}

/** What main.ts knows about an IPC message's sender (from IpcMainEvent). */
export interface IpcSender {
  /** event.sender.id: the webContents that sent the message. */
  webContentsId: number;
  /** event.senderFrame: null when the frame has navigated away or been destroyed. */
  frame: { url: string; isMainFrame: boolean } | null;
}

export type SenderVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Serve an IPC message only from one of our windows, from its main frame (not an iframe), while
 * that frame shows our application (app://turash/). Everything else is refused.
 */
export function checkIpcSender(sender: IpcSender, trustedWebContentsIds: ReadonlySet<number>): SenderVerdict {
  if (!trustedWebContentsIds.has(sender.webContentsId)) return { ok: false, reason: `webContents ${sender.webContentsId} is not an application window` };
  if (!sender.frame) return { ok: false, reason: 'the sending frame is gone' };
  if (!sender.frame.isMainFrame) return { ok: false, reason: 'messages from subframes are not accepted' };
  if (!isAppUrl(sender.frame.url)) return { ok: false, reason: `the sending page (${sender.frame.url.slice(0, 200)}) is not on ${APP_ORIGIN}` };
  return { ok: true };
}
