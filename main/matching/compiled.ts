/**
 * The hot-path form of a flow: numbers instead of optional objects, the week as a 168-bit bitset
 * (six 32-bit words), months as a 12-bit integer, prices converted to EUR per base unit, angles in
 * radians. Built once per flow; the pair evaluator reads nothing else.
 */
import { FLOW_TYPES, MAX_QUANTITY, type FlowType, type Precision } from '../domain/entities.ts';
import type { MatchFlow, Range } from './input.ts';
import { pricePerBase } from './prices.ts';
import { PRECISION_WEIGHT } from '../domain/units.ts';
import type { HourlyShape } from './hourly/shapes.ts';
import { flowCategory, MATERIAL_CATEGORIES, type MaterialCategory } from '../domain/materials.ts';
import { RECOVERY_OPERATIONS } from '../domain/entities.ts';

/** Material category codes (domain/materials.ts): the vocabulary's index, or one of these. */
export const CATEGORY_NONE = -1;
/** A stated category outside the vocabulary: compared by its text (`category`). */
export const CATEGORY_FREE = -2;
export const CATEGORY_CODE: Record<MaterialCategory, number> = Object.fromEntries(MATERIAL_CATEGORIES.map((c, i) => [c, i])) as Record<MaterialCategory, number>;

/** R1..R13 as bits 0..12 (0: none stated). */
export function recoveryMask(ops: readonly string[] | undefined): number {
  let mask = 0;
  for (const op of ops ?? []) {
    const i = (RECOVERY_OPERATIONS as readonly string[]).indexOf(op);
    if (i >= 0) mask |= 1 << i;
  }
  return mask;
}

export const TYPE_CODE: Record<FlowType, number> = Object.fromEntries(FLOW_TYPES.map((t, i) => [t, i])) as Record<FlowType, number>;

/** Why a price was not taken from the flow: '' taken, 'none' not stated, 'unit' unit not understood. */
export type PriceNote = '' | 'none' | 'unit';

export interface CompiledFlow {
  /** Position in the matcher's flow table. */
  idx: number;
  id: string;
  src: MatchFlow;
  /** Small integers standing for the organization and the country (interned per matcher). */
  org: number;
  country: number;
  /** Rank of `id` in sorted order: the final tie-break of every ranking. */
  order: number;
  supply: boolean;
  type: FlowType;
  typeCode: number;
  active: boolean;
  amount: number;
  lat: number;
  lon: number;
  phi: number;
  cosPhi: number;
  lam: number;
  /** Unit vector of the point (for a cheap chord pre-check before the haversine). */
  ux: number;
  uy: number;
  uz: number;
  precision: Precision;
  /** PRECISION_WEIGHT of the stated precision, and of the precision once a measurement is too old. */
  pwFresh: number;
  pwAged: number;
  /** ms since epoch of the measurement, NaN when none. */
  measuredMs: number;
  trust: number;
  tMin: number;
  tMax: number;
  pMin: number;
  pMax: number;
  purity: number;
  contamination: number;
  hazardous: boolean;
  acceptsHazardous: boolean;
  /** EWC digits ('' when none). */
  ewc: string;
  acceptedEwc: ReadonlySet<string> | null;
  /** Lower-case, trimmed; '' when none. */
  category: string;
  /** The material category (CATEGORY_CODE) of the stated text, else of the EWC code; CATEGORY_NONE / CATEGORY_FREE. */
  categoryCode: number;
  /** Recovery operations stated (recoveryMask). */
  recovery: number;
  compost: boolean;
  w0: number;
  w1: number;
  w2: number;
  w3: number;
  w4: number;
  w5: number;
  weekHours: number;
  months: number;
  monthCount: number;
  stated: boolean;
  priceBase: number;
  priceNote: PriceNote;
  disposalBase: number;
  disposalNote: PriceNote;
  maxKm: number;
  /** Heat, steam, cooling: the hourly shape (5.2); null for other types. */
  shape: HourlyShape | null;
  /** Average power over the 8,760 hours of the year (annual energy / 8,760), MW; 0 for non-thermal types. */
  avgMw: number;
  /** ISO country code as stated. */
  countryCode: string;
  /** A demand's current fuel ('' when not stated). */
  fuel: string;
}

