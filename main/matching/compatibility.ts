/**
 * The hard constraints of domain.md 2.1: a (supply, demand) pair failing any is not a candidate.
 *
 * One evaluator serves everything: the indexed engine, the naive all-pairs reference and the
 * readable `checkPair`. It checks the constraints in the order of domain.md 2.1 (direction and type
 * with its EWC, material category and recovery-operation conditions, organization, distance, quality,
 * temporal, status) and stops at the first that fails, so the
 * reported reason is always the first failing constraint in that order. With the fallback on, a
 * constraint that fails as stated but passes relaxed (distance x1.5, tolerances x1.5, temporal
 * minimum /2) does not stop the pair: it records the relaxation it needed and the fallback step
 * that provides it.
 */
import type { FlowType } from '../domain/entities.ts';
import { FLOW_TYPES } from '../domain/entities.ts';
import { demandAccepts, MATERIAL_CATEGORIES } from '../domain/materials.ts';
import { CATEGORY_FREE, CATEGORY_NONE, compileFlow, effectivePrecisionAt, FlowColumns, popcount32, TYPE_CODE } from './compiled.ts';
import type { MatchingConfig, Relaxation } from './config.ts';
import { haversineRad } from './geo.ts';
import type { MatchFlow } from './input.ts';

/** 2.1.1: which demand types each supply type can serve. */
export const COMPATIBLE_DEMAND_TYPES: Record<FlowType, readonly FlowType[]> = {
  heat: ['heat'],
  steam: ['steam', 'heat'],
  cooling: ['cooling'],
  water: ['water'],
  wastewater: ['water', 'wastewater'],
  co2: ['co2'],
  compressed_air: ['compressed_air'],
  electricity: ['electricity'],
  material: ['material'],
  waste: ['material', 'waste'],
  logistics: ['logistics'],
  service: ['service'],
};

/** [supplyTypeCode * 12 + demandTypeCode] -> compatible. */
const COMPATIBLE = new Uint8Array(FLOW_TYPES.length * FLOW_TYPES.length);
for (const s of FLOW_TYPES) for (const d of COMPATIBLE_DEMAND_TYPES[s]) COMPATIBLE[TYPE_CODE[s] * FLOW_TYPES.length + TYPE_CODE[d]] = 1;

/** 2.1.1 on type codes: can a supply of type code `s` serve a demand of type code `d`? */
export function typesCompatible(s: number, d: number): boolean {
  return COMPATIBLE[s * FLOW_TYPES.length + d] === 1;
}

/** Every hard constraint, in the order they are checked (domain.md 2.1). */
export const CONSTRAINTS = [
  'direction',
  'type',
  'ewc',
  'category',
  'recovery_operations',
  'same_organization',
  'distance',
  'temperature',
  'pressure',
  'purity',
  'contamination',
  'hazardous',
  'temporal',
  'status',
] as const;
export type ConstraintName = (typeof CONSTRAINTS)[number];
const code = (name: ConstraintName) => CONSTRAINTS.indexOf(name) + 1;
const FAIL_DIRECTION = -code('direction');
const FAIL_TYPE = -code('type');
const FAIL_ORG = -code('same_organization');
const FAIL_DISTANCE = -code('distance');
const FAIL_TEMPERATURE = -code('temperature');
const FAIL_PRESSURE = -code('pressure');
const FAIL_PURITY = -code('purity');
const FAIL_CONTAMINATION = -code('contamination');
const FAIL_HAZARDOUS = -code('hazardous');
const FAIL_EWC = -code('ewc');
const FAIL_CATEGORY = -code('category');
const FAIL_RECOVERY = -code('recovery_operations');
const FAIL_TEMPORAL = -code('temporal');
const FAIL_STATUS = -code('status');

export function constraintOf(result: number): ConstraintName {
  return CONSTRAINTS[-result - 1]!;
}

/** Relaxation bits in PairFacts.relaxed. */
export const RELAX_DISTANCE = 1;
export const RELAX_TOLERANCES = 2;
export const RELAX_TEMPORAL = 4;
export function relaxationNames(bits: number): Relaxation[] {
  const out: Relaxation[] = [];
  if (bits & RELAX_DISTANCE) out.push('distance');
  if (bits & RELAX_TOLERANCES) out.push('tolerances');
  if (bits & RELAX_TEMPORAL) out.push('temporal');
  return out;
}

