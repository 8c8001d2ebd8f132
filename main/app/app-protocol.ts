/**
 * The app:// protocol that serves the built renderer to the Electron window (instead of file://,
 * which would give the page a file-system origin and access to every local file by URL).
 *
 * Pure of Electron (it answers a web Request with a web Response, both global in Node 20 and in
 * Electron), so traversal refusal, content types, ranges and the CSP header are tested in plain
 * Node. The files themselves are answered by the renderer's one static-file responder
 * (main/host/static-files.ts), shared with the browser host.
 */
import { extname } from 'node:path';
import type { CustomScheme } from 'electron';
import { contentSecurityPolicy } from '../host/csp.ts';
import { answerStatic, contentTypeOf, resolveUnder, staticResponse, type ResolvedPath } from '../host/static-files.ts';
import { APP_HOST, APP_SCHEME } from './security.ts';

export { contentTypeOf, type ResolvedPath };

/**
 * Registered before 'ready' (protocol.registerSchemesAsPrivileged). `standard` gives the scheme a
 * real origin (app://turash) so relative URLs, ES modules, workers and the CSP's 'self' work;
 * `secure` makes it a secure context like https. It does NOT bypass the CSP.
 */
export const APP_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true, bypassCSP: false },
};

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
  return resolveUnder(rendererDir, parsed.pathname);
}

function refusal(status: number, reason: string, headers: Record<string, string> = {}): Response {
  return new Response(reason, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'content-security-policy': contentSecurityPolicy(), 'x-content-type-options': 'nosniff', ...headers },
  });
}

/**
 * The protocol handler (protocol.handle('app', ...)): GET and HEAD of files under rendererDir,
 * with Range requests. A path without an extension that is not a file is a client-side route: it
 * gets index.html.
 */
export async function handleAppRequest(request: { url: string; method: string; headers?: { get(name: string): string | null } }, rendererDir: string): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return refusal(405, 'method not allowed', { allow: 'GET, HEAD' });
  const resolved = resolveAppPath(request.url, rendererDir);
  if (!resolved.ok) return refusal(resolved.status, resolved.reason);
  const answer = await answerStatic(rendererDir, { method: request.method, encodedPath: new URL(request.url).pathname, range: request.headers?.get('range') }, appResponseHeaders);
  return staticResponse(request.method, answer, refusal);
}
