/**
 * Hourly uses of one unit's candidates, computed on demand and kept within a memory budget
 * (least recently used first out). A candidate's three arrays are 210 kB; a large component cannot
 * keep them all, so what falls out is computed again when needed.
 *
 * Candidates may write into buffers the store passes them (`hourly(into)`): released buffers are
 * reused instead of allocating 210 kB per call, which spares the garbage collector most of its
 * work. Arrays a candidate returns of its own are never written to.
 */
import { HOURS, type HourlyUse, type PlanCandidate } from './model.ts';

const ENTRY = 3 * HOURS * 8;

/** Released buffers, shared by the stores of one plan (at most `limit` kept). */
export class BufferPool {
  readonly free: HourlyUse[] = [];
  constructor(readonly limit: number) {}
}

export class HourlyStore {
  private readonly cache = new Map<number, { use: HourlyUse; ours: boolean }>();
  private readonly checked = new Set<number>();
  private bytes = 0;
  /**
   * The buffers of the last result too large to cache (a store with no budget): valid until the
   * next `get`, then reused, instead of 210 kB of fresh memory per call (each page of it a fault).
   */
  private scratch: HourlyUse | null = null;
  /** Calls of candidates' `hourly()` (cache misses). */
  computed = 0;

  constructor(
    private readonly candidates: readonly PlanCandidate[],
    private readonly budgetBytes: number,
    private readonly pool: BufferPool = new BufferPool(0),
  ) {}

  /** The hourly use of candidate `i` (index into the plan's candidates). */
  get(i: number): HourlyUse {
    const hit = this.cache.get(i);
    if (hit) {
      this.cache.delete(i);
      this.cache.set(i, hit);
      return hit.use;
    }
    const c = this.candidates[i]!;
    if (!c.hourly) throw new TypeError(`candidate ${c.id}: an hourly flow needs hourly()`);
    const into = this.scratch ?? this.pool.free.pop() ?? fresh();
    this.scratch = null;
    const use = c.hourly(into);
    this.computed++;
    const ours = use === into;
    if (!ours) this.release(into);
    if (!this.checked.has(i)) {
      checkShape(c.id, use);
      this.checked.add(i);
    }
    const size = ours ? ENTRY : use.supplyDraw.byteLength + use.supplyFixed.byteLength + use.demandTake.byteLength;
    if (size <= this.budgetBytes) {
      this.cache.set(i, { use, ours });
      this.bytes += size;
      for (const [key, old] of this.cache) {
        if (this.bytes <= this.budgetBytes) break;
        if (key === i) continue;
        this.drop(key, old);
      }
    } else if (ours) this.scratch = use;
    return use;
  }

  clear(): void {
    for (const [key, old] of this.cache) this.drop(key, old);
    this.bytes = 0;
    if (this.scratch !== null) this.release(this.scratch);
    this.scratch = null;
  }

  private drop(key: number, entry: { use: HourlyUse; ours: boolean }): void {
    this.cache.delete(key);
    this.bytes -= entry.ours ? ENTRY : entry.use.supplyDraw.byteLength + entry.use.supplyFixed.byteLength + entry.use.demandTake.byteLength;
    if (entry.ours) this.release(entry.use);
  }

  private release(use: HourlyUse): void {
    if (this.pool.free.length < this.pool.limit) this.pool.free.push(use);
  }
}

function fresh(): HourlyUse {
  return { supplyDraw: new Float64Array(HOURS), supplyFixed: new Float64Array(HOURS), demandTake: new Float64Array(HOURS) };
}

/** The arrays' type and length; their values are checked where they are first read (scanSide). */
function checkShape(id: string, use: HourlyUse): void {
  for (const [name, a] of [
    ['supplyDraw', use?.supplyDraw],
    ['supplyFixed', use?.supplyFixed],
    ['demandTake', use?.demandTake],
  ] as const) {
    if (!(a instanceof Float64Array) || a.length !== HOURS) throw new TypeError(`candidate ${id}: hourly().${name} must be a Float64Array of ${HOURS}`);
  }
}
