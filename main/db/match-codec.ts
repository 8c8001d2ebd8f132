/**
 * How an engine match is stored compactly (migration 8, docs/matching.md "Storage").
 *
 * A stored match used to carry its scores, economics and explanation as keyed JSON: ~1.7 KB a
 * row, so a 4 KB page held one or two matches. Now:
 * - the **key structure** of the three (their "shape": the objects with every leaf replaced by 0)
 *   is stored once in `match_shapes`; a row keeps the shape's id and the leaves in order, in a
 *   small binary form (`encode`): a double in 8 bytes, an integer in 4, text and lists as JSON,
 *   so every number reads back bit for bit;
 * - the **sensitivity table** and the two **exchange-cost totals** are priced when the match is
 *   read, with the engine's own formulas (economics.ts `sensitivity`, `economicsView`), from the
 *   stored numbers plus the annuity factor, the maintenance rate and the running opex. They are
 *   dropped only when that reproduces the engine's figures bit for bit at save time (checked per
 *   row), so a what-if configuration the store does not know keeps its table stored;
 * - the organisations and the demand's type, which the joined flows already tell, are not stored.
 * Decoding a row gives back exactly what the engine computed (tested field by field).
 */

/** Steps of the sensitivity table (main/matching/economics.ts SENSITIVITY_STEPS). */
const STEPS = [-0.2, -0.1, 0.1, 0.2] as const;

/** The run's pricing constants the derived figures need (from the engine's config). */
export interface PricingConstants {
  annuity: number;
  maintenance_rate: number;
}

/** What is stored, before the shape is taken out. */
interface Packed {
  s: Record<string, unknown>;
  e: Record<string, unknown>;
  d: Record<string, unknown>;
  /** Running opex: the sensitivity table is derived (with the shape's annuity and maintenance rate). */
  a?: number;
  /** 1: the complexity totals (exchange cost, NPV after it) are derived. */
  c?: 1;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The structure of a value with every leaf (number, string, boolean, null, array) as 0. */
export function shapeOf(value: unknown): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 0;
  return Object.fromEntries(Object.entries(value as object).filter(([, v]) => v !== undefined).map(([k, v]) => [k, shapeOf(v)]));
}

function fill(shape: Json, leaves: readonly unknown[], at: { i: number }): unknown {
  if (shape === null || typeof shape !== 'object' || Array.isArray(shape)) return leaves[at.i++];
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(shape)) out[k] = fill(v, leaves, at);
  return out;
}

interface SensitivityPoint {
  change: number;
  npv_eur: number;
}

/** The engine's sensitivity table (economics.ts `sensitivity`), same expressions, same order. */
function sensitivityOf(capex: number, value: number, opex: number, runningOpex: number, annuity: number, m: number) {
  const annual_value: SensitivityPoint[] = [];
  const capexPoints: SensitivityPoint[] = [];
  for (const k of STEPS) {
    annual_value.push({ change: k, npv_eur: -capex + (value * (1 + k) - opex) * annuity });
    const cx = capex * (1 + k);
    capexPoints.push({ change: k, npv_eur: -cx + (value - (m * cx + runningOpex)) * annuity });
  }
  return { annual_value, capex: capexPoints };
}

/** The exchange-cost totals (economics.ts `economicsView`), same expressions. */
function complexityTotals(capex: number, npv: number, multiplier: number, mitigation: number, compliance: number) {
  const exchange = capex * (multiplier - 1) + mitigation + compliance;
  return { exchange_cost_eur: exchange, npv_after_exchange_costs_eur: npv - exchange };
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number.NaN);
/** The engine's stored sensitivity table equals `priced` point for point (NaN never equal: then it is kept). */
function sameSensitivity(priced: ReturnType<typeof sensitivityOf>, stored: unknown): boolean {
  const t = stored as { annual_value?: unknown; capex?: unknown } | null;
  if (t === null || typeof t !== 'object' || Object.keys(t).length !== 2) return false;
  return samePoints(priced.annual_value, t.annual_value) && samePoints(priced.capex, t.capex);
}

