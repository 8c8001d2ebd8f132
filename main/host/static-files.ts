/**
 * The one static-file responder of the renderer, for the browser host (Node's http) and the
 * Electron app:// protocol (web Request/Response): path decoding that refuses instead of
 * throwing (`/%E0%A4%A` is a 400, not a URIError), no way out of the renderer folder, the
 * single-page-app fallback to index.html, and HTTP Range requests (one range: 206 with
 * Content-Range, 416 when it starts past the end; `Accept-Ranges: bytes` on every file), which
 * map clients reading PMTiles archives rely on.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type http from 'node:http';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';

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

export type Refusal = { ok: false; status: number; reason: string; headers?: Record<string, string> };
export type ResolvedPath = { ok: true; file: string } | Refusal;

/**
 * Maps a URL path (still percent-encoded, as in `URL.pathname`) to a file under `root`. Refuses
 * undecodable escapes (400), NUL and backslashes (400), and anything that would resolve outside
 * root (../, %2e%2e%2f, %2f, ...: 403). Does not touch the file system.
 */
export function resolveUnder(root: string, encodedPath: string): ResolvedPath {
  let pathname: string;
  try {
    pathname = decodeURIComponent(encodedPath);
  } catch {
    return { ok: false, status: 400, reason: 'malformed percent-encoding in the path' };
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return { ok: false, status: 400, reason: 'forbidden character in path' };
  const base = resolve(root);
  const file = resolve(base, `.${pathname === '/' ? '/index.html' : pathname}`);
  const rel = relative(base, file);
  if (rel === '') return { ok: true, file: join(base, 'index.html') };
  if (rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) return { ok: false, status: 403, reason: 'outside the application' };
  return { ok: true, file };
}

/**
 * The byte range a `Range` header asks of a file of `size` bytes (inclusive end), 'unsatisfiable'
 * (416), or undefined to send the whole file: no header, another unit, several ranges (allowed by
 * RFC 9110 to be ignored) or a malformed one.
 */
export function byteRange(header: string | null | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match) return undefined;
  const [, from, to] = match;
  if (from === '' && to === '') return undefined;
  if (from === '') {
    const suffix = Number(to);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(from);
  const end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  if (to !== '' && Number(to) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

export type StaticAnswer =
  | { ok: true; status: 200 | 206; file: string; start: number; end: number; headers: Record<string, string> }
  | Refusal;

async function fileSize(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What to answer for GET/HEAD of `encodedPath` under root: the file (or index.html for a path
 * without an extension: a client-side route), with `headersFor(file)` plus length and range
 * headers; or a refusal. `missing: 'index'` answers index.html for a missing file with an
 * extension too (the browser host always has: browsers ask for /favicon.ico on their own).
 */
export async function answerStatic(
  root: string,
  request: { method: string; encodedPath: string; range?: string | null | undefined },
  headersFor: (file: string) => Record<string, string>,
  missing: 'not-found' | 'index' = 'not-found',
): Promise<StaticAnswer> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return { ok: false, status: 405, reason: 'method not allowed', headers: { allow: 'GET, HEAD' } };
  const resolved = resolveUnder(root, request.encodedPath);
  if (!resolved.ok) return resolved;
  let file = resolved.file;
  let size = await fileSize(file);
  if (size === undefined) {
    if (extname(file) !== '' && missing === 'not-found') return { ok: false, status: 404, reason: 'not found' };
    file = join(resolve(root), 'index.html');
    size = await fileSize(file);
    if (size === undefined) return { ok: false, status: 404, reason: 'the renderer is not built (no index.html)' };
  }
  const headers: Record<string, string> = { ...headersFor(file), 'accept-ranges': 'bytes' };
  const range = byteRange(request.range, size);
  if (range === 'unsatisfiable') {
    return { ok: false, status: 416, reason: `the range "${request.range}" starts past the end of the file (${size} bytes)`, headers: { 'content-range': `bytes */${size}` } };
  }
  if (range) {
    return { ok: true, status: 206, file, ...range, headers: { ...headers, 'content-range': `bytes ${range.start}-${range.end}/${size}`, 'content-length': String(range.end - range.start + 1) } };
  }
  return { ok: true, status: 200, file, start: 0, end: size - 1, headers: { ...headers, 'content-length': String(size) } };
}

function fileStream(answer: { file: string; start: number; end: number }): Readable {
  return createReadStream(answer.file, { start: answer.start, end: answer.end });
}

/** Writes the answer on a Node response (the browser host); refusals through `refuse`. */
export function sendStatic(res: http.ServerResponse, method: string, answer: StaticAnswer, refuse: (status: number, reason: string, headers?: Record<string, string>) => void): void {
  if (!answer.ok) return refuse(answer.status, answer.reason, answer.headers);
  res.writeHead(answer.status, answer.headers);
  if (method === 'HEAD' || answer.end < answer.start) return void res.end();
  const stream = fileStream(answer);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

/** The answer as a web Response (the app:// protocol); refusals through `refuse`. */
export function staticResponse(method: string, answer: StaticAnswer, refuse: (status: number, reason: string, headers?: Record<string, string>) => Response): Response {
  if (!answer.ok) return refuse(answer.status, answer.reason, answer.headers);
  if (method === 'HEAD' || answer.end < answer.start) return new Response(null, { status: answer.status, headers: answer.headers });
  return new Response(Readable.toWeb(fileStream(answer)) as ReadableStream<Uint8Array>, { status: answer.status, headers: answer.headers });
}
