/**
 * Guards one WebSocket connection in front of tRPC's adapter: every frame is looked at before
 * tRPC parses it, and every reply on its way out.
 *
 * - binary frames and frames nesting JSON too deeply close the connection (1003 / 1008) before
 *   JSON.parse; frames over the size limit are closed by `ws` itself (1009, maxPayload);
 * - more requests in one frame than the limit closes it (1008);
 * - at most `maxSubscriptions` live subscriptions: tRPC's messages say when one starts
 *   (method "subscription"), when the client stops it ("subscription.stop") and when the server
 *   ends it (a "stopped" result, or an error on its id); one over the cap is answered with a
 *   TOO_MANY_REQUESTS error on its id and never reaches the router;
 * - each query, mutation or subscription start is timed from its frame to its reply (metrics).
 *
 * It patches `emit` and `send` of the one `ws` instance: tRPC's adapter listens to 'message' and
 * calls `send`, so both pass through here.
 */
import type { WebSocket } from 'ws';
import { errorShape } from './errors.ts';
import { nestingProblem } from './json-guard.ts';

export interface SocketPolicy {
  maxDepth: number;
  maxRequestsPerFrame: number;
  maxSubscriptions: number;
  /** Maps a client-sent path to a bounded label (unknown paths share one). */
  procedureName(path: string): string;
  rejected(reason: string, message: string): void;
  request(procedure: string, status: number, durationMs: number, refusedHere: boolean): void;
  /** Active subscriptions over all connections moved by `delta`. */
  subscriptionsChanged(delta: number): void;
}

/** Outgoing replies larger than this are results with data (never "stopped" or an error). */
const PARSE_REPLIES_UP_TO = 64 * 1024;
/** ws allows 123 bytes of close reason. */
const reason = (text: string) => (Buffer.byteLength(text) <= 123 ? text : `${Buffer.from(text).subarray(0, 120).toString('utf8').replace(/\uFFFD$/, '')}...`);

type Inflight = { procedure: string; type: string; started: number };

function idKey(id: unknown): string | undefined {
  return typeof id === 'number' || typeof id === 'string' ? JSON.stringify(id) : undefined;
}

