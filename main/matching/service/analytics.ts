/**
 * Graph analytics over the local graph (domain.md 2.4), shown as suggestions: heat cascades,
 * clusters of nearby sites that could share a collection round, a service or a purchase, and the
 * shape of the network of proposed and live exchanges.
 *
 * The network's shape (sites involved, connected groups, degrees) is that of every open
 * alternative; its figures (value per year, per group, per site) are the regional plan's: plan
 * members only, each at its allocated share (domain.md 5.1). Competing alternatives of one flow are
 * never added up, so the network's value per year equals the plan's total annual value. Before any
 * plan the figures are 0 and `plan` is null.
 */
import type { PlanSummary } from '../../db/plan-store.ts';
import type { GraphRow } from '../../db/matches.ts';
import type { Repository } from '../../db/repository.ts';
import { buildExchangeGraph, exchangeNetworkStats, findHeatCascades, findServiceClusters, type GraphMatch, type NetworkStats } from '../graph/index.ts';
import { toMatchFlow } from '../input.ts';
import { AnalyticsWorkers, type AnalyticsWorkersOptions } from './analytics-worker-client.ts';

export interface SuggestionOptions {
  /** Cluster radius in km. */
  radiusKm?: number;
  limit?: number;
}

/** The exchange network with its figures from the plan, and how many of its exchanges the plan chose. */
export interface PlanNetworkStats extends NetworkStats {
  /** Open exchanges (alternatives) that are regional plan members. */
  plan_members: number;
  /** Open exchanges outside the plan: alternatives a facilitator may browse, competing with members for their flows. */
  alternatives: number;
}

type StoredMatch = GraphMatch & { in_plan: boolean };

/** A match as the graph reads it: its plan allocation's value and CO2 for a member, nothing for an alternative. */
function graphMatch(m: GraphRow): StoredMatch {
  const base = { id: m.id, supply_flow_id: m.supply_flow_id, demand_flow_id: m.demand_flow_id, score: m.score, distance_km: m.distance_km, status: m.status };
  if (!m.plan) return { ...base, in_plan: false, economics: { annual_value_eur: 0, npv_eur: 0, co2_t_per_year: 0 } };
  const a = m.plan.allocation as { annual_value_eur?: number; npv_eur?: number; co2_t_per_year?: number; delivered_mwh_per_year?: number | null };
  const stated = (m.economics as { delivered_per_year?: { amount: number; unit: string } }).delivered_per_year;
  const delivered_per_year =
    typeof a.delivered_mwh_per_year === 'number' ? { amount: a.delivered_mwh_per_year, unit: 'MWh/yr' } : stated ? { amount: stated.amount * m.plan.share, unit: stated.unit } : undefined;
  return {
    ...base,
    in_plan: true,
    economics: { annual_value_eur: a.annual_value_eur ?? 0, npv_eur: a.npv_eur ?? 0, co2_t_per_year: a.co2_t_per_year ?? 0, delivered_per_year },
  };
}

/** What a heat cascade passes on: only these alternatives' economics are read (the network's figures are the plan members'). */
const CASCADE_TYPES = ['heat', 'steam'] as const;

export type Suggestions = Awaited<ReturnType<typeof computeSuggestions>>;

/** Kept answers per repository: the last few radius/limit pairs asked, of one data generation. */
const kept = new WeakMap<Repository, { generation: string; answers: Map<string, Promise<Suggestions>> }>();
const KEEP_ANSWERS = 8;

/** Repositories whose suggestions are computed in worker threads (`suggestInWorkers`). */
const served = new WeakMap<Repository, AnalyticsWorkers>();

/**
 * From now on, `repo`'s suggestions are computed in worker threads started from `url` (core.ts),
 * off the API's thread. The caller closes the returned handle before the repository: that ends a
 * computation still running. An in-memory database cannot be read from another thread: its
 * suggestions stay computed in this one.
 */
