/**
 * The exchange network (domain.md 2.4, "the network of live and proposed exchanges") as a
 * graphology graph: one node per site, one directed edge per match from the supply's site to the
 * demand's site (a MultiDirectedGraph, so two sites can share several exchanges; the edge key is
 * the match id). Plus `exchangeNetworkStats`: sites involved, components, the most central sites.
 *
 * Inputs are plain data: flows in the engine's `MatchFlow` shape (only the fields below are read)
 * and matches in the `EngineMatch` shape or a stored match row (only id, flows, score, distance,
 * status and a few economics fields are read). No database, no I/O.
 */
import { MultiDirectedGraph } from 'graphology';
import { bfsFromNode } from 'graphology-traversal';
import type { FlowType } from '../../domain/entities.ts';
import type { MatchStatus } from '../../domain/field-entities.ts';
import type { MatchFlow, MatchQuality } from '../input.ts';

/** What the analytics read of a flow; `MatchFlow` fits as is. */
export type GraphFlow = Pick<MatchFlow, 'id' | 'organization_id' | 'site_id' | 'lat' | 'lon' | 'direction' | 'type' | 'amount' | 'unit'> & {
  hours_per_year?: number | undefined;
  country?: string | undefined;
  status?: MatchFlow['status'] | undefined;
  quality?: Pick<MatchQuality, 'temperature_c' | 'ewc' | 'category' | 'hazardous'> | undefined;
};

/** Optional site details (name, sector of its organization); position falls back to the flows'. */
export interface SiteInfo {
  id: string;
  organization_id?: string | undefined;
  name?: string | undefined;
  organization_name?: string | undefined;
  sector?: string | undefined;
  country?: string | undefined;
  lat?: number | undefined;
  lon?: number | undefined;
}

/** What the analytics read of a match; `EngineMatch` fits as is, so does a parsed `matches` row. */
export interface GraphMatch {
  id: string;
  supply_flow_id: string;
  demand_flow_id: string;
  score: number;
  distance_km?: number | undefined;
  /** Supply type; defaults to the supply flow's type. */
  type?: FlowType | undefined;
  /** Lifecycle status (domain.md 2.5); absent = `suggested` (a fresh engine result). */
  status?: MatchStatus | string | undefined;
  economics?:
    | {
        annual_value_eur?: number | undefined;
        npv_eur?: number | undefined;
        co2_t_per_year?: number | undefined;
        delivered_per_year?: { amount: number; unit: string } | undefined;
      }
    | undefined;
}

export type SiteNode = {
  site_id: string;
  organization_id: string;
  name: string | null;
  organization_name: string | null;
  sector: string | null;
  country: string | null;
  lat: number;
  lon: number;
  /** Flows hosted by the site (ids, sorted). */
  flow_ids: string[];
};

export type ExchangeEdge = {
  match_id: string;
  type: FlowType;
  demand_type: FlowType;
  supply_flow_id: string;
  demand_flow_id: string;
  score: number;
  distance_km: number;
  /** Annual value in EUR (economics.annual_value_eur; 0 when unknown). */
  value_eur_per_year: number;
  delivered_per_year: { amount: number; unit: string } | null;
  status: string;
  /** True for `live` exchanges; false for proposed ones (suggested .. contracted). */
  live: boolean;
};

export type ExchangeGraphAttributes = {
  /** Matches left out: a flow not in `flows`, or a closed status not asked for. */
  skipped: { match_id: string; reason: 'unknown_flow' | 'closed' | 'status_filtered' }[];
};

export type ExchangeGraph = MultiDirectedGraph<SiteNode, ExchangeEdge, ExchangeGraphAttributes>;

export const CLOSED_STATUSES: readonly string[] = ['failed', 'cancelled'];