function samePoints(a: readonly SensitivityPoint[], b: unknown): boolean {
  if (!Array.isArray(b) || b.length !== a.length) return false;
  for (let i = 0; i < a.length; i++) {
    const p = b[i] as SensitivityPoint | null;
    if (p === null || typeof p !== 'object' || Object.keys(p).length !== 2 || p.change !== a[i]!.change || p.npv_eur !== a[i]!.npv_eur) return false;
  }
  return true;
}

/**
 * The shape's JSON text (what `JSON.stringify(shapeOf(value))` gives) and the leaves in order, in
 * one walk: packing runs for every match of a run, and building the shape object first cost more
 * than the rest of the save.
 */
/** Keys as JSON strings, cached: the same few dozen keys recur in every match. */
const QUOTED = new Map<string, string>();
function quoted(key: string): string {
  let q = QUOTED.get(key);
  if (q === undefined) QUOTED.set(key, (q = JSON.stringify(key)));
  return q;
}

function shapeAndLeaves(value: unknown, leaves: unknown[]): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    leaves.push(value);
    return '0';
  }
  let text = '{';
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined) continue;
    text += (text.length === 1 ? '' : ',') + quoted(key) + ':' + shapeAndLeaves(v, leaves);
  }
  return text + '}';
}

/** Keys of the explanation the joined flows give back on reading. */
const JOINED_DETAIL = ['supply_organization_id', 'demand_organization_id', 'demand_type'] as const;

/**
 * Splits a computed match's scores, economics and explanation into a shape and its leaves.
 * `pricing` absent: nothing is derived (everything stored).
 */
export function pack(scores: object, economics: object, detail: Record<string, unknown>, pricing?: PricingConstants): { shape: string; leaves: unknown[] } {
  const e = { ...(economics as Record<string, unknown>) };
  const d = Object.fromEntries(Object.entries(detail).filter(([k]) => !(JOINED_DETAIL as readonly string[]).includes(k)));
  const p: Packed = { s: scores as Record<string, unknown>, e, d };
  // The run's annuity factor and maintenance rate go into the shape (the same for every row of a run).
  let constants: [number, number] | undefined;
  const capex = num(e.capex_eur);
  const value = num(e.annual_value_eur);
  const opex = num(e.opex_eur_per_year);
  if (pricing && e.sensitivity !== undefined) {
    // Running opex (economics.ts `priced`): the truck for trucked types; for heat, steam and
    // cooling the pumps' and the heat pump's electricity, added in the engine's order.
    const heat = e.heat as { pumping_eur_per_year?: unknown; heat_pump?: { electricity_eur_per_year?: unknown } | null } | null | undefined;
    const running = heat ? num(heat.pumping_eur_per_year) + (heat.heat_pump ? num(heat.heat_pump.electricity_eur_per_year) : 0) : num(e.truck_opex_eur_per_year);
    if (sameSensitivity(sensitivityOf(capex, value, opex, running, pricing.annuity, pricing.maintenance_rate), e.sensitivity)) {
      delete e.sensitivity;
      p.a = running;
      constants = [pricing.annuity, pricing.maintenance_rate];
    }
  }
  const cx = e.complexity as Record<string, unknown> | undefined;
  if (cx && typeof cx === 'object') {
    const totals = complexityTotals(capex, num(e.npv_eur), num(cx.multiplier), num(cx.risk_mitigation_eur), num(cx.compliance_eur));
    if (totals.exchange_cost_eur === cx.exchange_cost_eur && totals.npv_after_exchange_costs_eur === cx.npv_after_exchange_costs_eur) {
      const { exchange_cost_eur: _x, npv_after_exchange_costs_eur: _n, ...rest } = cx;
      e.complexity = rest;
      p.c = 1;
    }
  }
  const leaves: unknown[] = [];
  const text = shapeAndLeaves(p, leaves);
  // the run's constants last, as `shape.A = constants` would add them
  return { shape: constants ? `${text.slice(0, -1)},"A":${JSON.stringify(constants)}}` : text, leaves };
}

/** The joined facts that complete a packed explanation. */
export interface JoinedFacts {
  supply_organization_id: string;
  demand_organization_id: string;
  demand_type: string;
}

/** Rebuilds scores, economics and explanation (the engine's key order for economics). */
/** Parsed shapes by their text: a list decodes thousands of rows of a handful of shapes (`fill` only reads them). */
const parsedShapes = new Map<string, { constants: [number, number] | undefined; structure: { [key: string]: Json } }>();