export function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** A range with one open end is open on that side (min 70: anything from 70 up); none stated: NaN. */
const stated = (r: Range | undefined): r is Range => r !== undefined && (r.min !== undefined || r.max !== undefined);
const lower = (r: Range | undefined) => (stated(r) ? (r.min ?? Number.NEGATIVE_INFINITY) : Number.NaN);
const upper = (r: Range | undefined) => (stated(r) ? (r.max ?? Number.POSITIVE_INFINITY) : Number.NaN);
const num = (v: number | undefined) => (v === undefined ? Number.NaN : v);
const ewcDigits = (code: string | undefined) => (code === undefined ? '' : code.replace('*', ''));

/** Hazardous: so stated, or an EWC code marked '*' (hazardous waste). */
export const isHazardous = (f: MatchFlow): boolean => f.quality.hazardous === true || (f.quality.ewc?.endsWith('*') ?? false);

/** Types priced by the hour (5.2): their canonical unit is kW. */
export const HOURLY_TYPES: ReadonlySet<FlowType> = new Set<FlowType>(['heat', 'steam', 'cooling']);

export function compileFlow(f: MatchFlow, idx: number, org: number, country: number, order: number, shape: HourlyShape | null = null): CompiledFlow {
  const words = [0, 0, 0, 0, 0, 0];
  let weekHours = 168;
  if (f.week_mask === undefined) {
    for (let i = 0; i < 5; i++) words[i] = -1;
    words[5] = 0xff; // hours 160..167
  } else {
    weekHours = 0;
    for (let h = 0; h < 168; h++) {
      if (f.week_mask[h]) {
        words[h >>> 5]! |= 1 << (h & 31);
        weekHours++;
      }
    }
  }
  let months = 0xfff;
  let monthCount = 12;
  if (f.month_mask !== undefined) {
    months = 0;
    monthCount = 0;
    for (let m = 0; m < 12; m++) {
      if (f.month_mask[m]) {
        months |= 1 << m;
        monthCount++;
      }
    }
  }
  const q = f.quality;
  // Quantities are bounded where they enter (main/domain/entities.ts); one stored before that
  // bound counts as nothing, so the economics never become infinite or NaN (canonical units are at
  // most 1e9 times the stated ones).
  const amount = Number.isFinite(f.amount) && Math.abs(f.amount) <= MAX_QUANTITY * 1e9 ? f.amount : 0;
  const price = f.price_eur === undefined ? Number.NaN : pricePerBase(f.type, f.price_eur, f.price_per);
  const disposal = f.disposal_cost_eur === undefined ? Number.NaN : pricePerBase(f.type, f.disposal_cost_eur, f.disposal_per);
  const measured = f.measured_at === undefined ? Number.NaN : Date.parse(f.measured_at);
  const category = (q.category ?? '').trim().toLowerCase();
  const cat = flowCategory(q);
  return {
    idx,
    id: f.id,
    src: f,
    org,
    country,
    order,
    supply: f.direction === 'supply',
    type: f.type,
    typeCode: TYPE_CODE[f.type],
    active: f.status === 'active',
    amount,
    lat: f.lat,
    lon: f.lon,
    phi: (f.lat * Math.PI) / 180,
    cosPhi: Math.cos((f.lat * Math.PI) / 180),
    lam: (f.lon * Math.PI) / 180,
    ux: Math.cos((f.lat * Math.PI) / 180) * Math.cos((f.lon * Math.PI) / 180),
    uy: Math.cos((f.lat * Math.PI) / 180) * Math.sin((f.lon * Math.PI) / 180),
    uz: Math.sin((f.lat * Math.PI) / 180),
    precision: f.precision,
    pwFresh: PRECISION_WEIGHT[f.precision],
    pwAged: PRECISION_WEIGHT[f.precision === 'measured' ? 'estimated' : f.precision],
    measuredMs: measured,
    trust: f.trust,
    tMin: lower(q.temperature_c),
    tMax: upper(q.temperature_c),
    pMin: lower(q.pressure_bar),
    pMax: upper(q.pressure_bar),
    purity: num(q.purity_pct),
    contamination: num(q.contamination_mg_kg),
    hazardous: isHazardous(f),
    acceptsHazardous: q.accepts_hazardous === true,
    ewc: ewcDigits(q.ewc),
    acceptedEwc: q.accepted_ewc && q.accepted_ewc.length > 0 ? new Set(q.accepted_ewc.map(ewcDigits)) : null,
    category,
    categoryCode: cat.kind === 'known' ? CATEGORY_CODE[cat.category] : cat.kind === 'free' ? CATEGORY_FREE : CATEGORY_NONE,
    recovery: recoveryMask(q.recovery_operations),
    compost: category.includes('compost'),
    w0: words[0]!,
    w1: words[1]!,
    w2: words[2]!,
    w3: words[3]!,
    w4: words[4]!,
    w5: words[5]!,
    weekHours,
    months,
    monthCount,
    stated: f.schedule_stated,
    priceBase: price,
    priceNote: f.price_eur === undefined ? 'none' : Number.isNaN(price) ? 'unit' : '',
    disposalBase: disposal,
    disposalNote: f.disposal_cost_eur === undefined ? 'none' : Number.isNaN(disposal) ? 'unit' : '',
    maxKm: f.max_distance_km ?? Number.POSITIVE_INFINITY,
    shape,
    // canonical kW over the flow's available hours -> annual MWh -> average MW over the year
    avgMw: HOURLY_TYPES.has(f.type) ? (amount * f.hours_per_year) / 1000 / 8760 : 0,
    countryCode: f.country,
    fuel: f.current_fuel ?? '',
  };
}

