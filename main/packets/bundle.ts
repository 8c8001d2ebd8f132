/**
 * The `turash-packet` v1 JSON bundle: everything a partner packet shows, machine-readable, for
 * both partner organisations of one match. The PDFs are rendered from it and nothing else, so a
 * number in a PDF is a number in the bundle, and the bundle's numbers are the stored match's.
 *
 * Contacts appear only as the sharing rule of sharing.ts allows: a private organisation's
 * `contact` is absent, not blanked.
 *
 * Matching version 2 added keys, compatibly (still version 1): `match.priced_by`, `plan` (the
 * regional plan's allocation), `hourly` (heat by the hour), `economics.heat` and
 * `attributions.hotmaps_method` / `hotmaps_profiles`. Bundles written before lack them, and this
 * schema still reads those; every key that was there keeps its meaning (`economics` is the
 * exchange priced on its own, as stored).
 */
import { z } from 'zod';
import { FLOW_TYPES, SHARING_LEVELS, flowSchema } from '../domain/entities.ts';

export const PACKET_FORMAT = 'turash-packet';
export const PACKET_VERSION = 1;

const contactSchema = z.strictObject({ name: z.string().optional(), email: z.string().optional(), phone: z.string().optional() });

const meterSeriesSchema = z.strictObject({
  point_id: z.string(),
  point_name: z.string(),
  role: z.string().nullable(),
  unit: z.string().nullable(),
  /** Hourly means: [bucket start ms, mean]. */
  hours: z.array(z.tuple([z.number(), z.number()])),
  samples: z.number().int(),
  from: z.string(),
  to: z.string(),
});
export type MeterSeries = z.infer<typeof meterSeriesSchema>;

const partySchema = z.strictObject({
  organization: z.strictObject({
    id: z.string(),
    name: z.string(),
    nace: z.string().optional(),
    sector: z.string().optional(),
    sharing: z.enum(SHARING_LEVELS),
    contact: contactSchema.optional(),
    synthetic: z.boolean(),
  }),
  site: z.strictObject({ id: z.string(), name: z.string(), address: z.string().optional(), country: z.string(), lat: z.number(), lon: z.number() }),
  flow: flowSchema.extend({
    canonical: z.strictObject({ amount: z.number(), unit: z.string() }),
    hours_per_year: z.number(),
  }),
  meter: z.array(meterSeriesSchema),
});
export type PacketParty = z.infer<typeof partySchema>;

/** A heat, steam or cooling exchange as the engine priced it by the hour (economics.ts HeatView); extra keys kept. */
const heatSchema = z.looseObject({
  kind: z.enum(['heat', 'steam', 'cooling']),
  supply_profile: z.string(),
  demand_profile: z.string(),
  capacity_mw: z.number(),
  pipe_class_mw: z.number(),
  route_m: z.number(),
  loss_w_per_m: z.number(),
  loss_mwh_per_year: z.number(),
  flow_temperature_c: z.number(),
  return_temperature_c: z.number(),
  soil_temperature_c: z.number(),
  available_mwh_per_year: z.number(),
  demand_mwh_per_year: z.number(),
  delivered_mwh_per_year: z.number(),
  peak_delivered_mw: z.number(),
  hours_delivering: z.number(),
  pumping_mwh_per_year: z.number(),
  pumping_eur_per_year: z.number(),
  electricity_eur_per_mwh: z.number(),
  heat_pump: z.looseObject({ cop: z.number(), capex_eur: z.number(), electricity_mwh_per_year: z.number(), electricity_eur_per_year: z.number() }).nullable(),
  lcoh_ct_per_kwh: z.number().nullable(),
  fuel: z.string(),
  co2_avoided_fuel_t_per_year: z.number(),
  co2_electricity_t_per_year: z.number(),
});
export type PacketHeat = z.infer<typeof heatSchema>;

/** The Hotmaps capex of a thermal exchange (economics.ts HeatCapexView); other types' breakdowns pass as they are. */
const capexBreakdownSchema = z.looseObject({
  total_eur: z.number(),
  pipes: z.number().optional(),
  pipe_m: z.number().optional(),
  pipe_eur_per_m: z.number().optional(),
  pipe_eur: z.number().optional(),
  source_hx_eur: z.number().optional(),
  sink_hx_eur: z.number().optional(),
  pump_eur: z.number().optional(),
  heat_pump_eur: z.number().optional(),
});

/** A plan member's economics at its allocated share (matching/plan-input.ts AllocatedEconomics); extra keys kept. */
const allocationSchema = z.looseObject({
  share: z.number(),
  allocated: z.strictObject({ amount: z.number(), unit: z.string() }),
  delivered_mwh_per_year: z.number().nullable(),
  capacity_mw: z.number().nullable(),
  pipe_class_mw: z.number().nullable(),
  with_heat_pump: z.boolean().nullable(),
  capex_eur: z.number(),
  pipe_capex_eur: z.number().nullable(),
  opex_eur_per_year: z.number(),
  annual_value_eur: z.number(),
  npv_eur: z.number(),
  irr: z.number().nullable(),
  payback_years: z.number().nullable(),
  lcoh_ct_per_kwh: z.number().nullable(),
  co2_t_per_year: z.number(),
});
export type PacketAllocation = z.infer<typeof allocationSchema>;

