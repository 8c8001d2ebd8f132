/**
 * Every constant of the matching engine, in one place, with its source (domain.md section 2 unless
 * noted). "(decision)" marks a choice made where the sources are silent or disagree: either one
 * made in domain.md itself, or one made here and documented in docs/matching.md.
 *
 * A query may override any of it: `resolveConfig(query)` merges a `MatchQuery` over the defaults
 * and validates the result, so the engine only ever sees a complete, checked `MatchingConfig`.
 */
import type { FlowType } from '../domain/entities.ts';

/** Written into every match, so a stored match says which rules produced it. */
export const ENGINE_VERSION = 'turash-matching/1.0.0';

export const SCORE_COMPONENTS = ['quality', 'temporal', 'quantity', 'trust', 'transport', 'regulatory'] as const;
export type ScoreComponent = (typeof SCORE_COMPONENTS)[number];
export type Weights = Record<ScoreComponent, number>;

export type Relaxation = 'distance' | 'tolerances' | 'temporal';
export interface FallbackStep {
  relax: Relaxation;
  /** Distance limit and tolerances are multiplied by it; the temporal minimum too (0.5 = halved). */
  factor: number;
}

export type ComplexityLevel = 'low' | 'medium' | 'high';
export type RiskLevel = 'low' | 'medium' | 'high';

export interface MatchingConfig {
  /** 2.2: score = 0.25 quality + 0.20 temporal + 0.15 quantity + 0.15 trust - 0.10 transport - 0.10 regulatory. */
  weights: Weights;
  /** 2.1.3: the query's distance limit in km (Infinity: none; the type default still applies). */
  max_km: number;
  /** 2.1.5: minimum overlapping hours per week (default 40). */
  min_temporal_hours_per_week: number;
  /** 2.4: top N per flow (default 20). */
  top_n: number;
  /** 2.4: diversity, at most this many matches to one partner organization in a flow's top N. */
  max_per_partner: number;
  /** 2.1.3: haversine Earth radius (mean radius, IUGG). */
  earth_radius_km: number;
  /** 2.1.3 (decision): default distance limit by the SUPPLY's type (the medium that travels). */
  type_default_km: Record<FlowType, number>;
  /** 2.2 quality tolerances. */
  tolerances: {
    temperature_k: number;
    temperature_k_heat_steam: number;
    /** Pressure gap relative to the higher of the two facing bounds (decision, see docs). */
    pressure_relative: number;
    purity_points: number;
  };
  /** 2.2/2.3: thermal transfer. `types` (decision): heat, steam and cooling lose 2 %/km and pass an exchanger. */
  thermal: { loss_per_km: number; exchanger_efficiency: number; types: readonly FlowType[] };
  /** 2.3 economic defaults. */
  economics: {
    discount_rate: number;
    horizon_years: number;
    default_hours_per_year: number;
    weeks_per_year: number;
    maintenance_rate: number;
  };
  /**
   * 2.3 type default prices (decision in domain.md), EUR per base unit of the DEMAND's type:
   * MWh (heat, steam, cooling, electricity), m3 (water), Nm3 (compressed air), t (co2, material).
   * Types without a default (waste, wastewater, logistics, service demands) count 0 and say so.
   */
  default_price_eur: Partial<Record<FlowType, number>>;
  /** 2.3: avoided disposal cost per t assumed for a waste supply that states none. */
  default_disposal_eur: Partial<Record<FlowType, number>>;
  /** 2.3 capex, heat: the Hotmaps excess-heat method (CC BY 4.0, Fraunhofer ISI). */
  hotmaps: {
    route_factor: number;
    /** [peak MW upper bound, EUR per metre], ascending: the first step >= P is used. */
    pipe_eur_per_m: ReadonlyArray<readonly [number, number]>;
    pipe_eur_per_m_above: number;
    source_hx_eur_per_mw: number;
    sink_hx_eur_per_mw_below_1mw: number;
    sink_hx_eur_per_mw: number;
    pump_eur_per_mw_below_1mw: number;
    pump_eur_per_mw: number;
  };
  /** 2.3 capex, other types: Turash per-km figures, times the great-circle distance. */
  capex_eur_per_km: Partial<Record<FlowType, number>>;
  /** One-off capex independent of distance (decision: handling equipment, a logistics set-up). */
  capex_fixed_eur: Partial<Record<FlowType, number>>;
  /** 2.3: truck transport opex for solids; road km = great-circle km x road_factor (decision). */
  truck: { eur_per_tkm: number; road_factor: number; types: readonly FlowType[] };
  /** 2.3 CO2 avoided per year. */
  co2: {
    grid_t_per_mwh: number;
    boiler_efficiency: number;
    water_kwh_per_m3: number;
    diverted_t_per_t: number;
    compost_t_per_t: number;
  };
  /** 2.2 regulatory risk. */
  regulatory: { waste: number; hazardous: number; cross_border: number };
  /** 2.4 filters. */
  filters: { min_annual_value_eur: number; min_trust: number; require_positive_npv: boolean };
  /** 2.4 router (thresholds: decision, see docs/matching.md). */
  router: { max_risk: number; capex_threshold_eur: number };
  /** 2.3 implementation complexity and the Turash exchange-cost model. */
  complexity: {
    medium_capex_eur: number;
    high_capex_eur: number;
    medium_km: number;
    high_km: number;
    multiplier: Record<ComplexityLevel, number>;
    /** Regulatory risk at or above which the risk level is medium / high. */
    medium_risk: number;
    high_risk: number;
    risk_mitigation_rate: Record<RiskLevel, number>;
    compliance_rate: Record<RiskLevel, number>;
  };
  /** 2.4 fallback: cumulative relaxation steps, tried when a flow has fewer than top_n matches. */
  fallback: { enabled: boolean; steps: readonly FallbackStep[] };
  /** 2.2: measured data older than this many days counts as estimated. */
  measurement_max_age_days: number;
  /** "Now" for the age of measurements (ms since epoch); the engine never reads the clock itself otherwise. */
  now_ms: number;
}