/** A config turned into the numbers the evaluator compares against (built once per run). */
export interface Thresholds {
  config: MatchingConfig;
  radiusKm: number;
  maxKm: number;
  typeKm: Float64Array;
  /** Fallback step (1-based) giving each relaxation, 0 when it is not available; and its factor. */
  distStep: number;
  distFactor: number;
  tolStep: number;
  tolFactor: number;
  tempStep: number;
  tempFactor: number;
  minHours: number;
  tolT: number;
  tolTHeatSteam: number;
  tolP: number;
  tolPurity: number;
  /** Category sub-score of a supply the demand accepts as an input of another category. */
  acceptedCategoryScore: number;
  /** Measurements before this time count as estimated. */
  cutoffMs: number;
}

export function thresholds(c: MatchingConfig): Thresholds {
  const step = (relax: Relaxation): [number, number] => {
    if (!c.fallback.enabled) return [0, 1];
    const i = c.fallback.steps.findIndex((s) => s.relax === relax);
    return i < 0 ? [0, 1] : [i + 1, c.fallback.steps[i]!.factor];
  };
  const [distStep, distFactor] = step('distance');
  const [tolStep, tolFactor] = step('tolerances');
  const [tempStep, tempFactor] = step('temporal');
  return {
    config: c,
    radiusKm: c.earth_radius_km,
    maxKm: c.max_km,
    typeKm: Float64Array.from(FLOW_TYPES, (t) => c.type_default_km[t]),
    distStep,
    distFactor,
    tolStep,
    tolFactor,
    tempStep,
    tempFactor,
    minHours: c.min_temporal_hours_per_week,
    tolT: c.tolerances.temperature_k,
    tolTHeatSteam: c.tolerances.temperature_k_heat_steam,
    tolP: c.tolerances.pressure_relative,
    tolPurity: c.tolerances.purity_points,
    acceptedCategoryScore: c.materials.accepted_input_score,
    cutoffMs: c.now_ms - c.measurement_max_age_days * 86_400_000,
  };
}

/** What the evaluator learnt about a pair; one object is reused for every pair (no allocation). */
export interface PairFacts {
  distanceKm: number;
  /** The effective (unrelaxed) distance limit: min(query, both flows' max, type default). */
  limitKm: number;
  /** Temperature gap in K and its sub-score (NaN when a side states no temperature). */
  tempGap: number;
  tempScore: number;
  tempTol: number;
  /** Pressure gap relative to the higher facing bound, and its sub-score (NaN when not stated). */
  pressureGap: number;
  pressureScore: number;
  /** Purity points below the demand's minimum (<= 0: none), and its sub-score (NaN when not stated). */
  purityShortfall: number;
  purityScore: number;
  /** Material category sub-score: 1 same category, `acceptedCategoryScore` an accepted input; NaN when not both stated. */
  categoryScore: number;
  overlapHours: number;
  overlapMonths: number;
  /**
   * The quantity delivered at this distance (economics.ts deliveredAmount). Not set by the
   * evaluator: whoever computes it stores it here for computeScores, so no double travels as a
   * call argument on the hot path (V8 boxes every double passed to a function it does not inline).
   */
  delivered: number;
  /** Relaxation bits needed (RELAX_*), and the fallback step that provides them all (0: none needed). */
  relaxed: number;
  step: number;
}

export function newFacts(): PairFacts {
  return {
    // doubles from the start (0.5, not 0): a field first holding a small integer changes its
    // representation when the first fraction arrives
    distanceKm: 0.5,
    limitKm: 0.5,
    tempGap: Number.NaN,
    tempScore: Number.NaN,
    tempTol: 0,
    pressureGap: Number.NaN,
    pressureScore: Number.NaN,
    purityShortfall: Number.NaN,
    purityScore: Number.NaN,
    categoryScore: Number.NaN,
    overlapHours: 0,
    overlapMonths: 0,
    delivered: 0.5,
    relaxed: 0,
    step: 0,
  };
}

