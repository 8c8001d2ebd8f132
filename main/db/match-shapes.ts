/**
 * The shapes of packed matches (match-codec.ts): the key structures stored once in match_shapes,
 * known to every reader and writer of matches through one cached book per database handle.
 */
import type { Db } from './database.ts';
import { decode, shapeIdOf, unpack, type JoinedFacts } from './match-codec.ts';

/**
 * The shapes of packed matches (table match_shapes), cached: a handful of rows, read once.
 * One per database handle (WeakMap), so every store reading matches shares what it learnt.
 */
export class ShapeBook {
  readonly #db: Db;
  readonly #byId = new Map<number, string>();
  readonly #byShape = new Map<string, number>();
  constructor(db: Db) {
    this.#db = db;
  }

  async #load(): Promise<void> {
    for (const r of await this.#db.selectFrom('match_shapes').select(['id', 'shape']).execute()) {
      this.#byId.set(r.id, r.shape);
      this.#byShape.set(r.shape, r.id);
    }
  }

  /** Makes sure every shape the rows use is known (reads the table again when one is new). */
  async ready(rows: readonly { packed?: Uint8Array | null }[]): Promise<void> {
    for (const r of rows) if (r.packed && !this.#byId.has(shapeIdOf(r.packed))) return this.#load();
  }

  /** Ids of these shapes, adding the new ones (outside any run's transaction: a shape is harmless if the run rolls back). */
  async ids(shapes: Iterable<string>): Promise<Map<string, number>> {
    const missing = [...new Set(shapes)].filter((s) => !this.#byShape.has(s));
    if (missing.length) {
      if (this.#byShape.size === 0) await this.#load();
      const add = missing.filter((s) => !this.#byShape.has(s));
      if (add.length) await this.#db.insertInto('match_shapes').values(add.map((shape) => ({ shape }))).onConflict((oc) => oc.column('shape').doNothing()).execute();
      await this.#load();
    }
    return this.#byShape;
  }

  decode(packed: Uint8Array, joined?: JoinedFacts): ReturnType<typeof unpack> {
    const { shapeId: id, leaves } = decode(packed);
    const shape = this.#byId.get(id);
    if (shape === undefined) throw new Error(`a stored match refers to shape ${id}, which is missing from the table match_shapes (the database is damaged)`);
    return unpack(shape, leaves, joined);
  }
}

const books = new WeakMap<object, ShapeBook>();
export function shapeBook(db: Db): ShapeBook {
  let book = books.get(db);
  if (!book) books.set(db, (book = new ShapeBook(db)));
  return book;
}

/** The stored economics of a row that has `packed` and `economics` (packed first). */
export async function storedEconomics(db: Db, rows: readonly { packed: Uint8Array | null; economics: string }[]): Promise<Record<string, unknown>[]> {
  const book = shapeBook(db);
  await book.ready(rows);
  return rows.map((r) => (r.packed ? book.decode(r.packed).economics : (JSON.parse(r.economics) as Record<string, unknown>)));
}