const DEFAULTS: MatchingConfig = {
  weights: { quality: 0.25, temporal: 0.2, quantity: 0.15, trust: 0.15, transport: 0.1, regulatory: 0.1 },
  max_km: Infinity,
  min_temporal_hours_per_week: 40,
  top_n: 20,
  max_per_partner: 2,
  earth_radius_km: 6371.0088,
  type_default_km: {
    heat: 15, // 2 %/km loss reaches the 70 % efficiency floor at 15 km
    steam: 5,
    cooling: 5,
    water: 20,
    wastewater: 20,
    co2: 50,
    compressed_air: 2,
    electricity: 10,
    material: 100,
    waste: 100,
    logistics: 200,
    service: 50,
  },
  tolerances: { temperature_k: 10, temperature_k_heat_steam: 15, pressure_relative: 0.2, purity_points: 5 },
  thermal: { loss_per_km: 0.02, exchanger_efficiency: 0.9, types: ['heat', 'steam', 'cooling'] },
  economics: {
    discount_rate: 0.08,
    horizon_years: 10,
    default_hours_per_year: 8000,
    weeks_per_year: 52.14,
    maintenance_rate: 0.03, // the design documents say 3 % and 5 %: decision 3 %
  },
  default_price_eur: {
    heat: 50,
    steam: 60,
    cooling: 40,
    water: 2,
    compressed_air: 0.02,
    electricity: 150,
    co2: 60,
    material: 80,
  },
  default_disposal_eur: { waste: 100 },
  hotmaps: {
    route_factor: 1.2, // decision in domain.md
    pipe_eur_per_m: [
      [0.2, 195],
      [0.3, 206],
      [0.6, 220],
      [1.2, 240],
      [1.9, 261],
      [3.6, 288],
      [6.1, 323],
      [9.8, 357],
      [20, 426],
      [45, 564],
      [75, 701],
      [125, 839],
      [190, 976],
    ],
    pipe_eur_per_m_above: 976,
    source_hx_eur_per_mw: 15_000,
    sink_hx_eur_per_mw_below_1mw: 265_000,
    sink_hx_eur_per_mw: 100_000,
    pump_eur_per_mw_below_1mw: 240_000,
    pump_eur_per_mw: 90_000,
  },
  capex_eur_per_km: {
    water: 30_000,
    wastewater: 30_000, // decision: a water pipe
    steam: 60_000,
    co2: 10_000,
    cooling: 50_000,
    compressed_air: 30_000, // decision: a pipe like water (no source figure)
    electricity: 100_000, // decision: a medium-voltage private wire (no source figure)
  },
  capex_fixed_eur: {
    material: 5_000, // Turash "5,000 (handling)": decision, one-off handling, trucks are opex
    waste: 5_000,
    logistics: 1_000, // decision: one-off set-up
    service: 0,
  },
  truck: { eur_per_tkm: 0.15, road_factor: 1.2, types: ['material', 'waste'] },
  co2: {
    grid_t_per_mwh: 0.3,
    boiler_efficiency: 0.9, // decision in domain.md: avoided fuel
    water_kwh_per_m3: 1,
    diverted_t_per_t: 0.5,
    compost_t_per_t: 0.1,
  },
  regulatory: { waste: 0.3, hazardous: 0.7, cross_border: 0.1 },
  filters: { min_annual_value_eur: 1_000, min_trust: 0, require_positive_npv: true },
  router: { max_risk: 0.5, capex_threshold_eur: 500_000 },
  complexity: {
    medium_capex_eur: 100_000,
    high_capex_eur: 1_000_000,
    medium_km: 10,
    high_km: 50,
    multiplier: { low: 1.0, medium: 1.3, high: 1.8 },
    medium_risk: 0.2,
    high_risk: 0.5,
    risk_mitigation_rate: { low: 0.01, medium: 0.03, high: 0.05 },
    compliance_rate: { low: 0.0005, medium: 0.01, high: 0.03 },
  },
  fallback: {
    enabled: true,
    steps: [
      { relax: 'distance', factor: 1.5 },
      { relax: 'tolerances', factor: 1.5 },
      { relax: 'temporal', factor: 0.5 },
    ],
  },
  measurement_max_age_days: 365,
  now_ms: 0, // 0: resolveConfig fills in the time of the call
};
export const DEFAULT_CONFIG: Readonly<MatchingConfig> = Object.freeze(DEFAULTS);

