/**
 * The demo portfolio: every Hotmaps site of one real industrial region (Rhine-Ruhr) plus
 * synthetic demand and a few synthetic supplies of other types placed near the real suppliers,
 * so that a newcomer's first match run finds heat, steam, water, CO2 and waste exchanges.
 *
 * Everything made up here is labelled: ids start with `demo-`, organization names end with
 * " (synthetic)", flows carry provenance `synthetic: true`, notes and descriptions say so.
 * A seeded PRNG keeps the output identical from run to run (the committed JSON is checked).
 */
import type { Flow, Organization, Site } from '../domain/entities.ts';
import { emptyDocument, type ExchangeDocument } from './format.ts';
import { parseHotmapsCsv } from './hotmaps.ts';
import { mulberry32 } from '../domain/random.ts';

export const DEMO_REGION = {
  name: 'Rhine-Ruhr (Germany)',
  /** Duisburg, Essen, Dortmund, Düsseldorf, Neuss, Krefeld, Wuppertal, Hagen, Marl, Leverkusen. */
  south: 51.0,
  north: 51.75,
  west: 6.4,
  east: 7.8,
} as const;

export const DEMO_SEED = 20240611;
export const DEMO_SOURCE = 'Turash Field demo (synthetic)';
const SYNTHETIC_NOTE = `Synthetic demo data made up for the Turash Field demo portfolio (${DEMO_REGION.name}); not a real company, site or measurement.`;

const prng = mulberry32;

const round = (x: number, step: number): number => {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  return Number((Math.round(x / step) * step).toFixed(decimals));
};

/** A point `km` away on `bearing` degrees: the flat approximation is good to metres at these distances. */
function offset(lat: number, lon: number, km: number, bearing: number): { lat: number; lon: number } {
  const rad = (bearing * Math.PI) / 180;
  const dLat = (km * Math.cos(rad)) / 111.32;
  const dLon = (km * Math.sin(rad)) / (111.32 * Math.cos((lat * Math.PI) / 180));
  return { lat: round(lat + dLat, 0.00001), lon: round(lon + dLon, 0.00001) };
}

const inRegion = (s: Site): boolean =>
  s.lat >= DEMO_REGION.south && s.lat <= DEMO_REGION.north && s.lon >= DEMO_REGION.west && s.lon <= DEMO_REGION.east;

/** "Ehinger Str. 200, 47259 Duisburg" -> "Duisburg". */
const cityOf = (site: Site): string => /\d{5}\s+([^,]+)$/.exec(site.address ?? '')?.[1]?.trim() ?? site.name;

type FlowDraft = Omit<Flow, 'id' | 'site_id' | 'precision' | 'provenance' | 'status'> & { key: string; precision?: Flow['precision'] };

interface SyntheticPlace {
  key: string;
  label: string;
  org: Omit<Organization, 'id' | 'name' | 'notes' | 'sharing' | 'contact'>;
  kind: Site['kind'];
  /** Where it is placed: near a real heat supplier (its rank by excess heat) or near another synthetic place. */
  near: { supplier: number } | { place: string };
  km: [number, number];
  flows: (r: Rng) => FlowDraft[];
}

interface Rng {
  between(lo: number, hi: number, step: number): number;
  pick<T>(items: readonly T[]): T;
}

const HEATING_SEASON = [1, 2, 3, 4, 5, 9, 10, 11, 12];
const YEAR_ROUND_DAYS = [{ days: 'mon-sun', from: 0, to: 24 }];
const SHIFT_WEEK = [
  { days: 'mon-fri', from: 5, to: 22 },
  { days: 'sat', from: 6, to: 14 },
];
const OFFICE_WEEK = [{ days: 'mon-fri', from: 6, to: 18 }];
const truck = (km: number) => ({ max_distance_km: km, modes: ['truck' as const] });

/**
 * Heat profiles (domain.md 5.2), every one a synthetic choice and said so in the flow's description.
 * `REGIONAL` stands for the residential (space heating and hot water) profile of the NUTS2 region
 * the site lies in (`nutsRegionOf`), filled in once the site is placed.
 */
