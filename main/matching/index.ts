/**
 * The spatial candidate index: one bucket per (direction, type), each a stack of latitude strips
 * whose flows are kept sorted by longitude. A query visits only the strips its search window
 * crosses and, in each, binary-searches the longitude range (two ranges across the antimeridian,
 * the whole strip near a pole), so the full match never scans all pairs. The window is
 * conservative (geo.ts searchWindow): every flow within the radius is returned, some beyond it
 * too; the pair evaluator's haversine decides.
 *
 * Strip height per bucket is the largest search radius its type can need under the default
 * configuration (type default x the fallback's 1.5), so a query crosses about three strips. Other
 * radii work too, they only visit more or fewer strips. Updates (insert, move, remove) are in place.
 */
import { FLOW_TYPES, type FlowType } from '../domain/entities.ts';
import type { CompiledFlow } from './compiled.ts';
import { COMPATIBLE_DEMAND_TYPES } from './compatibility.ts';
import { DEFAULT_CONFIG, distanceRelaxFactor } from './config.ts';
import { searchWindow } from './geo.ts';

const KM_PER_DEG = (DEFAULT_CONFIG.earth_radius_km * Math.PI) / 180;

/**
 * One latitude strip of a bucket, sorted by longitude. Beside each flow's longitude and idx, its
 * unit vector and own distance limit: the chord pre-filter of `near` reads them in sequence from
 * here instead of from the flow table's columns (one cache line per few flows, not six per flow).
 */
interface Strip {
  lons: number[];
  ids: number[];
  xs: number[];
  ys: number[];
  zs: number[];
  maxKm: number[];
}

const newStrip = (): Strip => ({ lons: [], ids: [], xs: [], ys: [], zs: [], maxKm: [] });

class Bucket {
  readonly strips = new Map<number, Strip>();
  constructor(readonly heightDeg: number) {}

  stripOf(lat: number): number {
    return Math.floor((lat + 90) / this.heightDeg);
  }
}

