/**
 * A synthetic, seeded portfolio for the benchmark and the tests ("documented synthetic expansion",
 * quality.md). Flows are clustered the way industry is: around real European industrial areas
 * (ports, chemical parks, steel and refinery towns; coordinates of the area, not of any company),
 * 85 % within a few km of the area's centre (Gaussian, sigma per area), 15 % scattered regionally
 * (sigma 60 km). A caller may pass its own anchors (e.g. the Hotmaps sites' coordinates) instead.
 *
 * Sites hold 1-5 flows; an organization runs 1-3 sites of one area. Types, quantities, temperatures,
 * schedules, prices, precision and status are drawn from the ranges below. Nothing here is real
 * company data.
 */
import type { FlowType, Precision } from '../domain/entities.ts';
import { CANONICAL_UNIT } from '../domain/units.ts';
import { destination, prng } from './fixtures.ts';
import type { MatchFlow } from './input.ts';
import { hotmapsCountry, INDUSTRY_PROFILES, residentialRegionsOf } from '../domain/profile-names.ts';
import { residentialMeanName } from './hourly/shapes.ts';

export interface Anchor {
  name: string;
  lat: number;
  lon: number;
  country: string;
  /** Relative share of flows. */
  weight: number;
  /** Spread of the cluster, km (Gaussian sigma). */
  sigmaKm: number;
}

