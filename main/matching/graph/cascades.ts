/**
 * Heat cascades (domain.md 2.4): chains of matched heat exchanges in which the receiving site
 * passes lower-grade heat on. Site A's 300 degC heat goes to site B; B has its own heat supply at
 * a lower temperature (its 90 degC waste heat), which is matched to site C; and so on.
 *
 * Walked on the exchange graph (exchange-graph.ts): from every heat/steam edge A -> B, continue
 * along B's outgoing heat/steam edges whose supply flow is colder than the heat B receives. Sites
 * never repeat (no cycles). Only maximal chains are returned (a chain that a longer returned chain
 * contains is left out), ranked by total delivered energy (or value), at most `limit`, by default
 * each flow in one returned cascade only.
 */
import type { FlowType } from '../../domain/entities.ts';
import { DEFAULT_CONFIG } from '../config.ts';
import type { Range } from '../input.ts';
import { buildExchangeGraph, type ExchangeEdge, type ExchangeGraph, type GraphFlow, type GraphMatch, type SiteInfo } from './exchange-graph.ts';

export interface HeatCascadeOptions {
  /** Most cascades returned (default 10). */
  limit?: number | undefined;
  /** Rank by total delivered energy (default) or total annual value. */
  rankBy?: 'energy' | 'value' | undefined;
  /** Fewest exchanges in a cascade (default 2: a single exchange is not a cascade). */
  minLinks?: number | undefined;
  /** Most exchanges in a cascade (default 6); longer chains are cut into windows of this length. */
  maxLinks?: number | undefined;
  /**
   * How much colder (K) the heat passed on must be than the heat received (default 0: strictly
   * colder). Compared on the top of each range (max, else min).
   */
  minDropK?: number | undefined;
  /** Supply types that carry heat (default heat and steam). */
  types?: readonly FlowType[] | undefined;
  /** Match statuses taken into account (default: every open status; ['live'] for live ones only). */
  statuses?: readonly string[] | undefined;
  /** Site names for the steps. */
  sites?: readonly SiteInfo[] | undefined;
  /**
   * Each flow in at most one returned cascade (default true): after ranking, a cascade that uses
   * a supply or demand flow of a higher-ranked one is skipped (a heat source is passed on once),
   * so the list is not the same chain with a different last site. false: every maximal chain,
   * overlapping ones too.
   */
  distinct?: boolean | undefined;
  /** Safety bound on the search: the most chain extensions tried (default 200,000). */
  maxExpansions?: number | undefined;
}

export interface CascadeLink {
  match_id: string;
  from_site_id: string;
  to_site_id: string;
  supply_flow_id: string;
  demand_flow_id: string;
  type: FlowType;
  /** Temperature range of the heat sent (the supply flow's). */
  temperature_c: Range | null;
  /** Delivered energy, MWh/yr: the match's economics, else estimated from the flows. */
  energy_mwh_per_year: number;
  /** True when the energy was estimated (the match carried no delivered energy). */
  energy_estimated: boolean;
  value_eur_per_year: number;
  distance_km: number;
  status: string;
}

export interface CascadeStep {
  /** 0 for the source site. */
  position: number;
  site_id: string;
  organization_id: string;
  name: string | null;
  /** The demand flow receiving heat here (null at the source). */
  flow_in: string | null;
  /** The supply flow passing heat on (null at the last site). */
  flow_out: string | null;
  match_in: string | null;
  match_out: string | null;
  temperature_in_c: Range | null;
  temperature_out_c: Range | null;
  energy_in_mwh_per_year: number | null;
  energy_out_mwh_per_year: number | null;
}

export interface HeatCascade {
  /** The match ids joined by ">". */
  id: string;
  /** Site ids in order, source first. */
  sites: string[];
  steps: CascadeStep[];
  links: CascadeLink[];
  total_energy_mwh_per_year: number;
  total_value_eur_per_year: number;
  /** One line for a list: "A (300 degC) -> B (90 degC) -> C: 31,200 MWh/yr". */
  summary: string;
}

export interface HeatCascadeResult {
  cascades: HeatCascade[];
  /** Maximal chains found before ranking and the limit. */
  found: number;
  /** True when the search stopped at `maxExpansions` (results are then a deterministic subset). */
  truncated: boolean;
}

