/**
 * The browser host (`turash serve`): the built renderer and the appRouter on 127.0.0.1, for
 * machines where Electron cannot run and for the end-to-end tests in headless Chromium.
 *
 * It is a local server holding a company's data, so it trusts nobody by default:
 * - it listens on 127.0.0.1 only;
 * - every API call needs the per-run random token (Authorization: Bearer, or ?token= on the
 *   WebSocket upgrade, since a browser cannot set headers there); the token reaches the page in
 *   the URL fragment, never sent to a server;
 * - requests from another origin, or with a Host header other than the loopback address, are
 *   refused (cross-site requests from pages on the internet and DNS rebinding);
 * - pages are served with a strict Content-Security-Policy;
 * - the tRPC transport's guards (sync/transport/, shared with the sync hub) bound bodies, JSON
 *   nesting, WebSocket frames, connections and subscriptions, and a path that does not decode is
 *   a 400, never a crash.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve } from 'node:path';
import { refuseHttp } from '../../sync/transport/errors.ts';
import { parseTarget } from '../../sync/transport/request.ts';
import { serveTrpc, type TransportLimits } from '../../sync/transport/trpc-server.ts';
import { appRouter } from '../api/router.ts';
import { contextFor, type Core } from '../core.ts';
import { contentSecurityPolicy } from './csp.ts';
import { answerStatic, contentTypeOf, sendStatic } from './static-files.ts';

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

export const HOST_TRANSPORT_LIMITS: TransportLimits = {
  maxBodyBytes: 80 * 1024 * 1024, // imports upload whole files
  // Imported documents travel as parsed JSON in some calls: room for real data, none for attacks.
  maxDepth: 64,
  // The renderer batches the queries of a page (httpBatchLink without a cap).
  maxBatch: 100,
  // Only subscriptions travel on the WebSocket (renderer/src/api.ts).
  maxFrameBytes: 64 * 1024,
  maxSubscriptionsPerConnection: 64,
  maxConnectionsPerAddress: 32,
  maxConnectionsPerToken: 32,
};

function sameToken(given: string | undefined | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function bearer(req: http.IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7) : undefined;
}

export async function startHost(options: HostOptions): Promise<RunningHost> {
  const rendererDir = resolve(options.rendererDir);
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new Error(`the renderer is not built (no ${join(rendererDir, 'index.html')}): run "npm run build"`);
  }
  const token = options.token ?? randomBytes(24).toString('base64url');
  let origins: Set<string> = new Set();
  let hosts: Set<string> = new Set();

  /** Loopback Host header and, when the browser sends one, our own Origin. */
  const trustedRequest = (req: http.IncomingMessage): string | undefined => {
    if (!hosts.has(req.headers.host ?? '')) return `host "${req.headers.host}" refused: use ${[...hosts][0]}`;
    const origin = req.headers.origin;
    if (origin !== undefined && !origins.has(origin)) return `origin "${origin}" refused`;
    return undefined;
  };

  const transport = serveTrpc({
    router: appRouter,
    limits: HOST_TRANSPORT_LIMITS,
    createContext: () => contextFor(options.core),
    authenticateUpgrade: (req, _call, url) => {
      const problem = trustedRequest(req);
      if (problem) return { refused: { status: 403, reason: 'untrusted_origin', message: problem } };
      if (!sameToken(url.searchParams.get('token'), token)) return { refused: { status: 403, reason: 'unauthenticated_upgrade', message: 'missing or wrong token' } };
      return { key: 'host' };
    },
    events: {
      internalError: ({ procedure, error }) => console.error(`turash serve: ${procedure} failed:`, error),
    },
  });

  const staticHeaders = (port: number) => (file: string) => ({
    'content-type': contentTypeOf(file),
    'content-security-policy': contentSecurityPolicy({ connect: [`ws://127.0.0.1:${port}`, `ws://localhost:${port}`] }),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cache-control': extname(file) === '.html' ? 'no-store' : 'public, max-age=3600',
  });

  const server = http.createServer((req, res) => {
    try {
      const problem = trustedRequest(req);
      if (problem) return refuseHttp(res, 'FORBIDDEN', problem);
      const target = parseTarget(req.url);
      if (!target.ok) return refuseHttp(res, 'BAD_REQUEST', target.message);
      if (target.pathname.startsWith('/trpc/')) {
        if (!sameToken(bearer(req), token)) return refuseHttp(res, 'UNAUTHORIZED', 'missing or wrong token: open the URL that "turash serve" printed');
        return transport.handleHttp(req, res);
      }
      const port = (server.address() as AddressInfo).port;
      const method = req.method ?? 'GET';
      void answerStatic(rendererDir, { method, encodedPath: target.url.pathname, range: req.headers.range }, staticHeaders(port), 'index').then(
        (answer) =>
          sendStatic(res, method, answer, (status, reason, headers) => {
            res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
            res.end(JSON.stringify({ error: { message: reason } }));
          }),
        (error: unknown) => {
          console.error('turash serve: static file failed:', error);
          refuseHttp(res, 'INTERNAL_SERVER_ERROR', 'internal error');
        },
      );
    } catch (error) {
      console.error('turash serve: request failed:', error);
      refuseHttp(res, 'INTERNAL_SERVER_ERROR', 'internal error');
    }
  });
  server.on('upgrade', (req, socket, head) => transport.handleUpgrade(req, socket, head));

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
      transport.close();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