export const EUROPEAN_INDUSTRIAL_AREAS: readonly Anchor[] = [
  { name: 'Rotterdam port', lat: 51.92, lon: 4.2, country: 'NL', weight: 5, sigmaKm: 10 },
  { name: 'Antwerp port', lat: 51.28, lon: 4.33, country: 'BE', weight: 4, sigmaKm: 8 },
  { name: 'Duisburg', lat: 51.43, lon: 6.76, country: 'DE', weight: 4, sigmaKm: 8 },
  { name: 'Essen-Gelsenkirchen', lat: 51.52, lon: 7.05, country: 'DE', weight: 3, sigmaKm: 8 },
  { name: 'Dortmund', lat: 51.52, lon: 7.47, country: 'DE', weight: 2, sigmaKm: 8 },
  { name: 'Marl', lat: 51.68, lon: 7.09, country: 'DE', weight: 2, sigmaKm: 5 },
  { name: 'Leverkusen', lat: 51.03, lon: 6.98, country: 'DE', weight: 3, sigmaKm: 6 },
  { name: 'Wesseling-Godorf', lat: 50.84, lon: 6.98, country: 'DE', weight: 2, sigmaKm: 5 },
  { name: 'Ludwigshafen', lat: 49.49, lon: 8.43, country: 'DE', weight: 4, sigmaKm: 7 },
  { name: 'Frankfurt-Hoechst', lat: 50.09, lon: 8.54, country: 'DE', weight: 2, sigmaKm: 6 },
  { name: 'Leuna-Halle', lat: 51.32, lon: 12.02, country: 'DE', weight: 2, sigmaKm: 8 },
  { name: 'Burghausen', lat: 48.17, lon: 12.83, country: 'DE', weight: 1, sigmaKm: 5 },
  { name: 'Hamburg port', lat: 53.53, lon: 9.95, country: 'DE', weight: 3, sigmaKm: 8 },
  { name: 'Stade', lat: 53.63, lon: 9.52, country: 'DE', weight: 1, sigmaKm: 5 },
  { name: 'Schwedt', lat: 53.06, lon: 14.29, country: 'DE', weight: 1, sigmaKm: 5 },
  { name: 'Le Havre', lat: 49.48, lon: 0.17, country: 'FR', weight: 2, sigmaKm: 8 },
  { name: 'Dunkirk', lat: 51.03, lon: 2.27, country: 'FR', weight: 2, sigmaKm: 8 },
  { name: 'Fos-sur-Mer', lat: 43.44, lon: 4.94, country: 'FR', weight: 2, sigmaKm: 8 },
  { name: 'Lyon chemical valley', lat: 45.7, lon: 4.82, country: 'FR', weight: 2, sigmaKm: 6 },
  { name: 'Lacq', lat: 43.41, lon: -0.62, country: 'FR', weight: 1, sigmaKm: 5 },
  { name: 'Tarragona', lat: 41.13, lon: 1.19, country: 'ES', weight: 2, sigmaKm: 8 },
  { name: 'Bilbao', lat: 43.29, lon: -2.98, country: 'ES', weight: 2, sigmaKm: 8 },
  { name: 'Huelva', lat: 37.24, lon: -6.94, country: 'ES', weight: 1, sigmaKm: 6 },
  { name: 'Algeciras', lat: 36.19, lon: -5.4, country: 'ES', weight: 1, sigmaKm: 6 },
  { name: 'Sines', lat: 37.96, lon: -8.84, country: 'PT', weight: 1, sigmaKm: 6 },
  { name: 'Porto Marghera', lat: 45.45, lon: 12.24, country: 'IT', weight: 2, sigmaKm: 6 },
  { name: 'Ravenna', lat: 44.45, lon: 12.25, country: 'IT', weight: 1, sigmaKm: 6 },
  { name: 'Priolo-Augusta', lat: 37.16, lon: 15.19, country: 'IT', weight: 1, sigmaKm: 6 },
  { name: 'Taranto', lat: 40.49, lon: 17.2, country: 'IT', weight: 1, sigmaKm: 6 },
  { name: 'Brindisi', lat: 40.62, lon: 17.96, country: 'IT', weight: 1, sigmaKm: 5 },
  { name: 'Linz', lat: 48.28, lon: 14.33, country: 'AT', weight: 2, sigmaKm: 6 },
  { name: 'Ostrava', lat: 49.82, lon: 18.28, country: 'CZ', weight: 2, sigmaKm: 8 },
  { name: 'Katowice', lat: 50.26, lon: 19.02, country: 'PL', weight: 3, sigmaKm: 12 },
  { name: 'Plock', lat: 52.55, lon: 19.7, country: 'PL', weight: 1, sigmaKm: 5 },
  { name: 'Gdansk', lat: 54.37, lon: 18.65, country: 'PL', weight: 1, sigmaKm: 7 },
  { name: 'Kalundborg', lat: 55.67, lon: 11.09, country: 'DK', weight: 1, sigmaKm: 4 },
  { name: 'Stenungsund-Gothenburg', lat: 58.07, lon: 11.82, country: 'SE', weight: 1, sigmaKm: 10 },
  { name: 'Porvoo', lat: 60.31, lon: 25.55, country: 'FI', weight: 1, sigmaKm: 6 },
  { name: 'Teesside', lat: 54.58, lon: -1.16, country: 'GB', weight: 2, sigmaKm: 7 },
  { name: 'Grangemouth', lat: 56.01, lon: -3.7, country: 'GB', weight: 1, sigmaKm: 5 },
  { name: 'Immingham-Humber', lat: 53.61, lon: -0.22, country: 'GB', weight: 2, sigmaKm: 8 },
  { name: 'Milford Haven', lat: 51.71, lon: -5.05, country: 'GB', weight: 1, sigmaKm: 5 },
  { name: 'Terneuzen', lat: 51.33, lon: 3.82, country: 'NL', weight: 1, sigmaKm: 5 },
  { name: 'Geleen Chemelot', lat: 50.97, lon: 5.79, country: 'NL', weight: 1, sigmaKm: 4 },
  { name: 'Ghent', lat: 51.1, lon: 3.77, country: 'BE', weight: 2, sigmaKm: 6 },
  { name: 'Liege', lat: 50.61, lon: 5.55, country: 'BE', weight: 1, sigmaKm: 6 },
  { name: 'Galati', lat: 45.44, lon: 28.04, country: 'RO', weight: 1, sigmaKm: 5 },
  { name: 'Thessaloniki', lat: 40.64, lon: 22.94, country: 'GR', weight: 1, sigmaKm: 7 },
  { name: 'Szazhalombatta', lat: 47.31, lon: 18.91, country: 'HU', weight: 1, sigmaKm: 6 },
  { name: 'Bratislava', lat: 48.13, lon: 17.18, country: 'SK', weight: 1, sigmaKm: 6 },
];

/** Share of flows by type, and log-uniform quantity ranges in the canonical unit. */
const TYPES: readonly { type: FlowType; share: number; min: number; max: number; supplyShare: number }[] = [
  { type: 'heat', share: 0.18, min: 100, max: 20_000, supplyShare: 0.5 },
  { type: 'steam', share: 0.05, min: 500, max: 20_000, supplyShare: 0.5 },
  { type: 'cooling', share: 0.05, min: 100, max: 5_000, supplyShare: 0.5 },
  { type: 'water', share: 0.1, min: 5, max: 500, supplyShare: 0.4 },
  { type: 'wastewater', share: 0.06, min: 5, max: 500, supplyShare: 0.7 },
  { type: 'co2', share: 0.04, min: 500, max: 100_000, supplyShare: 0.5 },
  { type: 'compressed_air', share: 0.03, min: 100, max: 5_000, supplyShare: 0.5 },
  { type: 'electricity', share: 0.05, min: 100, max: 10_000, supplyShare: 0.5 },
  { type: 'material', share: 0.16, min: 100, max: 50_000, supplyShare: 0.4 },
  { type: 'waste', share: 0.16, min: 100, max: 50_000, supplyShare: 0.7 },
  { type: 'logistics', share: 0.06, min: 10_000, max: 5_000_000, supplyShare: 0.5 },
  { type: 'service', share: 0.06, min: 100, max: 5_000, supplyShare: 0.5 },
];