const REGIONAL = 'hotmaps:residential:<region of the site>';
const FOOD_PROFILE = 'hotmaps:industry:food_and_tobacco:DE';
const PAPER_PROFILE = 'hotmaps:industry:paper:DE';
const PROFILE_NOTE: Record<string, string> = {
  [REGIONAL]: 'Heat profile (synthetic choice): the Hotmaps residential space-heating and hot-water profile of its NUTS2 region.',
  [FOOD_PROFILE]: 'Heat profile (synthetic choice): the Hotmaps process-heat profile of the German food and tobacco industry, within its shifts.',
  [PAPER_PROFILE]: 'Heat profile (synthetic choice): the Hotmaps process-heat profile of the German paper industry.',
  flat: 'Heat profile (synthetic choice): flat within its schedule.',
};

/**
 * Rhine-Ruhr towns and their NUTS2 region (Regierungsbezirk; NUTS 2013, the Hotmaps profiles'):
 * DEA1 Duesseldorf, DEA2 Koeln, DEA3 Muenster, DEA5 Arnsberg (DEA4 Detmold lies east of the demo's
 * box). A site takes the region of the nearest town: an approximation, good away from the borders.
 */
const REGION_TOWNS: readonly [town: string, lat: number, lon: number, nuts2: string][] = [
  ['Duisburg', 51.435, 6.762, 'DEA1'],
  ['Essen', 51.456, 7.012, 'DEA1'],
  ['Duesseldorf', 51.227, 6.774, 'DEA1'],
  ['Krefeld', 51.339, 6.585, 'DEA1'],
  ['Moenchengladbach', 51.185, 6.442, 'DEA1'],
  ['Oberhausen', 51.47, 6.851, 'DEA1'],
  ['Muelheim an der Ruhr', 51.427, 6.883, 'DEA1'],
  ['Moers', 51.451, 6.627, 'DEA1'],
  ['Wesel', 51.658, 6.618, 'DEA1'],
  ['Neuss', 51.198, 6.691, 'DEA1'],
  ['Dormagen', 51.094, 6.84, 'DEA1'],
  ['Velbert', 51.34, 7.043, 'DEA1'],
  ['Wuppertal', 51.256, 7.15, 'DEA1'],
  ['Solingen', 51.171, 7.083, 'DEA1'],
  ['Remscheid', 51.179, 7.19, 'DEA1'],
  ['Koeln', 50.938, 6.96, 'DEA2'],
  ['Leverkusen', 51.046, 7.006, 'DEA2'],
  ['Bergisch Gladbach', 50.992, 7.128, 'DEA2'],
  ['Gelsenkirchen', 51.517, 7.085, 'DEA3'],
  ['Bottrop', 51.524, 6.929, 'DEA3'],
  ['Gladbeck', 51.57, 6.985, 'DEA3'],
  ['Dorsten', 51.66, 6.965, 'DEA3'],
  ['Marl', 51.656, 7.09, 'DEA3'],
  ['Recklinghausen', 51.614, 7.197, 'DEA3'],
  ['Herne', 51.538, 7.226, 'DEA5'],
  ['Bochum', 51.482, 7.216, 'DEA5'],
  ['Witten', 51.443, 7.353, 'DEA5'],
  ['Dortmund', 51.514, 7.466, 'DEA5'],
  ['Luenen', 51.616, 7.528, 'DEA5'],
  ['Unna', 51.535, 7.689, 'DEA5'],
  ['Hamm', 51.68, 7.818, 'DEA5'],
  ['Hagen', 51.367, 7.463, 'DEA5'],
  ['Schwelm', 51.287, 7.293, 'DEA5'],
  ['Iserlohn', 51.375, 7.696, 'DEA5'],
  ['Luedenscheid', 51.22, 7.628, 'DEA5'],
];

/** The NUTS2 region of the nearest town of REGION_TOWNS (equirectangular distance: fine at this scale). */
export function nutsRegionOf(lat: number, lon: number): string {
  let best = REGION_TOWNS[0]!;
  let bestD = Number.POSITIVE_INFINITY;
  const k = Math.cos((lat * Math.PI) / 180);
  for (const t of REGION_TOWNS) {
    const d = (t[1] - lat) ** 2 + ((t[2] - lon) * k) ** 2;
    if (d < bestD) {
      bestD = d;
      best = t;
    }
  }
  return best[3];
}
const pipe = (km: number) => ({ max_distance_km: km, modes: ['pipe' as const] });