export function guardSocket(ws: WebSocket, policy: SocketPolicy): void {
  const subscriptions = new Set<string>();
  const inflight = new Map<string, Inflight>();
  const originalEmit = ws.emit.bind(ws);
  const originalSend = ws.send.bind(ws);

  const refuseConnection = (code: number, why: string, message: string) => {
    policy.rejected(why, message);
    ws.close(code, reason(message));
  };
  const dropSubscription = (key: string) => {
    if (subscriptions.delete(key)) policy.subscriptionsChanged(-1);
  };
  const finish = (key: string, status: number) => {
    const entry = inflight.get(key);
    if (!entry) return;
    inflight.delete(key);
    policy.request(entry.procedure, status, performance.now() - entry.started, false);
  };

  /** The frame to hand to tRPC, or undefined to drop it. */
  const incoming = (data: unknown, isBinary: boolean): Buffer | undefined | 'as-is' => {
    if (isBinary || !Buffer.isBuffer(data)) {
      refuseConnection(1003, 'binary_frame', 'binary WebSocket frames are not accepted: send JSON text');
      return undefined;
    }
    if (data.length <= 4) {
      const text = data.toString('latin1');
      if (text === 'PING' || text === 'PONG') return 'as-is';
    }
    const deep = nestingProblem(data, policy.maxDepth, 'the WebSocket message');
    if (deep) {
      refuseConnection(1008, 'too_deep', deep);
      return undefined;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(data.toString('utf8'));
    } catch {
      return 'as-is'; // tRPC answers it with a PARSE_ERROR
    }
    const list = Array.isArray(parsed) ? parsed : [parsed];
    if (list.length > policy.maxRequestsPerFrame) {
      refuseConnection(1008, 'too_many_requests_in_frame', `more than ${policy.maxRequestsPerFrame} requests in one WebSocket message`);
      return undefined;
    }
    const kept: unknown[] = [];
    for (const message of list) {
      const { id, method, params, jsonrpc } = (typeof message === 'object' && message !== null ? message : {}) as { id?: unknown; method?: unknown; params?: { path?: unknown }; jsonrpc?: unknown };
      const key = idKey(id);
      if (key === undefined) {
        kept.push(message);
        continue;
      }
      if (method === 'subscription.stop') {
        dropSubscription(key);
        kept.push(message);
        continue;
      }
      if (method !== 'query' && method !== 'mutation' && method !== 'subscription') {
        kept.push(message);
        continue;
      }
      const procedure = policy.procedureName(typeof params?.path === 'string' ? params.path : '');
      const answer = (code: 'TOO_MANY_REQUESTS' | 'BAD_REQUEST', why: string, text: string) => {
        policy.rejected(why, text);
        policy.request(procedure, code === 'BAD_REQUEST' ? 400 : 429, 0, true);
        originalSend(JSON.stringify({ id, ...(jsonrpc === '2.0' ? { jsonrpc } : {}), error: errorShape(code, text, procedure) }));
      };
      if (method === 'subscription') {
        if (subscriptions.has(key) || inflight.has(key)) {
          answer('BAD_REQUEST', 'duplicate_id', `request id ${key} is already in use on this connection`);
          continue;
        }
        if (subscriptions.size >= policy.maxSubscriptions) {
          answer('TOO_MANY_REQUESTS', 'too_many_subscriptions', `too many subscriptions on one connection (the limit is ${policy.maxSubscriptions}): stop one first`);
          continue;
        }
        subscriptions.add(key);
        policy.subscriptionsChanged(1);
      }
      inflight.set(key, { procedure, type: method, started: performance.now() });
      kept.push(message);
    }
    if (kept.length === list.length) return 'as-is';
    if (kept.length === 0) return undefined;
    return Buffer.from(JSON.stringify(Array.isArray(parsed) ? kept : kept[0]));
  };

  const outgoing = (data: unknown) => {
    if (typeof data !== 'string' || data === 'PING' || data === 'PONG') return;
    let reply: { id?: unknown; error?: { data?: { httpStatus?: unknown } }; result?: { type?: unknown } };
    if (data.length <= PARSE_REPLIES_UP_TO) {
      try {
        reply = JSON.parse(data) as typeof reply;
      } catch {
        return;
      }
    } else {
      // A large reply is a result with data; its id comes first (tRPC writes `{"id":...`).
      const id = /^\{"id":(-?\d+(?:\.\d+)?|"(?:[^"\\]|\\.)*")/.exec(data)?.[1];
      if (id === undefined) return;
      reply = { id: JSON.parse(id) as unknown, result: { type: 'data' } };
    }
    const key = idKey(reply?.id);
    if (key === undefined) return;
    if (reply.error) {
      const status = Number(reply.error.data?.httpStatus);
      finish(key, Number.isInteger(status) ? status : 500);
      dropSubscription(key);
    } else if (reply.result?.type === 'stopped') {
      finish(key, 200);
      dropSubscription(key);
    } else if (reply.result?.type === 'started') {
      finish(key, 200);
    } else if (inflight.get(key)?.type !== 'subscription') {
      finish(key, 200);
    }
  };

  ws.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
    if (event === 'message') {
      const frame = incoming(args[0], args[1] === true);
      if (frame === undefined) return false;
      return frame === 'as-is' ? originalEmit(event, ...args) : originalEmit(event, frame, false);
    }
    if (event === 'error' && (args[0] as { code?: string } | undefined)?.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      policy.rejected('frame_too_large', 'a WebSocket frame over the size limit (closed with 1009)');
    }
    if (event === 'close') {
      if (subscriptions.size) policy.subscriptionsChanged(-subscriptions.size);
      subscriptions.clear();
      inflight.clear();
    }
    return originalEmit(event, ...args);
  }) as typeof ws.emit;

  ws.send = ((data: unknown, ...rest: unknown[]) => {
    outgoing(data);
    return (originalSend as (...args: unknown[]) => void)(data, ...rest);
  }) as typeof ws.send;
}
