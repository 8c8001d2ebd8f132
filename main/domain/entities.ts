/**
 * The entities of the local graph, as zod schemas.
 *
 * The shapes are those of the interchange format (domain.md section 4, `turash-exchange` v1): the
 * same keys are used in the API, in import/export and in the database's JSON columns, so there is
 * one definition of what a valid organization, site or flow is. Objects are strict: an unknown key
 * is an error that names it, because a silently dropped key is data a user thinks they saved.
 *
 * Beyond the keys shown in the brief's example, the optional keys of domain.md section 1 are
 * accepted (legal_form, employees, readiness, certifications, notes, provenance, ...); they are
 * listed in docs/interchange.md.
 */
import { z } from 'zod';
import { isProfileName } from './profile-names.ts';

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const idSchema = z
  .string()
  .regex(ID_PATTERN, 'an id is 1-128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit');

export const SHARING_LEVELS = ['public', 'partners', 'private'] as const;
export const sharingSchema = z.enum(SHARING_LEVELS);

export const SITE_KINDS = ['plant', 'warehouse', 'office', 'park', 'building', 'network_area'] as const;
export const FLOW_DIRECTIONS = ['supply', 'demand'] as const;
export const FLOW_TYPES = [
  'heat',
  'steam',
  'cooling',
  'water',
  'wastewater',
  'co2',
  'compressed_air',
  'electricity',
  'material',
  'waste',
  'logistics',
  'service',
] as const;
export type FlowType = (typeof FLOW_TYPES)[number];
export const PRECISIONS = ['rough', 'estimated', 'measured'] as const;
export type Precision = (typeof PRECISIONS)[number];
export const FLOW_STATUSES = ['active', 'paused', 'archived'] as const;
export const TRANSPORT_MODES = ['pipe', 'truck', 'rail', 'ship', 'cable'] as const;

const nonEmptyText = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);
const optionalText = (max: number) => z.string().trim().max(max).optional();

export const contactSchema = z.strictObject({
  name: optionalText(200),
  email: z.email('not a valid e-mail address').optional(),
  phone: z
    .string()
    .trim()
    .max(40)
    .regex(/^[+0-9 ()./-]*$/, 'a phone number has digits, spaces and + ( ) . / - only')
    .optional(),
});

export const organizationSchema = z.strictObject({
  id: idSchema,
  name: nonEmptyText(200),
  legal_form: optionalText(80),
  nace: z
    .string()
    .trim()
    .regex(/^[A-U](\d{1,2}(\.\d{1,2})?)?$/, 'a NACE code is a section letter and up to 4 digits, like C20 or C20.14')
    .optional(),
  sector: optionalText(120),
  employees: z.int().min(0).optional(),
  trust: z.number().min(0).max(1).optional(),
  readiness: z.int().min(1).max(5).optional(),
  certifications: z.array(nonEmptyText(80)).max(50).optional(),
  sharing: sharingSchema.optional(),
  contact: contactSchema.optional(),
  notes: optionalText(10_000),
});
export type Organization = z.infer<typeof organizationSchema>;

export const siteSchema = z.strictObject({
  id: idSchema,
  organization_id: idSchema,
  name: nonEmptyText(200),
  address: optionalText(300),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'a country is an ISO 3166-1 alpha-2 code in capitals, like DE'),
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  kind: z.enum(SITE_KINDS).optional(),
  notes: optionalText(10_000),
});
export type Site = z.infer<typeof siteSchema>;

/** A closed numeric range; `min <= max` is checked. Either end may be left out. */
const rangeSchema = (lo: number, hi: number) =>
  z
    .strictObject({ min: z.number().min(lo).max(hi).optional(), max: z.number().min(lo).max(hi).optional() })
    .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, {
      message: 'min must not be above max',
      path: ['min'],
    });

/**
 * Recovery operations of the Waste Framework Directive (2008/98/EC) Annex II: R1 energy recovery,
 * R2 solvent reclamation, R3 organic substances (composting, digestion), R4 metals, R5 other
 * inorganic materials, R6 acids and bases, R7 pollution-abatement components, R8 catalysts, R9 oil
 * re-refining, R10 land treatment, R11 use of wastes from R1-R10, R12 exchange for R1-R11, R13
 * storage pending R1-R12. On a demand: the operations its permit allows; on a supply: those it suits.
 */