export function overlapWeekHours(a: CompiledFlow, b: CompiledFlow): number {
  return (
    popcount32(a.w0 & b.w0) +
    popcount32(a.w1 & b.w1) +
    popcount32(a.w2 & b.w2) +
    popcount32(a.w3 & b.w3) +
    popcount32(a.w4 & b.w4) +
    popcount32(a.w5 & b.w5)
  );
}

export function overlapMonthCount(a: CompiledFlow, b: CompiledFlow): number {
  return popcount32(a.months & b.months);
}

/** PRECISION_WEIGHT of effectivePrecisionAt(f, cutoffMs), without the lookup. */
export function precisionWeightAt(f: CompiledFlow, cutoffMs: number): number {
  return f.measuredMs < cutoffMs ? f.pwAged : f.pwFresh;
}

/** The precision a flow's numbers deserve at `cutoffMs` (measurements before it count as estimated). */
export function effectivePrecisionAt(f: CompiledFlow, cutoffMs: number): Precision {
  return f.precision === 'measured' && f.measuredMs < cutoffMs ? 'estimated' : f.precision;
}

/**
 * The hot fields of the compiled flows as columns (struct of arrays, typed), indexed by table
 * position. The pair evaluator, the scores and the economics read only these: typed arrays keep
 * numbers unboxed and side by side, where a field of an object would be a pointer to a boxed
 * double somewhere on the heap. Written from the CompiledFlow by `write` (the object stays the
 * readable form for records and explanations).
 */
export class FlowColumns {
  capacity = 0;
  supply = new Uint8Array(0);
  active = new Uint8Array(0);
  hazardous = new Uint8Array(0);
  acceptsHazardous = new Uint8Array(0);
  stated = new Uint8Array(0);
  typeCode = new Int32Array(0);
  org = new Int32Array(0);
  country = new Int32Array(0);
  w0 = new Int32Array(0);
  w1 = new Int32Array(0);
  w2 = new Int32Array(0);
  w3 = new Int32Array(0);
  w4 = new Int32Array(0);
  w5 = new Int32Array(0);
  months = new Int32Array(0);
  categoryCode = new Int32Array(0);
  recovery = new Int32Array(0);
  weekHours = new Int32Array(0);
  monthCount = new Int32Array(0);
  ux = new Float64Array(0);
  uy = new Float64Array(0);
  uz = new Float64Array(0);
  phi = new Float64Array(0);
  lam = new Float64Array(0);
  cosPhi = new Float64Array(0);
  amount = new Float64Array(0);
  maxKm = new Float64Array(0);
  tMin = new Float64Array(0);
  tMax = new Float64Array(0);
  pMin = new Float64Array(0);
  pMax = new Float64Array(0);
  purity = new Float64Array(0);
  contamination = new Float64Array(0);
  trust = new Float64Array(0);
  measuredMs = new Float64Array(0);
  pwFresh = new Float64Array(0);
  pwAged = new Float64Array(0);
  priceBase = new Float64Array(0);
  disposalBase = new Float64Array(0);
  avgMw = new Float64Array(0);
  /** Heat, steam and cooling pairs only (5.2). */
  shape: (HourlyShape | null)[] = [];
  countryCode: string[] = [];
  fuel: string[] = [];
  /** Rarely read (waste and service pairs only): plain arrays. */
  ewc: string[] = [];
  acceptedEwc: (ReadonlySet<string> | null)[] = [];
  category: string[] = [];

