/**
 * Hourly uses of one component's candidates, computed on demand and kept within a memory budget
 * (least recently used first out). A candidate's three arrays are 210 kB; a large component cannot
 * keep them all, so what falls out is computed again when needed.
 */
import { HOURS, type HourlyUse, type PlanCandidate } from './model.ts';

export class HourlyStore {
  private readonly cache = new Map<number, HourlyUse>();
  private readonly checked = new Set<number>();
  private bytes = 0;
  /** Calls of candidates' `hourly()` (cache misses). */
  computed = 0;

  constructor(
    private readonly candidates: readonly PlanCandidate[],
    private readonly budgetBytes: number,
  ) {}

  /** The hourly use of candidate `i` (index into the plan's candidates). */
  get(i: number): HourlyUse {
    const hit = this.cache.get(i);
    if (hit) {
      this.cache.delete(i);
      this.cache.set(i, hit);
      return hit;
    }
    const c = this.candidates[i]!;
    if (!c.hourly) throw new TypeError(`candidate ${c.id}: an hourly flow needs hourly()`);
    const use = c.hourly();
    this.computed++;
    if (!this.checked.has(i)) {
      checkShape(c.id, use);
      this.checked.add(i);
    }
    const size = use.supplyDraw.byteLength + use.supplyFixed.byteLength + use.demandTake.byteLength;
    if (size <= this.budgetBytes) {
      this.cache.set(i, use);
      this.bytes += size;
      for (const [key, old] of this.cache) {
        if (this.bytes <= this.budgetBytes) break;
        this.cache.delete(key);
        this.bytes -= old.supplyDraw.byteLength + old.supplyFixed.byteLength + old.demandTake.byteLength;
      }
    }
    return use;
  }

  clear(): void {
    this.cache.clear();
    this.bytes = 0;
  }
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
