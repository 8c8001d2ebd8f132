/**
 * The app:// protocol that serves the built renderer to the Electron window (instead of file://,
 * which would give the page a file-system origin and access to every local file by URL).
 *
 * Pure of Electron (it answers a web Request with a web Response, both global in Node 20 and in
 * Electron), so traversal refusal, content types and the CSP header are tested in plain Node.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { CustomScheme } from 'electron';
import { contentSecurityPolicy } from '../host/csp.ts';
import { APP_HOST, APP_SCHEME } from './security.ts';

/**
 * Registered before 'ready' (protocol.registerSchemesAsPrivileged). `standard` gives the scheme a
 * real origin (app://turash) so relative URLs, ES modules, workers and the CSP's 'self' work;
 * `secure` makes it a secure context like https. It does NOT bypass the CSP.
 */
export const APP_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true, bypassCSP: false },
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.geojson': 'application/geo+json',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.pbf': 'application/x-protobuf',
  '.pmtiles': 'application/octet-stream',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** The headers of every page and asset served on app://turash/. */
export function appResponseHeaders(file: string): Record<string, string> {
  return {
    'content-type': contentTypeOf(file),
    'content-security-policy': contentSecurityPolicy(),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cache-control': extname(file) === '.html' ? 'no-store' : 'no-cache',
  };
}

export type ResolvedPath = { ok: true; file: string } | { ok: false; status: number; reason: string };

/**
 * Maps an app:// URL to a file under rendererDir. Refuses other hosts, undecodable paths, NUL and
 * backslashes, and anything that would resolve outside rendererDir (../, %2e%2e%2f, %2f, ...).
 * Does not touch the file system.
 */
export function resolveAppPath(url: string, rendererDir: string): ResolvedPath {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, status: 400, reason: 'malformed URL' };
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return { ok: false, status: 404, reason: `not an ${APP_SCHEME}://${APP_HOST}/ URL` };
  let pathname: string;
  try {
    pathname = decodeURIComponent(parsed.pathname);
  } catch {
    return { ok: false, status: 400, reason: 'malformed path encoding' };
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return { ok: false, status: 400, reason: 'forbidden character in path' };
  const root = resolve(rendererDir);
  const file = resolve(root, `.${pathname === '/' ? '/index.html' : pathname}`);
  const rel = relative(root, file);
  if (rel === '') return { ok: true, file: join(root, 'index.html') };
  if (rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) {
    return { ok: false, status: 403, reason: 'outside the application' };
  }
  return { ok: true, file };
}

function refusal(status: number, reason: string): Response {
  return new Response(reason, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'content-security-policy': contentSecurityPolicy(), 'x-content-type-options': 'nosniff' },
  });
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * The protocol handler (protocol.handle('app', ...)): GET and HEAD of files under rendererDir.
 * A path without an extension that is not a file is a client-side route: it gets index.html.
 */
export async function handleAppRequest(request: { url: string; method: string }, rendererDir: string): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return refusal(405, 'method not allowed');
  const resolved = resolveAppPath(request.url, rendererDir);
  if (!resolved.ok) return refusal(resolved.status, resolved.reason);
  let file = resolved.file;
  if (!(await isFile(file))) {
    if (extname(file) !== '') return refusal(404, 'not found');
    file = join(resolve(rendererDir), 'index.html');
    if (!(await isFile(file))) return refusal(404, 'the renderer is not built (no index.html)');
  }
  const headers = appResponseHeaders(file);
  if (request.method === 'HEAD') return new Response(null, { status: 200, headers });
  return new Response(new Uint8Array(await readFile(file)), { status: 200, headers });
}
