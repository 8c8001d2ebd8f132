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
  const packer = new RowPacker(pricing);
  for (const m of matches) packer.add(m);
  return packer.finish();
}

/** Bytes per block of a RowPacker (a few thousand rows). */
const BLOCK = 4 << 20;

/**
 * Packs matches one at a time, so a run can be built and packed chunk by chunk and each chunk's
 * records dropped once packed (the worker never holds every record of a large run). `finish`
 * may put the rows in another order (the run's output order, known only once every row is in).
 */
export class RowPacker {
  private readonly shapes: string[] = [];
  private readonly shapeIndex = new Map<string, number>();
  /**
   * Every row's bytes in the order added, in blocks of BLOCK bytes (a row never straddles two):
   * row i is `blocks[blockOf[i]]` from `starts[i]`, `lengths[i]` long. Blocks rather than one
   * array grown by doubling, whose copies held ~1.5x a large run's ~250 MB at once.
   */
  private blocks: Uint8Array[] = [];
  private readonly blockOf: number[] = [];
  private readonly starts: number[] = [];
  private readonly lengths: number[] = [];
  private used = 0;
  private bytes = 0;
  readonly id: string[] = [];
  readonly supply_flow_id: string[] = [];
  readonly demand_flow_id: string[] = [];
  private readonly type: string[] = [];
  private readonly route: string[] = [];
  private readonly relaxed: string[] = [];
  private readonly binding_constraint: (string | null)[] = [];
  private readonly assumptions: string[] = [];
  private readonly engine_version: string[] = [];
  readonly score: number[] = [];
  private readonly distance_km: number[] = [];
  private readonly npv_eur: number[] = [];
  private readonly content_hash: number[] = [];

  constructor(private readonly pricing?: PricingConstants) {}

  get count(): number {
    return this.id.length;
  }

  add(m: ComputedMatch): void {
    const p = pack(m.scores, m.economics, detailOf(m), this.pricing);
    let local = this.shapeIndex.get(p.shape);
    if (local === undefined) {
      local = this.shapes.push(p.shape) - 1;
      this.shapeIndex.set(p.shape, local);
    }
    const bytes = encode(local, p.leaves);
    if (this.used + bytes.length > (this.blocks.at(-1)?.length ?? 0)) {
      this.blocks.push(new Uint8Array(Math.max(BLOCK, bytes.length)));
      this.used = 0;
    }
    this.blocks.at(-1)!.set(bytes, this.used);
    this.blockOf.push(this.blocks.length - 1);
    this.starts.push(this.used);
    this.lengths.push(bytes.length);
    this.used += bytes.length;
    this.bytes += bytes.length;
    const relaxed = JSON.stringify(m.relaxed);
    const assumptions = JSON.stringify(m.assumptions);
    this.id.push(m.id);
    this.supply_flow_id.push(m.supply_flow_id);
    this.demand_flow_id.push(m.demand_flow_id);
    this.type.push(m.type);
    this.route.push(m.route);
    this.relaxed.push(relaxed);
    this.binding_constraint.push(m.binding_constraint);
    this.assumptions.push(assumptions);
    this.engine_version.push(m.engine_version);
    this.score.push(m.score);
    this.distance_km.push(m.distance_km);
    this.npv_eur.push(finiteOr((m.economics as { npv_eur?: unknown }).npv_eur));
    // every computed column but the packed bytes' shape index (local to this run): the shape's text instead
    const text = `${m.type}\u0000${m.score}\u0000${m.distance_km}\u0000${m.route}\u0000${relaxed}\u0000${m.binding_constraint ?? '\u0001'}\u0000${assumptions}\u0000${m.engine_version}\u0000${p.shape}\u0000`;
    this.content_hash.push(contentHash(text, bytes.subarray(4)));
  }

  /** The rows, in the order they were added or, with `order`, row `order[0]` first. The packer is spent. */
  finish(order?: Int32Array): MatchRows {
    const n = this.count;
    const at = order ? (i: number) => order[i]! : (i: number) => i;
    const pick = <T>(a: readonly T[]): T[] => {
      const out = new Array<T>(n);
      for (let i = 0; i < n; i++) out[i] = a[at(i)]!;
      return out;
    };
    const numbers = (a: readonly number[]): Float64Array => {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = a[at(i)]!;
      return out;
    };
    // A fresh block of its own (Buffer.concat may hand out a slice of Node's shared pool, which must not be transferred).
    const block = new Uint8Array(this.bytes);
    const packedEnd = new Uint32Array(n);
    let to = 0;
    for (let i = 0; i < n; i++) {
      const j = at(i);
      const start = this.starts[j]!;
      block.set(this.blocks[this.blockOf[j]!]!.subarray(start, start + this.lengths[j]!), to);
      to += this.lengths[j]!;
      packedEnd[i] = to;
    }
    this.blocks = [];
    let shapes = this.shapes;
    if (order) {
      // number the shapes in order of first use in the new order, as packRows over that order does
      // (the same bytes whichever order the rows were packed in)
      const view = new DataView(block.buffer);
      const renumber = new Map<number, number>();
      shapes = [];
      for (let i = 0; i < n; i++) {
        const start = i === 0 ? 0 : packedEnd[i - 1]!;
        const local = view.getUint32(start, true);
        let next = renumber.get(local);
        if (next === undefined) {
          next = shapes.push(this.shapes[local]!) - 1;
          renumber.set(local, next);
        }
        view.setUint32(start, next, true);
      }
    }
    return {
      count: n,
      id: pick(this.id),
      supply_flow_id: pick(this.supply_flow_id),
      demand_flow_id: pick(this.demand_flow_id),
      type: pick(this.type),
      route: pick(this.route),
      relaxed: pick(this.relaxed),
      binding_constraint: pick(this.binding_constraint),
      assumptions: pick(this.assumptions),
      engine_version: pick(this.engine_version),
      score: numbers(this.score),
      distance_km: numbers(this.distance_km),
      npv_eur: numbers(this.npv_eur),
      content_hash: numbers(this.content_hash),
      packed: block,
      packed_end: packedEnd,
      shapes,
    };
  }
}

/** Row i's packed bytes (a view into the block). */
export const packedOf = (rows: MatchRows, i: number): Uint8Array => rows.packed.subarray(i === 0 ? 0 : rows.packed_end[i - 1]!, rows.packed_end[i]!);
