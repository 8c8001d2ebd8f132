/**
 * A run's matches in the form they are stored: the columns of every row, computed where the engine
 * ran (the matching worker), in a few arrays and one byte block that cross to the main thread
 * without copying (transferable), instead of ~240,000 nested objects.
 *
 * Each row carries a content hash of its computed columns, stored beside them (migration 9), so a
 * re-run tells an unchanged match from a changed one by reading two small columns, not the row.
 */
import { createHash } from 'node:crypto';
import { encode, pack, type PricingConstants } from './match-codec.ts';

/** The engine's match as the store needs it (structurally the EngineMatch of main/matching). */
export interface ComputedMatch {
  id: string;
  supply_flow_id: string;
  demand_flow_id: string;
  type: string;
  score: number;
  scores: Record<string, number>;
  distance_km: number;
  route: 'automated' | 'facilitated';
  relaxed: string[];
  binding_constraint: string | null;
  assumptions: string[];
  economics: object;
  engine_version: string;
}

const HEADLINE = new Set(['id', 'supply_flow_id', 'demand_flow_id', 'type', 'score', 'scores', 'distance_km', 'route', 'relaxed', 'binding_constraint', 'assumptions', 'economics', 'engine_version']);

/** The explanation: every key of the engine's record beyond the headline columns. */
export const detailOf = (m: ComputedMatch): Record<string, unknown> => Object.fromEntries(Object.entries(m).filter(([key]) => !HEADLINE.has(key)));

export interface MatchRows {
  count: number;
  id: string[];
  supply_flow_id: string[];
  demand_flow_id: string[];
  type: string[];
  route: string[];
  /** JSON text. */
  relaxed: string[];
  binding_constraint: (string | null)[];
  /** JSON text. */
  assumptions: string[];
  engine_version: string[];
  score: Float64Array;
  distance_km: Float64Array;
  /** NaN where the match has no finite NPV (stored as NULL). */
  npv_eur: Float64Array;
  /** Of every computed column (shape text, not its id): equal hashes, unchanged row. */
  content_hash: Float64Array;
  /** Every row's packed bytes one after the other; row i ends at packed_end[i]. */
  packed: Uint8Array;
  packed_end: Uint32Array;
  /** A row's packed bytes start with an index into this list; the store swaps in its shape id. */
  shapes: string[];
}

/** The buffers `postMessage` can move instead of copy. */
export const transferablesOf = (rows: MatchRows): ArrayBuffer[] =>
  [rows.score, rows.distance_km, rows.npv_eur, rows.content_hash, rows.packed, rows.packed_end].map((a) => a.buffer as ArrayBuffer);

/**
 * A change detector over a row's computed columns (48 bits of a SHA-1, native and quick), not a
 * security hash: a collision would leave one changed row unwritten until its next change, at
 * 2^-48 per row, which does not happen in practice.
 */
function contentHash(text: string, bytes: Uint8Array): number {
  const digest = createHash('sha1').update(text).update(bytes).digest();
  return digest.readUIntBE(0, 6);
}

const finiteOr = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : Number.NaN);

/** The stored form of `matches` (pricing: see match-codec.ts `pack`). */
export function packRows(matches: readonly ComputedMatch[], pricing?: PricingConstants): MatchRows {
  const n = matches.length;
  const shapes: string[] = [];
  const shapeIndex = new Map<string, number>();
  const parts: Buffer[] = [];
  const packedEnd = new Uint32Array(n);
  const rows: MatchRows = {
    count: n,
    id: new Array<string>(n),
    supply_flow_id: new Array<string>(n),
    demand_flow_id: new Array<string>(n),
    type: new Array<string>(n),
    route: new Array<string>(n),
    relaxed: new Array<string>(n),
    binding_constraint: new Array<string | null>(n),
    assumptions: new Array<string>(n),
    engine_version: new Array<string>(n),
    score: new Float64Array(n),
    distance_km: new Float64Array(n),
    npv_eur: new Float64Array(n),
    content_hash: new Float64Array(n),
    packed: new Uint8Array(0),
    packed_end: packedEnd,
    shapes,
  };
  let end = 0;
  for (let i = 0; i < n; i++) {
    const m = matches[i]!;
    const p = pack(m.scores, m.economics, detailOf(m), pricing);
    let local = shapeIndex.get(p.shape);
    if (local === undefined) {
      local = shapes.push(p.shape) - 1;
      shapeIndex.set(p.shape, local);
    }
    const bytes = encode(local, p.leaves);
    parts.push(bytes);
    end += bytes.length;
    packedEnd[i] = end;
    rows.id[i] = m.id;
    rows.supply_flow_id[i] = m.supply_flow_id;
    rows.demand_flow_id[i] = m.demand_flow_id;
    rows.type[i] = m.type;
    rows.route[i] = m.route;
    rows.relaxed[i] = JSON.stringify(m.relaxed);
    rows.binding_constraint[i] = m.binding_constraint;
    rows.assumptions[i] = JSON.stringify(m.assumptions);
    rows.engine_version[i] = m.engine_version;
    rows.score[i] = m.score;
    rows.distance_km[i] = m.distance_km;
    rows.npv_eur[i] = finiteOr((m.economics as { npv_eur?: unknown }).npv_eur);
    // every computed column but the packed bytes' shape index (local to this run): the shape's text instead
    const text = `${m.type}\u0000${m.score}\u0000${m.distance_km}\u0000${m.route}\u0000${rows.relaxed[i]}\u0000${m.binding_constraint ?? '\u0001'}\u0000${rows.assumptions[i]}\u0000${m.engine_version}\u0000${p.shape}\u0000`;
    rows.content_hash[i] = contentHash(text, bytes.subarray(4));
  }
  // A fresh block of its own (Buffer.concat may hand out a slice of Node's shared pool, which must not be transferred).
  const block = new Uint8Array(end);
  let at = 0;
  for (const part of parts) {
    block.set(part, at);
    at += part.length;
  }
  rows.packed = block;
  return rows;
}

/** Row i's packed bytes (a view into the block). */
export const packedOf = (rows: MatchRows, i: number): Uint8Array => rows.packed.subarray(i === 0 ? 0 : rows.packed_end[i - 1]!, rows.packed_end[i]!);
