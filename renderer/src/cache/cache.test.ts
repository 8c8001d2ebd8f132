/**
 * Which cached queries a lifecycle step and a flow save refresh, on a real TanStack QueryClient
 * with shown (observed) and hidden queries. Each query's fetch function counts its calls, so the
 * test sees exactly which ones went to the core again.
 *
 *   node --import tsx --test renderer/src/cache/cache.test.ts
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { QueryClient, QueryObserver, type QueryKey } from '@tanstack/react-query';
import type { FlowRecord, SiteDetail } from '../api.ts';
import type { MatchRecord, MatchWithEvents } from '../matching/model.ts';
import { settleFlowSave } from './flows.ts';
import { keys } from './keys.ts';
import { rollback, settleTransition, showTransition, showsBeforeAnswer } from './lifecycle.ts';

// Only the fields these modules read; the rest of a record does not matter here.
const match = (id: string, supplyFlow: string, demandFlow: string, status = 'suggested', version = 1) =>
  ({ id, status, version, reserved_until: null, status_reason: null, updated_at: '2026-01-01T00:00:00.000Z', supply: { flow_id: supplyFlow }, demand: { flow_id: demandFlow }, events: [] }) as unknown as MatchWithEvents;

let client: QueryClient;
let fetches: Map<string, number>;
let stops: (() => void)[];
const name = (key: QueryKey) => JSON.stringify(key);

/** A query shown on screen (an enabled observer) or only cached (none, or a disabled one). */
async function cached(key: QueryKey, data: unknown, shown: boolean | 'disabled' = true): Promise<void> {
  const queryFn = async () => {
    fetches.set(name(key), (fetches.get(name(key)) ?? 0) + 1);
    return structuredClone(data);
  };
  await client.fetchQuery({ queryKey: key, queryFn });
  fetches.set(name(key), 0);
  if (shown === false) return;
  const observer = new QueryObserver(client, { queryKey: key, queryFn, staleTime: Infinity, enabled: shown === true });
  stops.push(observer.subscribe(() => undefined));
}

/** Waits until every started fetch has ended. */
async function settled(): Promise<void> {
  while (client.isFetching() > 0) await new Promise((resolve) => setImmediate(resolve));
}

const refetched = () => [...fetches].filter(([, n]) => n > 0).map(([k]) => k).sort();

const a = match('m-a', 'f-supply', 'f-demand');
const b = match('m-b', 'f-other', 'f-demand-2');
const list = { items: [a, b] as unknown as MatchRecord[], total: 2, offset: 0, limit: 1000 };

beforeEach(async () => {
  client = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity, retry: false } } });
  fetches = new Map();
  stops = [];
  await cached(keys.sites.map, [{ id: 's-1' }]);
  await cached(keys.metaInfo, { counts: {} });
  await cached(keys.plan, { members: 1 });
  await cached(keys.matches.list({ order: 'score' }), list);
  await cached(keys.matches.list({ order: 'score', status: 'suggested' }), list);
  await cached(keys.matches.list({ order: 'score', status: 'live' }), { ...list, items: [] });
  await cached(keys.matches.summary, { total: 2, by_status: { suggested: 2 } });
  await cached(keys.matches.get('m-a'), a);
  await cached(keys.matches.get('m-b'), b);
  await cached(keys.workflow.reminders, []);
  await cached(keys.workflow.alerts, []);
  await cached(keys.analytics, { network: {} }, 'disabled');
});

afterEach(() => {
  for (const stop of stops) stop();
  client.clear();
});

