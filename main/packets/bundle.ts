/**
 * The `turash-packet` v1 JSON bundle: everything a partner packet shows, machine-readable, for
 * both partner organisations of one match. The PDFs are rendered from it and nothing else, so a
 * number in a PDF is a number in the bundle, and the bundle's numbers are the stored match's.
 *
 * Contacts appear only as the sharing rule of sharing.ts allows: a private organisation's
 * `contact` is absent, not blanked.
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
  }),
  economics: economicsSchema,
  /** The engine configuration behind the numbers (discount rate, horizon, maintenance). */
  basis: z.strictObject({ discount_rate: z.number(), horizon_years: z.number(), maintenance_rate: z.number() }),
  supply: partySchema,
  demand: partySchema,
  risks: z.array(z.strictObject({ id: z.string(), title: z.string(), why: z.string(), source: z.string() })),
  templates: z.strictObject({ date: z.string(), decision_date: z.string(), law: z.string(), nda_years: z.number() }),
  attributions: z.strictObject({ hotmaps: z.boolean(), synthetic: z.boolean() }),
});
export type PacketData = z.infer<typeof packetDataSchema>;
export type Partner = 'supply' | 'demand';
export const PARTNERS: readonly Partner[] = ['supply', 'demand'];
