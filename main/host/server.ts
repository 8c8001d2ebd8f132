/**
 * The browser host (`turash serve`): the built renderer and the appRouter on 127.0.0.1, for
 * machines where Electron cannot run and for the end-to-end tests in headless Chromium.
 *
 * It is a local server holding a company's data, so it trusts nobody by default:
 * - it listens on 127.0.0.1 only;
 * - every API call needs the per-run random token (Authorization: Bearer, or ?token= on the
 *   WebSocket upgrade); the token reaches the page in the URL fragment, never sent to a server;
 * - requests from another origin, or with a Host header other than the loopback address, are
 *   refused (cross-site requests from pages on the internet and DNS rebinding);
 * - pages are served with a strict Content-Security-Policy.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { WebSocketServer } from 'ws';
import { appRouter } from '../api/router.ts';
import { contextFor, type Core } from '../core.ts';
import { contentSecurityPolicy } from './csp.ts';

export interface HostOptions {
  core: Core;
  /** 0 picks a free port. */
  port?: number;
  /** The built renderer (vite build output). */
  rendererDir: string;
  /** Fixed token for tests; random otherwise. */
  token?: string;
}

export interface RunningHost {
  url: string;
  /** The URL to open: the token travels in the fragment. */
  openUrl: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 80 * 1024 * 1024; // imports upload whole files
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.pbf': 'application/x-protobuf',
  '.pmtiles': 'application/octet-stream',
  '.txt': 'text/plain; charset=utf-8',
};

function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function bearer(req: http.IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7) : undefined;
}

function refuse(res: http.ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ error: { message } }));
}

export async function startHost(options: HostOptions): Promise<RunningHost> {
  const rendererDir = resolve(options.rendererDir);
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new Error(`the renderer is not built (no ${join(rendererDir, 'index.html')}): run "npm run build"`);
  }
  const token = options.token ?? randomBytes(24).toString('base64url');
  let origins: Set<string> = new Set();
  let hosts: Set<string> = new Set();

  const createContext = () => contextFor(options.core);
  const trpcHandler = createHTTPHandler({ router: appRouter, createContext, basePath: '/trpc/', maxBodySize: MAX_BODY_BYTES });

  /** Loopback Host header and, when the browser sends one, our own Origin. */
  const trustedRequest = (req: http.IncomingMessage): string | undefined => {
    if (!hosts.has(req.headers.host ?? '')) return `host "${req.headers.host}" refused: use ${[...hosts][0]}`;
    const origin = req.headers.origin;
    if (origin !== undefined && !origins.has(origin)) return `origin "${origin}" refused`;
    return undefined;
  };

  const serveStatic = (req: http.IncomingMessage, res: http.ServerResponse, port: number) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'method not allowed');
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    let file = normalize(join(rendererDir, pathname));
    if (!file.startsWith(rendererDir + sep) && file !== rendererDir) return refuse(res, 403, 'outside the application');
    if (!existsSync(file) || statSync(file).isDirectory()) file = join(rendererDir, 'index.html'); // single-page app
    const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, {
      'content-type': type,
      'content-security-policy': contentSecurityPolicy({ connect: [`ws://127.0.0.1:${port}`, `ws://localhost:${port}`] }),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'cache-control': extname(file) === '.html' ? 'no-store' : 'public, max-age=3600',
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  };

  const server = http.createServer((req, res) => {
    const problem = trustedRequest(req);
    if (problem) return refuse(res, 403, problem);
    const port = (server.address() as AddressInfo).port;
    if (req.url?.startsWith('/trpc/')) {
      if (!sameToken(bearer(req), token)) return refuse(res, 401, 'missing or wrong token: open the URL that "turash serve" printed');
      return trpcHandler(req, res);
    }
    serveStatic(req, res, port);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES });
  const wssHandler = applyWSSHandler({ wss, router: appRouter, createContext, keepAlive: { enabled: true, pingMs: 30_000 } });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (trustedRequest(req) || url.pathname !== '/trpc' || !sameToken(url.searchParams.get('token') ?? undefined, token)) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`port ${options.port} is in use: pick another with --port`) : error),
    );
    server.listen(options.port ?? 0, '127.0.0.1', () => resolveListen());
  });
  const port = (server.address() as AddressInfo).port;
  origins = new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const url = `http://127.0.0.1:${port}/`;

  return {
    url,
    openUrl: `${url}#token=${token}`,
    token,
    port,
    close: async () => {
      wssHandler.broadcastReconnectNotification();
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