export interface ExchangeGraphOptions {
  /** Site names and sectors for the node attributes. */
  sites?: readonly SiteInfo[] | undefined;
  /** Keep only matches with these statuses (default: every open status, i.e. not failed/cancelled). */
  statuses?: readonly string[] | undefined;
  /** Add sites that host flows but no exchange, as isolated nodes (default true). */
  includeIdleSites?: boolean | undefined;
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The exchange network: sites as nodes, matches as directed edges supply site -> demand site. */
export function buildExchangeGraph(flows: readonly GraphFlow[], matches: readonly GraphMatch[], options: ExchangeGraphOptions = {}): ExchangeGraph {
  const graph: ExchangeGraph = new MultiDirectedGraph<SiteNode, ExchangeEdge, ExchangeGraphAttributes>({ allowSelfLoops: true });
  graph.replaceAttributes({ skipped: [] });
  const skipped = graph.getAttribute('skipped');
  const flowById = new Map<string, GraphFlow>();
  for (const f of flows) flowById.set(f.id, f);
  const siteInfo = new Map<string, SiteInfo>();
  for (const s of options.sites ?? []) siteInfo.set(s.id, s);

  const addSite = (f: GraphFlow) => {
    if (graph.hasNode(f.site_id)) {
      graph.getNodeAttributes(f.site_id).flow_ids.push(f.id);
      return;
    }
    const s = siteInfo.get(f.site_id);
    graph.addNode(f.site_id, {
      site_id: f.site_id,
      organization_id: s?.organization_id ?? f.organization_id,
      name: s?.name ?? null,
      organization_name: s?.organization_name ?? null,
      sector: s?.sector ?? null,
      country: s?.country ?? f.country ?? null,
      lat: s?.lat ?? f.lat,
      lon: s?.lon ?? f.lon,
      flow_ids: [f.id],
    });
  };

  const include = (status: string) => (options.statuses ? options.statuses.includes(status) : !CLOSED_STATUSES.includes(status));
  const sorted = [...matches].sort((a, b) => byId(a.id, b.id));
  if (options.includeIdleSites ?? true) for (const f of [...flows].sort((a, b) => byId(a.id, b.id))) addSite(f);
  for (const m of sorted) {
    const status = m.status ?? 'suggested';
    if (!include(status)) {
      skipped.push({ match_id: m.id, reason: options.statuses ? 'status_filtered' : 'closed' });
      continue;
    }
    const s = flowById.get(m.supply_flow_id);
    const d = flowById.get(m.demand_flow_id);
    if (s === undefined || d === undefined) {
      skipped.push({ match_id: m.id, reason: 'unknown_flow' });
      continue;
    }
    if (!graph.hasNode(s.site_id)) addSite(s);
    if (!graph.hasNode(d.site_id)) addSite(d);
    if (graph.hasEdge(m.id)) continue; // duplicate match id: first one wins
    graph.addDirectedEdgeWithKey(m.id, s.site_id, d.site_id, {
      match_id: m.id,
      type: m.type ?? s.type,
      demand_type: d.type,
      supply_flow_id: s.id,
      demand_flow_id: d.id,
      score: m.score,
      distance_km: m.distance_km ?? 0,
      value_eur_per_year: m.economics?.annual_value_eur ?? 0,
      delivered_per_year: m.economics?.delivered_per_year ?? null,
      status,
      live: status === 'live',
    });
  }
  graph.forEachNode((_, a) => a.flow_ids.sort(byId));
  return graph;
}

export interface CentralSite {
  site_id: string;
  organization_id: string;
  name: string | null;
  /** Exchanges touching the site (in + out). */
  degree: number;
  in_degree: number;
  out_degree: number;
  /** Distinct partner sites. */
  partners: number;
  /** Sum of the annual value of the site's exchanges, EUR/yr. */
  value_eur_per_year: number;
}

export interface NetworkStats {
  /** Nodes in the graph (idle sites included when the graph has them). */
  sites: number;
  /** Sites with at least one exchange. */
  sites_involved: number;
  organizations_involved: number;
  exchanges: number;
  live_exchanges: number;
  by_status: Record<string, number>;
  by_type: Record<string, number>;
  value_eur_per_year: number;
  live_value_eur_per_year: number;
  /** Connected groups of involved sites (edge direction ignored), largest first. */
  components: { sites: string[]; exchanges: number; value_eur_per_year: number }[];
  central_by_degree: CentralSite[];
  central_by_value: CentralSite[];
}

export interface NetworkStatsOptions {
  /** How many central sites to list (default 5). */
  top?: number | undefined;
}

/** Size and shape of the exchange network: involvement, components, the most central sites. */
export function exchangeNetworkStats(graph: ExchangeGraph, options: NetworkStatsOptions = {}): NetworkStats {
  const top = options.top ?? 5;
  const by_status: Record<string, number> = {};
  const by_type: Record<string, number> = {};
  let value = 0;
  let liveValue = 0;
  let live = 0;
  graph.forEachEdge((_, e) => {
    by_status[e.status] = (by_status[e.status] ?? 0) + 1;
    by_type[e.type] = (by_type[e.type] ?? 0) + 1;
    value += e.value_eur_per_year;
    if (e.live) {
      live++;
      liveValue += e.value_eur_per_year;
    }
  });

  const central: CentralSite[] = [];
  const orgs = new Set<string>();
  const nodes = graph.nodes().sort(byId);
  for (const n of nodes) {
    const degree = graph.degree(n);
    if (degree === 0) continue;
    const a = graph.getNodeAttributes(n);
    orgs.add(a.organization_id);
    let v = 0;
    graph.forEachEdge(n, (_, e) => (v += e.value_eur_per_year));
    central.push({
      site_id: n,
      organization_id: a.organization_id,
      name: a.name,
      degree,
      in_degree: graph.inDegree(n),
      out_degree: graph.outDegree(n),
      partners: graph.neighbors(n).filter((m) => m !== n).length,
      value_eur_per_year: v,
    });
  }

  const componentOf = new Map<string, number>();
  const components: NetworkStats['components'] = [];
  for (const n of nodes) {
    if (componentOf.has(n) || graph.degree(n) === 0) continue;
    const index = components.length;
    const members: string[] = [];
    bfsFromNode(
      graph,
      n,
      (key) => {
        componentOf.set(key, index);
        members.push(key);
      },
      // 'directed' = in- and out-neighbours along directed edges (direction ignored); graphology's
      // 'undirected' mode would follow undirected edges only, of which this graph has none
      { mode: 'directed' },
    );
    components.push({ sites: members.sort(byId), exchanges: 0, value_eur_per_year: 0 });
  }
  graph.forEachEdge((_, e, src) => {
    const c = components[componentOf.get(src)!]!;
    c.exchanges++;
    c.value_eur_per_year += e.value_eur_per_year;
  });
  components.sort((a, b) => b.sites.length - a.sites.length || b.value_eur_per_year - a.value_eur_per_year || byId(a.sites[0]!, b.sites[0]!));

  const byDegree = [...central].sort((a, b) => b.degree - a.degree || b.value_eur_per_year - a.value_eur_per_year || byId(a.site_id, b.site_id));
  const byValue = [...central].sort((a, b) => b.value_eur_per_year - a.value_eur_per_year || b.degree - a.degree || byId(a.site_id, b.site_id));
  return {
    sites: graph.order,
    sites_involved: central.length,
    organizations_involved: orgs.size,
    exchanges: graph.size,
    live_exchanges: live,
    by_status,
    by_type,
    value_eur_per_year: value,
    live_value_eur_per_year: liveValue,
    components,
    central_by_degree: byDegree.slice(0, top),
    central_by_value: byValue.slice(0, top),
  };
}