/** Top of a temperature range: max, else min (open-ended upward), else unknown. */
export function rangeTop(r: Range | null | undefined): number | undefined {
  return r?.max ?? r?.min;
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Heat cascades in a portfolio: chains supply -> demand whose demand site also supplies
 * lower-grade heat matched onward. `matches` are the engine's (or stored) matches.
 */
export function findHeatCascades(flows: readonly GraphFlow[], matches: readonly GraphMatch[], options: HeatCascadeOptions = {}): HeatCascadeResult {
  const limit = options.limit ?? 10;
  const minLinks = Math.max(1, options.minLinks ?? 2);
  const maxLinks = Math.max(minLinks, options.maxLinks ?? 6);
  const minDrop = options.minDropK ?? 0;
  const types = new Set<FlowType>(options.types ?? ['heat', 'steam']);
  const maxExpansions = options.maxExpansions ?? 200_000;
  const flowById = new Map<string, GraphFlow>();
  for (const f of flows) flowById.set(f.id, f);
  const graph = buildExchangeGraph(flows, matches, { sites: options.sites, statuses: options.statuses, includeIdleSites: false });

  const tempOf = (flowId: string): Range | null => flowById.get(flowId)?.quality?.temperature_c ?? null;
  const isHeat = (e: ExchangeEdge) => types.has(e.type) && flowById.get(e.supply_flow_id)?.direction === 'supply';

  /** Heat edges out of a site, in id order (deterministic). */
  const heatOut = new Map<string, string[]>();
  const heatIn = new Map<string, string[]>();
  graph.forEachEdge((key, e, src, dst) => {
    if (!isHeat(e) || src === dst) return;
    (heatOut.get(src) ?? heatOut.set(src, []).get(src)!).push(key);
    (heatIn.get(dst) ?? heatIn.set(dst, []).get(dst)!).push(key);
  });
  for (const l of heatOut.values()) l.sort(byId);

  /** Can heat arriving by edge `prev` be passed on by edge `next` (colder by more than minDrop)? */
  const continues = (prev: string, next: string): boolean => {
    const tin = rangeTop(tempOf(graph.getEdgeAttributes(prev).supply_flow_id));
    const tout = rangeTop(tempOf(graph.getEdgeAttributes(next).supply_flow_id));
    if (tin === undefined || tout === undefined) return false;
    return tout < tin - minDrop;
  };

  const chains: string[][] = [];
  let expansions = 0;
  let truncated = false;
  const path: string[] = [];
  const onPath = new Set<string>();

  const frontExtensible = (): boolean => {
    if (path.length >= maxLinks) return false;
    const first = path[0]!;
    const src = graph.source(first);
    for (const e of heatIn.get(src) ?? []) if (!onPath.has(graph.source(e)) && continues(e, first)) return true;
    return false;
  };

  const walk = (): void => {
    if (truncated) return;
    const last = path[path.length - 1]!;
    const site = graph.target(last);
    let extended = false;
    if (path.length < maxLinks) {
      for (const e of heatOut.get(site) ?? []) {
        const next = graph.target(e);
        if (onPath.has(next) || !continues(last, e)) continue;
        if (++expansions > maxExpansions) {
          truncated = true;
          return;
        }
        extended = true;
        path.push(e);
        onPath.add(next);
        walk();
        onPath.delete(next);
        path.pop();
        if (truncated) return;
      }
    }
    if (!extended && path.length >= minLinks && !frontExtensible()) chains.push([...path]);
  };

  const starts = [...heatOut.values()].flat().sort(byId);
  for (const e of starts) {
    if (truncated) break;
    path.push(e);
    onPath.add(graph.source(e));
    onPath.add(graph.target(e));
    walk();
    onPath.clear();
    path.length = 0;
  }

  const cascades = chains.map((c) => toCascade(c, graph, flowById));
  const key = options.rankBy === 'value' ? (c: HeatCascade) => c.total_value_eur_per_year : (c: HeatCascade) => c.total_energy_mwh_per_year;
  const second = options.rankBy === 'value' ? (c: HeatCascade) => c.total_energy_mwh_per_year : (c: HeatCascade) => c.total_value_eur_per_year;
  cascades.sort((a, b) => key(b) - key(a) || second(b) - second(a) || b.links.length - a.links.length || byId(a.id, b.id));
  const picked: HeatCascade[] = [];
  const used = new Set<string>();
  for (const c of cascades) {
    if (picked.length >= limit) break;
    if (options.distinct ?? true) {
      if (c.links.some((l) => used.has(l.supply_flow_id) || used.has(l.demand_flow_id))) continue;
      for (const l of c.links) used.add(l.supply_flow_id).add(l.demand_flow_id);
    }
    picked.push(c);
  }
  return { cascades: picked, found: cascades.length, truncated };
}

/** Delivered energy of a heat match in MWh/yr, and whether it had to be estimated. */
export function heatEnergyMwh(e: ExchangeEdge, s: GraphFlow | undefined, d: GraphFlow | undefined): { mwh: number; estimated: boolean } {
  const dp = e.delivered_per_year;
  if (dp !== null && /^MWh(\/yr)?$/.test(dp.unit)) return { mwh: dp.amount, estimated: false };
  if (dp !== null && /^kWh(\/yr)?$/.test(dp.unit)) return { mwh: dp.amount / 1000, estimated: false };
  if (s === undefined || d === undefined) return { mwh: 0, estimated: true };
  // 2.3: P = min(S x 0.9 x (1 - 0.02 d), D) kW over the hours both run (flows in kW, canonical)
  const t = DEFAULT_CONFIG.thermal;
  const p = Math.min(s.amount * t.exchanger_efficiency * Math.max(0, 1 - t.loss_per_km * e.distance_km), d.amount);
  const hours = Math.min(s.hours_per_year ?? DEFAULT_CONFIG.economics.default_hours_per_year, d.hours_per_year ?? DEFAULT_CONFIG.economics.default_hours_per_year);
  return { mwh: (p * hours) / 1000, estimated: true };
}

function toCascade(chain: readonly string[], graph: ExchangeGraph, flowById: ReadonlyMap<string, GraphFlow>): HeatCascade {
  const links: CascadeLink[] = chain.map((k) => {
    const e = graph.getEdgeAttributes(k);
    const en = heatEnergyMwh(e, flowById.get(e.supply_flow_id), flowById.get(e.demand_flow_id));
    return {
      match_id: k,
      from_site_id: graph.source(k),
      to_site_id: graph.target(k),
      supply_flow_id: e.supply_flow_id,
      demand_flow_id: e.demand_flow_id,
      type: e.type,
      temperature_c: flowById.get(e.supply_flow_id)?.quality?.temperature_c ?? null,
      energy_mwh_per_year: en.mwh,
      energy_estimated: en.estimated,
      value_eur_per_year: e.value_eur_per_year,
      distance_km: e.distance_km,
      status: e.status,
    };
  });
  const sites = [links[0]!.from_site_id, ...links.map((l) => l.to_site_id)];
  const steps: CascadeStep[] = sites.map((site, i) => {
    const a = graph.getNodeAttributes(site);
    const inL = i > 0 ? links[i - 1]! : null;
    const outL = i < links.length ? links[i]! : null;
    return {
      position: i,
      site_id: site,
      organization_id: a.organization_id,
      name: a.name,
      flow_in: inL?.demand_flow_id ?? null,
      flow_out: outL?.supply_flow_id ?? null,
      match_in: inL?.match_id ?? null,
      match_out: outL?.match_id ?? null,
      temperature_in_c: inL?.temperature_c ?? null,
      temperature_out_c: outL?.temperature_c ?? null,
      energy_in_mwh_per_year: inL?.energy_mwh_per_year ?? null,
      energy_out_mwh_per_year: outL?.energy_mwh_per_year ?? null,
    };
  });
  const total = links.reduce((s, l) => s + l.energy_mwh_per_year, 0);
  const value = links.reduce((s, l) => s + l.value_eur_per_year, 0);
  const label = (st: CascadeStep) => {
    const t = rangeTop(st.temperature_out_c);
    const n = st.name ?? st.site_id;
    return t === undefined || st.flow_out === null ? n : `${n} (${round(t)} degC)`;
  };
  return {
    id: chain.join('>'),
    sites,
    steps,
    links,
    total_energy_mwh_per_year: total,
    total_value_eur_per_year: value,
    summary: `${steps.map(label).join(' -> ')}: ${fmt(total)} MWh/yr, ${fmt(value)} EUR/yr`,
  };
}

const round = (x: number) => Math.round(x * 10) / 10;
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