export const RECOVERY_OPERATIONS = ['R1', 'R2', 'R3', 'R4', 'R5', 'R6', 'R7', 'R8', 'R9', 'R10', 'R11', 'R12', 'R13'] as const;
export type RecoveryOperation = (typeof RECOVERY_OPERATIONS)[number];
/** Legal status of a material (Waste Framework Directive art. 5 by-product, art. 6 end-of-waste). */
export const WASTE_STATUSES = ['waste', 'by_product', 'end_of_waste'] as const;
export type WasteStatus = (typeof WASTE_STATUSES)[number];
/** The fuel a demand burns today for the heat a match would replace (the CO2 counterfactual, domain.md 5.2). */
export const CURRENT_FUELS = ['natural_gas', 'heating_oil', 'coal', 'lignite', 'lpg', 'biomass', 'electricity', 'district_heating'] as const;
export type CurrentFuel = (typeof CURRENT_FUELS)[number];

export const EWC_PATTERN = /^\d{6}\*?$/;
const ewcSchema = z.string().regex(EWC_PATTERN, 'an EWC code is 6 digits, with a trailing * when hazardous');

export const qualitySchema = z.strictObject({
  temperature_c: rangeSchema(-273.15, 2000).optional(),
  pressure_bar: rangeSchema(0, 1000).optional(),
  purity_pct: z.number().min(0).max(100).optional(),
  contamination_mg_kg: z.number().min(0).optional(),
  ph: rangeSchema(0, 14).optional(),
  moisture_pct: z.number().min(0).max(100).optional(),
  ewc: ewcSchema.optional(),
  hazardous: z.boolean().optional(),
  accepts_hazardous: z.boolean().optional(),
  accepted_ewc: z.array(ewcSchema).max(500).optional(),
  category: optionalText(120),
  recovery_operations: z
    .array(z.enum(RECOVERY_OPERATIONS, { error: (iss) => `${JSON.stringify(iss.input)} is not a recovery operation: use R1 .. R13 (Waste Framework Directive, Annex II)` }))
    .max(RECOVERY_OPERATIONS.length)
    .refine((r) => new Set(r).size === r.length, 'an operation is listed twice')
    .optional(),
  waste_status: z.enum(WASTE_STATUSES, { error: (iss) => `${JSON.stringify(iss.input)} is not a waste status: use waste, by_product or end_of_waste` }).optional(),
});