/** What a query (CLI flags, API input) may set; everything else comes from the defaults. */
export interface MatchQuery {
  weights?: Partial<Weights>;
  max_km?: number;
  min_temporal_hours_per_week?: number;
  top_n?: number;
  max_per_partner?: number;
  min_annual_value_eur?: number;
  /** 0 = off (the default). */
  min_trust?: number;
  /** Keep matches with NPV <= 0 (domain.md 2.4 "unless asked"). */
  include_unprofitable?: boolean;
  /** false: no relaxation. */
  fallback?: boolean;
  /** Reference time for measurement age: a Date, an ISO string or ms since epoch. */
  now?: Date | string | number;
  /** Any other constant, for a facilitator's what-if (shallow merge per section). */
  config?: PartialConfig;
}

export type PartialConfig = { [K in keyof MatchingConfig]?: MatchingConfig[K] extends object ? Partial<MatchingConfig[K]> : MatchingConfig[K] };

function mergeSection<T>(base: T, over: unknown): T {
  if (over === undefined) return base;
  if (Array.isArray(base) || typeof base !== 'object' || base === null) return over as T;
  return { ...base, ...(over as object) } as T;
}

const bad = (what: string, value: unknown): never => {
  throw new Error(`matching config: ${what} (got ${String(value)})`);
};

/** The complete configuration of one run: defaults, then `query.config`, then the query's own fields. */
export function resolveConfig(query: MatchQuery = {}, base: Readonly<MatchingConfig> = DEFAULT_CONFIG): MatchingConfig {
  const c = {} as MatchingConfig;
  for (const key of Object.keys(base) as (keyof MatchingConfig)[]) {
    (c as unknown as Record<string, unknown>)[key] = mergeSection(base[key], query.config?.[key]);
  }
  if (query.weights) c.weights = { ...c.weights, ...query.weights };
  if (query.max_km !== undefined) c.max_km = query.max_km;
  if (query.min_temporal_hours_per_week !== undefined) c.min_temporal_hours_per_week = query.min_temporal_hours_per_week;
  if (query.top_n !== undefined) c.top_n = query.top_n;
  if (query.max_per_partner !== undefined) c.max_per_partner = query.max_per_partner;
  if (query.min_annual_value_eur !== undefined || query.min_trust !== undefined || query.include_unprofitable !== undefined) {
    c.filters = {
      min_annual_value_eur: query.min_annual_value_eur ?? c.filters.min_annual_value_eur,
      min_trust: query.min_trust ?? c.filters.min_trust,
      require_positive_npv: query.include_unprofitable === undefined ? c.filters.require_positive_npv : !query.include_unprofitable,
    };
  }
  if (query.fallback !== undefined) c.fallback = { ...c.fallback, enabled: query.fallback };
  if (query.now !== undefined) c.now_ms = new Date(query.now).getTime();
  if (c.now_ms === 0) c.now_ms = Date.now();

  for (const k of SCORE_COMPONENTS) {
    const w = c.weights[k];
    if (!Number.isFinite(w) || w < 0) bad(`weight ${k} must be a finite number >= 0`, w);
  }
  if (c.weights.quality + c.weights.temporal + c.weights.quantity + c.weights.trust <= 0) bad('the positive weights sum to 0', 0);
  if (!(c.max_km > 0)) bad('max_km must be above 0', c.max_km);
  if (!(c.min_temporal_hours_per_week >= 0 && c.min_temporal_hours_per_week <= 168)) {
    bad('min_temporal_hours_per_week must be 0..168', c.min_temporal_hours_per_week);
  }
  if (!Number.isInteger(c.top_n) || c.top_n < 1) bad('top_n must be an integer >= 1', c.top_n);
  if (!Number.isInteger(c.max_per_partner) || c.max_per_partner < 1) bad('max_per_partner must be an integer >= 1', c.max_per_partner);
  if (!Number.isFinite(c.now_ms)) bad('now is not a valid time', query.now);
  for (const step of c.fallback.steps) {
    if (!(step.factor > 0)) bad(`fallback factor for ${step.relax} must be above 0`, step.factor);
  }
  return c;
}

/** Largest distance factor the fallback can apply (1 when off): the index searches this far. */
export function distanceRelaxFactor(c: Readonly<MatchingConfig>): number {
  if (!c.fallback.enabled) return 1;
  let f = 1;
  for (const s of c.fallback.steps) if (s.relax === 'distance') f = Math.max(f, s.factor);
  return f;
}