const EWC = ['030305', '150101', '150102', '170405', '190805', '020304', '100101', '170503*', '160601*', '130205*'];
const CATEGORIES = ['maintenance', 'cleaning', 'security', 'laboratory', 'training'];
const MATERIAL_CATEGORIES = ['metals', 'plastics', 'paper', 'wood', 'compost', 'minerals'];
const PRICE: Partial<Record<FlowType, [number, string]>> = {
  heat: [50, 'MWh'],
  steam: [60, 'MWh'],
  cooling: [40, 'MWh'],
  electricity: [150, 'MWh'],
  water: [2, 'm3'],
  wastewater: [1, 'm3'],
  compressed_air: [0.02, 'Nm3'],
  co2: [60, 't'],
  material: [80, 't'],
  waste: [30, 't'],
  logistics: [0.1, 'tkm'],
  service: [60, 'h'],
};

function mask(days: number[], from: number, to: number): boolean[] {
  const m = new Array<boolean>(168).fill(false);
  for (const d of days) for (let h = from; h < to; h++) m[d * 24 + h] = true;
  return m;
}
const MON_FRI = [0, 1, 2, 3, 4];
const SCHEDULES: readonly { p: number; week?: boolean[]; months?: boolean[] }[] = [
  { p: 0.55 },
  { p: 0.2, week: mask(MON_FRI, 6, 22) },
  { p: 0.1, week: mask([0, 1, 2, 3, 4, 5], 0, 24) },
  { p: 0.1, months: [true, true, true, true, false, false, false, false, false, true, true, true] },
  { p: 0.05, week: mask(MON_FRI, 8, 17) },
];

export interface SyntheticOptions {
  flows: number;
  seed: number;
  anchors?: readonly Anchor[];
  /** Reference time for measurement ages (ms); default 2025-01-01. */
  nowMs?: number;
  /**
   * Give heat flows hourly profiles (5.2): half the heat supplies an industrial process profile of
   * their country (the process drawn at random), 40 % of the heat demands the country mean of the
   * residential profiles (district heating); the rest flat. The matcher then needs the Hotmaps
   * profiles (`MatchInput.profiles`). Off by default: flat shapes only.
   */
  heatProfiles?: boolean;
}

const PROCESSES = ['iron_and_steel', 'chemicals_and_petrochemicals', 'non_metalic_minerals', 'paper', 'food_and_tobacco'] as const;

