/**
 * Test helpers for the hub: seed a user with a workspace role straight into the store (as
 * `turash hub grant` does) and make tRPC clients (HTTP or WebSocket) carrying a token.
 */
import { createTRPCClient, createWSClient, httpLink, TRPCClientError, wsLink, type TRPCClient, type TRPCLink } from '@trpc/client';
import { observable } from '@trpc/server/observable';
import { bearerWebSocket, refusalResponse, upgradeRefusalOf } from '../../transport/ws-client.ts';
import type { HubRouter, RunningHub } from '../server.ts';
import type { Role } from '../schema.ts';
import type { HubStore } from '../store.ts';

export type HubClient = TRPCClient<HubRouter>;

export function httpClient(hub: Pick<RunningHub, 'url'>, token?: string): HubClient {
  return createTRPCClient<HubRouter>({
    links: [httpLink({ url: hub.url, headers: () => (token ? { authorization: `Bearer ${token}` } : {}) })],
  });
}

/**
 * tRPC's WebSocket client keeps retrying a refused connection and tells subscribers only through
 * connection-state events; this link ends the subscription with the hub's refusal instead (401 on
 * the upgrade becomes UNAUTHORIZED), as an HTTP call would fail.
 */
const upgradeRefusalLink: TRPCLink<HubRouter> = () => ({ next, op }) =>
  observable((observer) => {
    const subscription = next(op).subscribe({
      next(value) {
        const result = value.result as { type?: string; error?: unknown };
        const refusal = result.type === 'state' ? upgradeRefusalOf(result.error) : undefined;
        if (refusal) observer.error(TRPCClientError.from(refusalResponse(refusal)));
        else observer.next(value);
      },
      error: (error) => observer.error(error),
      complete: () => observer.complete(),
    });
    return () => subscription.unsubscribe();
  });

/** A WebSocket client: the token goes in the upgrade's Authorization header, as hub-link.ts sends it. */
export function wsClient(hub: Pick<RunningHub, 'wsUrl'>, token?: string): { client: HubClient; close: () => Promise<void> } {
  const ws = createWSClient({ url: hub.wsUrl, WebSocket: bearerWebSocket(token) as unknown as typeof globalThis.WebSocket, retryDelayMs: () => 100 });
  return { client: createTRPCClient<HubRouter>({ links: [upgradeRefusalLink, wsLink({ client: ws })] }), close: () => ws.close() };
}

/** A user with the role in the workspace (both created when missing) and a sign-in token. */
export async function seedMember(store: HubStore, email: string, workspace: string, role: Role, password = 'correct horse battery'): Promise<{ token: string; workspaceId: string }> {
  const { user } = await store.ensureUser(email, password);
  const { workspace: ws } = await store.ensureWorkspace(workspace);
  await store.grant(ws.id, user.id, role);
  return { token: await store.createSession(user.id, 'grant'), workspaceId: ws.id };
}