  constructor(capacity = 16) {
    this.ensure(capacity);
  }

  /** Makes room for positions 0..n-1 (doubling). */
  ensure(n: number): void {
    if (n <= this.capacity) return;
    let cap = Math.max(16, this.capacity);
    while (cap < n) cap *= 2;
    const self = this as unknown as Record<string, unknown>;
    for (const key of Object.keys(this)) {
      const a = self[key];
      if (a instanceof Float64Array || a instanceof Int32Array || a instanceof Uint8Array) {
        const b = new (a.constructor as new (n: number) => Float64Array | Int32Array | Uint8Array)(cap);
        b.set(a as never);
        self[key] = b;
      }
    }
    this.capacity = cap;
  }

  write(i: number, f: CompiledFlow): void {
    this.ensure(i + 1);
    this.supply[i] = f.supply ? 1 : 0;
    this.active[i] = f.active ? 1 : 0;
    this.hazardous[i] = f.hazardous ? 1 : 0;
    this.acceptsHazardous[i] = f.acceptsHazardous ? 1 : 0;
    this.stated[i] = f.stated ? 1 : 0;
    this.typeCode[i] = f.typeCode;
    this.org[i] = f.org;
    this.country[i] = f.country;
    this.w0[i] = f.w0;
    this.w1[i] = f.w1;
    this.w2[i] = f.w2;
    this.w3[i] = f.w3;
    this.w4[i] = f.w4;
    this.w5[i] = f.w5;
    this.months[i] = f.months;
    this.categoryCode[i] = f.categoryCode;
    this.recovery[i] = f.recovery;
    this.weekHours[i] = f.weekHours;
    this.monthCount[i] = f.monthCount;
    this.ux[i] = f.ux;
    this.uy[i] = f.uy;
    this.uz[i] = f.uz;
    this.phi[i] = f.phi;
    this.lam[i] = f.lam;
    this.cosPhi[i] = f.cosPhi;
    this.amount[i] = f.amount;
    this.maxKm[i] = f.maxKm;
    this.tMin[i] = f.tMin;
    this.tMax[i] = f.tMax;
    this.pMin[i] = f.pMin;
    this.pMax[i] = f.pMax;
    this.purity[i] = f.purity;
    this.contamination[i] = f.contamination;
    this.trust[i] = f.trust;
    this.measuredMs[i] = f.measuredMs;
    this.pwFresh[i] = f.pwFresh;
    this.pwAged[i] = f.pwAged;
    this.priceBase[i] = f.priceBase;
    this.disposalBase[i] = f.disposalBase;
    this.avgMw[i] = f.avgMw;
    this.shape[i] = f.shape;
    this.countryCode[i] = f.countryCode;
    this.fuel[i] = f.fuel;
    this.ewc[i] = f.ewc;
    this.acceptedEwc[i] = f.acceptedEwc;
    this.category[i] = f.category;
  }

  /** Columns of just these flows, at positions 0, 1, ... (each flow's `idx` must be its position). */
  static of(flows: readonly CompiledFlow[]): FlowColumns {
    const cols = new FlowColumns(flows.length);
    flows.forEach((f, i) => cols.write(i, f));
    return cols;
  }
}

/** precisionWeightAt on columns. */
export function precisionWeightAtCol(cols: FlowColumns, i: number, cutoffMs: number): number {
  return cols.measuredMs[i]! < cutoffMs ? cols.pwAged[i]! : cols.pwFresh[i]!;
}
