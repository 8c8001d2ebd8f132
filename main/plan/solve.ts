/**
 * The regional plan (domain.md 5.1; docs/plan.md): allocate every flow's capacity among its
 * candidates, at every hour for hourly flows and over the year for the rest, maximising the chosen
 * objective with a mixed-integer model (x = allocation share, y = connection built) solved by HiGHS.
 *
 * Held candidates are subtracted from the capacities first. The rest is split into connected
 * components (candidates sharing a flow); each is solved on its own (small ones in batches, giant
 * ones block by block) with row generation for the hours, compared with the one-to-one greedy
 * pick, and made maximal. The time is shared by what is at stake in each.
 */
import { emptyRows, highsRuntime, MipSession, resetHighsRuntime, rowCount, type MipOutcome, type RowBlock } from './highs.ts';
import { BufferPool, HourlyStore } from './hourly.ts';
import {
  HOURS,
  OverAllocationError,
  PLAN_OBJECTIVES,
  type HeldMatch,
  type HourlyUse,
  type PlanCandidate,
  type PlanFlow,
  type PlanOptions,
  type PlanProgress,
  type PlanResult,
  type PlanStatus,
} from './model.ts';

/** Relative slack of a capacity check (floating-point noise, not a real excess). */
const REL = 1e-9;
/** An hour whose load exceeds its capacity by more than this (relative) becomes a row. */
const ROW_VIOLATION = 1e-7;
/** A scale-down bigger than this (relative) is a real repair, reported in the status. */
const REAL_REPAIR = 1e-6;
/** Shares at or below this are not built. */
const MIN_SHARE = 1e-9;
/** Components up to this many candidates are solved in batches of up to BATCH_CANDIDATES. */
const SMALL_COMPONENT = 30;
const BATCH_CANDIDATES = 400;
/** Components beyond twice this many candidates are improved block by block (GiantSolver). */
const BLOCK_CANDIDATES = 3000;
/** Initial peak-hour rows per flow, and rows added per violated flow and round. */
const PEAK_ROWS = 24;
const ROWS_PER_VIOLATION = 3;

const allowance = (cap: number): number => REL * cap + 1e-12;

interface Options {
  objective: PlanOptions['objective'];
  timeLimitSec: number;
  relGap: number;
  decompose: boolean;
  maxRounds: number;
  cacheBytes: number;
  block: number;
}

function resolveOptions(opts: PlanOptions): Options {
  if (!PLAN_OBJECTIVES.includes(opts.objective)) throw new RangeError(`unknown plan objective ${String(opts.objective)}`);
  const timeLimitSec = opts.timeLimitSec ?? 20;
  const relGap = opts.relGap ?? 1e-4;
  const maxRounds = opts.maxRounds ?? 12;
  const cacheMB = opts.hourlyCacheMB ?? 256;
  if (!(timeLimitSec > 0)) throw new RangeError('timeLimitSec must be > 0');
  if (!(relGap >= 0 && relGap < 1)) throw new RangeError('relGap must be in [0, 1)');
  if (!(Number.isInteger(maxRounds) && maxRounds >= 1)) throw new RangeError('maxRounds must be an integer >= 1');
  if (!(cacheMB >= 0)) throw new RangeError('hourlyCacheMB must be >= 0');
  const block = opts.blockCandidates ?? BLOCK_CANDIDATES;
  if (!(Number.isInteger(block) && block >= 1)) throw new RangeError('blockCandidates must be an integer >= 1');
  return { objective: opts.objective, timeLimitSec, relGap, decompose: opts.decompose ?? true, maxRounds, cacheBytes: cacheMB * 1024 * 1024, block };
}

/** The validated network: flows, residual capacities after the held candidates, the plannable candidates. */
interface Net {
  cands: readonly PlanCandidate[];
  /** Per candidate: supply flow index, demand flow index (2 i, 2 i + 1). */
  side: Int32Array;
  fixed: Float64Array;
  unit: Float64Array;
  /** Residual capacity per flow (hourly: a copy when held candidates use it). */
  cap: (Float64Array | number)[];
  capSum: Float64Array;
  /** Flows with a held member: not free for the one-to-one greedy. */
  heldFlow: Uint8Array;
  held: Map<number, number>;
  heldValue: number;
  heldHourlyCalls: number;
  /** Hourly buffers shared by the units' stores (as many as one unit's cache holds). */
  pool: BufferPool;
}

const isHourly = (cap: Float64Array | number): cap is Float64Array => typeof cap !== 'number';

function scalarUse(c: PlanCandidate, s: number): number {
  return (s === 0 ? c.supplyUse : c.demandUse) ?? NaN;
}
function drawOf(use: HourlyUse, s: number): Float64Array {
  return s === 0 ? use.supplyDraw : use.demandTake;
}
function fixedOf(use: HourlyUse, s: number): Float64Array | null {
  return s === 0 ? use.supplyFixed : null;
}

function prepare(flows: readonly PlanFlow[], cands: readonly PlanCandidate[], o: Options): Net {
  const index = new Map<string, number>();
  const cap: (Float64Array | number)[] = [];
  const capSum = new Float64Array(flows.length);
  flows.forEach((f, i) => {
    if (typeof f.id !== 'string' || index.has(f.id)) throw new TypeError(`flow id ${String(f.id)} missing or duplicated`);
    index.set(f.id, i);
    const c = f.capacity;
    if (typeof c === 'number') {
      if (!(c >= 0) || c === Infinity) throw new RangeError(`flow ${f.id}: capacity ${c} (must be finite and >= 0)`);
      capSum[i] = c;
    } else {
      if (!(c instanceof Float64Array) || c.length !== HOURS) throw new TypeError(`flow ${f.id}: an hourly capacity is a Float64Array of ${HOURS}`);
      let sum = 0;
      for (let h = 0; h < HOURS; h++) {
        const v = c[h]!;
        if (!(v >= 0) || v === Infinity) throw new RangeError(`flow ${f.id}: capacity[${h}] = ${v} (must be finite and >= 0)`);
        sum += v;
      }
      capSum[i] = sum;
    }
    cap.push(c);
  });

  const n = cands.length;
  const side = new Int32Array(2 * n);
  const fixed = new Float64Array(n);
  const unit = new Float64Array(n);
  const ids = new Set<string>();
  const held = new Map<number, number>();
  cands.forEach((c, i) => {
    if (typeof c.id !== 'string' || ids.has(c.id)) throw new TypeError(`candidate id ${String(c.id)} missing or duplicated`);
    ids.add(c.id);
    const s = index.get(c.supply);
    const d = index.get(c.demand);
    if (s === undefined) throw new RangeError(`candidate ${c.id}: unknown supply flow ${c.supply}`);
    if (d === undefined) throw new RangeError(`candidate ${c.id}: unknown demand flow ${c.demand}`);
    if (s === d) throw new RangeError(`candidate ${c.id}: supply and demand are the same flow ${c.supply}`);
    side[2 * i] = s;
    side[2 * i + 1] = d;
    const coef = c.coef?.[o.objective];
    if (!coef || !Number.isFinite(coef.fixed) || !Number.isFinite(coef.unit)) throw new RangeError(`candidate ${c.id}: ${o.objective} coefficients missing or not finite`);
    fixed[i] = coef.fixed;
    unit[i] = coef.unit;
    for (let k = 0; k < 2; k++) {
      const f = side[2 * i + k]!;
      if (isHourly(cap[f]!)) {
        if (typeof c.hourly !== 'function') throw new TypeError(`candidate ${c.id}: flow ${flows[f]!.id} is hourly, so the candidate needs hourly()`);
      } else {
        const u = scalarUse(c, k);
        if (!(u >= 0) || u === Infinity) {
          throw new RangeError(`candidate ${c.id}: flow ${flows[f]!.id} has a yearly capacity, so the candidate needs a finite ${k === 0 ? 'supplyUse' : 'demandUse'} >= 0`);
        }
      }
    }
    if (c.held !== undefined) {
      if (!(c.held > 0 && c.held <= 1)) throw new RangeError(`candidate ${c.id}: held share ${c.held} (must be in (0, 1])`);
      held.set(i, c.held);
    }
  });

  // Held candidates: subtract their use, refuse an over-allocation naming the flows.
  const heldFlow = new Uint8Array(flows.length);
  const heldOn = new Map<number, { i: number; s: number }[]>();
  let heldValue = 0;
  let heldHourlyCalls = 0;
  for (const [i, x] of held) {
    const c = cands[i]!;
    heldValue += fixed[i]! + unit[i]! * x;
    let use: HourlyUse | null = null;
    for (let s = 0; s < 2; s++) {
      const f = side[2 * i + s]!;
      heldFlow[f] = 1;
      let list = heldOn.get(f);
      if (!list) heldOn.set(f, (list = []));
      list.push({ i, s });
      const c0 = cap[f]!;
      if (isHourly(c0)) {
        if (!use) {
          use = checkedHourly(c);
          heldHourlyCalls++;
        }
        const draw = drawOf(use, s);
        const fx = fixedOf(use, s);
        const r = c0 === flows[f]!.capacity ? Float64Array.from(c0) : c0;
        for (let h = 0; h < HOURS; h++) r[h] = r[h]! - (x * draw[h]! + (fx ? fx[h]! : 0));
        cap[f] = r;
      } else {
        cap[f] = c0 - x * scalarUse(c, s);
      }
    }
  }
  for (const [f, list] of heldOn) {
    const total = flows[f]!.capacity;
    const r = cap[f]!;
    let worst = -1;
    let worstExcess = 0;
    if (isHourly(r)) {
      const t = total as Float64Array;
      for (let h = 0; h < HOURS; h++) {
        const excess = -r[h]!;
        if (excess > allowance(t[h]!) && excess > worstExcess) {
          worstExcess = excess;
          worst = h;
        }
      }
    } else if (-r > allowance(total as number)) {
      worst = 0;
      worstExcess = -r;
    }
    if (worst >= 0) {
      const capacity = isHourly(r) ? (total as Float64Array)[worst]! : (total as number);
      const matches: HeldMatch[] = list.map(({ i }) => ({ id: cands[i]!.id, supply: cands[i]!.supply, demand: cands[i]!.demand, held: cands[i]!.held! }));
      throw new OverAllocationError(flows[f]!.id, list[0]!.s === 0 ? 'supply' : 'demand', isHourly(r) ? worst : null, capacity + worstExcess, capacity, matches);
    }
    // Within the allowance: clamp the noise.
    if (isHourly(r)) {
      let sum = 0;
      for (let h = 0; h < HOURS; h++) sum += r[h] = Math.max(0, r[h]!);
      capSum[f] = sum;
    } else {
      cap[f] = Math.max(0, r);
      capSum[f] = cap[f] as number;
    }
  }
  const pool = new BufferPool(Math.floor(o.cacheBytes / (3 * HOURS * 8)));
  return { cands, side, fixed, unit, cap, capSum, heldFlow, held, heldValue, heldHourlyCalls, pool };
}