export const DAY_SPEC_PATTERN =
  /^(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?(,(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?)*$/;

export const weeklyIntervalSchema = z
  .strictObject({
    days: z.string().regex(DAY_SPEC_PATTERN, 'days are mon..sun, a range like mon-fri, or a comma list'),
    from: z.int().min(0).max(23),
    to: z.int().min(1).max(24),
  })
  .refine((w) => w.from < w.to, { message: '"from" must be before "to" (to is exclusive)', path: ['to'] });

const isoDate = z.iso.date('a date is YYYY-MM-DD');

/** The forms of a `temporal.profile` name, for error messages and docs. */
export const PROFILE_NAME_FORMS = 'flat, measured, hotmaps:residential:<NUTS2 region> or hotmaps:industry:<process>:<country>';

export const temporalSchema = z.strictObject({
  weekly: z.array(weeklyIntervalSchema).min(1, 'at least one interval (leave "weekly" out for all week)').max(168).optional(),
  months: z
    .array(z.int().min(1).max(12))
    .min(1, 'at least one month')
    .max(12)
    .refine((m) => new Set(m).size === m.length, 'a month is listed twice')
    .optional(),
  start: isoDate.optional(),
  end: isoDate.optional(),
  /** The hourly shape over a year (domain.md 5.2): a name of main/domain/profile-names.ts. */
  profile: z
    .string()
    .trim()
    .refine(isProfileName, {
      error: (issue) =>
        `${JSON.stringify(issue.input)} is not a known profile: use ${PROFILE_NAME_FORMS}`,
    })
    .optional(),
});

/**
 * The largest price per unit accepted: a billion euros per tonne, MWh or m3 is far above any real
 * price (catalyst platinum is some 3e7 €/t) and, times the largest quantity (MAX_QUANTITY), still
 * leaves the economics finite. A value like 1e300 came from a typo or a hostile member (it would
 * make every NPV infinite), so it is refused where it enters: import, the editor and sync.
 */
export const MAX_EUR_PER_UNIT = 1e9;
/** The largest flow quantity: 1e15 of any unit (a million TWh/yr is beyond every plant on Earth). */
export const MAX_QUANTITY = 1e15;

const grouped = (n: number): string => n.toLocaleString('en-GB');

/** Euros per unit of `field`, in the user's words when out of range. */
const eurPerUnit = (field: string) =>
  z
    .number({ error: `${field} must be a finite number of euros` })
    .min(0, `${field} must not be negative`)
    .max(MAX_EUR_PER_UNIT, `${field} must be at most ${grouped(MAX_EUR_PER_UNIT)} € per unit (a larger price is surely a typo)`);

export const economicsSchema = z.strictObject({
  price_eur: eurPerUnit('price_eur').optional(),
  price_per: z.string().trim().min(1).max(20).optional(),
  disposal_cost_eur: eurPerUnit('disposal_cost_eur').optional(),
  disposal_per: z.string().trim().min(1).max(20).optional(),
  price_asked_eur: eurPerUnit('price_asked_eur').optional(),
  price_asked_per: z.string().trim().min(1).max(20).optional(),
  current_fuel: z.enum(CURRENT_FUELS, { error: (iss) => `${JSON.stringify(iss.input)} is not a known fuel: use ${CURRENT_FUELS.join(', ')}` }).optional(),
});

export const logisticsSchema = z.strictObject({
  max_distance_km: z.number().positive().max(20_000).optional(),
  modes: z.array(z.enum(TRANSPORT_MODES)).max(5).optional(),
});

export const quantitySchema = z.strictObject({
  amount: z
    .number({ error: 'the amount must be a finite number' })
    .min(0, 'the amount must not be negative')
    .max(MAX_QUANTITY, `the amount must be at most ${grouped(MAX_QUANTITY)} (a larger quantity is surely a typo)`),
  unit: z.string().trim().min(1).max(20),
});

/** Who or what produced a flow's numbers (domain.md section 1, "precision, plus provenance"). */
export const provenanceSchema = z.strictObject({
  kind: z.enum(['manual', 'import', 'meter']),
  source: optionalText(300),
  /** True for demo data made up by Turash Field (never real company data). */
  synthetic: z.boolean().optional(),
  recorded_at: z.iso.datetime({ offset: true }).optional(),
  device_id: idSchema.optional(),
  point_ids: z.array(idSchema).optional(),
  period: z.strictObject({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) }).optional(),
  sample_count: z.int().min(0).optional(),
  coverage: z.number().min(0).max(1).optional(),
});
export type Provenance = z.infer<typeof provenanceSchema>;

export const flowSchema = z.strictObject({
  id: idSchema,
  site_id: idSchema,
  direction: z.enum(FLOW_DIRECTIONS),
  type: z.enum(FLOW_TYPES),
  name: nonEmptyText(200),
  description: optionalText(10_000),
  quantity: quantitySchema,
  precision: z.enum(PRECISIONS).optional(),
  provenance: provenanceSchema.optional(),
  quality: qualitySchema.optional(),
  temporal: temporalSchema.optional(),
  economics: economicsSchema.optional(),
  logistics: logisticsSchema.optional(),
  status: z.enum(FLOW_STATUSES).optional(),
});
export type Flow = z.infer<typeof flowSchema>;

export const DEFAULT_TRUST = 0.8; // domain.md section 1 (decision)
export const DEFAULT_SHARING = 'partners' satisfies (typeof SHARING_LEVELS)[number];
export const DEFAULT_PRECISION: Precision = 'estimated';