/** Where the match stands in the regional plan of the last run (domain.md 5.1). */
const planSchema = z.strictObject({
  /** member: in the plan, at `allocation`; alternative: not in it; none: no plan made in this database yet. */
  role: z.enum(['member', 'alternative', 'none']),
  objective: z.enum(['npv', 'co2', 'energy']).nullable(),
  /** When the plan was made, its number of members and its gap (0: proven optimal). */
  made_at: z.string().nullable(),
  members: z.number().int().nullable(),
  gap: z.number().nullable(),
  allocation: allocationSchema.nullable(),
});
export type PacketPlan = z.infer<typeof planSchema>;

export const HOURS_PER_YEAR = 8760;
const year = z.array(z.number()).length(HOURS_PER_YEAR);

/**
 * A heat, steam or cooling exchange hour by hour over the model year (8,760 hours, MW, rounded to
 * 10 W): what the exchanger can pass from the supply, what the demand needs, what arrives at the
 * demand at `share` of the exchange priced alone (the plan's allocation, or 1).
 */
const hourlySchema = z.strictObject({
  unit: z.literal('MW'),
  share: z.number(),
  available: year,
  demand: year,
  delivered: year,
  /** The delivered energy the packet states for this series (the engine's stored figure at `share`), MWh per year. */
  delivered_mwh_per_year: z.number(),
});
export type PacketHourly = z.infer<typeof hourlySchema>;

const sensitivityPoint = z.strictObject({ change: z.number(), npv_eur: z.number() });
const priceSchema = z.strictObject({ eur_per_unit: z.number(), unit: z.string(), source: z.enum(['flow', 'default', 'none']) });

/** The engine's economics as stored (main/matching/economics.ts EconomicsView); extra keys kept. */
const economicsSchema = z.looseObject({
  capex_eur: z.number(),
  opex_eur_per_year: z.number(),
  annual_value_eur: z.number(),
  cash_flow_eur_per_year: z.number(),
  npv_eur: z.number(),
  irr: z.number().nullable(),
  payback_years: z.number().nullable(),
  co2_t_per_year: z.number(),
  delivered: z.strictObject({ amount: z.number(), unit: z.string() }),
  delivered_per_year: z.strictObject({ amount: z.number(), unit: z.string() }),
  hours_per_year: z.number(),
  price: priceSchema,
  avoided_disposal: priceSchema,
  sensitivity: z.strictObject({ annual_value: z.array(sensitivityPoint), capex: z.array(sensitivityPoint) }),
  complexity: z.looseObject({ level: z.string(), risk_level: z.string(), exchange_cost_eur: z.number(), npv_after_exchange_costs_eur: z.number() }),
  capex_breakdown: capexBreakdownSchema.optional(),
  /** Version 2 (heat, steam, cooling): the exchange by the hour; null for other types; absent in version-1 matches. */
  heat: heatSchema.nullable().optional(),
});

export const packetDataSchema = z.strictObject({
  format: z.literal(PACKET_FORMAT),
  version: z.literal(PACKET_VERSION),
  generated_at: z.string(),
  app_version: z.string(),
  engine_version: z.string(),
  match: z.strictObject({
    id: z.string(),
    type: z.enum(FLOW_TYPES),
    status: z.string(),
    route: z.enum(['automated', 'facilitated']),
    route_reasons: z.array(z.string()),
    score: z.number(),
    scores: z.record(z.string(), z.number()),
    binding_constraint: z.string().nullable(),
    relaxed: z.array(z.string()),
    distance_km: z.number(),
    assumptions: z.array(z.string()),
    /** When the engine last computed these numbers (the stored match's updated_at). */
    computed_at: z.string(),
    /** v1: priced by the earlier method (engine version 1: yearly averages, one pipe, 2 %/km); v2: by the hour with the regional plan. Absent in bundles written before. */
    priced_by: z.enum(['v1', 'v2']).optional(),
  }),
  economics: economicsSchema,
  /** The match in the regional plan (absent in bundles written before the plan existed). */
  plan: planSchema.optional(),
  /** Heat, steam and cooling priced by the hour: the year's series for the chart; null otherwise; absent in bundles written before. */
  hourly: hourlySchema.nullable().optional(),
  /** The engine configuration behind the numbers (discount rate, horizon, maintenance). */
  basis: z.strictObject({ discount_rate: z.number(), horizon_years: z.number(), maintenance_rate: z.number() }),
  supply: partySchema,
  demand: partySchema,
  risks: z.array(z.strictObject({ id: z.string(), title: z.string(), why: z.string(), source: z.string() })),
  templates: z.strictObject({ date: z.string(), decision_date: z.string(), law: z.string(), nda_years: z.number() }),
  attributions: z.strictObject({
    /** A flow, organisation or site comes from the Hotmaps Industrial Database. */
    hotmaps: z.boolean(),
    synthetic: z.boolean(),
    /** Priced with the Hotmaps excess-heat module's method and parameters (pipe classes, soil, electricity): heat by the hour. */
    hotmaps_method: z.boolean().optional(),
    /** A flow follows a Hotmaps hourly load profile (task 2.7). */
    hotmaps_profiles: z.boolean().optional(),
  }),
});
export type PacketData = z.infer<typeof packetDataSchema>;
export type Partner = 'supply' | 'demand';
export const PARTNERS: readonly Partner[] = ['supply', 'demand'];
