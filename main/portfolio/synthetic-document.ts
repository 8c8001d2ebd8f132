/**
 * The benchmark's synthetic portfolio (main/matching/synthetic.ts, the generator behind
 * `turash bench match`) as an exchange document, so a database can be filled with thousands of
 * flows the way an import would (tests of storage size and alert digests at scale).
 */
import type { Flow, Organization, Site } from '../domain/entities.ts';
import type { PortfolioDocument } from '../db/repository.ts';
import { syntheticPortfolio, type SyntheticOptions } from '../matching/synthetic.ts';
import type { MatchFlow } from '../matching/input.ts';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** 168 hourly flags -> weekly intervals (one per run of hours within a day). */
function weeklyOf(mask: readonly boolean[]): { days: string; from: number; to: number }[] {
  const out: { days: string; from: number; to: number }[] = [];
  for (let d = 0; d < 7; d++) {
    let h = 0;
    while (h < 24) {
      if (!mask[d * 24 + h]) {
        h++;
        continue;
      }
      const from = h;
      while (h < 24 && mask[d * 24 + h]) h++;
      out.push({ days: DAYS[d]!, from, to: h });
    }
  }
  return out;
}

function flowOf(f: MatchFlow, p: string): Flow {
  const temporal: NonNullable<Flow['temporal']> = {};
  if (f.week_mask) temporal.weekly = weeklyOf(f.week_mask);
  if (f.month_mask) temporal.months = f.month_mask.flatMap((on, i) => (on ? [i + 1] : []));
  if (f.profile) temporal.profile = f.profile;
  const economics: NonNullable<Flow['economics']> = {};
  if (f.price_eur !== undefined) Object.assign(economics, { price_eur: f.price_eur, price_per: f.price_per });
  if (f.disposal_cost_eur !== undefined) Object.assign(economics, { disposal_cost_eur: f.disposal_cost_eur, disposal_per: f.disposal_per });
  return {
    id: p + f.id,
    site_id: p + f.site_id,
    direction: f.direction,
    type: f.type,
    name: `${f.type} ${f.direction} ${p}${f.id}`,
    quantity: { amount: f.amount, unit: f.unit },
    precision: f.precision,
    ...(f.measured_at ? { provenance: { kind: 'meter' as const, recorded_at: f.measured_at } } : {}),
    quality: Object.fromEntries(Object.entries(f.quality).filter(([, v]) => v !== undefined)) as Flow['quality'],
    ...(Object.keys(temporal).length ? { temporal } : {}),
    ...(Object.keys(economics).length ? { economics } : {}),
    ...(f.max_distance_km !== undefined ? { logistics: { max_distance_km: f.max_distance_km } } : {}),
    status: f.status,
  };
}

/**
 * A document of `options.flows` synthetic flows with their sites and organizations (names say they
 * are synthetic). `prefix` starts every id, so a second batch can join a database beside the first.
 */
export function syntheticDocument(options: SyntheticOptions & { prefix?: string }): PortfolioDocument {
  const p = options.prefix ?? '';
  const flows = syntheticPortfolio(options);
  const organizations = new Map<string, Organization>();
  const sites = new Map<string, Site>();
  for (const f of flows) {
    const org = p + f.organization_id;
    if (!organizations.has(org)) organizations.set(org, { id: org, name: `Organization ${org} (synthetic)`, trust: f.trust });
    if (!sites.has(p + f.site_id)) sites.set(p + f.site_id, { id: p + f.site_id, organization_id: org, name: `Site ${p}${f.site_id}`, country: f.country, lat: f.lat, lon: f.lon });
  }
  return { organizations: [...organizations.values()], sites: [...sites.values()], flows: flows.map((f) => flowOf(f, p)) };
}