/** checkedHourly's buffers, handed from one call to the next (its callers read a use before the next call, synchronously). */
const checkedBuffers = new BufferPool(1);
/** A capacity of nothing, read-only: scanSide only checks the values against it. */
const NO_CAPACITY = new Float64Array(HOURS);

/**
 * A candidate's hourly use, every value checked (held candidates, one-candidate components). Valid
 * until the next call: a plan makes thousands of these calls, and 210 kB of fresh memory each
 * (every page a fault) cost more than computing the use.
 */
function checkedHourly(c: PlanCandidate): HourlyUse {
  const store = new HourlyStore([c], 0, checkedBuffers);
  const use = store.get(0);
  scanSide(c.id, NO_CAPACITY, use.supplyDraw, use.supplyFixed);
  scanSide(c.id, NO_CAPACITY, use.demandTake, null);
  store.clear();
  return use;
}

/** Candidates that can add value: not held, unit > 0 and positive at x = 1. */
function plannable(net: Net): number[] {
  const out: number[] = [];
  for (let i = 0; i < net.cands.length; i++) {
    if (net.held.has(i)) continue;
    if (net.unit[i]! > 0 && net.fixed[i]! + net.unit[i]! > 0) out.push(i);
  }
  return out;
}

/** Connected components of the candidate graph (union-find over flows). */
function components(net: Net, idx: readonly number[], flowCount: number): number[][] {
  const parent = new Int32Array(flowCount);
  for (let f = 0; f < flowCount; f++) parent[f] = f;
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]!]!;
      a = parent[a]!;
    }
    return a;
  };
  for (const i of idx) {
    const a = find(net.side[2 * i]!);
    const b = find(net.side[2 * i + 1]!);
    if (a !== b) parent[a] = b;
  }
  const groups = new Map<number, number[]>();
  for (const i of idx) {
    const r = find(net.side[2 * i]!);
    let g = groups.get(r);
    if (!g) groups.set(r, (g = []));
    g.push(i);
  }
  return [...groups.values()];
}

/**
 * Splits a component into blocks of at most `max` candidates: flows in breadth-first order, each
 * candidate at the position of its earlier flow, consecutive runs of that order. Neighbouring
 * candidates land in the same block, so few flows are shared between blocks.
 */
function blocksOf(net: Net, comp: readonly number[], max: number): number[][] {
  const byFlow = new Map<number, number[]>();
  for (const i of comp) {
    for (let s = 0; s < 2; s++) {
      const f = net.side[2 * i + s]!;
      let list = byFlow.get(f);
      if (!list) byFlow.set(f, (list = []));
      list.push(i);
    }
  }
  const order = new Map<number, number>();
  const queue: number[] = [];
  let head = 0;
  const start = [...byFlow.keys()].sort((a, b) => a - b);
  for (const root of start) {
    if (order.has(root)) continue;
    order.set(root, order.size);
    queue.push(root);
    while (head < queue.length) {
      const f = queue[head++]!;
      for (const i of byFlow.get(f)!) {
        for (let s = 0; s < 2; s++) {
          const g = net.side[2 * i + s]!;
          if (order.has(g)) continue;
          order.set(g, order.size);
          queue.push(g);
        }
      }
    }
  }
  const position = (i: number): number => Math.min(order.get(net.side[2 * i]!)!, order.get(net.side[2 * i + 1]!)!);
  const sorted = [...comp].sort((a, b) => position(a) - position(b) || a - b);
  const blocks: number[][] = [];
  for (let n = 0; n < sorted.length; n += max) blocks.push(sorted.slice(n, n + max));
  return blocks;
}

interface Outcome {
  /** Share per member (global candidate index). */
  x: Map<number, number>;
  value: number;
  bound: number;
  greedyValue: number;
  /** Components by status. */
  statuses: PlanResult['component_status'];
  rounds: number;
  rowsAdded: number;
  maxAdded: number;
  solverMs: number;
  hourlyCalls: number;
  /** Units where the solver failed (an error, not the time). */
  failed: number;
  notes: string[];
}