export function suggestInWorkers(repo: Repository, url?: URL, options: AnalyticsWorkersOptions = {}): AnalyticsWorkers {
  const workers = new AnalyticsWorkers(url, options);
  served.set(repo, workers);
  return workers;
}

/**
 * The suggestions, computed once per data generation (MatchStore.generation: a run, its plan, a
 * lifecycle step or a synced write moves it on) and radius: the computation reads every stored
 * match and flow (~15 s on 50,000 flows), the answer depends on nothing else. The first request
 * after a change computes (concurrent requests share it); the rest are answered from memory.
 * Served by `suggestInWorkers`, it computes in a worker thread and every other request answers
 * meanwhile. Not computed ahead in the background: a worker still takes one of the machine's cores
 * and reads the whole database after every lifecycle step.
 */
export async function graphSuggestions(repo: Repository, options: SuggestionOptions = {}): Promise<Suggestions> {
  const generation = await repo.matches.generation();
  let entry = kept.get(repo);
  if (!entry || entry.generation !== generation) kept.set(repo, (entry = { generation, answers: new Map() }));
  const key = `${options.radiusKm ?? 10}|${options.limit ?? 10}`;
  let answer = entry.answers.get(key);
  if (!answer) {
    if (entry.answers.size >= KEEP_ANSWERS) entry.answers.delete(entry.answers.keys().next().value!);
    const workers = served.get(repo);
    answer = workers && repo.path !== ':memory:' ? (workers.compute(repo.path, options) as Promise<Suggestions>) : computeSuggestions(repo, options);
    entry.answers.set(key, answer);
    const answers = entry.answers;
    const made = answer;
    // a failed computation is not kept
    made.catch(() => answers.get(key) === made && answers.delete(key));
  }
  return answer;
}

/**
 * The suggestions computed now (graphSuggestions keeps them). `signal`: a worker asked to stop
 * (the core closes) skips building the graph once the reads are done.
 */
export async function computeSuggestions(repo: Repository, options: SuggestionOptions = {}, signal?: AbortSignal) {
  // Every stored match, read lean (MatchStore.forGraph: no join, two economics keys, not the whole record).
  const [rows, mapSites, plan, stored] = await Promise.all([repo.flowsInContext(), repo.mapSites(), repo.plan.summary(), repo.matches.forGraph({ economicsFor: CASCADE_TYPES })]);
  signal?.throwIfAborted();
  const flows = rows.map((row) => toMatchFlow(row.flow, row.site, row.organization));
  const sites = mapSites.map((s) => ({
    id: s.id,
    organization_id: s.organization_id,
    name: s.name,
    lat: s.lat,
    lon: s.lon,
    country: s.country,
    sector: s.sector ?? undefined,
    organization_name: s.organization_name,
  }));
  const matches: StoredMatch[] = [];
  const alternatives: GraphMatch[] = [];
  for (const m of stored) {
    matches.push(graphMatch(m));
    alternatives.push({ id: m.id, supply_flow_id: m.supply_flow_id, demand_flow_id: m.demand_flow_id, score: m.score, distance_km: m.distance_km, status: m.status, economics: m.economics });
  }
  const limit = options.limit ?? 10;
  const graph = buildExchangeGraph(flows, matches, { sites });
  const stats = exchangeNetworkStats(graph);
  const inPlan = new Set(matches.filter((m) => m.in_plan).map((m) => m.id));
  let members = 0;
  graph.forEachEdge((key) => {
    if (inPlan.has(key)) members++;
  });
  const network: PlanNetworkStats = { ...stats, plan_members: members, alternatives: stats.exchanges - members };
  // Cascades are chains of alternatives to explore (each flow once per chain), priced on their own.
  const { cascades } = findHeatCascades(flows, alternatives, { sites, limit, types: CASCADE_TYPES });
  const clusters = findServiceClusters(flows, sites, { radiusKm: options.radiusKm ?? 10, seed: 1, limit });
  const planned: PlanSummary | null = plan;
  return { plan: planned, network, cascades, clusters };
}
