/**
 * `startHub`: the hub's tRPC router over HTTP (POST/GET /trpc/<procedure>) and WebSocket (/trpc),
 * on SQLite or PostgreSQL, plus what an operator needs: GET /health (the process answers),
 * GET /ready (the database answers), GET /metrics (Prometheus) and a structured log.
 *
 * Clients authenticate with `Authorization: Bearer <token>` on HTTP and on the WebSocket upgrade
 * (an upgrade without a valid token is refused with 401 before any frame is read). The transport's
 * guards (body and frame sizes, JSON nesting, connection and subscription caps, the client address
 * behind a trusted proxy) live in sync/transport/; docs/hub-operations.md describes them.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { normaliseAddress } from '../transport/client-address.ts';
import { refuseHttp } from '../transport/errors.ts';
import { parseTarget } from '../transport/request.ts';
import { serveTrpc, type Call, type TransportLimits } from '../transport/trpc-server.ts';
import { openHubDatabase, redactUrl } from './database.ts';
import { HubFeed } from './feed.ts';
import { DEFAULT_LIMITS, RateLimiter, type HubLimits } from './limits.ts';
import { createLogger, errorText, type HubLogger, type LogOptions } from './log.ts';
import { HubMetrics } from './metrics.ts';
import { hubRouter, type HubContext } from './router.ts';
import { HubStore } from './store.ts';

export type { HubRouter } from './router.ts';

/** The transport's limits for the hub (the HTTP body limit is HubLimits.maxBodyBytes). */
export type HubTransportLimits = Omit<TransportLimits, 'maxBodyBytes'>;

export const DEFAULT_TRANSPORT_LIMITS: HubTransportLimits = {
  // The hub's wire format nests 4 levels (batch, input, messages, message); values are strings.
  maxDepth: 32,
  // hub-link batches at most 4 calls.
  maxBatch: 16,
  // Only subscriptions and small queries travel on the WebSocket: pushes and pulls go over HTTP.
  maxFrameBytes: 16 * 1024,
  // A laptop holds one live subscription.
  maxSubscriptionsPerConnection: 16,
  // Many laptops may share an office's address; a proxy should be configured as trusted.
  maxConnectionsPerAddress: 256,
  maxConnectionsPerToken: 8,
};

export interface HubOptions {
  /** A SQLite file path, or a postgres:// URL. */
  database: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** The address to listen on; 127.0.0.1 by default. */
  host?: string;
  /** Overrides of the default limits (tests set small ones). */
  limits?: Partial<HubLimits>;
  /** Overrides of the transport's limits (frames, nesting, connection and subscription caps). */
  transport?: Partial<HubTransportLimits>;
  /** Reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For names the client. */
  trustedProxies?: string[];
  /** When set, GET /metrics needs `Authorization: Bearer <metricsToken>`; else loopback only. */
  metricsToken?: string;
  /** A logger, or how to make one (default: JSON lines on stderr, errors only). */
  log?: HubLogger | LogOptions;
}

export interface RunningHub {
  /** http://host:port/trpc: the base URL for httpLink; the WebSocket URL is ws://host:port/trpc. */
  url: string;
  wsUrl: string;
  /** http://host:port: /health, /ready and /metrics are under it. */
  baseUrl: string;
  port: number;
  store: HubStore;
  close(): Promise<void>;
}

function bearer(header: string | undefined): string | undefined {
  return header?.startsWith('Bearer ') ? header.slice(7).trim() || undefined : undefined;
}

