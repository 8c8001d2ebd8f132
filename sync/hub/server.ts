/**
 * `startHub`: the hub's tRPC router over HTTP (POST/GET /trpc/<procedure>) and WebSocket (/trpc),
 * on SQLite or PostgreSQL. Clients authenticate with `Authorization: Bearer <token>` on HTTP, and
 * with the same header on the WebSocket upgrade or `connectionParams: { token }` (tRPC's wsLink).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { WebSocketServer } from 'ws';
import { openHubDatabase, redactUrl } from './database.ts';
import { HubFeed } from './feed.ts';
import { DEFAULT_LIMITS, RateLimiter, type HubLimits } from './limits.ts';
import { hubRouter, type HubContext } from './router.ts';
import { HubStore } from './store.ts';

export type { HubRouter } from './router.ts';

export interface HubOptions {
  /** A SQLite file path, or a postgres:// URL. */
  database: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** The address to listen on; 127.0.0.1 by default. */
  host?: string;
  /** Overrides of the default limits (tests set small ones). */
  limits?: Partial<HubLimits>;
}

export interface RunningHub {
  /** http://host:port/trpc: the base URL for httpLink; the WebSocket URL is ws://host:port/trpc. */
  url: string;
  wsUrl: string;
  port: number;
  store: HubStore;
  close(): Promise<void>;
}

function bearer(header: string | undefined): string | undefined {
  return header?.startsWith('Bearer ') ? header.slice(7).trim() || undefined : undefined;
}

export async function startHub(options: HubOptions): Promise<RunningHub> {
  const limits: HubLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const { db, dialect } = await openHubDatabase(options.database);
  const store = new HubStore(db, dialect);
  const feed = new HubFeed();
  if (dialect === 'postgres') {
    await feed.listen(options.database).catch(async (error: Error) => {
      await store.close();
      throw new Error(`cannot LISTEN on ${redactUrl(options.database)}: ${error.message}`);
    });
  } else {
    store.onCommitted = (workspaceId, head) => feed.publish(workspaceId, head);
  }
  const rate = new RateLimiter(limits.rate);
  const signInRate = new RateLimiter(limits.signInRate);
  const context = (token: string | undefined, address: string | undefined): HubContext => ({
    store,
    feed,
    limits,
    rate,
    signInRate,
    token,
    address: address ?? 'unknown',
  });

  const onError = ({ error, path }: { error: { code: string; message: string; cause?: unknown }; path?: string | undefined }) => {
    if (error.code === 'INTERNAL_SERVER_ERROR') console.error(`turash hub: ${path ?? '?'} failed:`, error.cause ?? error.message);
  };
  const httpHandler = createHTTPHandler({
    router: hubRouter,
    onError,
    basePath: '/trpc/',
    maxBodySize: limits.maxBodyBytes,
    createContext: ({ req }) => context(bearer(req.headers.authorization), req.socket.remoteAddress),
  });
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/trpc/')) return void httpHandler(req, res);
    if (req.url === '/' || req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ service: 'turash-hub', ok: true }));
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: `no such path ${req.url}: the API is under /trpc/` } }));
  });

  // maxPayload: a larger WebSocket frame closes the connection (1009) before it is buffered whole.
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxBodyBytes });
  const wssHandler = applyWSSHandler({
    wss,
    router: hubRouter,
    onError,
    keepAlive: { enabled: true, pingMs: 30_000 },
    createContext: ({ req, info }) => {
      const fromParams = info.connectionParams?.token;
      return context(typeof fromParams === 'string' && fromParams ? fromParams : bearer(req.headers.authorization), req.socket.remoteAddress);
    },
  });
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/trpc') {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const host = options.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'EADDRINUSE' ? new Error(`port ${options.port} is in use: pick another with --port`) : error),
      );
      server.listen(options.port ?? 0, host, () => resolve());
    });
  } catch (error) {
    await feed.close();
    await store.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${shownHost}:${port}/trpc`,
    wsUrl: `ws://${shownHost}:${port}/trpc`,
    port,
    store,
    close: async () => {
      wssHandler.broadcastReconnectNotification();
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await feed.close();
      await store.close();
    },
  };
}