const BELOW = 0; // only a supply below the demand is a gap (heat and steam temperatures; pressures that can be throttled)
const ABOVE = 1; // only a supply above the demand is a gap (cooling temperatures)
const APART = 2; // the distance between the two ranges

const TEMP_MODE = new Uint8Array(FLOW_TYPES.length).fill(APART);
TEMP_MODE[TYPE_CODE.heat] = BELOW;
TEMP_MODE[TYPE_CODE.steam] = BELOW;
TEMP_MODE[TYPE_CODE.cooling] = ABOVE;
const PRESSURE_MODE = new Uint8Array(FLOW_TYPES.length).fill(APART);
PRESSURE_MODE[TYPE_CODE.heat] = BELOW;
PRESSURE_MODE[TYPE_CODE.steam] = BELOW;
PRESSURE_MODE[TYPE_CODE.compressed_air] = BELOW;
const HEAT_OR_STEAM = new Uint8Array(FLOW_TYPES.length);
HEAT_OR_STEAM[TYPE_CODE.heat] = 1;
HEAT_OR_STEAM[TYPE_CODE.steam] = 1;
const WASTE = TYPE_CODE.waste;
const MATERIAL = TYPE_CODE.material;
const SERVICE = TYPE_CODE.service;

/** [demand category * K + supply category] -> the demand accepts it (domain/materials.ts demandAccepts). */
const K = MATERIAL_CATEGORIES.length;
const ACCEPTS = new Uint8Array(K * K);
MATERIAL_CATEGORIES.forEach((dc, di) => MATERIAL_CATEGORIES.forEach((sc, si) => (ACCEPTS[di * K + si] = demandAccepts(dc, sc) ? 1 : 0)));

function rangeGap(mode: number, sLo: number, sHi: number, dLo: number, dHi: number): number {
  if (mode === BELOW) return dLo > sHi ? dLo - sHi : 0;
  if (mode === ABOVE) return sLo > dHi ? sLo - dHi : 0;
  if (dLo > sHi) return dLo - sHi;
  if (sLo > dHi) return sLo - dHi;
  return 0;
}

/** The bound the gap is measured from, for a relative (pressure) gap: the higher of the two facing ends. */
function facingBound(mode: number, sLo: number, sHi: number, dLo: number): number {
  if (mode === BELOW) return dLo;
  if (mode === ABOVE) return sLo;
  return dLo > sHi ? dLo : sLo;
}

const linear = (gap: number, tol: number) => (gap <= 0 ? 1 : gap >= tol ? 0 : 1 - gap / tol);

/**
 * Evaluates a pair. Returns the fallback step it needs (0: passes as stated) or, when it is not a
 * candidate, a negative number naming the first failing constraint (`constraintOf`). `f` receives
 * the facts either way (up to the failing constraint).
 */