export function syntheticPortfolio(opts: SyntheticOptions): MatchFlow[] {
  const rnd = prng(opts.seed);
  const anchors = opts.anchors ?? EUROPEAN_INDUSTRIAL_AREAS;
  const now = opts.nowMs ?? Date.UTC(2025, 0, 1);
  const totalWeight = anchors.reduce((s, a) => s + a.weight, 0);
  const pick = <T extends { p: number }>(items: readonly T[]): T => {
    let x = rnd();
    for (const it of items) if ((x -= it.p) < 0) return it;
    return items[items.length - 1]!;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const logUniform = (lo: number, hi: number) => lo * Math.pow(hi / lo, rnd());
  const typeItems = TYPES.map((t) => ({ ...t, p: t.share }));
  const flows: MatchFlow[] = [];
  const orgsByAnchor = new Map<number, string[]>();
  let siteNo = 0;
  let orgNo = 0;
  while (flows.length < opts.flows) {
    // a site
    let x = rnd() * totalWeight;
    let a = 0;
    while (a < anchors.length - 1 && (x -= anchors[a]!.weight) >= 0) a++;
    const anchor = anchors[a]!;
    const sigma = rnd() < 0.85 ? anchor.sigmaKm : 60;
    const km = Math.abs(gauss()) * sigma;
    const at = destination(anchor.lat, anchor.lon, km, rnd() * 360);
    const orgs = orgsByAnchor.get(a) ?? [];
    let org: string;
    if (orgs.length > 0 && rnd() < 0.3) org = orgs[Math.floor(rnd() * orgs.length)]!;
    else {
      org = `org-${orgNo++}`;
      orgs.push(org);
      orgsByAnchor.set(a, orgs);
    }
    const site = `site-${siteNo++}`;
    const perSite = 1 + Math.floor(rnd() * 5);
    for (let k = 0; k < perSite && flows.length < opts.flows; k++) {
      const t = pick(typeItems);
      const supply = rnd() < t.supplyShare;
      const schedule = pick(SCHEDULES);
      const precision: Precision = rnd() < 0.25 ? 'measured' : rnd() < 0.67 ? 'estimated' : 'rough';
      const f: MatchFlow = {
        id: `f-${flows.length}`,
        organization_id: org,
        site_id: site,
        country: anchor.country,
        lat: at.lat,
        lon: at.lon,
        direction: supply ? 'supply' : 'demand',
        type: t.type,
        amount: logUniform(t.min, t.max),
        unit: CANONICAL_UNIT[t.type],
        hours_per_year: 8000,
        precision,
        measured_at: precision === 'measured' ? new Date(now - rnd() * 2 * 365 * 86_400_000).toISOString() : undefined,
        trust: rnd() < 0.5 ? 0.8 : 0.5 + rnd() * 0.5,
        quality: {},
        week_mask: schedule.week,
        month_mask: schedule.months,
        schedule_stated: schedule.week !== undefined || schedule.months !== undefined,
        max_distance_km: rnd() < 0.15 ? 2 + rnd() * 98 : undefined,
        status: rnd() < 0.95 ? 'active' : rnd() < 0.6 ? 'paused' : 'archived',
      };
      const q = f.quality;
      if (t.type === 'heat' && opts.heatProfiles === true) {
        const country = hotmapsCountry(anchor.country);
        if (supply && rnd() < 0.5 && INDUSTRY_PROFILES.iron_and_steel!.includes(country)) {
          f.profile = `hotmaps:industry:${PROCESSES[Math.floor(rnd() * PROCESSES.length)]}:${country}`;
        } else if (!supply && rnd() < 0.4 && residentialRegionsOf(country).length > 0) {
          f.profile = residentialMeanName(country);
        }
      }
      if (t.type === 'heat') {
        const lo = supply ? 40 + rnd() * 140 : 30 + rnd() * 90;
        q.temperature_c = { min: lo, max: lo + 5 + rnd() * 35 };
      } else if (t.type === 'steam') {
        const lo = 140 + rnd() * 160;
        q.temperature_c = { min: lo, max: lo + 10 + rnd() * 40 };
        const p = 3 + rnd() * 37;
        q.pressure_bar = supply ? { min: p, max: p * 1.1 } : { min: p };
      } else if (t.type === 'cooling') {
        q.temperature_c = supply ? { min: 4 + rnd() * 12 } : { max: 6 + rnd() * 14 };
      } else if (t.type === 'compressed_air') {
        const p = 4 + rnd() * 6;
        q.pressure_bar = supply ? { min: p, max: p } : { min: p };
      } else if (t.type === 'co2' || t.type === 'material') {
        if (rnd() < 0.5) q.purity_pct = supply ? 80 + rnd() * 19.9 : 80 + rnd() * 19;
        if (t.type === 'material' && rnd() < 0.5) q.category = MATERIAL_CATEGORIES[Math.floor(rnd() * MATERIAL_CATEGORIES.length)];
      } else if (t.type === 'waste') {
        if (supply) {
          q.ewc = EWC[Math.floor(rnd() * EWC.length)];
          q.hazardous = q.ewc!.endsWith('*');
        } else {
          if (rnd() < 0.5) q.accepted_ewc = EWC.filter(() => rnd() < 0.4);
          q.accepts_hazardous = rnd() < 0.15;
        }
      } else if (t.type === 'service') {
        q.category = CATEGORIES[Math.floor(rnd() * CATEGORIES.length)];
      }
      if ((t.type === 'material' || t.type === 'waste') && rnd() < 0.3) q.contamination_mg_kg = rnd() * 500;
      const price = PRICE[t.type];
      if (!supply && price !== undefined && rnd() < 0.5) {
        f.price_eur = price[0] * (0.7 + rnd() * 0.6);
        f.price_per = price[1];
      }
      if (supply && t.type === 'waste' && rnd() < 0.6) {
        f.disposal_cost_eur = 50 + rnd() * 150;
        f.disposal_per = 't';
      }
      flows.push(f);
    }
  }
  return flows;
}
