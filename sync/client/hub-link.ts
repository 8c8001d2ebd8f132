/**
 * The tRPC connection to a hub: HTTP (batched) for push, pull and merkle; a WebSocket for the live
 * signal, opened with `ws` (Node and Electron's main process) so the upgrade can carry the token
 * in its Authorization header (sync/transport/ws-client.ts).
 */
import { createTRPCClient, createWSClient, httpBatchLink, wsLink, type TRPCClient } from '@trpc/client';
import { bearerWebSocket } from '../transport/ws-client.ts';
import type { HubRouter } from '../hub/server.ts';

export type HubApi = TRPCClient<HubRouter>;

export interface HubAddress {
  /** http://host:port/trpc */
  url: string;
  token: string;
}

/** ws://host:port/trpc for http://host:port/trpc (wss for https). */
export function wsUrlOf(url: string): string {
  return url.replace(/^http/, 'ws');
}

export function hubHttp(address: HubAddress): HubApi {
  return createTRPCClient<HubRouter>({
    links: [httpBatchLink({ url: address.url, headers: () => ({ authorization: `Bearer ${address.token}` }), maxItems: 4 })],
  });
}

export interface HubLive {
  api: HubApi;
  close(): Promise<void>;
}

/**
 * A WebSocket client that does NOT reconnect by itself: the sync client owns retrying (backoff
 * with jitter) so "offline" shows in the status instead of retrying silently.
 */
export function hubLive(address: HubAddress, onClose: () => void): HubLive {
  const ws = createWSClient({
    url: wsUrlOf(address.url),
    // The token goes in the upgrade's Authorization header: the hub refuses upgrades without it.
    WebSocket: bearerWebSocket(address.token) as unknown as typeof globalThis.WebSocket,
    retryDelayMs: () => 1000,
    onClose: () => onClose(),
  });
  return { api: createTRPCClient<HubRouter>({ links: [wsLink({ client: ws })] }), close: () => ws.close() };
}
