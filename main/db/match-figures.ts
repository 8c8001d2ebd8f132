/**
 * A few economics figures of many stored matches, without unpacking them. Reports over thousands
 * of matches (the impact's plan members, the graph analytics' every match) need one or two keys
 * of each match's economics; unpacking a row (match-codec.ts `unpack`: every leaf, the sensitivity
 * table priced again) costs ~30 us, reading two leaves by their place in the row's shape ~1 us.
 *
 * A key is read as `unpack` would give it: the same leaves, the same nesting. Only stored keys
 * can be read this way (the sensitivity table and the exchange-cost totals are priced on reading:
 * use the full record for them).
 */
import type { Db } from './database.ts';
import { leavesAt, shapeIdOf } from './match-codec.ts';

type Node = 0 | { [key: string]: Node };

/** Where a key's leaves are in rows of one shape: a leaf index, or a subtree of them (null: the shape lacks the key). */
type Place = number | { [key: string]: Place } | null;

const DERIVED = new Set(['sensitivity']);

/** The place of every leaf in DFS order of the structure, as `fill` reads them (the constants `A` are not leaves). */
function placesOf(shape: string, keys: readonly string[]): { places: Place[]; indexes: number[] } {
  const { A: _constants, ...structure } = JSON.parse(shape) as { A?: unknown } & Record<string, Node>;
  let next = 0;
  const indexes: number[] = [];
  const place = (node: Node, wanted: boolean): Place => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) {
      const i = next++;
      if (wanted) indexes.push(i);
      return i;
    }
    const out: { [key: string]: Place } = {};
    for (const [k, v] of Object.entries(node)) out[k] = place(v, wanted);
    return out;
  };
  const found = new Map<string, Place>();
  for (const [part, node] of Object.entries(structure)) {
    if (part === 'e' && node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) found.set(k, place(v, keys.includes(k)));
    } else place(node, false);
  }
  return { places: keys.map((k) => found.get(k) ?? null), indexes };
}

/** Reads chosen economics keys of packed rows, one shape table per database handle. */
export class EconomicsKeys {
  readonly #db: Db;
  readonly #keys: readonly string[];
  readonly #shapes = new Map<number, string>();
  readonly #plans = new Map<number, { places: Place[]; indexes: number[] }>();

  constructor(db: Db, keys: readonly string[]) {
    for (const k of keys) if (DERIVED.has(k) || k === 'complexity') throw new Error(`economics key "${k}" is priced on reading: read the whole match for it`);
    this.#db = db;
    this.#keys = keys;
  }

  /** Makes sure the shapes of these rows are known (reads match_shapes again when one is new). */
  async ready(rows: readonly { packed: Uint8Array | null }[]): Promise<void> {
    for (const r of rows) {
      if (r.packed && !this.#shapes.has(shapeIdOf(r.packed))) {
        for (const s of await this.#db.selectFrom('match_shapes').select(['id', 'shape']).execute()) this.#shapes.set(s.id, s.shape);
        return;
      }
    }
  }

  /** The keys of one row's economics (undefined where its economics have no such key). */
  read(row: { packed: Uint8Array | null; economics: string }): Record<string, unknown> {
    if (!row.packed) {
      const e = JSON.parse(row.economics) as Record<string, unknown>;
      return Object.fromEntries(this.#keys.map((k) => [k, e[k]]));
    }
    const id = shapeIdOf(row.packed);
    let plan = this.#plans.get(id);
    if (!plan) {
      const shape = this.#shapes.get(id);
      if (shape === undefined) throw new Error(`a stored match refers to shape ${id}, which is missing from the table match_shapes (the database is damaged)`);
      this.#plans.set(id, (plan = placesOf(shape, this.#keys)));
    }
    const values = leavesAt(row.packed, plan.indexes);
    const byIndex = new Map(plan.indexes.map((i, n) => [i, values[n]]));
    const build = (p: Place): unknown => (p === null ? undefined : typeof p === 'number' ? byIndex.get(p) : Object.fromEntries(Object.entries(p).map(([k, v]) => [k, build(v)])));
    return Object.fromEntries(this.#keys.map((k, n) => [k, build(plan.places[n]!)]));
  }
}
