/**
 * Every site for the map (`sites.map`), kept per data generation, sent by column. The map asks for
 * it on every page load and after every import or sync; on 50,000 flows (16,686 sites) the query
 * counts each site's flows in three correlated subqueries (~170 ms), and the answer only changes
 * when a site, an organization or a flow is written: each such write, local or synced, adds a
 * change-log entry, which moves MatchStore.generation on. The generation is read before the sites,
 * so a write in between makes the next request read again.
 *
 * By column (one array per field; the renderer turns them back into rows, renderer/src/map/site-columns.ts): the keys of 16,686
 * objects were half of the 4.2 MB answer, and writing and parsing it was most of its time.
 */
import type { MapSite, Repository } from './repository.ts';

/** The sites by column: the i-th entry of every array is the i-th site (in id order). */
export interface MapSiteColumns {
  id: string[];
  name: string[];
  lat: number[];
  lon: number[];
  country: string[];
  organization_id: string[];
  organization_name: string[];
  sector: (string | null)[];
  supply_count: number[];
  demand_count: number[];
  synthetic: boolean[];
}

const FIELDS = ['id', 'name', 'lat', 'lon', 'country', 'organization_id', 'organization_name', 'sector', 'supply_count', 'demand_count', 'synthetic'] as const;

const kept = new WeakMap<Repository, { generation: string; sites: Promise<MapSiteColumns> }>();

export function toColumns(sites: readonly MapSite[]): MapSiteColumns {
  const out = Object.fromEntries(FIELDS.map((f) => [f, [] as unknown[]])) as unknown as Record<(typeof FIELDS)[number], unknown[]>;
  for (const s of sites) for (const f of FIELDS) out[f].push(s[f]);
  return out as unknown as MapSiteColumns;
}

export async function mapSites(repo: Repository): Promise<MapSiteColumns> {
  const generation = await repo.matches.generation();
  let entry = kept.get(repo);
  if (!entry || entry.generation !== generation) {
    const sites = repo.mapSites().then(toColumns);
    kept.set(repo, (entry = { generation, sites }));
    // a failed read is not kept
    sites.catch(() => kept.get(repo)?.sites === sites && kept.delete(repo));
  }
  return entry.sites;
}
