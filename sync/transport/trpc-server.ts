/**
 * Serves a tRPC router over HTTP (`<basePath>/<procedure>`) and WebSocket (`<basePath>`), for the
 * sync hub and the browser host alike, with the guards a server facing strangers needs:
 *
 * - HTTP bodies are read up to `maxBodyBytes` (413 past it, before anything is parsed), then their
 *   JSON nesting is checked (400) before tRPC parses them; a GET's `input` likewise;
 * - a WebSocket is accepted only once `authenticateUpgrade` says so (its refusal, e.g. 401, is the
 *   answer to the upgrade: nothing is parsed for an unauthenticated peer), within the connection
 *   caps per address and per token (429), and each frame is guarded (ws-guard.ts);
 * - undecodable paths and crashing handlers are answered (400 / 500), never thrown.
 *
 * It reports what happened through `events` (metrics and logs hang there), and never looks at
 * inputs or outputs beyond that: it carries no secrets into them.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { AnyRouter, inferRouterContext } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { getWSConnectionHandler } from '@trpc/server/adapters/ws';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { WebSocketServer, type WebSocket } from 'ws';
import { clientAddressResolver } from './client-address.ts';
import { ConnectionCaps } from './connection-caps.ts';
import { refuseHttp, refuseUpgrade } from './errors.ts';
import { nestingProblem } from './json-guard.ts';
import { BodyTooLargeError, parseTarget, readBody } from './request.ts';
import { guardSocket } from './ws-guard.ts';

export interface TransportLimits {
  /** Largest HTTP request body, in bytes. */
  maxBodyBytes: number;
  /** Deepest JSON nesting accepted in a body, a GET input or a WebSocket frame. */
  maxDepth: number;
  /** Most procedures in one batched HTTP request or one WebSocket frame. */
  maxBatch: number;
  /** Largest WebSocket frame, in bytes (larger ones close the connection with 1009). */
  maxFrameBytes: number;
  maxSubscriptionsPerConnection: number;
  maxConnectionsPerAddress: number;
  maxConnectionsPerToken: number;
}

/** What is known about one HTTP request or one WebSocket connection. */
export interface Call {
  transport: 'http' | 'ws';
  /** The client's address (the socket peer, or X-Forwarded-For behind a trusted proxy). */
  address: string;
  /** Set by the application once it knows who is calling (for logs). */
  userId?: string | undefined;
}

/** Who a WebSocket upgrade belongs to: `key` counts towards the per-token cap. */
export interface UpgradeIdentity {
  key: string;
  userId?: string | undefined;
  token?: string | undefined;
}

export interface UpgradeRefusal {
  refused: { status: 400 | 401 | 403 | 404 | 429 | 503; message: string; reason: string };
}

export interface RequestEvent {
  procedure: string;
  status: number;
  durationMs: number;
  transport: 'http' | 'ws';
  address: string;
  userId?: string | undefined;
  /** True when the transport itself refused it (and reported it through `rejected`). */
  refusedByTransport: boolean;
}

export interface TransportEvents {
  request?(event: RequestEvent): void;
  /** Something refused at the transport (reason: a short stable word for metrics). */
  rejected?(event: { reason: string; message: string; address: string }): void;
  connection?(event: { state: 'open' | 'closed'; address: string; userId?: string | undefined; code?: number; durationMs?: number }): void;
  /** An internal failure (a bug, a database error): for the operator's log, never the client. */
  internalError?(event: { procedure: string; error: unknown; address: string }): void;
}

export interface ServeTrpcOptions<TRouter extends AnyRouter> {
  router: TRouter;
  /** '/trpc' by default. */
  basePath?: string;
  limits: TransportLimits;
  /** Addresses or CIDR ranges whose X-Forwarded-For is believed (see client-address.ts). */
  trustedProxies?: readonly string[];
  createContext(options: { req: http.IncomingMessage; call: Call; identity?: UpgradeIdentity }): inferRouterContext<TRouter> | Promise<inferRouterContext<TRouter>>;
  authenticateUpgrade(req: http.IncomingMessage, call: Call, url: URL): Promise<UpgradeIdentity | UpgradeRefusal> | UpgradeIdentity | UpgradeRefusal;
  events?: TransportEvents;
}