/** First position in `lons` whose value is >= x. */
function lowerBound(lons: readonly number[], x: number): number {
  let lo = 0;
  let hi = lons.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (lons[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A query's centre: degrees for the window, unit vector for the chord test. */
export interface QueryPoint {
  lat: number;
  lon: number;
  ux: number;
  uy: number;
  uz: number;
}

/**
 * The query `collectWithin` and `collectSplit` work on: centre unit vector, reach in km, the factor
 * on each flow's own limit, 1 / 2R, the last longitude of the range, the stated reach in km.
 * Module-level and typed: doubles passed as arguments to a function V8 does not inline are boxed,
 * one allocation each per call.
 */
const QUERY = new Float64Array(8);
const QX = 0;
const QY = 1;
const QZ = 2;
const Q_KM = 3;
const Q_FACTOR = 4;
const Q_SCALE = 5;
const Q_HI_LON = 6;
const Q_STATED_KM = 7;

/**
 * The flows of `strip` from position `from` while their longitude is <= QUERY's last longitude,
 * kept when the chord to the centre is not clearly beyond min(km, their maxKm x factor). Appends to
 * `out`; returns its length.
 */
function collectWithin(strip: Strip, from: number, out: number[], n: number): number {
  const { lons, ids, xs, ys, zs, maxKm } = strip;
  const q = QUERY;
  const qx = q[QX]!;
  const qy = q[QY]!;
  const qz = q[QZ]!;
  const km = q[Q_KM]!;
  const factor = q[Q_FACTOR]!;
  const scale = q[Q_SCALE]!;
  const hiLon = q[Q_HI_LON]!;
  for (let i = from, len = lons.length; i < len && lons[i]! <= hiLon; i++) {
    const own = maxKm[i]! * factor;
    const half = (own < km ? own : km) * scale;
    if (half < 1.5) {
      const dx = xs[i]! - qx;
      const dy = ys[i]! - qy;
      const dz = zs[i]! - qz;
      if (dx * dx + dy * dy + dz * dz > 4 * half * half * 1.002) continue;
    }
    out[n++] = ids[i]!;
  }
  return n;
}

/**
 * Where the full match's first pass gets a supply's candidates (SpatialIndex.demandsNearSplit):
 * `inner` within the stated reach, `ring` only within the relaxed one (beyond the stated reach by
 * the chord test, so the stated evaluation would fail them on distance). Counts are the lengths
 * used; the arrays keep their capacity (cutting and growing a JS array reallocates its store).
 */
export class CandidateSplit {
  inner: number[] = [];
  ring: number[] = [];
  nInner = 0;
  nRing = 0;
}

/**
 * collectWithin for the first pass: QUERY's km is the relaxed reach, Q_STATED_KM the stated one.
 * A flow beyond the relaxed reach is dropped; within it, the chord against the stated limit
 * (min(stated km, its own maxKm), the evaluator's pre-check with the same margin) sends it to
 * `inner` or to `ring`. Safe either way around the margins: a pair within the stated limit has a
 * chord at most 2 sin(limit / 2R) < 2 x limit / 2R, well inside the 0.1 % margin, so it is never
 * put in the ring, and a pair within the relaxed reach is never dropped.
 */
function collectSplit(strip: Strip, from: number, split: CandidateSplit): void {
  const { lons, ids, xs, ys, zs, maxKm } = strip;
  const q = QUERY;
  const qx = q[QX]!;
  const qy = q[QY]!;
  const qz = q[QZ]!;
  const statedKm = q[Q_STATED_KM]!;
  const factor = q[Q_FACTOR]!;
  const scale = q[Q_SCALE]!;
  const hiLon = q[Q_HI_LON]!;
  const inner = split.inner;
  const ring = split.ring;
  let nInner = split.nInner;
  let nRing = split.nRing;
  for (let i = from, len = lons.length; i < len && lons[i]! <= hiLon; i++) {
    const own = maxKm[i]!;
    const hs = (own < statedKm ? own : statedKm) * scale;
    if (hs >= 1.5) {
      inner[nInner++] = ids[i]!;
      continue;
    }
    const dx = xs[i]! - qx;
    const dy = ys[i]! - qy;
    const dz = zs[i]! - qz;
    const chord2 = dx * dx + dy * dy + dz * dz;
    if (chord2 <= 4 * hs * hs * 1.002) inner[nInner++] = ids[i]!;
    else {
      const hr = hs * factor;
      if (hr >= 1.5 || chord2 <= 4 * hr * hr * 1.002) ring[nRing++] = ids[i]!;
    }
  }
  split.nInner = nInner;
  split.nRing = nRing;
}

/**
 * A flow's hazard class: for a supply, hazardous (flag or EWC '*'); for a demand, accepting
 * hazardous supplies. evaluatePair's `hazardous` constraint (never relaxed) rejects a hazardous
 * supply with a demand of class 0, so those pairs live in different buckets and are never
 * enumerated at all (a fifth of all pairs the evaluator used to reject).
 */
const hazardClass = (f: Pick<CompiledFlow, 'supply' | 'hazardous' | 'acceptsHazardous'>): number => ((f.supply ? f.hazardous : f.acceptsHazardous) ? 1 : 0);

const bucketKey = (supply: boolean, typeCode: number, hazard: number) => ((supply ? 0 : FLOW_TYPES.length) + typeCode) * 2 + hazard;
const bucketOf = (f: CompiledFlow) => bucketKey(f.supply, f.typeCode, hazardClass(f));

/** The types whose flows a supply of each type, or a demand of each type, can pair with. */
const DEMAND_TYPES_OF: readonly (readonly number[])[] = FLOW_TYPES.map((s) => COMPATIBLE_DEMAND_TYPES[s].map((d) => FLOW_TYPES.indexOf(d)));
const SUPPLY_TYPES_OF: readonly (readonly number[])[] = FLOW_TYPES.map((d) =>
  FLOW_TYPES.flatMap((s, i) => (COMPATIBLE_DEMAND_TYPES[s].includes(d) ? [i] : [])),
);

function computeStripHeightDeg(supply: boolean, type: FlowType): number {
  const f = distanceRelaxFactor(DEFAULT_CONFIG);
  const t = FLOW_TYPES.indexOf(type);
  const partnerSupplyTypes = supply ? [t] : SUPPLY_TYPES_OF[t]!;
  const km = Math.max(...partnerSupplyTypes.map((i) => DEFAULT_CONFIG.type_default_km[FLOW_TYPES[i]!])) * f;
  return Math.max(0.01, km / KM_PER_DEG);
}

/** Strip height per direction and type, computed once (the table orders its flows by it too). */
const STRIP_HEIGHTS = Float64Array.from([true, false].flatMap((supply) => FLOW_TYPES.map((type) => computeStripHeightDeg(supply, type))));

export function stripHeightDeg(supply: boolean, type: FlowType): number {
  return STRIP_HEIGHTS[(supply ? 0 : FLOW_TYPES.length) + FLOW_TYPES.indexOf(type)]!;
}

export class SpatialIndex {
  private readonly buckets: Bucket[];
  /** Where each indexed flow sits: bucket key and strip, by flow idx (-1: not indexed). */
  private readonly where = new Map<number, { bucket: number; strip: number; lon: number }>();

  constructor() {
    this.buckets = [];
    for (const supply of [true, false]) {
      for (const type of FLOW_TYPES) {
        for (const hazard of [0, 1]) this.buckets[bucketKey(supply, FLOW_TYPES.indexOf(type), hazard)] = new Bucket(stripHeightDeg(supply, type));
      }
    }
  }

  get size(): number {
    return this.where.size;
  }

  /** Bulk load (flows not active are left out: they can never match). */
  static build(flows: readonly CompiledFlow[]): SpatialIndex {
    const index = new SpatialIndex();
    for (const f of flows) {
      if (!f.active) continue;
      const key = bucketOf(f);
      const bucket = index.buckets[key]!;
      const stripNo = bucket.stripOf(f.lat);
      let strip = bucket.strips.get(stripNo);
      if (strip === undefined) bucket.strips.set(stripNo, (strip = newStrip()));
      strip.lons.push(f.lon);
      strip.ids.push(f.idx);
      strip.xs.push(f.ux);
      strip.ys.push(f.uy);
      strip.zs.push(f.uz);
      strip.maxKm.push(f.maxKm);
      index.where.set(f.idx, { bucket: key, strip: stripNo, lon: f.lon });
    }
    for (const bucket of index.buckets) {
      for (const strip of bucket.strips.values()) {
        const order = strip.ids.map((_, i) => i).sort((a, b) => strip.lons[a]! - strip.lons[b]! || strip.ids[a]! - strip.ids[b]!);
        strip.lons = order.map((i) => strip.lons[i]!);
        strip.ids = order.map((i) => strip.ids[i]!);
        strip.xs = order.map((i) => strip.xs[i]!);
        strip.ys = order.map((i) => strip.ys[i]!);
        strip.zs = order.map((i) => strip.zs[i]!);
        strip.maxKm = order.map((i) => strip.maxKm[i]!);
      }
    }
    return index;
  }

  remove(idx: number): void {
    const at = this.where.get(idx);
    if (at === undefined) return;
    const strip = this.buckets[at.bucket]!.strips.get(at.strip)!;
    let i = lowerBound(strip.lons, at.lon);
    while (strip.ids[i] !== idx) i++;
    strip.lons.splice(i, 1);
    strip.ids.splice(i, 1);
    strip.xs.splice(i, 1);
    strip.ys.splice(i, 1);
    strip.zs.splice(i, 1);
    strip.maxKm.splice(i, 1);
    this.where.delete(idx);
  }

  /** Inserts or moves a flow (an inactive flow is removed). */
  upsert(f: CompiledFlow): void {
    this.remove(f.idx);
    if (!f.active) return;
    const key = bucketOf(f);
    const bucket = this.buckets[key]!;
    const stripNo = bucket.stripOf(f.lat);
    let strip = bucket.strips.get(stripNo);
    if (strip === undefined) bucket.strips.set(stripNo, (strip = newStrip()));
    const i = lowerBound(strip.lons, f.lon);
    strip.lons.splice(i, 0, f.lon);
    strip.ids.splice(i, 0, f.idx);
    strip.xs.splice(i, 0, f.ux);
    strip.ys.splice(i, 0, f.uy);
    strip.zs.splice(i, 0, f.uz);
    strip.maxKm.splice(i, 0, f.maxKm);
    this.where.set(f.idx, { bucket: key, strip: stripNo, lon: f.lon });
  }

  /**
   * Appends to `out` the demand flows of type `typeCode` that may pair with supply `q` (see `near`):
   * only those accepting hazardous supplies when `q` is hazardous. Returns the new length of `out`.
   */
  demandsNear(typeCode: number, q: QueryPoint & { hazardous: boolean }, km: number, factor: number, radiusKm: number, out: number[], n: number): number {
    n = this.near(bucketKey(false, typeCode, 1), q, km, factor, radiusKm, out, n);
    return q.hazardous ? n : this.near(bucketKey(false, typeCode, 0), q, km, factor, radiusKm, out, n);
  }

  /** The supply flows of type `typeCode` that may pair with demand `q`: hazardous ones only when `q` accepts them. */
  suppliesNear(typeCode: number, q: QueryPoint & { acceptsHazardous: boolean }, km: number, factor: number, radiusKm: number, out: number[], n: number): number {
    n = this.near(bucketKey(true, typeCode, 0), q, km, factor, radiusKm, out, n);
    return q.acceptsHazardous ? this.near(bucketKey(true, typeCode, 1), q, km, factor, radiusKm, out, n) : n;
  }

  /**
   * Appends to `out` the idx of every flow of bucket `key` that may lie within reach of `q`:
   * within `km` of it and within the flow's own limit x `factor` (its maxKm, relaxed as the
   * query's `km` is). Returns the new length of `out`.
   *
   * The window (strips x longitude range) is a box around the circle; the chord between unit
   * vectors then drops the flows clearly beyond reach (the evaluator's own pre-check, same 0.1 %
   * margin: chord = 2 sin(d / 2R) <= d / R), so the result is still a superset of every pair the
   * evaluator's haversine accepts, and most of the box's corners and far strip ends never reach it.
   */
  private near(key: number, q: QueryPoint, km: number, factor: number, radiusKm: number, out: number[], n: number): number {
    this.walk(key, q, km, factor, radiusKm, (strip, from) => {
      n = collectWithin(strip, from, out, n);
    });
    return n;
  }

  /**
   * The first pass's form of demandsNear (see CandidateSplit): the demands of type `typeCode`
   * within the relaxed reach `statedKm` x `factor` of supply `q`, split into `inner` and `ring`.
   */
  demandsNearSplit(typeCode: number, q: QueryPoint & { hazardous: boolean }, statedKm: number, factor: number, radiusKm: number, split: CandidateSplit): void {
    QUERY[Q_STATED_KM] = statedKm;
    const visit = (strip: Strip, from: number) => collectSplit(strip, from, split);
    this.walk(bucketKey(false, typeCode, 1), q, statedKm * factor, factor, radiusKm, visit);
    if (!q.hazardous) this.walk(bucketKey(false, typeCode, 0), q, statedKm * factor, factor, radiusKm, visit);
  }

  /**
   * Visits the strips of bucket `key` that the search window of radius `km` around `q` crosses,
   * with the first position of each longitude range (two across the antimeridian); sets QUERY for
   * the visitor.
   */
  private walk(key: number, q: QueryPoint, km: number, factor: number, radiusKm: number, visit: (strip: Strip, from: number) => void): void {
    const bucket = this.buckets[key]!;
    if (bucket.strips.size === 0) return;
    const w = searchWindow(q.lat, km, radiusKm);
    const first = bucket.stripOf(Math.max(-90, w.latMin));
    const last = bucket.stripOf(Math.min(90, w.latMax));
    const lon = q.lon;
    let lo1: number;
    let hi1: number;
    let lo2 = 1;
    let hi2 = 0; // empty second range unless the window crosses the antimeridian
    if (w.dLon >= 180) {
      lo1 = -Infinity;
      hi1 = Infinity;
    } else {
      lo1 = lon - w.dLon;
      hi1 = lon + w.dLon;
      if (lo1 < -180) {
        lo2 = lo1 + 360;
        hi2 = 180;
        lo1 = -180;
      } else if (hi1 > 180) {
        lo2 = -180;
        hi2 = hi1 - 360;
        hi1 = 180;
      }
    }
    QUERY[QX] = q.ux;
    QUERY[QY] = q.uy;
    QUERY[QZ] = q.uz;
    QUERY[Q_KM] = km;
    QUERY[Q_FACTOR] = factor;
    QUERY[Q_SCALE] = 1 / (2 * radiusKm);
    for (let s = first; s <= last; s++) {
      const strip = bucket.strips.get(s);
      if (strip === undefined) continue;
      QUERY[Q_HI_LON] = hi1;
      visit(strip, lowerBound(strip.lons, lo1));
      if (lo2 <= hi2) {
        QUERY[Q_HI_LON] = hi2;
        visit(strip, lowerBound(strip.lons, lo2));
      }
    }
  }
}

export { DEMAND_TYPES_OF, SUPPLY_TYPES_OF };