export async function solvePlan(flows: readonly PlanFlow[], candidates: readonly PlanCandidate[], opts: PlanOptions): Promise<PlanResult> {
  const t0 = performance.now();
  const o = resolveOptions(opts);
  const deadline = t0 + o.timeLimitSec * 1000;
  const net = prepare(flows, candidates, o);
  const idx = plannable(net);
  const comps = o.decompose ? components(net, idx, flows.length) : idx.length > 0 ? [idx] : [];
  comps.sort((a, b) => b.length - a.length || a[0]! - b[0]!);

  const shares = new Map<number, number>(net.held);
  let value = net.heldValue;
  let bound = net.heldValue;
  let greedy = net.heldValue;
  const tally: PlanResult['component_status'] = { trivial: 0, optimal: 0, time_limit: 0, greedy_fallback: 0, repaired: 0 };
  let rounds = 0;
  let rowsAdded = 0;
  let maxAdded = 0;
  let solverMs = 0;
  let hourlyCalls = 0;
  let failed = 0;
  const notes: string[] = [];
  const yieldNow = async (): Promise<void> => {
    if (performance.now() - lastYield > 50) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
  };
  let lastYield = performance.now();
  const take = (out: Outcome): void => {
    for (const [i, x] of out.x) shares.set(i, x);
    value += out.value;
    bound += out.bound;
    greedy += out.greedyValue;
    for (const k of Object.keys(tally) as (keyof typeof tally)[]) tally[k] += out.statuses[k];
    rounds = Math.max(rounds, out.rounds);
    rowsAdded += out.rowsAdded;
    maxAdded += out.maxAdded;
    solverMs += out.solverMs;
    hourlyCalls += out.hourlyCalls;
    failed += out.failed;
    for (const note of out.notes) if (notes.length < 50) notes.push(note);
  };

  // Units: a component alone, small components batched into one model (one solve instead of
  // hundreds of tiny ones), giant components block by block.
  const units: Unit[] = [];
  const small: number[][] = [];
  for (const comp of comps) {
    if (comp.length === 1) take(solveTrivial(net, comp[0]!));
    else if (comp.length > 2 * o.block) units.push(new GiantSolver(net, comp, o));
    else if (comp.length <= SMALL_COMPONENT) small.push(comp);
    else units.push(new ComponentSolver(net, comp, o));
  }
  for (let i = 0; i < small.length; ) {
    const batch: number[] = [];
    const label: number[] = [];
    let n = 0;
    while (i < small.length && (batch.length === 0 || batch.length + small[i]!.length <= BATCH_CANDIDATES)) {
      for (const c of small[i]!) {
        batch.push(c);
        label.push(n);
      }
      n++;
      i++;
    }
    units.push(new ComponentSolver(net, batch, o, Int32Array.from(label)));
  }
  // What is at stake in each unit: its bound without the solver minus the greedy pick. The time
  // is shared in proportion to it (units where greedy already meets the bound need no solve).
  const progress = (phase: PlanProgress['phase'], done: number, total: number): void => {
    opts.onProgress?.({ phase, done, total, elapsed_ms: performance.now() - t0 });
  };
  for (let n = 0; n < units.length; n++) {
    units[n]!.prepare();
    progress('prepare', n + 1, units.length);
    await yieldNow();
  }
  units.sort((a, b) => b.absoluteGap - a.absoluteGap || b.size - a.size);
  let remainingWeight = units.reduce((sum, u) => sum + u.absoluteGap, 0);
  let unsolved = 0;
  let done = 0;
  for (const unit of units) {
    progress('solve', done++, units.length);
    const weight = unit.absoluteGap;
    const remaining = Math.max(0, (deadline - performance.now()) / 1000);
    const budget = weight > 0 ? Math.min(remaining, (remaining * weight) / Math.max(remainingWeight, 1e-300)) : 0;
    remainingWeight -= weight;
    if (!unit.needsSolver || remaining <= 0.005) {
      // Greedy already meets the bound, or the plan's time is up: greedy pick, made maximal.
      unit.settle(unit.needsSolver ? 'time_limit' : 'optimal');
      if (unit.needsSolver) unsolved++;
      continue;
    }
    await unit.solve(budget, deadline);
    await yieldNow();
  }
  progress('solve', units.length, units.length);
  // Second pass: the time left goes to the units the time limit stopped, largest absolute gap first.
  const open = units.filter((u) => u.improvable && u.absoluteGap > 0).sort((a, b) => b.absoluteGap - a.absoluteGap);
  let openGap = open.reduce((sum, u) => sum + u.absoluteGap, 0);
  done = 0;
  for (const unit of open) {
    progress('improve', done++, open.length);
    const remaining = (deadline - performance.now()) / 1000;
    if (remaining < 0.1) break;
    const gap = unit.absoluteGap;
    const budget = (remaining * gap) / Math.max(openGap, 1e-300);
    openGap -= gap;
    if (budget < 0.05) continue;
    await unit.solve(budget, deadline);
    await yieldNow();
  }
  for (const unit of units) take(unit.outcome());
  if (unsolved > 0) notes.unshift(`${unsolved} solver unit(s) reached after the time limit: greedy pick, made maximal`);

  const members: { id: string; share: number }[] = [];
  for (let i = 0; i < candidates.length; i++) {
    const x = shares.get(i);
    if (x !== undefined && x > 0) members.push({ id: candidates[i]!.id, share: x });
  }
  // The plan's status: `greedy_fallback` only when the solver failed somewhere; a component where
  // the greedy pick beat a solve stopped by the time limit makes it `time_limit` (counted apart).
  const status: PlanStatus =
    tally.repaired > 0 ? 'repaired' : failed > 0 ? 'greedy_fallback' : tally.time_limit + tally.greedy_fallback > 0 ? 'time_limit' : 'optimal';
  return {
    members,
    objective_value: value,
    bound,
    gap: Math.max(0, bound - value) / Math.max(1, Math.abs(bound)),
    status,
    components: comps.length,
    largest_component: comps.reduce((m, c) => Math.max(m, c.length), 0),
    solve_ms: performance.now() - t0,
    greedy_value: greedy,
    component_status: tally,
    rounds,
    rows_added: rowsAdded,
    maximality_added: maxAdded,
    solver_ms: solverMs,
    hourly_calls: hourlyCalls + net.heldHourlyCalls,
    notes,
  };
}

/** A candidate alone in its component: the largest share its flows allow, no solver. */
function solveTrivial(net: Net, i: number): Outcome {
  const c = net.cands[i]!;
  let u = 1;
  let use: HourlyUse | null = null;
  for (let s = 0; s < 2 && u > 0; s++) {
    const cap = net.cap[net.side[2 * i + s]!]!;
    if (isHourly(cap)) {
      use ??= checkedHourly(c);
      u = Math.min(u, scanSide(c.id, cap, drawOf(use, s), fixedOf(use, s)).share);
    } else {
      const q = scalarUse(c, s);
      if (q > 0) u = Math.min(u, cap / q);
    }
  }
  const v = net.fixed[i]! + net.unit[i]! * u;
  const x = new Map<number, number>();
  let value = 0;
  if (u > MIN_SHARE && v > 0) {
    x.set(i, u);
    value = v;
  }
  const free = !net.heldFlow[net.side[2 * i]!] && !net.heldFlow[net.side[2 * i + 1]!];
  return {
    x,
    value,
    bound: value,
    greedyValue: free ? value : 0,
    statuses: { trivial: 1, optimal: 0, time_limit: 0, greedy_fallback: 0, repaired: 0 },
    rounds: 0,
    rowsAdded: 0,
    maxAdded: 0,
    solverMs: 0,
    hourlyCalls: use ? 1 : 0,
    failed: 0,
    notes: [],
  };
}

interface SideScan {
  /** The largest share the candidate can take from this capacity on its own (0: its fixed draw alone does not fit). */
  share: number;
  /** The hour where its use is largest relative to the capacity (-1: no use), that ratio, its draws there. */
  tight: number;
  ratio: number;
  tightDraw: number;
  tightFixed: number;
  sumDraw: number;
  sumFixed: number;
}

/** One pass over a candidate's hourly use of one flow (its values checked here). */
function scanSide(id: string, cap: Float64Array, draw: Float64Array, fixed: Float64Array | null): SideScan {
  let share = 1;
  let tight = -1;
  let ratio = 0;
  let sumDraw = 0;
  let sumFixed = 0;
  for (let h = 0; h < HOURS; h++) {
    const d = draw[h]!;
    const f = fixed ? fixed[h]! : 0;
    if (!(d >= 0 && f >= 0 && d < Infinity && f < Infinity)) throw new RangeError(`candidate ${id}: hourly use at hour ${h} is ${d} / ${f} (must be finite and >= 0)`);
    sumDraw += d;
    sumFixed += f;
    if (d <= 0 && f <= 0) continue;
    const c = cap[h]!;
    const room = c - f;
    if (room < -allowance(c)) share = 0;
    else if (d > 0 && room < share * d) share = Math.max(0, room / d);
    const r = c > 0 ? (d + f) / c : Infinity;
    if (r > ratio) {
      ratio = r;
      tight = h;
    }
  }
  return {
    share,
    tight,
    ratio,
    tightDraw: tight >= 0 ? draw[tight]! : 0,
    tightFixed: tight >= 0 && fixed ? fixed[tight]! : 0,
    sumDraw,
    sumFixed,
  };
}

/** What the scheduler of solvePlan works with: a component, a batch of small ones, or a giant one. */
interface Unit {
  readonly size: number;
  readonly absoluteGap: number;
  readonly needsSolver: boolean;
  readonly improvable: boolean;
  readonly solverMs: number;
  prepare(): void;
  solve(budgetSec: number, deadline: number): Promise<void>;
  settle(status: PlanStatus): void;
  outcome(): Outcome;
}

/**
 * A giant component, improved block by block (large-neighbourhood search): each block of up to
 * BLOCK_CANDIDATES candidates (consecutive in a breadth-first order of the flows) is solved with
 * every other candidate held at its current share, so against the capacity they leave, starting
 * from the current plan, which it can only improve. The plan is feasible after every block and
 * never below the greedy pick it starts from; its bound is the component's bound without the
 * solver (the blocks' own bounds are not bounds of the whole).
 */
class GiantSolver implements Unit {
  private readonly whole: ComponentSolver;
  private readonly blocks: number[][];
  private readonly byFlow = new Map<number, number[]>();
  private x = new Map<number, number>();
  private next = 0;
  private covered = 0;
  private readonly notes: string[] = [];
  private blockRows = 0;
  private blockRounds = 0;
  private blockCalls = 0;
  private blockFailed = 0;
  solverMs = 0;