export function evaluatePair(cols: FlowColumns, s: number, d: number, th: Thresholds, f: PairFacts): number {
  f.relaxed = 0;
  f.step = 0;
  f.tempScore = Number.NaN;
  f.pressureScore = Number.NaN;
  f.purityScore = Number.NaN;
  f.tempGap = Number.NaN;
  f.pressureGap = Number.NaN;
  f.purityShortfall = Number.NaN;
  f.categoryScore = Number.NaN;
  // 1. direction and type
  if (cols.supply[s] === 0 || cols.supply[d] === 1) return FAIL_DIRECTION;
  const st = cols.typeCode[s]!;
  if (COMPATIBLE[st * FLOW_TYPES.length + cols.typeCode[d]!] === 0) return FAIL_TYPE;
  // (2.1.1 continued) waste: EWC codes must match when the demand lists accepted codes; material and
  // waste: the material category must fit (5.3) and stated recovery operations must share one; service: same category
  if (st === WASTE || st === MATERIAL) {
    if (st === WASTE) {
      const accepted = cols.acceptedEwc[d]!;
      if (accepted !== null && !accepted.has(cols.ewc[s]!)) return FAIL_EWC;
    }
    const sc = cols.categoryCode[s]!;
    const dc = cols.categoryCode[d]!;
    if (sc !== CATEGORY_NONE && dc !== CATEGORY_NONE) {
      if (sc >= 0 && dc >= 0) {
        if (ACCEPTS[dc * K + sc] === 0) return FAIL_CATEGORY;
        f.categoryScore = sc === dc ? 1 : th.acceptedCategoryScore;
      } else {
        // free text on either side: the same text (case-insensitive), as before the vocabulary
        if (sc !== CATEGORY_FREE || dc !== CATEGORY_FREE || cols.category[s] !== cols.category[d]) return FAIL_CATEGORY;
        f.categoryScore = 1;
      }
    }
    const sr = cols.recovery[s]!;
    const dr = cols.recovery[d]!;
    if (sr !== 0 && dr !== 0 && (sr & dr) === 0) return FAIL_RECOVERY;
  } else if (st === SERVICE) {
    const sc = cols.category[s]!;
    const dc = cols.category[d]!;
    if (sc !== '' && dc !== '' && sc !== dc) return FAIL_CATEGORY;
  }
  // 2. not the same organization
  if (cols.org[s] === cols.org[d]) return FAIL_ORG;
  // 3. distance
  let limit = th.typeKm[st]!;
  if (th.maxKm < limit) limit = th.maxKm;
  const sMax = cols.maxKm[s]!;
  const dMax = cols.maxKm[d]!;
  if (sMax < limit) limit = sMax;
  if (dMax < limit) limit = dMax;
  const reach = th.distStep === 0 ? limit : limit * th.distFactor;
  // Cheap pre-check: the chord between the unit vectors is 2 sin(d / 2R). Only pairs clearly
  // beyond reach (0.1 % margin) are dropped here; the haversine decides every other pair.
  const dx = cols.ux[s]! - cols.ux[d]!;
  const dy = cols.uy[s]! - cols.uy[d]!;
  const dz = cols.uz[s]! - cols.uz[d]!;
  const chord2 = dx * dx + dy * dy + dz * dz;
  const half = reach / (2 * th.radiusKm);
  if (half < 1.5 && chord2 > 4 * half * half * 1.002) {
    f.distanceKm = Number.NaN;
    f.limitKm = limit;
    return FAIL_DISTANCE;
  }
  const dist = haversineRad(cols.phi[s]!, cols.lam[s]!, cols.cosPhi[s]!, cols.phi[d]!, cols.lam[d]!, cols.cosPhi[d]!, th.radiusKm);
  f.distanceKm = dist;
  f.limitKm = limit;
  let step = 0;
  let relaxed = 0;
  if (dist > limit) {
    if (th.distStep === 0 || dist > limit * th.distFactor) return FAIL_DISTANCE;
    relaxed |= RELAX_DISTANCE;
    step = th.distStep;
  }
  // 4. quality within tolerance
  let needTol = false;
  const tolRelax = th.tolStep === 0 ? 1 : th.tolFactor;
  const sTMin = cols.tMin[s]!;
  const dTMin = cols.tMin[d]!;
  if (!Number.isNaN(sTMin) && !Number.isNaN(dTMin)) {
    const tol = HEAT_OR_STEAM[st] === 1 ? th.tolTHeatSteam : th.tolT;
    const gap = rangeGap(TEMP_MODE[st]!, sTMin, cols.tMax[s]!, dTMin, cols.tMax[d]!);
    f.tempGap = gap;
    f.tempTol = tol;
    f.tempScore = linear(gap, tol);
    if (gap > tol) {
      if (gap > tol * tolRelax) return FAIL_TEMPERATURE;
      needTol = true;
    }
  }
  const sPMin = cols.pMin[s]!;
  const dPMin = cols.pMin[d]!;
  if (!Number.isNaN(sPMin) && !Number.isNaN(dPMin)) {
    const mode = PRESSURE_MODE[st]!;
    const sPMax = cols.pMax[s]!;
    const gap = rangeGap(mode, sPMin, sPMax, dPMin, cols.pMax[d]!);
    const rel = gap > 0 ? gap / facingBound(mode, sPMin, sPMax, dPMin) : 0;
    f.pressureGap = rel;
    f.pressureScore = linear(rel, th.tolP);
    if (rel > th.tolP) {
      if (rel > th.tolP * tolRelax) return FAIL_PRESSURE;
      needTol = true;
    }
  }
  const sPurity = cols.purity[s]!;
  const dPurity = cols.purity[d]!;
  if (!Number.isNaN(sPurity) && !Number.isNaN(dPurity)) {
    const short = dPurity - sPurity;
    f.purityShortfall = short;
    f.purityScore = linear(short, th.tolPurity);
    if (short > th.tolPurity) {
      if (short > th.tolPurity * tolRelax) return FAIL_PURITY;
      needTol = true;
    }
  }
  if (cols.contamination[d]! < cols.contamination[s]!) return FAIL_CONTAMINATION; // NaN on either side: not compared
  if (cols.hazardous[s] === 1 && cols.acceptsHazardous[d] === 0) return FAIL_HAZARDOUS;
  if (needTol) {
    relaxed |= RELAX_TOLERANCES;
    if (th.tolStep > step) step = th.tolStep;
  }
  // 5. temporal overlap
  const hours =
    popcount32(cols.w0[s]! & cols.w0[d]!) +
    popcount32(cols.w1[s]! & cols.w1[d]!) +
    popcount32(cols.w2[s]! & cols.w2[d]!) +
    popcount32(cols.w3[s]! & cols.w3[d]!) +
    popcount32(cols.w4[s]! & cols.w4[d]!) +
    popcount32(cols.w5[s]! & cols.w5[d]!);
  const months = popcount32(cols.months[s]! & cols.months[d]!);
  f.overlapHours = hours;
  f.overlapMonths = months;
  if (months === 0) return FAIL_TEMPORAL;
  if (hours < th.minHours) {
    if (th.tempStep === 0 || hours < th.minHours * th.tempFactor) return FAIL_TEMPORAL;
    relaxed |= RELAX_TEMPORAL;
    if (th.tempStep > step) step = th.tempStep;
  }
  // 6. both active
  if (cols.active[s] === 0 || cols.active[d] === 0) return FAIL_STATUS;
  f.relaxed = relaxed;
  f.step = step;
  return step;
}