const districtHeating = (n: number, supplier: number, seasonal: boolean): SyntheticPlace => ({
  key: `dh-${n}`,
  label: 'District heating network',
  org: { nace: 'D35.3', sector: 'District heating', employees: 60 + n * 25, readiness: 4 },
  kind: 'network_area',
  near: { supplier },
  km: [3, 9],
  flows: (r) => [
    {
      key: 'heat',
      direction: 'demand',
      type: 'heat',
      name: seasonal ? 'Network feed, heating season' : 'Network base load',
      quantity: { amount: r.between(60, 260, 10), unit: 'GWh/yr' },
      quality: { temperature_c: { min: 70, max: 95 } },
      temporal: { ...(seasonal ? { months: [1, 2, 3, 4, 10, 11, 12] } : {}), profile: REGIONAL },
      // synthetic choice: the network's boilers burn gas (one still on coal)
      economics: { price_eur: 45, price_per: 'MWh', current_fuel: n === 2 ? 'coal' : 'natural_gas' },
      logistics: pipe(15),
      ...(n === 5 ? { precision: 'rough' as const } : {}),
    },
  ],
});

const greenhouse = (n: number, supplier: number): SyntheticPlace => ({
  key: `greenhouse-${n}`,
  label: 'Greenhouse grower',
  org: { nace: 'A01.1', sector: 'Horticulture under glass', employees: 20 + n * 12, readiness: 3 },
  kind: 'building',
  near: { supplier },
  km: [2, 10],
  flows: (r) => [
    {
      key: 'heat',
      direction: 'demand',
      type: 'heat',
      name: 'Greenhouse heating',
      quantity: { amount: r.between(2, 8, 0.5), unit: 'MW' },
      quality: { temperature_c: { min: 40, max: 60 } },
      // synthetic choice: greenhouse heating follows the weather like space heating
      temporal: { months: HEATING_SEASON, profile: REGIONAL },
      economics: { price_eur: 38, price_per: 'MWh', current_fuel: 'natural_gas' },
      logistics: pipe(12),
    },
    {
      key: 'co2',
      direction: 'demand',
      type: 'co2',
      name: 'CO2 enrichment',
      quantity: { amount: r.between(800, 2600, 100), unit: 't/yr' },
      quality: { purity_pct: 99 },
      temporal: { weekly: [{ days: 'mon-sun', from: 6, to: 20 }], months: [3, 4, 5, 6, 7, 8, 9, 10] },
      economics: { price_eur: 90, price_per: 't' },
      logistics: { max_distance_km: 50, modes: ['truck', 'pipe'] },
    },
  ],
});

const pool = (n: number, near: SyntheticPlace['near']): SyntheticPlace => ({
  key: `pool-${n}`,
  label: 'Municipal swimming pool',
  org: { nace: 'R93.1', sector: 'Sports facilities', employees: 25, readiness: 2 },
  kind: 'building',
  near,
  km: [2, 6],
  flows: (r) => [
    {
      key: 'heat',
      direction: 'demand',
      type: 'heat',
      name: 'Pool water and showers',
      quantity: { amount: r.between(300, 900, 50), unit: 'kW' },
      quality: { temperature_c: { min: 30, max: 60 } },
      temporal: { weekly: [{ days: 'mon-sun', from: 6, to: 22 }], profile: 'flat' },
      economics: { price_eur: 60, price_per: 'MWh', current_fuel: 'natural_gas' },
      logistics: pipe(8),
    },
  ],
});

