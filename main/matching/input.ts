/**
 * The engine's input: one flat, precomputed view per flow (`MatchFlow`), and `toMatchFlow`, which
 * builds it from a stored flow record, its site and its organization. Everything the engine needs
 * is here, so it never touches the database.
 */
import type { Flow, FlowType, Precision, RecoveryOperation, WasteStatus } from '../domain/entities.ts';
import { DEFAULT_PRECISION, DEFAULT_TRUST } from '../domain/entities.ts';
import { monthMask, weeklyMask } from '../domain/temporal.ts';
import { hotmapsCountry } from '../domain/profile-names.ts';
import { residentialMeanName, type ProfileSource } from './hourly/shapes.ts';

export interface Range {
  min?: number | undefined;
  max?: number | undefined;
}

export interface MatchQuality {
  temperature_c?: Range | undefined;
  pressure_bar?: Range | undefined;
  /** Supply: its purity; demand: the minimum it needs. */
  purity_pct?: number | undefined;
  /** Supply: its contamination; demand: the maximum it accepts. */
  contamination_mg_kg?: number | undefined;
  /** 6 digits, a trailing `*` marks hazardous waste. */
  ewc?: string | undefined;
  hazardous?: boolean | undefined;
  accepts_hazardous?: boolean | undefined;
  accepted_ewc?: readonly string[] | undefined;
  category?: string | undefined;
  /** Demand: the recovery operations (R1..R13) it is permitted to carry out; supply: those it suits. */
  recovery_operations?: readonly RecoveryOperation[] | undefined;
  /** Legal status of a material or waste supply (absent: waste for a waste flow, not waste for a material). */
  waste_status?: WasteStatus | undefined;
}

export interface MatchFlow {
  id: string;
  organization_id: string;
  site_id: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  lat: number;
  lon: number;
  direction: 'supply' | 'demand';
  type: FlowType;
  /** Quantity in the type's canonical unit (units.ts CANONICAL_UNIT). */
  amount: number;
  unit: string;
  /** The flow's own available hours per year (temporal.ts hoursPerYear). */
  hours_per_year: number;
  /** Stated precision; the engine ages `measured` by `measured_at`. */
  precision: Precision;
  /** ISO date-time of the measurement (end of the metered period). */
  measured_at?: string | undefined;
  /** The organization's trust, 0..1. */
  trust: number;
  quality: MatchQuality;
  /** 168 hourly flags, Monday 00-01 first (temporal.ts weeklyMask); absent: all week. */
  week_mask?: readonly boolean[] | undefined;
  /** 12 flags, January first; absent: all year. */
  month_mask?: readonly boolean[] | undefined;
  /** True when the flow states a weekly schedule or months (2.3: hours then come from the overlap). */
  schedule_stated: boolean;
  /** What the demand side pays today, EUR per `price_per` (MWh, kWh, GJ, m3, Nm3, t, kg, tkm, h). */
  price_eur?: number | undefined;
  price_per?: string | undefined;
  /** What the supply side pays today to get rid of it, EUR per `disposal_per`. */
  disposal_cost_eur?: number | undefined;
  disposal_per?: string | undefined;
  max_distance_km?: number | undefined;
  status: 'active' | 'paused' | 'archived';
  /**
   * Heat, steam, cooling: the hourly profile (domain.md 5.2): `flat`, `measured`, a Hotmaps name,
   * or `hotmaps:residential-mean:<country>` (the default of a district-heating demand). Absent: flat.
   */
  profile?: string | undefined;
  /** `measured`: mean power by hour of the week from the flow's meter aggregates (168 values). */
  measured_week?: readonly number[] | undefined;
  /** A heat demand: what it burns today (config FUELS); absent: natural gas. */
  current_fuel?: string | undefined;
}

export interface MatchInput {
  flows: readonly MatchFlow[];
  /** The 8,760-hour profile values by name (main/data loads the bundled Hotmaps profiles); absent: only flat shapes. */
  profiles?: ProfileSource | undefined;
}

/** A stored flow: the entity plus its canonical quantity and hours (db/records.ts FlowRecord). */
export type FlowLike = Flow & { canonical: { amount: number; unit: string }; hours_per_year: number };

