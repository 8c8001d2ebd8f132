/**
 * A saved flow (flows.update) in the cache. The answer is the stored flow: it replaces the flow in
 * its own query and in its site's detail, so the editor and the site show it without a refetch.
 * The core re-matches the edited flow in the background after it answers (once matching has run);
 * when that re-match has finished (`flows.rematched`), the match lists, the status counts and the
 * details of this flow's matches are refreshed (the ones shown refetch, the rest are marked
 * stale). The map, the site list, the database counts and the plan do not depend on what the
 * editor can change (name, quantity, quality, temporal, status), and are left alone.
 */
import type { QueryClient } from '@tanstack/react-query';
import type { FlowRecord, SiteDetail } from '../api.ts';
import type { MatchWithEvents } from '../matching/model.ts';
import { keys } from './keys.ts';

/** Resolves when the core has re-matched the flow after its save. */
export type RematchWait = (flowId: string) => Promise<unknown>;

// Loaded when first used: the API client needs the page (tests of this module run in Node).
const askCore: RematchWait = async (flowId) => {
  const { client } = await import('../api.ts');
  return client.flows.rematched.query({ id: flowId });
};

export function settleFlowSave(queryClient: QueryClient, flow: FlowRecord, rematched: RematchWait = askCore): void {
  queryClient.setQueryData(keys.flows.get(flow.id), flow);
  queryClient.setQueryData<SiteDetail>(keys.sites.get(flow.site_id), (site) =>
    site ? { ...site, flows: site.flows.map((f) => (f.id === flow.id ? flow : f)) } : site,
  );
  // Names and descriptions are searched.
  void queryClient.invalidateQueries({ queryKey: keys.search });
  // Reading the matches before the re-match has stored them would show the old ones; should the
  // wait fail (the connection dropped), they are read anyway.
  const refresh = () => refreshMatchesOf(queryClient, flow);
  void rematched(flow.id).then(refresh, refresh);
}

function refreshMatchesOf(queryClient: QueryClient, flow: FlowRecord): void {
  void queryClient.invalidateQueries({ queryKey: keys.matches.lists });
  void queryClient.invalidateQueries({ queryKey: keys.matches.summary });
  const involved = new Set<string>();
  for (const [key, data] of queryClient.getQueriesData<MatchWithEvents>({ queryKey: ['matches', 'get'] })) {
    const m = data;
    if (m && (m.supply.flow_id === flow.id || m.demand.flow_id === flow.id)) involved.add(String(key[2]));
  }
  void queryClient.invalidateQueries({
    predicate: (q) => q.queryKey[0] === 'matches' && (q.queryKey[1] === 'get' || q.queryKey[1] === 'hourly') && involved.has(String(q.queryKey[2])),
  });
  // Clusters read the flows; the network and cascades the matches (refetched only while shown).
  void queryClient.invalidateQueries({ queryKey: keys.analytics });
}