/** The catalogue: 26 synthetic organizations, each with one site. */
const PLACES: SyntheticPlace[] = [
  districtHeating(1, 0, false),
  districtHeating(2, 1, false),
  districtHeating(3, 2, true),
  districtHeating(4, 3, false),
  districtHeating(5, 4, false),
  greenhouse(1, 5),
  greenhouse(2, 6),
  greenhouse(3, 7),
  greenhouse(4, 8),
  {
    key: 'dairy',
    label: 'Dairy',
    org: { nace: 'C10.5', sector: 'Food processing', employees: 240, readiness: 4, certifications: ['ISO 22000', 'ISO 50001'] },
    kind: 'plant',
    near: { supplier: 1 },
    km: [4, 12],
    flows: (r) => [
      {
        key: 'heat',
        direction: 'demand',
        type: 'heat',
        name: 'Pasteurisation and cleaning-in-place',
        quantity: { amount: r.between(12, 30, 1), unit: 'GWh/yr' },
        quality: { temperature_c: { min: 75, max: 95 } },
        temporal: { weekly: SHIFT_WEEK, profile: FOOD_PROFILE },
        economics: { price_eur: 52, price_per: 'MWh', current_fuel: 'natural_gas' },
        logistics: pipe(10),
      },
      {
        key: 'wastewater',
        direction: 'supply',
        type: 'wastewater',
        name: 'Pre-treated process wastewater',
        quantity: { amount: r.between(18, 35, 1), unit: 'm3/h' },
        quality: { temperature_c: { min: 25, max: 35 }, ph: { min: 6, max: 9 }, contamination_mg_kg: 40 },
        temporal: { weekly: SHIFT_WEEK },
        economics: { disposal_cost_eur: 2.5, disposal_per: 'm3' },
        logistics: pipe(20),
      },
      {
        key: 'waste',
        direction: 'supply',
        type: 'waste',
        name: 'Off-spec dairy products',
        quantity: { amount: r.between(600, 1200, 50), unit: 't/yr' },
        quality: { ewc: '020501', hazardous: false, category: 'food waste', recovery_operations: ['R3'], waste_status: 'waste' },
        economics: { disposal_cost_eur: 80, disposal_per: 't' },
        logistics: truck(80),
      },
    ],
  },
  {
    key: 'bakery',
    label: 'Industrial bakery',
    org: { nace: 'C10.7', sector: 'Food processing', employees: 180, readiness: 3 },
    kind: 'plant',
    near: { supplier: 2 },
    km: [3, 10],
    flows: (r) => [
      {
        key: 'heat',
        direction: 'demand',
        type: 'heat',
        name: 'Proofing rooms and washing',
        quantity: { amount: r.between(1, 3, 0.25), unit: 'MW' },
        quality: { temperature_c: { min: 60, max: 85 } },
        temporal: { weekly: [{ days: 'mon-sat', from: 0, to: 24 }], profile: FOOD_PROFILE },
        economics: { price_eur: 52, price_per: 'MWh', current_fuel: 'natural_gas' },
        logistics: pipe(10),
      },
      {
        key: 'waste',
        direction: 'supply',
        type: 'waste',
        name: 'Unsold bread and dough scraps',
        quantity: { amount: r.between(1200, 2400, 100), unit: 't/yr' },
        quality: { ewc: '020601', hazardous: false, moisture_pct: 35, category: 'food waste', recovery_operations: ['R3'], waste_status: 'waste' },
        economics: { disposal_cost_eur: 85, disposal_per: 't' },
        logistics: truck(80),
      },
    ],
  },
  {
    key: 'brewery',
    label: 'Brewery',
    org: { nace: 'C11.05', sector: 'Beverages', employees: 150, readiness: 4 },
    kind: 'plant',
    near: { supplier: 9 },
    km: [2, 9],
    flows: (r) => [
      {
        key: 'heat',
        direction: 'demand',
        type: 'heat',
        name: 'Mashing and bottle washing',
        quantity: { amount: r.between(8, 20, 1), unit: 'GWh/yr' },
        quality: { temperature_c: { min: 80, max: 105 } },
        temporal: { weekly: SHIFT_WEEK, profile: FOOD_PROFILE },
        economics: { price_eur: 50, price_per: 'MWh', current_fuel: 'natural_gas' },
        logistics: pipe(10),
      },
      {
        key: 'spent-grain',
        direction: 'supply',
        type: 'material',
        name: "Brewers' spent grain",
        quantity: { amount: r.between(6000, 12000, 500), unit: 't/yr' },
        quality: { moisture_pct: 78, category: 'animal feed', waste_status: 'by_product' },
        economics: { price_asked_eur: 20, price_asked_per: 't' },
        logistics: truck(60),
      },
      {
        key: 'co2',
        direction: 'demand',
        type: 'co2',
        name: 'Food-grade CO2 for carbonation',
        quantity: { amount: r.between(1500, 3000, 100), unit: 't/yr' },
        quality: { purity_pct: 99.9 },
        temporal: { weekly: SHIFT_WEEK },
        economics: { price_eur: 120, price_per: 't' },
        logistics: truck(80),
      },
      {
        // Fed with high-grade heat, the brewery gives off low-grade heat: a heat cascade for the
        // graph analytics to find. A fixed amount keeps the rest of the seeded demo unchanged.
        key: 'low-grade-heat',
        direction: 'supply',
        type: 'heat',
        name: 'Refrigeration condenser and wort cooling heat',
        quantity: { amount: 3, unit: 'MW' },
        quality: { temperature_c: { min: 45, max: 60 } },
        temporal: { profile: FOOD_PROFILE },
        logistics: pipe(15),
      },
    ],
  },
  {
    key: 'paper-mill',
    label: 'Board mill',
    org: { nace: 'C17.12', sector: 'Paper and board', employees: 420, readiness: 4, certifications: ['ISO 14001', 'FSC'] },
    kind: 'plant',
    near: { supplier: 10 },
    km: [4, 10],
    flows: (r) => [
      {
        key: 'steam',
        direction: 'demand',
        type: 'steam',
        name: 'Drying section steam',
        quantity: { amount: r.between(10, 16, 1), unit: 'MW' },
        quality: { temperature_c: { min: 160, max: 190 }, pressure_bar: { min: 6, max: 12 } },
        temporal: { profile: PAPER_PROFILE },
        economics: { price_eur: 58, price_per: 'MWh', current_fuel: 'natural_gas' },
        logistics: pipe(5),
      },
      {
        key: 'heat',
        direction: 'demand',
        type: 'heat',
        name: 'White-water and building heat',
        quantity: { amount: r.between(2, 5, 0.5), unit: 'MW' },
        quality: { temperature_c: { min: 60, max: 90 } },
        temporal: { profile: PAPER_PROFILE },
        economics: { price_eur: 48, price_per: 'MWh', current_fuel: 'natural_gas' },
        logistics: pipe(12),
      },
      {
        key: 'water',
        direction: 'demand',
        type: 'water',
        name: 'Process water make-up',
        quantity: { amount: r.between(60, 120, 5), unit: 'm3/h' },
        quality: { ph: { min: 6, max: 9 }, contamination_mg_kg: 30 },
        economics: { price_eur: 1.6, price_per: 'm3' },
        logistics: pipe(20),
      },
      {
        key: 'sludge',
        direction: 'supply',
        type: 'waste',
        name: 'De-inking sludge',
        quantity: { amount: r.between(8000, 15000, 500), unit: 't/yr' },
        quality: { ewc: '030305', hazardous: false, moisture_pct: 50, category: 'paper sludge', recovery_operations: ['R1', 'R3', 'R5'], waste_status: 'waste' },
        economics: { disposal_cost_eur: 55, disposal_per: 't' },
        logistics: truck(100),
      },
    ],
  },
  {
    key: 'waste-to-energy',
    label: 'Waste-to-energy plant',
    org: { nace: 'E38.21', sector: 'Waste treatment', employees: 110, readiness: 5 },
    kind: 'plant',
    near: { place: 'paper-mill' },
    km: [2, 4],
    flows: (r) => [
      {
        key: 'steam',
        direction: 'supply',
        type: 'steam',
        name: 'Extraction steam',
        quantity: { amount: r.between(20, 30, 1), unit: 'MW' },
        quality: { temperature_c: { min: 200, max: 240 }, pressure_bar: { min: 10, max: 16 } },
        temporal: { profile: 'flat' },
        economics: { price_asked_eur: 28, price_asked_per: 'MWh' },
        logistics: pipe(5),
      },
    ],
  },
  {
    key: 'data-centre',
    label: 'Data centre',
    org: { nace: 'J63.11', sector: 'Data processing', employees: 45, readiness: 3 },
    kind: 'building',
    near: { supplier: 6 },
    km: [5, 12],
    flows: (r) => [
      {
        key: 'heat',
        direction: 'supply',
        type: 'heat',
        name: 'Server cooling return heat',
        quantity: { amount: r.between(2500, 5000, 250), unit: 'kW' },
        quality: { temperature_c: { min: 30, max: 40 } },
        temporal: { weekly: YEAR_ROUND_DAYS, profile: 'flat' },
        economics: { price_asked_eur: 10, price_asked_per: 'MWh' },
        logistics: pipe(8),
      },
    ],
  },
  pool(1, { place: 'data-centre' }),
  pool(2, { supplier: 11 }),
  pool(3, { supplier: 12 }),
  {
    key: 'wastewater-plant',
    label: 'Municipal wastewater treatment plant',
    org: { nace: 'E37.00', sector: 'Water services', employees: 70, readiness: 4 },
    kind: 'plant',
    near: { supplier: 4 },
    km: [4, 12],
    flows: (r) => [
      {
        key: 'effluent',
        direction: 'supply',
        type: 'wastewater',
        name: 'Treated effluent',
        quantity: { amount: r.between(400, 800, 50), unit: 'm3/h' },
        quality: { temperature_c: { min: 12, max: 22 }, ph: { min: 6.8, max: 7.8 }, contamination_mg_kg: 15 },
        economics: { price_asked_eur: 0.4, price_asked_per: 'm3' },
        logistics: pipe(20),
      },
    ],
  },
  {
    key: 'concrete-plant',
    label: 'Ready-mix concrete plant',
    org: { nace: 'C23.63', sector: 'Construction materials', employees: 35, readiness: 3 },
    kind: 'plant',
    near: { place: 'wastewater-plant' },
    km: [3, 10],
    flows: (r) => [
      {
        key: 'water',
        direction: 'demand',
        type: 'water',
        name: 'Mixing and washout water',
        quantity: { amount: r.between(100, 250, 10), unit: 'm3/day' },
        quality: { ph: { min: 6, max: 9 }, contamination_mg_kg: 50 },
        temporal: { weekly: OFFICE_WEEK },
        economics: { price_eur: 2.2, price_per: 'm3' },
        logistics: { max_distance_km: 20, modes: ['pipe', 'truck'] },
      },
    ],
  },
  {
    key: 'laundry',
    label: 'Industrial laundry',
    org: { nace: 'S96.01', sector: 'Textile services', employees: 90, readiness: 3 },
    kind: 'plant',
    near: { place: 'dairy' },
    km: [3, 10],
    flows: (r) => [
      {
        key: 'water',
        direction: 'demand',
        type: 'water',
        name: 'Pre-wash water',
        quantity: { amount: r.between(5, 12, 1), unit: 'm3/h' },
        quality: { ph: { min: 6.5, max: 8.5 }, contamination_mg_kg: 20 },
        temporal: { weekly: SHIFT_WEEK },
        economics: { price_eur: 2.6, price_per: 'm3' },
        logistics: pipe(20),
      },
      {
        key: 'heat',
        direction: 'demand',
        type: 'heat',
        name: 'Wash water heating',
        quantity: { amount: r.between(600, 1500, 100), unit: 'kW' },
        quality: { temperature_c: { min: 60, max: 80 } },
        temporal: { weekly: SHIFT_WEEK, profile: 'flat' },
        economics: { price_eur: 55, price_per: 'MWh', current_fuel: 'heating_oil' },
        logistics: pipe(10),
      },
    ],
  },
  {
    key: 'bioethanol',
    label: 'Bioethanol plant',
    org: { nace: 'C20.14', sector: 'Chemicals', employees: 130, readiness: 4 },
    kind: 'plant',
    near: { supplier: 7 },
    km: [5, 15],
    flows: (r) => [
      {
        key: 'co2',
        direction: 'supply',
        type: 'co2',
        name: 'Fermentation CO2',
        quantity: { amount: r.between(30000, 60000, 1000), unit: 't/yr' },
        quality: { purity_pct: 99.9 },
        economics: { price_asked_eur: 35, price_asked_per: 't' },
        logistics: { max_distance_km: 80, modes: ['truck', 'pipe'] },
      },
    ],
  },
  {
    key: 'biogas',
    label: 'Biogas plant',
    org: { nace: 'D35.21', sector: 'Renewable gas', employees: 18, readiness: 4 },
    kind: 'plant',
    near: { supplier: 8 },
    km: [5, 15],
    flows: (r) => [
      {
        key: 'feedstock',
        direction: 'demand',
        type: 'waste',
        name: 'Digester feedstock',
        quantity: { amount: r.between(15000, 30000, 1000), unit: 't/yr' },
        quality: {
          accepted_ewc: ['020304', '020501', '020601', '200108', '200302'],
          accepts_hazardous: false,
          category: 'organics',
          recovery_operations: ['R3'],
        },
        economics: { price_eur: 0, price_per: 't' },
        logistics: truck(60),
      },
      {
        key: 'co2',
        direction: 'supply',
        type: 'co2',
        name: 'CO2 from biogas upgrading',
        quantity: { amount: r.between(3000, 6000, 250), unit: 't/yr' },
        quality: { purity_pct: 98 },
        economics: { price_asked_eur: 25, price_asked_per: 't' },
        logistics: truck(50),
        precision: 'rough',
      },
    ],
  },
  {
    key: 'compost',
    label: 'Composting and soil works',
    org: { nace: 'E38.21', sector: 'Waste treatment', employees: 25, readiness: 3 },
    kind: 'plant',
    near: { supplier: 12 },
    km: [5, 15],
    flows: (r) => [
      {
        key: 'input',
        direction: 'demand',
        type: 'material',
        name: 'Organic and fibre input',
        quantity: { amount: r.between(10000, 25000, 1000), unit: 't/yr' },
        quality: { accepted_ewc: ['030305', '030311', '020304', '200201'], accepts_hazardous: false, category: 'compost input', recovery_operations: ['R3'] },
        economics: { price_eur: 0, price_per: 't' },
        logistics: truck(100),
      },
    ],
  },
  {
    key: 'feed-mill',
    label: 'Livestock feed mill',
    org: { nace: 'C10.91', sector: 'Animal feed', employees: 60, readiness: 3 },
    kind: 'plant',
    near: { supplier: 13 },
    km: [5, 15],
    flows: (r) => [
      {
        key: 'input',
        direction: 'demand',
        type: 'material',
        name: 'Wet by-products for feed',
        quantity: { amount: r.between(5000, 10000, 500), unit: 't/yr' },
        quality: { category: 'animal feed' },
        economics: { price_eur: 25, price_per: 't' },
        logistics: truck(80),
      },
    ],
  },
  {
    key: 'printing',
    label: 'Gravure printing works',
    org: { nace: 'C18.12', sector: 'Printing', employees: 140, readiness: 3 },
    kind: 'plant',
    near: { supplier: 14 },
    km: [2, 10],
    flows: (r) => [
      {
        key: 'solvent',
        direction: 'supply',
        type: 'waste',
        name: 'Spent toluene from press washing',
        quantity: { amount: r.between(80, 200, 10), unit: 't/yr' },
        quality: { ewc: '140603*', hazardous: true, category: 'solvent', recovery_operations: ['R2'], waste_status: 'waste' },
        economics: { disposal_cost_eur: 450, disposal_per: 't' },
        logistics: truck(150),
      },
    ],
  },
  {
    key: 'solvent-recycler',
    label: 'Solvent recycler',
    org: { nace: 'E38.32', sector: 'Waste treatment', employees: 40, readiness: 4, certifications: ['Entsorgungsfachbetrieb'] },
    kind: 'plant',
    near: { supplier: 15 },
    km: [5, 15],
    flows: (r) => [
      {
        key: 'solvent',
        direction: 'demand',
        type: 'waste',
        name: 'Solvent for distillation',
        quantity: { amount: r.between(2000, 4000, 250), unit: 't/yr' },
        quality: { accepted_ewc: ['140602*', '140603*', '070104*'], accepts_hazardous: true, category: 'solvent', recovery_operations: ['R2'] },
        economics: { price_eur: 40, price_per: 't' },
        logistics: truck(150),
      },
    ],
  },
];