export function unpack(shape: string, leaves: readonly unknown[], joined?: JoinedFacts): { scores: Record<string, number>; economics: Record<string, unknown>; detail: Record<string, unknown> } {
  let parsed = parsedShapes.get(shape);
  if (!parsed) {
    const { A, ...structure } = JSON.parse(shape) as { A?: [number, number] } & { [key: string]: Json };
    if (parsedShapes.size >= 1000) parsedShapes.clear();
    parsedShapes.set(shape, (parsed = { constants: A, structure }));
  }
  const { constants, structure } = parsed;
  const p = fill(structure, leaves, { i: 0 }) as Packed;
  const sens = () => sensitivityOf(num(e.capex_eur), num(e.annual_value_eur), num(e.opex_eur_per_year), p.a!, constants![0], constants![1]);
  const e = p.e;
  const economics: Record<string, unknown> = {};
  // The engine's key order (sensitivity before complexity), so a re-read record prints as before.
  for (const [k, v] of Object.entries(e)) {
    if (k === 'complexity' && p.a !== undefined) economics.sensitivity = sens();
    if (k === 'complexity' && p.c) {
      const cx = v as Record<string, unknown>;
      economics[k] = { ...cx, ...complexityTotals(num(e.capex_eur), num(e.npv_eur), num(cx.multiplier), num(cx.risk_mitigation_eur), num(cx.compliance_eur)) };
    } else economics[k] = v;
  }
  if (p.a !== undefined && economics.sensitivity === undefined) economics.sensitivity = sens();
  return { scores: p.s as Record<string, number>, economics, detail: joined ? { ...joined, ...p.d } : p.d };
}

// ---- binary form of a row: [u32 shape id] then per leaf a tag and its bytes --------------------

const F64 = 0;
const I32 = 1;
const NULL = 2;
const JSON_TEXT = 3;
/** An integer 0..255 in one byte. */
const U8 = 4;
/** A double that a float32 holds exactly (0.5, 1.25, ...) in four bytes. */
const F32 = 5;
/** The same value as an earlier leaf (capex and its breakdown's total, the delivered amount ...): its index. */
const REF = 6;
/** Text or a list as JSON of fewer than 256 bytes. */
const JSON_SHORT = 7;

const f32 = new Float32Array(1);

/**
 * Shape id and leaves as bytes, exact: a double reads back bit for bit. Numbers as JSON read them
 * (the keyed columns before): -0 is 0, NaN and infinities are null.
 */
export function encode(shapeId: number, leaves: readonly unknown[]): Buffer {
  // One scratch buffer for every row (grown when a row needs more), copied out at the end: a
  // full run encodes ~240,000 rows, and a Buffer per leaf made the collector the busiest part.
  const w = writer;
  w.at = 0;
  w.reserve(4);
  w.buf.writeUInt32LE(shapeId, 0);
  w.at = 4;
  const seen = new Map<unknown, number>();
  leaves.forEach((leaf, index) => {
    const v = typeof leaf === 'number' ? (Number.isFinite(leaf) ? (leaf === 0 ? 0 : leaf) : null) : leaf === undefined ? null : leaf;
    const key = typeof v === 'number' || typeof v === 'string' ? v : undefined;
    const earlier = key === undefined ? undefined : seen.get(key);
    if (earlier !== undefined) {
      w.byte(REF);
      w.byte(earlier);
      return;
    }
    if (key !== undefined && index < 256 && !seen.has(key)) seen.set(key, index);
    if (typeof v === 'number') {
      if (Number.isInteger(v) && v >= 0 && v <= 255) {
        w.byte(U8);
        w.byte(v);
      } else if (Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff) {
        w.byte(I32);
        w.reserve(4);
        w.at = w.buf.writeInt32LE(v, w.at);
      } else if (((f32[0] = v), f32[0] === v)) {
        w.byte(F32);
        w.reserve(4);
        w.at = w.buf.writeFloatLE(v, w.at);
      } else {
        w.byte(F64);
        w.reserve(8);
        w.at = w.buf.writeDoubleLE(v, w.at);
      }
    } else if (v === null) w.byte(NULL);
    else {
      const text = JSON.stringify(v);
      const n = Buffer.byteLength(text, 'utf8');
      if (n < 256) {
        w.byte(JSON_SHORT);
        w.byte(n);
      } else {
        w.byte(JSON_TEXT);
        w.reserve(4);
        w.at = w.buf.writeUInt32LE(n, w.at);
      }
      w.reserve(n);
      w.at += w.buf.write(text, w.at, 'utf8');
    }
  });
  return Buffer.from(w.buf.subarray(0, w.at));
}

