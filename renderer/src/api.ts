/**
 * The renderer's one connection to the core: a typed tRPC client over the appRouter.
 *
 * - In the Electron app the preload exposes trpc-electron's IPC bridge (`window.electronTRPC`)
 *   and every call goes over IPC.
 * - In a browser (the `turash serve` host, and the end-to-end tests) queries and mutations go over
 *   HTTP (`/trpc`, `Authorization: Bearer <token>`) and subscriptions over a WebSocket
 *   (`/trpc?token=<token>`). The token arrives in the URL fragment (`#token=...`, never sent to a
 *   server); it is kept in sessionStorage and removed from the visible URL.
 *
 * Only TYPES come from main/ (the CI layer check enforces it).
 */
import { createTRPCClient, createWSClient, httpBatchLink, httpLink, splitLink, TRPCClientError, wsLink, type TRPCLink } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { ipcLink } from 'trpc-electron/renderer';
import type { AppRouter } from '../../main/api/router.ts';

export type { AppRouter };
export type Outputs = inferRouterOutputs<AppRouter>;
export type Inputs = inferRouterInputs<AppRouter>;
/** A site of the map: `sites.map` sends them by column (main/db/sites-map.ts), map/site-columns.ts makes the rows. */
export type { MapSite } from '../../main/db/repository.ts';
export type SiteDetail = Outputs['sites']['get'];
export type FlowRecord = SiteDetail['flows'][number];
export type SearchHit = Outputs['search'][number];
export type MetaInfo = Outputs['meta']['info'];
export type Vocabulary = Outputs['meta']['vocabulary'];
export type Suggestions = Outputs['analytics']['suggestions'];
export type NetworkStats = Suggestions['network'];
export type HeatCascade = Suggestions['cascades'][number];
export type ServiceCluster = Suggestions['clusters'][number];

const TOKEN_KEY = 'turash.token';

declare global {
  interface Window {
    electronTRPC?: unknown;
  }
}

export type Transport = { kind: 'electron' } | { kind: 'browser'; token: string } | { kind: 'no-token' };

/** Reads the token from `#token=...` (once), keeps it for this tab, and cleans the address bar. */
function browserToken(): string | undefined {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (match?.[1]) {
    try {
      sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    } catch {
      /* storage disabled: the token still works for this page load */
      return decodeURIComponent(match[1]);
    }
    history.replaceState(null, '', location.pathname + location.search);
  }
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

function detectTransport(): Transport {
  if (typeof window !== 'undefined' && window.electronTRPC) return { kind: 'electron' };
  const token = browserToken();
  return token ? { kind: 'browser', token } : { kind: 'no-token' };
}

export const transport: Transport = detectTransport();

function links(): TRPCLink<AppRouter>[] {
  if (transport.kind === 'electron') return [ipcLink<AppRouter>()];
  const token = transport.kind === 'browser' ? transport.token : '';
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/trpc?token=${encodeURIComponent(token)}`;
  const wsClient = createWSClient({ url: wsUrl, lazy: { enabled: true, closeMs: 10_000 } });
  const http = { url: '/trpc', headers: () => ({ Authorization: `Bearer ${token}` }) };
  return [
    splitLink({
      condition: (op) => op.type === 'subscription',
      true: wsLink<AppRouter>({ client: wsClient }),
      // A call made with `context: { alone: true }` (Cancel) is not batched: its answer never waits for a slow read sent in the same tick.
      false: splitLink({
        condition: (op) => op.context['alone'] === true,
        true: httpLink<AppRouter>(http),
        false: httpBatchLink<AppRouter>(http),
      }),
    }),
  ];
}

export const client = createTRPCClient<AppRouter>({ links: links() });

/** A problem the server reported for one field (`quantity.unit`, `quality.temperature_c.min`, ...). */
export interface FieldProblem {
  field: string;
  message: string;
}

export interface ApiProblem {
  code: string | undefined;
  httpStatus: number | undefined;
  message: string;
  fields: FieldProblem[];
}

/** Normalises any error of a call into code, message and field problems. */
export function apiProblem(error: unknown): ApiProblem {
  if (error instanceof TRPCClientError) {
    const data = (error.data ?? {}) as { code?: string; httpStatus?: number; fields?: FieldProblem[] | null };
    const cause = (error as { meta?: { response?: { status?: number } } }).meta?.response?.status;
    return {
      code: data.code,
      httpStatus: data.httpStatus ?? cause,
      message: error.message,
      fields: Array.isArray(data.fields) ? data.fields : [],
    };
  }
  return { code: undefined, httpStatus: undefined, message: error instanceof Error ? error.message : String(error), fields: [] };
}