function sameSecret(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * The store as the router sees it for one request (or WebSocket connection): the same store,
 * observed, so the log learns who called (the router resolves the token) and the metrics how
 * many messages a push stored and a pull sent.
 */
function observedStore(store: HubStore, call: Call, metrics: HubMetrics): HubStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'userOfToken') {
        return async (token: string) => {
          const user = await target.userOfToken(token);
          if (user) call.userId = user.id;
          return user;
        };
      }
      if (property === 'sessionOf') {
        return async (...args: Parameters<HubStore['sessionOf']>) => {
          const found = await target.sessionOf(...args);
          if (found.session) call.userId = found.session.id;
          return found;
        };
      }
      if (property === 'push') {
        return async (...args: Parameters<HubStore['push']>) => {
          const result = await target.push(...args);
          metrics.pushes.inc();
          metrics.stored.inc({}, result.stored);
          return result;
        };
      }
      if (property === 'pull') {
        return async (...args: Parameters<HubStore['pull']>) => {
          const result = await target.pull(...args);
          metrics.pulls.inc();
          metrics.pulled.inc({}, result.messages.length);
          return result;
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      // Methods run on the real store (its private fields are not on the proxy).
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export async function startHub(options: HubOptions): Promise<RunningHub> {
  const limits: HubLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const transportLimits: TransportLimits = { ...DEFAULT_TRANSPORT_LIMITS, ...options.transport, maxBodyBytes: limits.maxBodyBytes };
  const log: HubLogger = options.log && 'log' in options.log ? options.log : createLogger(options.log as LogOptions | undefined);
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
  // Each upgrade with a token costs a database lookup. Failed ones (made-up tokens) draw on a
  // bucket per address; honest upgrades never touch it, so a team behind one NAT can all connect.
  const failedUpgrades = new RateLimiter(limits.rate);
  // Reads the transport's gauges at scrape time (the transport is made just below).
  const metrics = new HubMetrics(() => transport.stats());

  const transport = serveTrpc({
    router: hubRouter,
    limits: transportLimits,
    trustedProxies: options.trustedProxies ?? [],
    createContext: ({ req, call, identity }): HubContext => ({
      store: observedStore(store, call, metrics),
      feed,
      limits,
      rate,
      signInRate,
      // On the WebSocket, the token is the one checked at the upgrade.
      token: identity ? identity.token : bearer(req.headers.authorization),
      address: call.address,
    }),
    authenticateUpgrade: async (req, call) => {
      const token = bearer(req.headers.authorization);
      if (!token) {
        return { refused: { status: 401, reason: 'unauthenticated_upgrade', message: 'no token: send Authorization: Bearer <token> with the WebSocket upgrade' } };
      }
      // retryAfter does not refill the bucket: take() does, and only when it looks empty.
      if (failedUpgrades.retryAfter(call.address) > 0 && !failedUpgrades.take(call.address)) {
        return { refused: { status: 429, reason: 'rate_limited', message: `too many WebSocket upgrades with invalid tokens from ${call.address}: retry in ${failedUpgrades.retryAfter(call.address)} s` } };
      }
      const user = await store.userOfToken(token);
      if (!user) {
        failedUpgrades.take(call.address);
        return { refused: { status: 401, reason: 'unauthenticated_upgrade', message: 'the token is not valid (signed out, expired or revoked): sign in again' } };
      }
      return { key: createHash('sha256').update(token).digest('base64url'), userId: user.id, token };
    },
    events: {
      request: ({ procedure, status, durationMs, transport: via, address, userId, refusedByTransport }) => {
        metrics.request(procedure, via, status, durationMs / 1000, refusedByTransport);
        log.log(status >= 500 ? 'error' : 'info', 'request', { procedure, status, duration_ms: Math.round(durationMs * 10) / 10, transport: via, user: userId, address });
      },
      rejected: ({ reason, message, address }) => {
        metrics.rejected.inc({ reason });
        log.log('warn', 'rejected', { reason, message, address });
      },
      connection: ({ state, address, userId, code, durationMs }) =>
        log.log('info', state === 'open' ? 'websocket_open' : 'websocket_closed', { address, user: userId, code, duration_ms: durationMs === undefined ? undefined : Math.round(durationMs) }),
      internalError: ({ procedure, error, address }) => log.log('error', 'internal_error', { message: `turash hub: ${procedure} failed`, procedure, error: errorText(error), address }),
    },
  });

  const ready = async (): Promise<string | undefined> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        sql`select 1`.execute(store.db),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no answer within 5 s')), 5000))),
      ]);
      return undefined;
    } catch (error) {
      return errorText(error);
    } finally {
      clearTimeout(timer);
    }
  };

  /** Undefined when this request may read /metrics; else why not. */
  const metricsRefusal = (req: http.IncomingMessage): { status: 401 | 403; message: string } | undefined => {
    if (options.metricsToken) {
      return sameSecret(bearer(req.headers.authorization), options.metricsToken) ? undefined : { status: 401, message: 'the metrics need Authorization: Bearer <the token in the hub\'s --metrics-token-file>' };
    }
    const peer = normaliseAddress(req.socket.remoteAddress ?? '');
    // A request relayed by a proxy on this machine is not local, whatever its socket says.
    const proxied = req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined;
    if ((peer.startsWith('127.') || peer === '::1') && !proxied) return undefined;
    return { status: 403, message: 'the metrics are served to the hub\'s own machine only: scrape from localhost, or start the hub with --metrics-token-file' };
  };

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  const server = http.createServer((req, res) => {
    try {
      const target = parseTarget(req.url);
      if (!target.ok) {
        metrics.rejected.inc({ reason: 'bad_path' });
        return refuseHttp(res, 'BAD_REQUEST', target.message);
      }
      if (target.pathname.startsWith('/trpc/')) return transport.handleHttp(req, res);
      if (req.method !== 'GET' && req.method !== 'HEAD') return refuseHttp(res, 'METHOD_NOT_SUPPORTED', `${req.method} ${target.pathname}: only GET here; the API is under /trpc/`);
      if (target.pathname === '/' || target.pathname === '/health') return json(res, 200, { service: 'turash-hub', ok: true });
      if (target.pathname === '/ready') {
        return void ready().then((problem) => {
          if (problem) log.log('error', 'not_ready', { error: problem });
          json(res, problem ? 503 : 200, problem ? { ready: false, error: 'the database does not answer (details are in the hub\'s log)' } : { ready: true });
        });
      }
      if (target.pathname === '/metrics') {
        const refusal = metricsRefusal(req);
        if (refusal) return refuseHttp(res, refusal.status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN', refusal.message);
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' });
        return void res.end(metrics.render());
      }
      refuseHttp(res, 'NOT_FOUND', `no such path ${target.pathname}: the API is under /trpc/`);
    } catch (error) {
      log.log('error', 'internal_error', { procedure: 'http', error: errorText(error) });
      refuseHttp(res, 'INTERNAL_SERVER_ERROR', 'internal error in the hub (details are in the hub\'s log)');
    }
  });
  server.on('upgrade', (req, socket, head) => transport.handleUpgrade(req, socket, head));

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
  const baseUrl = `http://${shownHost}:${port}`;
  log.log('info', 'hub_started', { url: `${baseUrl}/trpc`, database: redactUrl(options.database), dialect });

  return {
    url: `${baseUrl}/trpc`,
    wsUrl: `ws://${shownHost}:${port}/trpc`,
    baseUrl,
    port,
    store,
    close: async () => {
      transport.close();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await feed.close();
      await store.close();
      log.log('info', 'hub_stopped', {});
    },
  };
}