  constructor(
    private readonly net: Net,
    private readonly comp: readonly number[],
    private readonly o: Options,
  ) {
    this.whole = new ComponentSolver(net, comp, o);
    this.blocks = blocksOf(net, comp, o.block);
    for (const i of comp) {
      for (let s = 0; s < 2; s++) {
        const f = net.side[2 * i + s]!;
        let list = this.byFlow.get(f);
        if (!list) this.byFlow.set(f, (list = []));
        list.push(i);
      }
    }
  }

  get size(): number {
    return this.comp.length;
  }
  get absoluteGap(): number {
    return this.whole.absoluteGap;
  }
  get needsSolver(): boolean {
    return this.whole.needsSolver;
  }
  get improvable(): boolean {
    return this.whole.improvable || this.covered < this.blocks.length;
  }

  prepare(): void {
    this.whole.prepare(false);
    this.x = this.whole.sharesByCandidate();
  }

  async solve(budgetSec: number, deadline: number): Promise<void> {
    this.prepare();
    const end = performance.now() + budgetSec * 1000;
    let left = this.blocks.length;
    let remainingSize = this.blocks.reduce((sum, b) => sum + b.length, 0);
    while (left > 0 && performance.now() < end && performance.now() < deadline) {
      const block = this.blocks[this.next]!;
      this.next = (this.next + 1) % this.blocks.length;
      left--;
      const share = ((end - performance.now()) / 1000) * (block.length / remainingSize);
      remainingSize -= block.length;
      const part = new ComponentSolver(this.residualNet(block), block, this.o, undefined, this.x);
      await part.solve(share, deadline);
      for (const i of block) this.x.delete(i);
      for (const [i, v] of part.sharesByCandidate()) this.x.set(i, v);
      const out = part.outcome();
      this.solverMs += out.solverMs;
      this.blockRows += out.rowsAdded;
      this.blockRounds = Math.max(this.blockRounds, out.rounds);
      this.blockCalls += out.hourlyCalls;
      this.blockFailed += out.failed;
      for (const n of out.notes) if (this.notes.length < 10) this.notes.push(n);
      this.covered++;
    }
    this.whole.adopt(this.x, Infinity);
    this.x = this.whole.sharesByCandidate();
  }

  settle(status: PlanStatus): void {
    this.whole.settle(status);
  }

  outcome(): Outcome {
    const out = this.whole.outcome();
    out.solverMs += this.solverMs;
    out.rowsAdded += this.blockRows;
    out.rounds = Math.max(out.rounds, this.blockRounds);
    out.hourlyCalls += this.blockCalls;
    out.failed += this.blockFailed;
    out.notes.unshift(
      `component of ${this.comp.length} candidates improved block by block (${Math.min(this.covered, this.blocks.length)} of ${this.blocks.length} blocks of up to ${this.o.block} solved${this.covered > this.blocks.length ? ', some twice' : ''}); its bound is the one without the solver`,
      ...this.notes,
    );
    return out;
  }

  /** The network with the capacity the rest of the component leaves to this block's flows. */
  private residualNet(block: readonly number[]): Net {
    const inBlock = new Set(block);
    const cap = this.net.cap.slice();
    const capSum = Float64Array.from(this.net.capSum);
    const store = new HourlyStore(this.net.cands, 0, this.net.pool);
    const flows = new Set<number>();
    for (const i of block) for (let s = 0; s < 2; s++) flows.add(this.net.side[2 * i + s]!);
    for (const f of flows) {
      const c0 = cap[f]!;
      let r: Float64Array | number = isHourly(c0) ? Float64Array.from(c0) : c0;
      for (const i of this.byFlow.get(f)!) {
        const x = this.x.get(i);
        if (inBlock.has(i) || x === undefined || !(x > 0)) continue;
        const s = this.net.side[2 * i] === f ? 0 : 1;
        if (isHourly(r)) {
          const use = store.get(i);
          const draw = drawOf(use, s);
          const fx = fixedOf(use, s);
          for (let h = 0; h < HOURS; h++) r[h] = r[h]! - x * draw[h]! - (fx ? fx[h]! : 0);
          this.blockCalls++;
        } else {
          r -= x * scalarUse(this.net.cands[i]!, s);
        }
      }
      if (isHourly(r)) {
        let sum = 0;
        for (let h = 0; h < HOURS; h++) sum += r[h] = Math.max(0, r[h]!);
        capSum[f] = sum;
      } else {
        r = Math.max(0, r);
        capSum[f] = r;
      }
      cap[f] = r;
    }
    store.clear();
    return { ...this.net, cap, capSum };
  }
}

/** One connected component: row generation around a HiGHS session. */
class ComponentSolver implements Unit {
  private readonly K: number;
  /** Local flow index per candidate side (2 k + s). */
  private readonly lf: Int32Array;
  /** Global flow index per local flow. */
  private readonly flowG: number[] = [];
  private readonly fixed: Float64Array;
  private readonly unit: Float64Array;
  private readonly u: Float64Array;
  private readonly live: Uint8Array;
  /** Per side (2 k + s): scalar use, annual sums, tightest hour with its draw and fixed draw. */
  private readonly use: Float64Array;
  private readonly sumDraw: Float64Array;
  private readonly sumFixed: Float64Array;
  private readonly tight: Int32Array;
  private readonly tightRatio: Float64Array;
  private readonly tightDraw: Float64Array;
  private readonly tightFixed: Float64Array;
  /** Live sides per local flow (2 k + s). */
  private readonly onFlow: number[][] = [];
  private readonly store: HourlyStore;
  private readonly notes: string[] = [];
  /** Column of each live candidate's x (its y is L columns further), -1 if not live. */
  private readonly col: Int32Array;
  private L = 0;
  private readonly rows: RowBlock = emptyRows();
  private readonly rowKeys = new Set<number>();
  private rowsAdded = 0;
  private scale = 1;
  solverMs = 0;
  private budgetMs = 0;
  private prepared = false;
  private greedyX: Float64Array = new Float64Array(0);
  private x: Float64Array = new Float64Array(0);
  private bound = Infinity;
  private rounds = 0;
  private maxAdded = 0;
  /** Component label per candidate (a batch of small components is solved as one model). */
  private readonly label: Int32Array;
  private readonly labels: number;
  private readonly labelStatus: PlanStatus[] = [];
  private failed = false;