/**
 * The engine's view of a stored flow. `site` gives place and owner, `organization` the trust
 * (default 0.8, domain.md section 1). The measurement date is the end of the metered period, else
 * the provenance's recorded_at.
 */
export function toMatchFlow(
  flow: FlowLike,
  site: { lat: number; lon: number; country: string; organization_id: string; kind?: string | undefined },
  organization?: { trust?: number | undefined },
  measuredWeek?: readonly number[],
): MatchFlow {
  const q = flow.quality ?? {};
  const t = flow.temporal;
  const e = flow.economics ?? {};
  const p = flow.provenance;
  const measuredAt = p?.period?.to ?? p?.recorded_at;
  return {
    id: flow.id,
    organization_id: site.organization_id,
    site_id: flow.site_id,
    country: site.country,
    lat: site.lat,
    lon: site.lon,
    direction: flow.direction,
    type: flow.type,
    amount: flow.canonical.amount,
    unit: flow.canonical.unit,
    hours_per_year: flow.hours_per_year,
    precision: flow.precision ?? DEFAULT_PRECISION,
    measured_at: measuredAt,
    trust: organization?.trust ?? DEFAULT_TRUST,
    quality: {
      temperature_c: q.temperature_c,
      pressure_bar: q.pressure_bar,
      purity_pct: q.purity_pct,
      contamination_mg_kg: q.contamination_mg_kg,
      ewc: q.ewc,
      hazardous: q.hazardous,
      accepts_hazardous: q.accepts_hazardous,
      accepted_ewc: q.accepted_ewc,
      category: q.category,
      recovery_operations: q.recovery_operations,
      waste_status: q.waste_status,
    },
    week_mask: t?.weekly === undefined ? undefined : weeklyMask(t.weekly),
    month_mask: t?.months === undefined ? undefined : monthMask(t.months),
    schedule_stated: t?.weekly !== undefined || t?.months !== undefined,
    price_eur: e.price_eur,
    price_per: e.price_per,
    disposal_cost_eur: e.disposal_cost_eur,
    disposal_per: e.disposal_per,
    max_distance_km: flow.logistics?.max_distance_km,
    status: flow.status ?? 'active',
    profile: profileOf(flow, site),
    measured_week: measuredWeek,
    current_fuel: e.current_fuel,
  };
}

/**
 * 5.2 defaults: a stated profile wins; a heat demand of a network area (district heating) gets the
 * residential profile of its country (the mean of its regions); everything else is flat.
 */
function profileOf(flow: FlowLike, site: { country: string; kind?: string | undefined }): string | undefined {
  const stated = flow.temporal?.profile;
  if (stated !== undefined) return stated;
  if (flow.type === 'heat' && flow.direction === 'demand' && site.kind === 'network_area') return residentialMeanName(hotmapsCountry(site.country));
  return undefined;
}

/** Throws naming the flow and field when a MatchFlow cannot be matched (bad coordinates, masks...). */
export function checkMatchFlow(f: MatchFlow): void {
  const fail = (what: string) => {
    throw new Error(`flow ${f.id}: ${what}`);
  };
  if (!(f.lat >= -90 && f.lat <= 90)) fail(`lat ${f.lat} is not -90..90`);
  if (!(f.lon >= -180 && f.lon <= 180)) fail(`lon ${f.lon} is not -180..180`);
  if (!(f.amount >= 0) || !Number.isFinite(f.amount)) fail(`amount ${f.amount} is not a finite number >= 0`);
  if (!(f.trust >= 0 && f.trust <= 1)) fail(`trust ${f.trust} is not 0..1`);
  if (f.week_mask !== undefined && f.week_mask.length !== 168) fail(`week_mask has ${f.week_mask.length} flags, not 168`);
  if (f.month_mask !== undefined && f.month_mask.length !== 12) fail(`month_mask has ${f.month_mask.length} flags, not 12`);
  if (f.max_distance_km !== undefined && !(f.max_distance_km > 0)) fail(`max_distance_km ${f.max_distance_km} is not above 0`);
  if (f.direction !== 'supply' && f.direction !== 'demand') fail(`direction ${String(f.direction)} is not supply or demand`);
  if (f.measured_week !== undefined && (f.measured_week.length !== 168 || f.measured_week.some((v) => !(v >= 0) || !Number.isFinite(v)))) {
    fail('measured_week must have 168 finite values >= 0');
  }
}