export function buildDemoPortfolio(hotmapsCsv: string): ExchangeDocument {
  const hotmaps = parseHotmapsCsv(hotmapsCsv);
  if (hotmaps.problems.length > 0) throw new Error(`cannot read the Hotmaps file: ${hotmaps.problems[0]!.reason}`);
  const sites = hotmaps.doc.sites.filter(inRegion);
  const siteIds = new Set(sites.map((s) => s.id));
  const orgIds = new Set(sites.map((s) => s.organization_id));
  const flows = hotmaps.doc.flows.filter((f) => siteIds.has(f.site_id));
  const organizations = hotmaps.doc.organizations.filter((o) => orgIds.has(o.id));

  // Real suppliers ranked by total excess heat: the places synthetic demand is put near.
  const heatBySite = new Map<string, number>();
  for (const f of flows) heatBySite.set(f.site_id, (heatBySite.get(f.site_id) ?? 0) + f.quantity.amount);
  const suppliers = sites
    .filter((s) => heatBySite.has(s.id))
    .sort((a, b) => heatBySite.get(b.id)! - heatBySite.get(a.id)! || a.id.localeCompare(b.id));
  if (suppliers.length === 0) throw new Error(`no Hotmaps site with excess heat in ${DEMO_REGION.name}`);

  const random = prng(DEMO_SEED);
  const rng: Rng = {
    between: (lo, hi, step) => round(lo + random() * (hi - lo), step),
    pick: (items) => items[Math.floor(random() * items.length)]!,
  };
  const placed = new Map<string, Site>();
  const cities = new Map<string, string>();
  const synthetic = { organizations: [] as Organization[], sites: [] as Site[], flows: [] as Flow[] };
  const names = new Set<string>();

  for (const place of PLACES) {
    const anchor = 'supplier' in place.near ? suppliers[place.near.supplier % suppliers.length]! : placed.get(place.near.place);
    if (!anchor) throw new Error(`demo place ${place.key} is placed near ${JSON.stringify(place.near)}, which is not placed yet`);
    const km = rng.between(place.km[0], place.km[1], 0.1);
    const at = offset(anchor.lat, anchor.lon, km, rng.between(0, 359, 1));
    const city = cities.get(anchor.id) ?? cityOf(anchor);
    let name = `${place.label} ${city}`;
    for (let n = 2; names.has(name); n++) name = `${place.label} ${city} ${n}`;
    names.add(name);

    const orgId = `demo-org-${place.key}`;
    synthetic.organizations.push({
      id: orgId,
      name: `${name} (synthetic)`,
      ...place.org,
      sharing: 'partners',
      contact: { name: 'Demo contact (synthetic)', email: `${place.key}@example.org` },
      notes: SYNTHETIC_NOTE,
    });
    const site: Site = {
      id: `demo-site-${place.key}`,
      organization_id: orgId,
      name: `${name} site`,
      address: `Synthetic location near ${city}`,
      country: 'DE',
      lat: at.lat,
      lon: at.lon,
      kind: place.kind,
      notes: `${SYNTHETIC_NOTE} Placed ${km} km from ${anchor.name} (${anchor.id}).`,
    };
    synthetic.sites.push(site);
    placed.set(place.key, site);
    cities.set(site.id, city);
    for (const { key, precision, description, ...flow } of place.flows(rng)) {
      const profile = flow.temporal?.profile;
      if (profile === REGIONAL) flow.temporal = { ...flow.temporal, profile: `hotmaps:residential:${nutsRegionOf(site.lat, site.lon)}` };
      synthetic.flows.push({
        id: `demo-flow-${place.key}-${key}`,
        site_id: site.id,
        ...flow,
        description: [description, 'Synthetic demo data: made up to show matching, not a real measurement.', profile === undefined ? undefined : PROFILE_NOTE[profile]]
          .filter(Boolean)
          .join(' '),
        precision: precision ?? 'estimated',
        provenance: { kind: 'import', source: DEMO_SOURCE, synthetic: true },
        status: 'active',
      } as Flow);
    }
  }

  return {
    ...emptyDocument(),
    organizations: [...organizations, ...synthetic.organizations],
    sites: [...sites, ...synthetic.sites],
    flows: [...flows, ...synthetic.flows],
  };
}