describe('a lifecycle step in the cache', () => {
  it('shows suggested -> negotiating at once in the detail and the list rows, and puts it back when refused', async () => {
    assert.equal(showsBeforeAnswer('negotiating'), true);
    const shown = await showTransition(client, a, { to: 'negotiating', version: 1 });
    assert.equal(client.getQueryData<MatchWithEvents>(keys.matches.get('m-a'))?.status, 'negotiating');
    assert.equal(client.getQueryData<MatchWithEvents>(keys.matches.get('m-a'))?.version, 2);
    const row = client.getQueryData<typeof list>(keys.matches.list({ order: 'score' }))!.items[0]!;
    assert.equal(row.status, 'negotiating', 'the unfiltered list row (and so the map) shows the move');
    assert.equal(client.getQueryData<typeof list>(keys.matches.list({ order: 'score' }))!.items[1]!.status, 'suggested', 'the other row is untouched');
    rollback(client, shown);
    assert.equal(client.getQueryData<MatchWithEvents>(keys.matches.get('m-a'))?.status, 'suggested');
    assert.equal(client.getQueryData<typeof list>(keys.matches.list({ order: 'score' }))!.items[0]!.status, 'suggested');
    await settled();
    assert.deepEqual(refetched(), [], 'showing and rolling back fetch nothing');
  });

  it('waits for the core before showing a reservation (the plan can refuse it)', async () => {
    assert.equal(await showTransition(client, a, { to: 'reserved', version: 1, reserved_until: '2099-01-01T00:00:00.000Z' }), null);
    assert.equal(client.getQueryData<MatchWithEvents>(keys.matches.get('m-a'))?.status, 'suggested');
  });

  it('refetches the status counts and the lists filtered by the old or new status, not the map, the unfiltered list or other matches', async () => {
    const answer = { ...a, status: 'negotiating', version: 2, events: [{ id: 1 }] } as unknown as MatchWithEvents;
    settleTransition(client, 'suggested', answer);
    await settled();
    assert.deepEqual(refetched(), [name(keys.matches.list({ order: 'score', status: 'suggested' })), name(keys.matches.summary)].sort());
    assert.deepEqual(client.getQueryData(keys.matches.get('m-a')), answer, "the core's answer is the detail");
    assert.equal(client.getQueryData<typeof list>(keys.matches.list({ order: 'score' }))!.items[0]!.version, 2);
  });

  it('refetches the reminders when a reservation starts or ends', async () => {
    settleTransition(client, 'negotiating', { ...a, status: 'reserved', version: 3 } as unknown as MatchWithEvents);
    await settled();
    assert.ok(refetched().includes(name(keys.workflow.reminders)), refetched().join(' '));
    assert.ok(!refetched().includes(name(keys.sites.map)));
  });
});

describe('a flow save in the cache', () => {
  it("replaces the flow in its site, refreshes its matches, and leaves the map, the counts and the plan alone", async () => {
    const flow = { id: 'f-supply', site_id: 's-1', version: 2, name: 'Old' } as unknown as FlowRecord;
    await cached(keys.sites.get('s-1'), { site: { id: 's-1' }, organization: {}, flows: [flow, { id: 'f-x', site_id: 's-1' }] });
    const saved = { ...flow, version: 3, name: 'New name' } as FlowRecord;
    // The core re-matches the flow in the background; the matches are read again once it has.
    let rematched!: () => void;
    const asked: string[] = [];
    const rematch = new Promise<void>((resolve) => (rematched = resolve));
    settleFlowSave(client, saved, (id) => {
      asked.push(id);
      return rematch;
    });
    assert.equal(client.getQueryData<SiteDetail>(keys.sites.get('s-1'))!.flows[0]!.name, 'New name', 'the site shows the saved flow at once');
    assert.equal(client.getQueryData<FlowRecord>(keys.flows.get('f-supply'))?.version, 3);
    assert.deepEqual(asked, ['f-supply']);
    await settled();
    assert.deepEqual(refetched(), [], 'no match is read again before the re-match has stored the new ones');
    rematched();
    await rematch;
    await new Promise((resolve) => setImmediate(resolve)); // the refresh is chained on the answer
    await settled();
    assert.deepEqual(
      refetched(),
      [
        name(keys.matches.get('m-a')),
        name(keys.matches.list({ order: 'score' })),
        name(keys.matches.list({ order: 'score', status: 'live' })),
        name(keys.matches.list({ order: 'score', status: 'suggested' })),
        name(keys.matches.summary),
      ].sort(),
    );
  });
});
