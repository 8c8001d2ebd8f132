/**
 * Refusals in tRPC's own error shape, so a tRPC client shows the transport's message ("the request
 * body is larger than ...") exactly as it shows the router's errors.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';

export type RefusalCode = 'BAD_REQUEST' | 'PARSE_ERROR' | 'UNAUTHORIZED' | 'FORBIDDEN' | 'NOT_FOUND' | 'METHOD_NOT_SUPPORTED' | 'PAYLOAD_TOO_LARGE' | 'TOO_MANY_REQUESTS' | 'INTERNAL_SERVER_ERROR' | 'SERVICE_UNAVAILABLE';

const STATUS: Record<RefusalCode, number> = {
  BAD_REQUEST: 400,
  PARSE_ERROR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_SUPPORTED: 405,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_SERVER_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
};

export function statusOf(code: RefusalCode): number {
  return STATUS[code];
}

export function errorShape(code: RefusalCode, message: string, path?: string) {
  return { message, code: TRPC_ERROR_CODES_BY_KEY[code], data: { code, httpStatus: STATUS[code], ...(path ? { path } : {}) } };
}

/** An HTTP refusal: `{ error: { message, code, data: { code, httpStatus } } }`. */
export function refuseHttp(res: http.ServerResponse, code: RefusalCode, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: errorShape(code, message) });
  res.writeHead(STATUS[code], { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** Refuses a WebSocket upgrade with a plain HTTP answer (the socket never becomes a WebSocket). */
export function refuseUpgrade(socket: Duplex, status: number, statusText: string, message: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ error: { message } });
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
