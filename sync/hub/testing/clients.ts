/**
 * Test helpers for the hub: seed a user with a workspace role straight into the store (as
 * `turash hub grant` does) and make tRPC clients (HTTP or WebSocket) carrying a token.
 */
import { createTRPCClient, createWSClient, httpLink, wsLink, type TRPCClient } from '@trpc/client';
import WebSocket from 'ws';
import type { HubRouter, RunningHub } from '../server.ts';
import type { Role } from '../schema.ts';
import type { HubStore } from '../store.ts';

export type HubClient = TRPCClient<HubRouter>;

export function httpClient(hub: Pick<RunningHub, 'url'>, token?: string): HubClient {
  return createTRPCClient<HubRouter>({
    links: [httpLink({ url: hub.url, headers: () => (token ? { authorization: `Bearer ${token}` } : {}) })],
  });
}

export function wsClient(hub: Pick<RunningHub, 'wsUrl'>, token?: string): { client: HubClient; close: () => Promise<void> } {
  const ws = createWSClient({
    url: hub.wsUrl,
    // Node 20 has no global WebSocket.
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    connectionParams: token ? { token } : null, retryDelayMs: () => 100 });
  return { client: createTRPCClient<HubRouter>({ links: [wsLink({ client: ws })] }), close: () => ws.close() };
}

/** A user with the role in the workspace (both created when missing) and a sign-in token. */
export async function seedMember(store: HubStore, email: string, workspace: string, role: Role, password = 'correct horse battery'): Promise<{ token: string; workspaceId: string }> {
  const { user } = await store.ensureUser(email, password);
  const { workspace: ws } = await store.ensureWorkspace(workspace);
  await store.grant(ws.id, user.id, role);
  return { token: await store.createSession(user.id, 'grant'), workspaceId: ws.id };
}
