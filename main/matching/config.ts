/**
 * Every constant of the matching engine, in one place, with its source (domain.md section 2 unless
 * noted). "(decision)" marks a choice made where the sources are silent or disagree: either one
 * made in domain.md itself, or one made here and documented in docs/matching.md.
 *
 * A query may override any of it: `resolveConfig(query)` merges a `MatchQuery` over the defaults
 * and validates the result, so the engine only ever sees a complete, checked `MatchingConfig`.
 */
import type { CurrentFuel, FlowType } from '../domain/entities.ts';
import type { PipeClass } from './hourly/heat-exchange.ts';

/** Written into every match, so a stored match says which rules produced it. */
export const ENGINE_VERSION = 'turash-matching/2.0.0';

/** What a heat demand burns today (domain.md 5.2 "a flow may state its current fuel"; the schema's list). */
export type Fuel = CurrentFuel;

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
  /**
   * 2.4 / 5.3 router (thresholds: decision, see docs/matching.md). `direct_connection_km`: a pipe or
   * cable exchange up to this distance needs no new line (a connection across the fence).
   */
  router: { max_risk: number; capex_threshold_eur: number; direct_connection_km: number };
  /** 5.3 materials: quality sub-score of a supply the demand's category accepts as an input of another category (decision). */
  materials: { accepted_input_score: number };
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
  /**
   * 5.2: heat, steam and cooling by the hour (the Hotmaps excess-heat method). Replaces 2.3's flat
   * 2 %/km loss, one-pipe capex and annual averages for these types.
   */
  heat: {
    /** Hotmaps `parameters.py` pipe classes, ascending capacity (main/data/hotmaps/hotmaps-pipe-classes.csv). */
    pipe_classes: readonly PipeClass[];
    /** Hotmaps country parameters: average soil temperature and electricity price for pumps. Missing country: `fallback_country`'s, listed as an assumption. */
    countries: Readonly<Record<string, { soil_c: number; electricity_eur_per_mwh: number }>>;
    fallback_country: string;
    /** Insulation conductivity, W/(m K) (Hotmaps). */
    insulation_w_per_mk: number;
    pump_efficiency: number;
    /** Flow and return pipes: route m x EUR/m x this (Hotmaps lays two pipes). */
    pipes: number;
    /** Return pipe temperature, degC (5.2 default 45). */
    return_temperature_c: number;
    /** Flow pipe temperature when the demand states no minimum, degC (decision; listed as an assumption). */
    default_flow_temperature_c: number;
    /** Electric heat pump for a supply colder than the demand needs (5.2; COP = fraction x Carnot). */
    heat_pump: { carnot_fraction: number; approach_k: number; cop_min: number; cop_max: number; capex_eur_per_mw: number };
    /** Steam: a steam line costs this many times the two-pipe hot-water line of the same power (decision: >= 1 by 5.2); condensate return degC. */
    steam: { pipe_cost_factor: number; condensate_return_c: number };
    /** Cooling: chilled-water flow temperature when none is stated, return = flow + delta (6/12 degC, decision); avoided chiller EER for CO2. */
    cooling: { flow_temperature_c: number; return_delta_k: number; chiller_eer: number };
    /** Levelised cost of heat (Hotmaps): annuity of capex at rate over years, plus O&M share of capex, plus pumping and heat-pump electricity. */
    lcoh: { rate: number; years: number; om_rate: number };
    /** CO2 counterfactual: t CO2 per MWh of fuel (IPCC 2006 defaults) and the efficiency of what it replaces. */
    fuels: Readonly<Record<Fuel, { t_per_mwh: number; efficiency: number }>>;
    default_fuel: Fuel;
  };
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
    heat: 20, // 5.2: the Hotmaps default search radius (v1: 15 km from the flat 2 %/km loss)
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
  // 5.2: losses are hourly, by pipe class (heat.*); the flat 2 %/km of 2.3 is gone (0 here, so the
  // quantity score is the share of the demand the supply covers after the exchanger)
  thermal: { loss_per_km: 0, exchanger_efficiency: 0.9, types: ['heat', 'steam', 'cooling'] },
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
  router: { max_risk: 0.5, capex_threshold_eur: 500_000, direct_connection_km: 0.1 },
  materials: { accepted_input_score: 0.8 },
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
  heat: {
    // Hotmaps excess_heat CM parameters.py: MW, EUR/m, hydraulic and outer diameter mm, insulation mm, m/s, Pa/m
    pipe_classes: (
      [
        [0.2, 195, 37.2, 37.2, 60, 0.9, 600],
        [0.3, 206, 43.1, 43.1, 60, 0.9, 500],
        [0.6, 220, 54.5, 54.5, 60, 1, 420],
        [1.2, 240, 70.3, 70.3, 80, 1.2, 450],
        [1.9, 261, 82.5, 82.5, 80, 1.3, 420],
        [3.6, 288, 107.1, 107.1, 100, 1.6, 500],
        [6.1, 323, 132.5, 132.5, 125, 1.8, 480],
        [9.8, 357, 160.3, 160.3, 165, 2, 470],
        [20, 426, 210.1, 210.1, 175, 2.4, 500],
        [45, 564, 312.7, 312.7, 200, 2.6, 360],
        [75, 701, 393.8, 393.8, 200, 2.7, 345],
        [125, 839, 495.4, 495.4, 200, 2.9, 250],
        [190, 976, 595.8, 595.8, 200, 3, 230],
      ] as const
    ).map(([mw, eur, dh, od, ins, v, dp]) => ({
      capacity_mw: mw,
      cost_eur_per_m: eur,
      hydraulic_diameter_mm: dh,
      outer_diameter_mm: od,
      insulation_mm: ins,
      flow_velocity_m_s: v,
      pressure_drop_pa_m: dp,
    })),
    // Hotmaps parameters.py: soil degC, electricity ct/kWh (x 10 = EUR/MWh); EL Greece, UK United Kingdom
    countries: Object.fromEntries(
      (
        [
          ['AT', 6.3, 15.9], ['BE', 9.5, 24], ['BG', 10.5, 10.8], ['CY', 18.4, 18.1], ['CZ', 7.5, 17.8], ['DE', 8.5, 22.5],
          ['DK', 7.5, 18.9], ['EE', 5.1, 11.9], ['EL', 15.4, 17.4], ['ES', 13.3, 26.5], ['FI', 1.7, 9.4], ['FR', 10.7, 15.6],
          ['HR', 10.9, 13.2], ['HU', 9.7, 11.7], ['IE', 9.3, 20.7], ['IT', 13.4, 22], ['LT', 6.2, 12.1], ['LU', 8.6, 14.9],
          ['LV', 5.6, 19], ['MT', 19.2, 19.9], ['NL', 9.2, 15], ['PL', 7.8, 14.7], ['PT', 15.1, 20.1], ['RO', 8.8, 10.3],
          ['SE', 2.1, 15.4], ['SI', 8.9, 14.1], ['SK', 6.8, 20], ['UK', 8.4, 17.5],
        ] as const
      ).map(([c, soil, ct]) => [c, { soil_c: soil, electricity_eur_per_mwh: ct * 10 }]),
    ),
    fallback_country: 'DE',
    insulation_w_per_mk: 0.05,
    pump_efficiency: 0.8,
    pipes: 2,
    return_temperature_c: 45,
    default_flow_temperature_c: 70, // decision: a typical district-heating flow temperature
    heat_pump: { carnot_fraction: 0.5, approach_k: 10, cop_min: 1.5, cop_max: 7, capex_eur_per_mw: 600_000 },
    steam: { pipe_cost_factor: 1.5, condensate_return_c: 90 }, // decision: pressure-rated line plus condensate return
    cooling: { flow_temperature_c: 6, return_delta_k: 6, chiller_eer: 3 }, // decision
    lcoh: { rate: 0.03, years: 30, om_rate: 0.01 }, // Hotmaps
    // IPCC 2006 Guidelines vol. 2 table 2.2 (t CO2/TJ / 277.8): gas 56.1, oil 74.1, coal 94.6, lignite 101, LPG 63.1;
    // biomass biogenic 0; electricity the grid factor of co2.grid_t_per_mwh; district heating 0.2 (decision)
    fuels: {
      natural_gas: { t_per_mwh: 0.202, efficiency: 0.9 },
      heating_oil: { t_per_mwh: 0.267, efficiency: 0.9 },
      coal: { t_per_mwh: 0.341, efficiency: 0.85 },
      lignite: { t_per_mwh: 0.364, efficiency: 0.85 },
      lpg: { t_per_mwh: 0.227, efficiency: 0.9 },
      biomass: { t_per_mwh: 0, efficiency: 0.85 },
      electricity: { t_per_mwh: 0.3, efficiency: 1 },
      district_heating: { t_per_mwh: 0.2, efficiency: 1 },
    },
    default_fuel: 'natural_gas',
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
