/**
 * Graph analytics over the local graph (domain.md 2.4), shown as suggestions: heat cascades,
 * clusters of nearby sites that could share a collection round, a service or a purchase, and the
 * shape of the network of proposed and live exchanges.
 */
import type { Repository } from '../db/repository.ts';
import { buildExchangeGraph, exchangeNetworkStats, findHeatCascades, findServiceClusters } from '../matching/graph/index.ts';
import { toMatchFlow } from '../matching/input.ts';

export interface SuggestionOptions {
  /** Cluster radius in km. */
  radiusKm?: number;
  limit?: number;
}

export async function graphSuggestions(repo: Repository, options: SuggestionOptions = {}) {
  const [rows, mapSites] = await Promise.all([repo.flowsInContext(), repo.mapSites()]);
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
  const matches = [];
  for (let offset = 0; ; offset += 5000) {
    const page = await repo.matches.list({ offset, limit: 5000 });
    for (const m of page.items) {
      matches.push({ id: m.id, supply_flow_id: m.supply.flow_id, demand_flow_id: m.demand.flow_id, score: m.score, distance_km: m.distance_km, status: m.status, economics: m.economics });
    }
    if (offset + page.items.length >= page.total) break;
  }
  const limit = options.limit ?? 10;
  const network = exchangeNetworkStats(buildExchangeGraph(flows, matches, { sites }));
  const { cascades } = findHeatCascades(flows, matches, { sites, limit });
  const clusters = findServiceClusters(flows, sites, { radiusKm: options.radiusKm ?? 10, seed: 1, limit });
  return { network, cascades, clusters };
}