  constructor(
    private readonly net: Net,
    private readonly g: readonly number[],
    private readonly o: Options,
    label?: Int32Array,
    /** A feasible plan to start from and never fall below (a giant component's current plan). */
    private readonly start?: ReadonlyMap<number, number>,
  ) {
    const K = (this.K = g.length);
    this.label = label ?? new Int32Array(K);
    this.labels = label ? Math.max(0, ...label) + 1 : 1;
    this.lf = new Int32Array(2 * K);
    const local = new Map<number, number>();
    for (let k = 0; k < K; k++) {
      for (let s = 0; s < 2; s++) {
        const f = net.side[2 * g[k]! + s]!;
        let l = local.get(f);
        if (l === undefined) {
          l = this.flowG.length;
          local.set(f, l);
          this.flowG.push(f);
        }
        this.lf[2 * k + s] = l;
      }
    }
    this.fixed = new Float64Array(K);
    this.unit = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      this.fixed[k] = net.fixed[g[k]!]!;
      this.unit[k] = net.unit[g[k]!]!;
    }
    this.u = new Float64Array(K);
    this.live = new Uint8Array(K);
    this.use = new Float64Array(2 * K);
    this.sumDraw = new Float64Array(2 * K);
    this.sumFixed = new Float64Array(2 * K);
    this.tight = new Int32Array(2 * K).fill(-1);
    this.tightRatio = new Float64Array(2 * K);
    this.tightDraw = new Float64Array(2 * K);
    this.tightFixed = new Float64Array(2 * K);
    this.col = new Int32Array(K).fill(-1);
    this.store = new HourlyStore(net.cands, o.cacheBytes, net.pool);
  }

  private capOf(l: number): Float64Array | number {
    return this.net.cap[this.flowG[l]!]!;
  }
  private valueAt(k: number, x: number): number {
    return this.fixed[k]! + this.unit[k]! * x;
  }
  private hourlyOf(k: number): HourlyUse {
    return this.store.get(this.g[k]!);
  }

  /**
   * Solves (or, called again, improves) the unit within `budgetSec` (and never past the plan's
   * `deadline` but for the last round's root bound). The result is kept per component: the better
   * of the solver's plan, the greedy pick and any earlier result, then made maximal.
   */
  async solve(budgetSec: number, deadline: number): Promise<void> {
    const end = performance.now() + budgetSec * 1000;
    this.budgetMs = budgetSec * 1000;
    this.prepare();
    let candidate: Float64Array = this.x;
    let status: PlanStatus = 'optimal';
    let repairedLabels: Set<number> | undefined;
    if (this.L > 0) {
      try {
        const r = await this.rowGeneration(this.x, end, deadline);
        candidate = r.x;
        status = r.status;
        repairedLabels = r.repairedLabels;
        this.bound = Math.min(this.bound, r.bound);
        this.rounds = Math.max(this.rounds, r.rounds);
      } catch (error) {
        this.notes.push(`${this.what()}: the solver failed twice (${(error as Error).message}); greedy pick used`);
        status = 'greedy_fallback';
        this.failed = true;
      }
    }
    // Per component: the greedy pick if the solver's plan is worse (time limit), and never worse
    // than an earlier result.
    const chosen = Float64Array.from(candidate);
    const labelValue = (x: Float64Array): Float64Array => {
      const v = new Float64Array(this.labels);
      for (let k = 0; k < this.K; k++) if (x[k]! > 0) v[this.label[k]!]! += this.valueAt(k, x[k]!);
      return v;
    };
    const mine = labelValue(candidate);
    const greedy = labelValue(this.greedyX);
    const before = labelValue(this.x);
    const first = this.labelStatus.length === 0;
    const use = new Int8Array(this.labels); // 0 the solver's plan, 1 the greedy pick, 2 the earlier result
    for (let l = 0; l < this.labels; l++) {
      const against = first ? greedy[l]! : before[l]!;
      if (mine[l]! < against - 1e-9 * Math.max(1, Math.abs(against))) use[l] = first ? 1 : 2;
    }
    for (let k = 0; k < this.K; k++) {
      const l = this.label[k]!;
      if (use[l] === 1) chosen[k] = this.greedyX[k]!;
      else if (use[l] === 2) chosen[k] = this.x[k]!;
    }
    let fellBack = 0;
    for (let l = 0; l < this.labels; l++) {
      if (use[l] === 0) this.labelStatus[l] = status === 'repaired' && repairedLabels && !repairedLabels.has(l) ? 'time_limit' : status;
      else if (use[l] === 1) {
        if (status !== 'greedy_fallback') fellBack++;
        this.labelStatus[l] = 'greedy_fallback';
      }
    }
    if (fellBack > 0) this.notes.push(`${this.what()}: the solver's plan was below the greedy pick in ${fellBack} component(s) (${status}); greedy pick used there`);
    this.maxAdded += this.maximal(chosen);
    this.x = chosen;
    const value = this.valueOf(chosen);
    if (value > this.bound) {
      // Only floating-point noise can put a feasible plan above a proven bound.
      if (value - this.bound > 1e-6 * Math.max(1, Math.abs(value))) {
        this.notes.push(`${this.what()}: plan ${value} above the solver bound ${this.bound}; bound raised`);
      }
      this.bound = value;
    }
    this.store.clear();
  }

  /** Summaries, greedy pick, bound without the solver and the first rows (hourly arrays released after). */
  prepare(rows = true): void {
    if (this.prepared) return;
    this.prepared = true;
    this.summarise();
    this.greedyX = this.greedy();
    if (this.start) {
      // The baseline is the plan given, not the greedy pick of this part alone.
      for (let k = 0; k < this.K; k++) this.greedyX[k] = this.live[k] ? Math.min(this.u[k]!, this.start.get(this.g[k]!) ?? 0) : 0;
    }
    this.x = Float64Array.from(this.greedyX);
    this.bound = this.relaxationBound();
    if (this.L > 0 && rows) this.initialRows();
    this.store.clear();
  }

  /** The shares (global candidate index -> share) the unit's plan gives its candidates. */
  sharesByCandidate(): Map<number, number> {
    const out = new Map<number, number>();
    for (let k = 0; k < this.K; k++) if (this.x[k]! > 0) out.set(this.g[k]!, this.x[k]!);
    return out;
  }

  /**
   * Takes a plan made elsewhere (a giant component's blocks) and a bound for it: cleaned of
   * floating-point excess (scaled down where it over-allocates a flow), the greedy pick if that is
   * better, made maximal; optimal when within the relative gap of the bound, else `time_limit`.
   */
  adopt(shares: Map<number, number>, bound: number): void {
    this.prepare(false);
    const x = new Float64Array(this.K);
    for (let k = 0; k < this.K; k++) if (this.live[k]) x[k] = Math.min(this.u[k]!, shares.get(this.g[k]!) ?? 0);
    const cut = this.repair(x);
    if (cut > REAL_REPAIR) this.notes.push(`${this.what()}: shares scaled down by up to ${(cut * 100).toPrecision(3)} % to fit every flow`);
    const greedy = this.valueOf(this.greedyX);
    let fallback = false;
    if (this.valueOf(x) < greedy - 1e-9 * Math.max(1, Math.abs(greedy))) {
      this.notes.push(`${this.what()}: the block-by-block plan was below the greedy pick; greedy pick used`);
      x.set(this.greedyX);
      fallback = true;
    }
    this.maxAdded += this.maximal(x);
    this.x = x;
    this.bound = Math.min(this.bound, bound);
    const value = this.valueOf(x);
    if (value > this.bound) this.bound = value;
    const proven = this.bound - value <= this.o.relGap * Math.abs(this.bound) + 1e-9 * Math.max(1, Math.abs(value));
    this.labelStatus[0] = fallback ? 'greedy_fallback' : proven ? 'optimal' : 'time_limit';
    this.store.clear();
  }

  /** False when the greedy pick already meets the bound (or nothing can be planned): no solve needed. */
  get needsSolver(): boolean {
    return this.L > 0 && this.absoluteGap > 1e-12 * Math.max(1, Math.abs(this.bound));
  }

  /** No solve: the greedy pick (optimal when it meets the bound), made maximal. */
  settle(status: PlanStatus): void {
    this.prepare();
    this.maxAdded += this.maximal(this.x);
    for (let l = 0; l < this.labels; l++) this.labelStatus[l] = status;
    this.store.clear();
  }

  /** Worth a second solve: some component stopped by the time limit. */
  get improvable(): boolean {
    return this.labelStatus.includes('time_limit') || this.labelStatus.includes('repaired');
  }

  get absoluteGap(): number {
    return Math.max(0, this.bound - this.valueOf(this.x));
  }

  get size(): number {
    return this.K;
  }

  outcome(): Outcome {
    const shares = new Map<number, number>();
    for (let k = 0; k < this.K; k++) if (this.x[k]! > 0) shares.set(this.g[k]!, this.x[k]!);
    const statuses: PlanResult['component_status'] = { trivial: 0, optimal: 0, time_limit: 0, greedy_fallback: 0, repaired: 0 };
    for (const st of this.labelStatus) statuses[st]++;
    return {
      x: shares,
      value: this.valueOf(this.x),
      bound: this.bound,
      greedyValue: this.valueOf(this.greedyX),
      statuses,
      rounds: this.rounds,
      rowsAdded: this.rowsAdded,
      maxAdded: this.maxAdded,
      solverMs: this.solverMs,
      hourlyCalls: this.store.computed,
      failed: this.failed ? 1 : 0,
      notes: this.notes,
    };
  }

  private what(): string {
    return this.labels > 1 ? `batch of ${this.labels} components (${this.K} candidates)` : `component of ${this.K} candidates`;
  }

  /** Objective of shares x (a candidate with x > 0 is built). */
  private valueOf(x: Float64Array): number {
    let v = 0;
    for (let k = 0; k < this.K; k++) if (x[k]! > 0) v += this.valueAt(k, x[k]!);
    return v;
  }

  /** Pass over the candidates: stand-alone shares, annual sums, tightest hours; which can be planned. */
  private summarise(): void {
    for (let k = 0; k < this.K; k++) {
      const c = this.net.cands[this.g[k]!]!;
      let u = 1;
      let h: HourlyUse | null = null;
      for (let s = 0; s < 2; s++) {
        const j = 2 * k + s;
        const cap = this.capOf(this.lf[j]!);
        if (isHourly(cap)) {
          h ??= this.hourlyOf(k);
          const st = scanSide(c.id, cap, drawOf(h, s), fixedOf(h, s));
          u = Math.min(u, st.share);
          this.sumDraw[j] = st.sumDraw;
          this.sumFixed[j] = st.sumFixed;
          this.tight[j] = st.tight;
          this.tightRatio[j] = st.ratio;
          this.tightDraw[j] = st.tightDraw;
          this.tightFixed[j] = st.tightFixed;
        } else {
          const q = scalarUse(c, s);
          this.use[j] = q;
          if (q > 0) u = Math.min(u, cap / q);
        }
      }
      u = Math.max(0, Math.min(1, u));
      this.u[k] = u;
      if (u > MIN_SHARE && this.valueAt(k, u) > 0) {
        this.live[k] = 1;
        this.col[k] = this.L++;
      }
    }
    for (let l = 0; l < this.flowG.length; l++) this.onFlow.push([]);
    for (let k = 0; k < this.K; k++) if (this.live[k]) for (let s = 0; s < 2; s++) this.onFlow[this.lf[2 * k + s]!]!.push(2 * k + s);
  }

  /**
   * An upper bound without the solver, from the dual of the linear relaxation (y >= x / u, each
   * hourly flow by its annual sum, fixed draws left out). For any prices p_f >= 0 of the flows,
   *   sum_k max(0, fixed_k) + sum_f cap_f p_f + sum_k u_k max(0, c_k - sum_{f of k} w_kf p_f)
   * bounds the plan (c_k = unit_k + min(0, fixed_k) / u_k, w_kf the use of flow f at x = 1). The
   * prices are improved flow by flow (each price's best value given the others is a weighted
   * median of its candidates' break-even prices, the fractional-knapsack rule) for a few sweeps.
   */
  private relaxationBound(): number {
    const K = this.K;
    const c = new Float64Array(K);
    let constant = 0;
    for (let k = 0; k < K; k++) {
      if (!this.live[k]) continue;
      constant += Math.max(0, this.fixed[k]!);
      c[k] = this.unit[k]! + Math.min(0, this.fixed[k]!) / this.u[k]!;
    }
    const weight = (j: number): number => (isHourly(this.capOf(this.lf[j]!)) ? this.sumDraw[j]! : this.use[j]!);
    const capacity = (l: number): number => {
      const cap = this.capOf(l);
      return isHourly(cap) ? this.net.capSum[this.flowG[l]!]! : cap;
    };
    const price = new Float64Array(this.flowG.length);
    const value = (): number => {
      let v = constant;
      for (let l = 0; l < this.flowG.length; l++) v += capacity(l) * price[l]!;
      for (let k = 0; k < K; k++) {
        if (!this.live[k]) continue;
        const rest = c[k]! - weight(2 * k) * price[this.lf[2 * k]!]! - weight(2 * k + 1) * price[this.lf[2 * k + 1]!]!;
        if (rest > 0) v += this.u[k]! * rest;
      }
      return v;
    };
    let best = value();
    const items: { t: number; a: number }[] = [];
    for (let sweep = 0; sweep < 4; sweep++) {
      for (let l = 0; l < this.flowG.length; l++) {
        items.length = 0;
        for (const j of this.onFlow[l]!) {
          const k = j >> 1;
          const w = weight(j);
          if (!(w > 0)) continue;
          const other = j ^ 1;
          const r = c[k]! - weight(other) * price[this.lf[other]!]!;
          if (r > 0) items.push({ t: r / w, a: this.u[k]! * w });
        }
        items.sort((x, y) => y.t - x.t);
        const cap = capacity(l);
        let used = 0;
        let p = 0;
        for (const it of items) {
          used += it.a;
          if (used >= cap) {
            p = it.t;
            break;
          }
        }
        price[l] = p;
      }
      const v = value();
      if (v < best) best = v;
      else break;
    }
    return best;
  }

  /** The one-to-one greedy pick: by objective at x = 1, both flows free, at the stand-alone share. */
  private greedy(): Float64Array {
    const order: number[] = [];
    for (let k = 0; k < this.K; k++) if (this.live[k]) order.push(k);
    order.sort((a, b) => this.valueAt(b, 1) - this.valueAt(a, 1) || this.g[a]! - this.g[b]!);
    const used = new Uint8Array(this.flowG.length);
    for (let l = 0; l < this.flowG.length; l++) used[l] = this.net.heldFlow[this.flowG[l]!]!;
    const x = new Float64Array(this.K);
    for (const k of order) {
      const a = this.lf[2 * k]!;
      const b = this.lf[2 * k + 1]!;
      if (used[a] || used[b]) continue;
      x[k] = this.u[k]!;
      used[a] = used[b] = 1;
    }
    return x;
  }

  private rowKey(l: number, hour: number): number {
    return l * (HOURS + 1) + hour;
  }

  /** Link rows x <= u y; per shared flow the annual (or yearly) row and the peak-hour rows. */
  private initialRows(): void {
    const L = this.L;
    // The objective scaled by a power of two to a largest coefficient near 1.
    let big = 0;
    for (let k = 0; k < this.K; k++) if (this.live[k]) big = Math.max(big, Math.abs(this.fixed[k]!), Math.abs(this.unit[k]!));
    this.scale = big > 0 ? 2 ** -Math.round(Math.log2(big)) : 1;
    for (let k = 0; k < this.K; k++) {
      const c = this.col[k]!;
      if (c < 0) continue;
      this.pushRow([c, L + c], [1, -this.u[k]!], 0);
    }
    const pending = new Map<number, number[]>();
    for (let l = 0; l < this.flowG.length; l++) {
      const sides = this.onFlow[l]!;
      if (sides.length < 2) continue;
      const cap = this.capOf(l);
      if (!isHourly(cap)) {
        let most = 0;
        for (const j of sides) most += this.use[j]! * this.u[j >> 1]!;
        if (most <= cap + allowance(cap)) continue;
        this.pushFlowRow(l, HOURS, sides.map((j) => this.use[j]!), null, cap);
        continue;
      }
      const rhs = this.net.capSum[this.flowG[l]!]!;
      let most = 0;
      for (const j of sides) most += this.sumDraw[j]! * this.u[j >> 1]! + this.sumFixed[j]!;
      if (most > rhs + allowance(rhs)) {
        this.pushFlowRow(l, HOURS, sides.map((j) => this.sumDraw[j]!), sides.map((j) => this.sumFixed[j]!), rhs);
      }
      const byRatio = sides.filter((j) => this.tight[j]! >= 0).sort((a, b) => this.tightRatio[b]! - this.tightRatio[a]!);
      const hours: number[] = [];
      for (const j of byRatio) {
        const h = this.tight[j]!;
        if (!hours.includes(h)) hours.push(h);
        if (hours.length >= PEAK_ROWS) break;
      }
      if (hours.length > 0) pending.set(l, hours);
    }
    this.addHourRows(pending);
  }

  /** Adds `coefficient * x (+ fixed * y) <= rhs` for one flow, scaled to a right-hand side of 1. */
  private pushFlowRow(l: number, hour: number, draw: readonly number[], fixed: readonly number[] | null, rhs: number): void {
    const sides = this.onFlow[l]!;
    const index: number[] = [];
    const value: number[] = [];
    sides.forEach((j, n) => {
      const c = this.col[j >> 1]!;
      const d = draw[n]!;
      const f = fixed ? fixed[n]! : 0;
      if (d > 0) {
        index.push(c);
        value.push(d / rhs);
      }
      if (f > 0) {
        index.push(this.L + c);
        value.push(f / rhs);
      }
    });
    this.rowKeys.add(this.rowKey(l, hour));
    if (index.length > 0) this.pushRow(index, value, 1);
  }

  private pushRow(index: readonly number[], value: readonly number[], upper: number): void {
    for (let n = 0; n < index.length; n++) {
      this.rows.index.push(index[n]!);
      this.rows.value.push(value[n]!);
    }
    this.rows.upper.push(upper);
    this.rows.starts.push(this.rows.index.length);
  }

  /** Rows for the given hours of the given flows (values read once per candidate); returns how many. */
  private addHourRows(pending: Map<number, number[]>): number {
    if (pending.size === 0) return 0;
    const draws = new Map<number, number[][]>();
    const fixeds = new Map<number, number[][]>();
    for (const [l, hours] of pending) {
      const n = this.onFlow[l]!.length;
      draws.set(l, hours.map(() => new Array<number>(n).fill(0)));
      fixeds.set(l, hours.map(() => new Array<number>(n).fill(0)));
    }
    // Which sides of which candidates are needed.
    const need = new Map<number, number[]>();
    for (const l of pending.keys()) {
      this.onFlow[l]!.forEach((j) => {
        const k = j >> 1;
        let list = need.get(k);
        if (!list) need.set(k, (list = []));
        list.push(j);
      });
    }
    const position = new Map<number, number>();
    for (const l of pending.keys()) this.onFlow[l]!.forEach((j, n) => position.set(j, n));
    for (const [k, js] of need) {
      const h = this.hourlyOf(k);
      for (const j of js) {
        const s = j & 1;
        const l = this.lf[j]!;
        const draw = drawOf(h, s);
        const fx = fixedOf(h, s);
        const n = position.get(j)!;
        pending.get(l)!.forEach((hour, r) => {
          draws.get(l)![r]![n] = draw[hour]!;
          fixeds.get(l)![r]![n] = fx ? fx[hour]! : 0;
        });
      }
    }
    let added = 0;
    for (const [l, hours] of pending) {
      const cap = this.capOf(l) as Float64Array;
      const sides = this.onFlow[l]!;
      hours.forEach((hour, r) => {
        const d = draws.get(l)![r]!;
        const f = fixeds.get(l)![r]!;
        const rhs = cap[hour]!;
        let most = 0;
        sides.forEach((j, n) => (most += d[n]! * this.u[j >> 1]! + f[n]!));
        if (most <= rhs + allowance(rhs) || rhs <= 0) {
          this.rowKeys.add(this.rowKey(l, hour));
          return;
        }
        this.pushFlowRow(l, hour, d, f, rhs);
        added++;
      });
    }
    return added;
  }

  private mipInput(): { cost: Float64Array; lower: Float64Array; upper: Float64Array; integer: Uint8Array } {
    const L = this.L;
    const cost = new Float64Array(2 * L);
    const lower = new Float64Array(2 * L);
    const upper = new Float64Array(2 * L);
    const integer = new Uint8Array(2 * L);
    for (let k = 0; k < this.K; k++) {
      const c = this.col[k]!;
      if (c < 0) continue;
      cost[c] = this.unit[k]! * this.scale;
      cost[L + c] = this.fixed[k]! * this.scale;
      upper[c] = this.u[k]!;
      upper[L + c] = 1;
      integer[L + c] = 1;
    }
    return { cost, lower, upper, integer };
  }

  /** The column vector of shares x (y = 1 where x > 0). */
  private columns(x: Float64Array): Float64Array {
    const v = new Float64Array(2 * this.L);
    for (let k = 0; k < this.K; k++) {
      const c = this.col[k]!;
      if (c < 0 || !(x[k]! > 0)) continue;
      v[c] = Math.min(x[k]!, this.u[k]!);
      v[this.L + c] = 1;
    }
    return v;
  }

  /** Shares from a solver vector: y rounded, x within [0, u y], tiny shares not built. */
  private shares(v: Float64Array): Float64Array {
    const x = new Float64Array(this.K);
    for (let k = 0; k < this.K; k++) {
      const c = this.col[k]!;
      if (c < 0 || !(v[this.L + c]! > 0.5)) continue;
      const share = Math.min(this.u[k]!, Math.max(0, v[c]!));
      if (share > MIN_SHARE) x[k] = share;
    }
    return x;
  }

  /**
   * Row generation. Each round's solve gets 60 % of the component's time left (the last round all
   * of it, at least 50 ms). After the component's time, further rounds run only while the solves
   * end proven optimal (small models) and the plan's deadline allows.
   */
  private async rowGeneration(
    startX: Float64Array,
    end: number,
    deadline: number,
  ): Promise<{ x: Float64Array; status: PlanStatus; bound: number; rounds: number; repairedLabels?: Set<number> }> {
    const input = this.mipInput();
    let session: MipSession | null = null;
    let failures = 0;
    let start = this.columns(startX);
    let bound = Infinity;
    let best: Float64Array = startX;
    let round = 0;
    let limited = false;
    const open = async (): Promise<MipSession> => {
      const highs = await highsRuntime();
      return MipSession.create(highs, { numCols: 2 * this.L, ...input, rows: this.rows });
    };
    try {
      for (;;) {
        round++;
        const now = performance.now();
        const left = (end - now) / 1000;
        const last = round >= this.o.maxRounds;
        const planLeft = (deadline - now) / 1000;
        const soft = Math.max(0.02, Math.min(planLeft, last ? left : left * 0.6));
        // Past the soft limit the solve goes on only until its root bound is in (at most 3x).
        const hard = Math.max(soft, Math.min(planLeft, 3 * soft + 0.5));
        let out: MipOutcome;
        try {
          session ??= await open();
          const s0 = performance.now();
          out = session.run(soft, hard, this.o.relGap, start);
          this.solverMs += performance.now() - s0;
        } catch (error) {
          session?.dispose();
          session = null;
          resetHighsRuntime();
          if (++failures >= 2) throw error;
          this.notes.push(`${this.what()}: solver error (${(error as Error).message}); retried on a fresh instance`);
          round--;
          continue;
        }
        if (out.dualBound < Infinity) bound = Math.min(bound, out.dualBound / this.scale);
        if (out.status === 'limit') limited = true;
        if (!out.x) {
          // No incumbent in the time (the start was refused): the start stands.
          return { x: startX, status: 'time_limit', bound, rounds: round };
        }
        const x = this.shares(out.x);
        const violated = this.violations(x);
        if (violated.length === 0) return this.finish(x, limited, bound, round);
        // Infeasible at some hours: the repaired plan is a feasible start for the next round.
        const fixedUp = Float64Array.from(x);
        this.repair(fixedUp);
        if (this.valueOf(fixedUp) > this.valueOf(best)) best = fixedUp;
        const t = performance.now();
        // Past the unit's time, rounds go on briefly (a plan feasible by rows beats a scaled-down one).
        if (last || t >= deadline || t >= end + Math.max(500, this.budgetMs)) {
          this.notes.push(
            `${this.what()}: still over capacity at ${violated.length} flow(s) after ${round} round(s); shares scaled down`,
          );
          // Only the components whose shares the repair changed count as repaired.
          const changed = new Set<number>();
          for (let k = 0; k < this.K; k++) if (Math.abs(best[k]! - x[k]!) > 1e-12) changed.add(this.label[k]!);
          return { x: best, status: best === startX ? 'time_limit' : 'repaired', bound, rounds: round, repairedLabels: changed };
        }
        const pending = new Map<number, number[]>();
        for (const v of violated) pending.set(v.flow, v.hours);
        const before = rowCount(this.rows);
        this.addHourRows(pending);
        const block: RowBlock = { starts: [0], index: [], value: [], upper: [] };
        // The rows just pushed, as their own block for the live session.
        const first = this.rows.starts[before]!;
        for (let r = before; r < rowCount(this.rows); r++) {
          block.upper.push(this.rows.upper[r]!);
          block.starts.push(this.rows.starts[r + 1]! - first);
        }
        for (let n = first; n < this.rows.index.length; n++) {
          block.index.push(this.rows.index[n]!);
          block.value.push(this.rows.value[n]!);
        }
        this.rowsAdded += block.upper.length;
        if (block.upper.length === 0) return this.finish(x, limited, bound, round);
        try {
          session?.addRows(block);
        } catch {
          session?.dispose();
          session = null;
          resetHighsRuntime();
        }
        start = this.columns(best);
      }
    } finally {
      session?.dispose();
    }
  }

  /** A plan feasible up to the solver's tolerance: clean the noise off (a real cut is reported). */
  private finish(
    x: Float64Array,
    limited: boolean,
    bound: number,
    rounds: number,
  ): { x: Float64Array; status: PlanStatus; bound: number; rounds: number; repairedLabels?: Set<number> } {
    const before = Float64Array.from(x);
    const cut = this.repair(x);
    if (cut > REAL_REPAIR) {
      this.notes.push(`${this.what()}: shares scaled down by up to ${(cut * 100).toPrecision(3)} % to fit every hour`);
      const changed = new Set<number>();
      for (let k = 0; k < this.K; k++) if (Math.abs(before[k]! - x[k]!) > 1e-12 * Math.max(1, before[k]!)) changed.add(this.label[k]!);
      return { x, status: 'repaired', bound, rounds, repairedLabels: changed };
    }
    return { x, status: limited ? 'time_limit' : 'optimal', bound, rounds };
  }

  /** Flows over capacity at some hour (beyond the solver's tolerance), with their worst hours not yet rows. */
  private violations(x: Float64Array): { flow: number; hours: number[] }[] {
    const loads = this.loads(x, 2);
    const out: { flow: number; hours: number[] }[] = [];
    for (const [l, load] of loads) {
      const cap = this.capOf(l);
      if (!isHourly(cap)) continue;
      const worst: { h: number; e: number }[] = [];
      for (let h = 0; h < HOURS; h++) {
        const c = cap[h]!;
        const excess = (load as Float64Array)[h]! - c;
        if (excess <= ROW_VIOLATION * c + 1e-12) continue;
        if (this.rowKeys.has(this.rowKey(l, h))) continue;
        const e = c > 0 ? excess / c : Infinity;
        if (worst.length < ROWS_PER_VIOLATION) {
          worst.push({ h, e });
          worst.sort((a, b) => b.e - a.e);
        } else if (e > worst[worst.length - 1]!.e) {
          worst[worst.length - 1] = { h, e };
          worst.sort((a, b) => b.e - a.e);
        }
      }
      if (worst.length > 0) out.push({ flow: l, hours: worst.map((w) => w.h) });
    }
    return out;
  }

  /**
   * Loads of the flows carrying at least `minMembers` members of x: hourly flows an array (x-share
   * draw plus fixed draw), yearly flows a number.
   */
  private loads(x: Float64Array, minMembers: number): Map<number, Float64Array | number> {
    const count = new Int32Array(this.flowG.length);
    for (let k = 0; k < this.K; k++) if (x[k]! > 0) for (let s = 0; s < 2; s++) count[this.lf[2 * k + s]!]!++;
    const loads = new Map<number, Float64Array | number>();
    for (let k = 0; k < this.K; k++) {
      const xk = x[k]!;
      if (!(xk > 0)) continue;
      let h: HourlyUse | null = null;
      for (let s = 0; s < 2; s++) {
        const l = this.lf[2 * k + s]!;
        if (count[l]! < minMembers) continue;
        const cap = this.capOf(l);
        if (isHourly(cap)) {
          h ??= this.hourlyOf(k);
          let load = loads.get(l) as Float64Array | undefined;
          if (!load) loads.set(l, (load = new Float64Array(HOURS)));
          addUse(load, xk, drawOf(h, s), fixedOf(h, s));
        } else {
          loads.set(l, ((loads.get(l) as number | undefined) ?? 0) + xk * this.use[2 * k + s]!);
        }
      }
    }
    return loads;
  }

  /**
   * Scales shares down until no flow is over capacity at any hour (one pass: scaling a flow's
   * members only lowers the other flows' loads), then drops members no longer worth building.
   * Returns the largest relative cut.
   */
  private repair(x: Float64Array): number {
    let cut = 0;
    const members = new Map<number, number[]>();
    for (let k = 0; k < this.K; k++) {
      if (!(x[k]! > 0)) continue;
      for (let s = 0; s < 2; s++) {
        const l = this.lf[2 * k + s]!;
        let list = members.get(l);
        if (!list) members.set(l, (list = []));
        list.push(2 * k + s);
      }
    }
    for (const [l, sides] of members) {
      if (sides.length < 2) continue;
      const cap = this.capOf(l);
      for (;;) {
        const alive = sides.filter((j) => x[j >> 1]! > 0);
        if (alive.length === 0) break;
        let alpha = 1;
        let dropNeeded = false;
        if (isHourly(cap)) {
          const share = new Float64Array(HOURS);
          const fixed = new Float64Array(HOURS);
          for (const j of alive) {
            const h = this.hourlyOf(j >> 1);
            const s = j & 1;
            addUse(share, x[j >> 1]!, drawOf(h, s), null);
            const fx = fixedOf(h, s);
            if (fx) addUse(fixed, 1, fx, null);
          }
          for (let h = 0; h < HOURS; h++) {
            const c = cap[h]!;
            if (share[h]! + fixed[h]! <= c + allowance(c) * 1e-3) continue;
            if (fixed[h]! > c) {
              dropNeeded = true;
              break;
            }
            alpha = Math.min(alpha, (c - fixed[h]!) / share[h]!);
          }
        } else {
          let load = 0;
          for (const j of alive) load += x[j >> 1]! * this.use[j]!;
          if (load > cap + allowance(cap) * 1e-3) alpha = cap / load;
        }
        if (dropNeeded) {
          // Fixed draws alone exceed the capacity: drop the least valuable member and retry.
          let worst = alive[0]!;
          for (const j of alive) if (this.valueAt(j >> 1, x[j >> 1]!) < this.valueAt(worst >> 1, x[worst >> 1]!)) worst = j;
          x[worst >> 1] = 0;
          cut = 1;
          continue;
        }
        if (alpha < 1) {
          alpha *= 1 - 1e-12;
          cut = Math.max(cut, 1 - alpha);
          for (const j of alive) x[j >> 1] = x[j >> 1]! * alpha;
        }
        break;
      }
    }
    for (let k = 0; k < this.K; k++) if (x[k]! > 0 && (x[k]! <= MIN_SHARE || this.valueAt(k, x[k]!) <= 0)) x[k] = 0;
    return cut;
  }

  /**
   * The plan is maximal (domain.md 5.1): members are raised to the largest share their flows allow,
   * then every other candidate with spare capacity on both flows joins at its largest share when
   * that is worth building (by objective at x = 1). Capacity only shrinks, so one pass is a fixed point.
   */
  private maximal(x: Float64Array): number {
    const loads = this.loads(x, 1);
    const loadOf = (l: number): Float64Array | number => {
      let load = loads.get(l);
      if (load === undefined) loads.set(l, (load = isHourly(this.capOf(l)) ? new Float64Array(HOURS) : 0));
      return load;
    };
    let added = 0;
    const order: number[] = [];
    for (let k = 0; k < this.K; k++) if (this.live[k]) order.push(k);
    order.sort((a, b) => Number(x[b]! > 0) - Number(x[a]! > 0) || this.valueAt(b, 1) - this.valueAt(a, 1) || this.g[a]! - this.g[b]!);
    for (const k of order) {
      const member = x[k]! > 0;
      if (member && x[k]! >= this.u[k]!) continue;
      if (!member && !this.mayFit(k, loadOf)) continue;
      const share = this.largestShare(k, x[k]!, loadOf);
      if (!(share > x[k]! + MIN_SHARE) || !(this.valueAt(k, share) > 0)) continue;
      // Take it: add the extra use to both flows' loads.
      const h = this.needsHourly(k) ? this.hourlyOf(k) : null;
      for (let s = 0; s < 2; s++) {
        const l = this.lf[2 * k + s]!;
        const load = loadOf(l);
        if (isHourly(load)) addUse(load, share - x[k]!, drawOf(h!, s), member ? null : fixedOf(h!, s));
        else loads.set(l, load + (share - x[k]!) * this.use[2 * k + s]!);
      }
      x[k] = share;
      added++;
    }
    return added;
  }

  private needsHourly(k: number): boolean {
    return isHourly(this.capOf(this.lf[2 * k]!)) || isHourly(this.capOf(this.lf[2 * k + 1]!));
  }

  /** A cheap necessary test for a non-member: room at its tightest hours and on yearly flows. */
  private mayFit(k: number, loadOf: (l: number) => Float64Array | number): boolean {
    let share = this.u[k]!;
    for (let s = 0; s < 2; s++) {
      const j = 2 * k + s;
      const l = this.lf[j]!;
      const cap = this.capOf(l);
      const load = loadOf(l);
      if (isHourly(cap)) {
        const t = this.tight[j]!;
        if (t < 0) continue;
        const room = cap[t]! - (load as Float64Array)[t]! - this.tightFixed[j]!;
        if (room < -allowance(cap[t]!)) return false;
        if (this.tightDraw[j]! > 0) share = Math.min(share, room / this.tightDraw[j]!);
      } else if (this.use[j]! > 0) {
        share = Math.min(share, (cap - (load as number)) / this.use[j]!);
      }
    }
    return share > MIN_SHARE && this.valueAt(k, share) > 0;
  }

  /** The largest share of candidate k (now at share `now`, 0 = not built) that its flows' spare capacity allows. */
  private largestShare(k: number, now: number, loadOf: (l: number) => Float64Array | number): number {
    let share = this.u[k]!;
    const h = this.needsHourly(k) ? this.hourlyOf(k) : null;
    for (let s = 0; s < 2 && share > 0; s++) {
      const j = 2 * k + s;
      const l = this.lf[j]!;
      const cap = this.capOf(l);
      const load = loadOf(l);
      if (isHourly(cap)) {
        const draw = drawOf(h!, s);
        const fx = fixedOf(h!, s);
        const L = load as Float64Array;
        for (let t = 0; t < HOURS; t++) {
          const d = draw[t]!;
          const f = fx ? fx[t]! : 0;
          if (d <= 0 && f <= 0) continue;
          // Spare at t with this candidate's own use taken out.
          const room = cap[t]! - L[t]! + (now > 0 ? now * d + f : 0) - f;
          if (room < -allowance(cap[t]!)) return 0;
          if (d > 0 && room < share * d) share = Math.max(0, room / d);
        }
      } else if (this.use[j]! > 0) {
        share = Math.min(share, (cap - (load as number) + now * this.use[j]!) / this.use[j]!);
      }
    }
    return Math.max(0, share * (1 - 1e-12));
  }
}

function addUse(load: Float64Array, x: number, draw: Float64Array, fixed: Float64Array | null): void {
  if (x !== 0) for (let h = 0; h < HOURS; h++) load[h] = load[h]! + x * draw[h]!;
  if (fixed) for (let h = 0; h < HOURS; h++) load[h] = load[h]! + fixed[h]!;
}