/** The growing scratch buffer `encode` writes a row into. */
const writer = {
  buf: Buffer.allocUnsafe(4096),
  at: 0,
  reserve(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
  },
  byte(v: number): void {
    this.reserve(1);
    this.buf[this.at++] = v;
  },
};

export const shapeIdOf = (bytes: Uint8Array): number => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readUInt32LE(0);

export function decode(bytes: Uint8Array): { shapeId: number; leaves: unknown[] } {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const leaves: unknown[] = [];
  let at = 4;
  while (at < b.length) {
    const tag = b.readUInt8(at++);
    if (tag === U8) leaves.push(b.readUInt8(at++));
    else if (tag === I32) {
      leaves.push(b.readInt32LE(at));
      at += 4;
    } else if (tag === F32) {
      leaves.push(b.readFloatLE(at));
      at += 4;
    } else if (tag === F64) {
      leaves.push(b.readDoubleLE(at));
      at += 8;
    } else if (tag === NULL) leaves.push(null);
    else if (tag === REF) leaves.push(leaves[b.readUInt8(at++)]);
    else if (tag === JSON_SHORT) {
      const n = b.readUInt8(at);
      leaves.push(JSON.parse(b.toString('utf8', at + 1, at + 1 + n)));
      at += 1 + n;
    } else if (tag === JSON_TEXT) {
      const n = b.readUInt32LE(at);
      leaves.push(JSON.parse(b.toString('utf8', at + 4, at + 4 + n)));
      at += 4 + n;
    } else throw new Error(`a stored match has an unknown leaf tag ${tag} at byte ${at - 1} (the database is damaged or newer than this app)`);
  }
  return { shapeId: b.readUInt32LE(0), leaves };
}

/**
 * The leaves at `indexes` (ascending) of a packed row, as `decode` would give them, without
 * decoding the rest: the leaves before the last one asked for are skipped by their tags (an
 * earlier leaf is decoded only when a REF names it). Reports that need two figures of every
 * match (impact, graph analytics) read them at a few percent of the cost of unpacking the row.
 */
export function leavesAt(bytes: Uint8Array, indexes: readonly number[]): unknown[] {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const starts: number[] = [];
  const valueAt = (i: number): unknown => {
    let at = starts[i]!;
    const tag = b.readUInt8(at++);
    if (tag === U8) return b.readUInt8(at);
    if (tag === I32) return b.readInt32LE(at);
    if (tag === F32) return b.readFloatLE(at);
    if (tag === F64) return b.readDoubleLE(at);
    if (tag === NULL) return null;
    if (tag === REF) return valueAt(b.readUInt8(at));
    if (tag === JSON_SHORT) return JSON.parse(b.toString('utf8', at + 1, at + 1 + b.readUInt8(at)));
    if (tag === JSON_TEXT) return JSON.parse(b.toString('utf8', at + 4, at + 4 + b.readUInt32LE(at)));
    throw new Error(`a stored match has an unknown leaf tag ${tag} at byte ${at - 1} (the database is damaged or newer than this app)`);
  };
  const last = indexes.length ? indexes[indexes.length - 1]! : -1;
  let at = 4;
  while (at < b.length && starts.length <= last) {
    starts.push(at);
    const tag = b.readUInt8(at++);
    if (tag === U8 || tag === REF) at += 1;
    else if (tag === I32 || tag === F32) at += 4;
    else if (tag === F64) at += 8;
    else if (tag === JSON_SHORT) at += 1 + b.readUInt8(at);
    else if (tag === JSON_TEXT) at += 4 + b.readUInt32LE(at);
    else if (tag !== NULL) throw new Error(`a stored match has an unknown leaf tag ${tag} at byte ${at - 1} (the database is damaged or newer than this app)`);
  }
  return indexes.map((i) => (i < starts.length ? valueAt(i) : undefined));
}
