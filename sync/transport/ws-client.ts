/**
 * The client side of the hub's WebSocket authentication: the token travels in the upgrade's
 * `Authorization: Bearer` header (the hub refuses an upgrade without a valid one), never in the
 * URL (proxies log URLs) and not in tRPC's connectionParams (those arrive in the first frame,
 * after the hub would already have accepted a stranger).
 *
 * For tRPC's createWSClient, which constructs `new WebSocket(url, protocols)` itself: a `ws`
 * subclass with the header built in. When the hub refuses the upgrade, the socket's error is an
 * `UpgradeRefusedError` carrying the status and the hub's message.
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { errorShape } from './errors.ts';

export class UpgradeRefusedError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'UpgradeRefusedError';
  }
}

/** Reads at most 4 KiB of the refusal's body: its `{ error: { message } }`. */
function refusalMessage(res: IncomingMessage, done: (message: string) => void): void {
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    if (text.length < 4096) text += chunk;
  });
  res.on('end', () => {
    try {
      const message = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message;
      done(typeof message === 'string' ? message : `the hub refused the WebSocket (HTTP ${res.statusCode})`);
    } catch {
      done(`the hub refused the WebSocket (HTTP ${res.statusCode})`);
    }
  });
  res.on('error', () => done(`the hub refused the WebSocket (HTTP ${res.statusCode})`));
}

/** A WebSocket class whose connections carry `Authorization: Bearer <token>` (none without one). */
export function bearerWebSocket(token: string | undefined): typeof WebSocket {
  class BearerWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[], options?: WebSocket.ClientOptions) {
      super(address, protocols, { ...options, headers: { ...options?.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) } });
      this.on('unexpected-response', (request: ClientRequest, response: IncomingMessage) => {
        refusalMessage(response, (message) => request.destroy(new UpgradeRefusedError(response.statusCode ?? 0, message)));
      });
    }
  }
  return BearerWebSocket as unknown as typeof WebSocket;
}

/** The refusal behind an error of tRPC's WebSocket client, if the hub refused the upgrade. */
export function upgradeRefusalOf(error: unknown): UpgradeRefusedError | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    if (current instanceof UpgradeRefusedError) return current;
    seen.add(current);
    const next = current as { cause?: unknown; error?: unknown };
    current = next.error instanceof Error || (next.error && typeof next.error === 'object') ? next.error : next.cause;
  }
  return undefined;
}

/** tRPC's error response for a refused upgrade (401 -> UNAUTHORIZED, ...), for TRPCClientError.from. */
export function refusalResponse(refusal: UpgradeRefusedError) {
  const code = refusal.status === 401 ? 'UNAUTHORIZED' : refusal.status === 403 ? 'FORBIDDEN' : refusal.status === 429 ? 'TOO_MANY_REQUESTS' : refusal.status >= 500 ? 'SERVICE_UNAVAILABLE' : 'BAD_REQUEST';
  return { error: errorShape(code, refusal.message) };
}