export interface TrpcTransport {
  /** The client address of a request (same rules as the router sees). */
  clientAddress(req: http.IncomingMessage): string;
  /** Serves a request whose path is under `<basePath>/`. */
  handleHttp(req: http.IncomingMessage, res: http.ServerResponse): void;
  /** Serves an 'upgrade' event of the HTTP server. */
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void;
  stats(): { connections: number; subscriptions: number };
  /** Tells WebSocket clients to reconnect and drops them. */
  close(): void;
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' };

export function serveTrpc<TRouter extends AnyRouter>(options: ServeTrpcOptions<TRouter>): TrpcTransport {
  const { router, limits } = options;
  const basePath = options.basePath ?? '/trpc';
  const events = options.events ?? {};
  const clientAddress = clientAddressResolver(options.trustedProxies ?? []);
  const known = new Set(Object.keys((router._def as { procedures: Record<string, unknown> }).procedures));
  /** Bounded labels: a stranger's made-up paths all count as "unknown". */
  const procedureName = (path: string) => (known.has(path) ? path : 'unknown');
  const caps = new ConnectionCaps(limits);
  let connections = 0;
  let subscriptions = 0;

  const rejected = (reason: string, message: string, address: string) => events.rejected?.({ reason, message, address });

  // ---- HTTP ----
  type HttpState = { call: Call; errors: Map<string, number>; refused: boolean };
  const httpCalls = new WeakMap<http.IncomingMessage, HttpState>();
  const httpHandler = createHTTPHandler({
    router,
    basePath: `${basePath}/`,
    maxBodySize: limits.maxBodyBytes,
    maxBatchSize: limits.maxBatch,
    createContext: ({ req }) => options.createContext({ req, call: httpCalls.get(req)!.call }),
    onError: ({ error, path, req }) => {
      const state = httpCalls.get(req);
      const procedure = procedureName(path ?? '');
      state?.errors.set(procedure, getHTTPStatusCodeFromError(error));
      if (error.code === 'INTERNAL_SERVER_ERROR') events.internalError?.({ procedure, error: error.cause ?? error, address: state?.call.address ?? 'unknown' });
    },
  });

  const handleHttp = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const started = performance.now();
    const target = parseTarget(req.url);
    const address = clientAddress(req);
    const call: Call = { transport: 'http', address };
    const names = target.ok ? target.pathname.slice(basePath.length + 1).split(',').slice(0, limits.maxBatch + 1).map(procedureName) : ['unknown'];
    const state: HttpState = { call, errors: new Map(), refused: false };
    httpCalls.set(req, state);
    res.once('finish', () => {
      const durationMs = performance.now() - started;
      for (const procedure of new Set(names)) {
        const status = state.errors.get(procedure) ?? (res.statusCode === 207 ? 200 : res.statusCode);
        events.request?.({ procedure, status, durationMs, transport: 'http', address, userId: call.userId, refusedByTransport: state.refused });
      }
    });
    const refuse = (reason: string, code: Parameters<typeof refuseHttp>[1], message: string) => {
      state.refused = true;
      rejected(reason, message, address);
      refuseHttp(res, code, message, code === 'PAYLOAD_TOO_LARGE' ? { connection: 'close' } : {});
    };
    if (!target.ok) return refuse('bad_path', 'BAD_REQUEST', target.message);
    void (async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        let body: Buffer;
        try {
          body = await readBody(req, limits.maxBodyBytes);
        } catch (error) {
          if (error instanceof BodyTooLargeError) return refuse('body_too_large', 'PAYLOAD_TOO_LARGE', error.message);
          return void res.destroy(); // the client went away mid-body
        }
        const deep = nestingProblem(body, limits.maxDepth, 'the request body');
        if (deep) return refuse('too_deep', 'BAD_REQUEST', deep);
        // tRPC's adapter takes an already-read body from `req.body` (a string is used as is).
        (req as http.IncomingMessage & { body?: string }).body = body.toString('utf8');
      } else {
        const input = target.url.searchParams.get('input');
        const deep = input ? nestingProblem(input, limits.maxDepth, 'the input') : undefined;
        if (deep) return refuse('too_deep', 'BAD_REQUEST', deep);
      }
      await httpHandler(req, res);
    })().catch((error: unknown) => {
      events.internalError?.({ procedure: names[0] ?? 'unknown', error, address });
      refuseHttp(res, 'INTERNAL_SERVER_ERROR', 'internal error (details are in the server log)');
    });
  };

  // ---- WebSocket ----
  type WsState = { call: Call; identity: UpgradeIdentity };
  const wsCalls = new WeakMap<http.IncomingMessage, WsState>();
  // Frames beyond maxFrameBytes close the connection (1009) before they are buffered whole.
  // No per-message compression: a small compressed frame could inflate far past the limit's spirit.
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxFrameBytes, perMessageDeflate: false });
  const onConnection = getWSConnectionHandler({
    wss,
    router,
    maxBatchSize: limits.maxBatch,
    keepAlive: { enabled: true, pingMs: 30_000 },
    createContext: ({ req }) => {
      const state = wsCalls.get(req)!;
      return options.createContext({ req, call: state.call, identity: state.identity });
    },
    onError: ({ error, path, req }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') events.internalError?.({ procedure: procedureName(path ?? ''), error: error.cause ?? error, address: wsCalls.get(req)?.call.address ?? 'unknown' });
    },
  });

  const handleUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const onSocketError = () => socket.destroy();
    socket.on('error', onSocketError);
    const address = clientAddress(req);
    const refuse = (status: keyof typeof STATUS_TEXT, reason: string, message: string) => {
      rejected(reason, message, address);
      refuseUpgrade(socket, status, STATUS_TEXT[status]!, message);
    };
    const target = parseTarget(req.url);
    if (!target.ok) return refuse(400, 'bad_path', target.message);
    if (target.url.pathname !== basePath) return refuse(404, 'bad_path', `no WebSocket at ${target.url.pathname}: connect to ${basePath}`);
    const call: Call = { transport: 'ws', address };
    void (async () => {
      const answer = await options.authenticateUpgrade(req, call, target.url);
      if ('refused' in answer) return refuse(answer.refused.status, answer.refused.reason, answer.refused.message);
      if (socket.destroyed) return;
      const slot = caps.take(address, answer.key);
      if (!slot.ok) return refuse(429, 'too_many_connections', slot.message);
      socket.once('close', slot.release);
      call.userId = answer.userId;
      wsCalls.set(req, { call, identity: answer });
      socket.off('error', onSocketError);
      wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
        const opened = performance.now();
        connections++;
        guardSocket(ws, {
          maxDepth: limits.maxDepth,
          maxRequestsPerFrame: limits.maxBatch,
          maxSubscriptions: limits.maxSubscriptionsPerConnection,
          procedureName,
          rejected: (reason, message) => rejected(reason, message, address),
          request: (procedure, status, durationMs, refusedByTransport) => events.request?.({ procedure, status, durationMs, transport: 'ws', address, userId: call.userId, refusedByTransport }),
          subscriptionsChanged: (delta) => (subscriptions += delta),
        });
        ws.once('close', (code) => {
          connections--;
          events.connection?.({ state: 'closed', address, userId: call.userId, code, durationMs: performance.now() - opened });
        });
        events.connection?.({ state: 'open', address, userId: call.userId });
        onConnection(ws, req);
      });
    })().catch((error: unknown) => {
      events.internalError?.({ procedure: 'websocket upgrade', error, address });
      refuse(503, 'upgrade_failed', 'cannot check the token right now: try again');
    });
  };

  return {
    clientAddress,
    handleHttp,
    handleUpgrade,
    stats: () => ({ connections, subscriptions }),
    close: () => {
      const reconnect = JSON.stringify({ id: null, method: 'reconnect' });
      for (const client of wss.clients) {
        if (client.readyState === client.OPEN) client.send(reconnect);
        client.terminate();
      }
      wss.close();
    },
  };
}