export interface PairFactsView {
  distance_km: number;
  limit_km: number;
  temperature_gap_k: number | null;
  pressure_gap_relative: number | null;
  purity_shortfall_points: number | null;
  overlap_hours_per_week: number;
  overlap_months: number;
  cross_border: boolean;
  precision: { supply: string; demand: string };
}

export type PairCheck =
  | { ok: true; relaxed: Relaxation[]; step: number; facts: PairFactsView }
  | { ok: false; failed: ConstraintName; facts: PairFactsView };

const orNull = (x: number) => (Number.isNaN(x) ? null : x);

/**
 * The readable form, for explanations and tests: is (supply, demand) a candidate under `config`?
 * With `fallback` false (the default here) relaxation is off and a pair that needs it fails with
 * the first constraint it breaks as stated.
 */
export function checkPair(supply: MatchFlow, demand: MatchFlow, config: MatchingConfig, opts: { fallback?: boolean } = {}): PairCheck {
  const c = opts.fallback === true ? config : { ...config, fallback: { ...config.fallback, enabled: false } };
  const sameOrg = supply.organization_id === demand.organization_id;
  const s = compileFlow(supply, 0, 0, supply.country === demand.country ? 0 : 1, 0);
  const d = compileFlow(demand, 1, sameOrg ? 0 : 1, 0, 1);
  const th = thresholds(c);
  const f = newFacts();
  const r = evaluatePair(FlowColumns.of([s, d]), 0, 1, th, f);
  const facts: PairFactsView = {
    distance_km: Number.isNaN(f.distanceKm) ? haversineRad(s.phi, s.lam, s.cosPhi, d.phi, d.lam, d.cosPhi, th.radiusKm) : f.distanceKm,
    limit_km: f.limitKm,
    temperature_gap_k: orNull(f.tempGap),
    pressure_gap_relative: orNull(f.pressureGap),
    purity_shortfall_points: orNull(f.purityShortfall),
    overlap_hours_per_week: f.overlapHours,
    overlap_months: f.overlapMonths,
    cross_border: supply.country !== demand.country,
    precision: { supply: effectivePrecisionAt(s, th.cutoffMs), demand: effectivePrecisionAt(d, th.cutoffMs) },
  };
  return r < 0 ? { ok: false, failed: constraintOf(r), facts } : { ok: true, relaxed: relaxationNames(f.relaxed), step: r, facts };
}
