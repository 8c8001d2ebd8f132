/**
 * `sites.map` answers by column (main/db/sites-map.ts: the keys of 16,686 objects were half of
 * the answer); the map, the site list and the suggestions read rows.
 */
import type { MapSite, Outputs } from '../api.ts';

export function siteRows(c: Outputs['sites']['map']): MapSite[] {
  return c.id.map((id, i) => ({
    id,
    name: c.name[i]!,
    lat: c.lat[i]!,
    lon: c.lon[i]!,
    country: c.country[i]!,
    organization_id: c.organization_id[i]!,
    organization_name: c.organization_name[i]!,
    sector: c.sector[i] ?? null,
    supply_count: c.supply_count[i]!,
    demand_count: c.demand_count[i]!,
    synthetic: c.synthetic[i]!,
  }));
}
