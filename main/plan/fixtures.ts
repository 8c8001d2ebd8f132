/**
 * Test helpers for the plan: small random portfolios whose hourly shapes take a few distinct values
 * (hour h is in class h % classes), an exhaustive search over them, and checks written independently
 * of the solver (every hour of every flow, straight from the candidates).
 */
import { mulberry32 } from '../domain/random.ts';
import { HOURS, type PlanCandidate, type PlanFlow, type PlanMember, type PlanObjective } from './model.ts';

export interface SmallPortfolio {
  flows: PlanFlow[];
  candidates: PlanCandidate[];
  /** Hour classes of the hourly shapes (1 for a yearly portfolio). */
  classes: number;
  /** Per flow: capacity per class. Per candidate: draw, fixed, take per class. */
  capClass: number[][];
  use: { draw: number[]; fixed: number[]; take: number[] }[];
  hourly: boolean;
}

export interface SmallOptions {
  seed: number;
  hourly: boolean;
  /** Held candidates (each kept only if it fits). */
  held?: boolean;
  maxCandidates?: number;
}

const OBJECTIVES: readonly PlanObjective[] = ['npv', 'co2', 'energy'];

const spread = (vals: readonly number[], classes: number): Float64Array => {
  const a = new Float64Array(HOURS);
  for (let h = 0; h < HOURS; h++) a[h] = vals[h % classes]!;
  return a;
};

export function smallPortfolio(o: SmallOptions): SmallPortfolio {
  const rnd = mulberry32(o.seed);
  const pick = (lo: number, hi: number): number => lo + (hi - lo) * rnd();
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const nS = int(2, 4);
  const nD = int(2, 4);
  const classes = o.hourly ? int(2, 4) : 1;
  const capClass: number[][] = [];
  const flows: PlanFlow[] = [];
  for (let i = 0; i < nS + nD; i++) {
    const vals = Array.from({ length: classes }, () => (rnd() < 0.1 ? 0 : Number(pick(0.5, 3).toFixed(3))));
    capClass.push(vals);
    flows.push({ id: i < nS ? `S${i}` : `D${i - nS}`, capacity: o.hourly ? spread(vals, classes) : vals[0]! });
  }
  const pairs: [number, number][] = [];
  for (let s = 0; s < nS; s++) for (let d = 0; d < nD; d++) pairs.push([s, nS + d]);
  for (let i = pairs.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [pairs[i], pairs[j]] = [pairs[j]!, pairs[i]!];
  }
  const k = Math.min(pairs.length, int(2, o.maxCandidates ?? 8));
  const candidates: PlanCandidate[] = [];
  const use: SmallPortfolio['use'] = [];
  for (let c = 0; c < k; c++) {
    const [s, d] = pairs[c]!;
    const draw = Array.from({ length: classes }, () => (rnd() < 0.15 ? 0 : Number(pick(0.2, 2).toFixed(3))));
    const fixed = draw.map((v) => (o.hourly && v > 0 && rnd() < 0.4 ? Number(pick(0, 0.3).toFixed(3)) : 0));
    const take = draw.map((v) => (v > 0 ? Number((v * pick(0.6, 1.2)).toFixed(3)) : 0));
    use.push({ draw, fixed, take });
    const coef = {} as PlanCandidate['coef'];
    for (const ob of OBJECTIVES) {
      const unit = Number(pick(ob === 'npv' ? 1 : 0.5, 10).toFixed(3));
      const fixedCost = ob === 'co2' ? 0 : -Number(pick(0, ob === 'npv' ? 6 : 1).toFixed(3));
      coef[ob] = { fixed: fixedCost, unit };
    }
    const cand: PlanCandidate = { id: `m${c}`, supply: flows[s]!.id, demand: flows[d]!.id, coef };
    if (o.hourly) {
      cand.hourly = () => ({ supplyDraw: spread(draw, classes), supplyFixed: spread(fixed, classes), demandTake: spread(take, classes) });
    } else {
      cand.supplyUse = draw[0]!;
      cand.demandUse = take[0]!;
    }
    candidates.push(cand);
  }
  if (o.held) {
    // Hold up to two candidates at a random share, each only if it still fits with the others.
    const p: SmallPortfolio = { flows, candidates, classes, capClass, use, hourly: o.hourly };
    for (let tries = 0; tries < 2; tries++) {
      const c = int(0, candidates.length - 1);
      if (candidates[c]!.held !== undefined) continue;
      const share = Number(pick(0.2, 1).toFixed(2));
      candidates[c]!.held = share;
      const members = candidates.filter((m) => m.held !== undefined).map((m) => ({ id: m.id, share: m.held! }));
      if (maxExcess(p, members) > 0) delete candidates[c]!.held;
    }
  }
  return { flows, candidates, classes, capClass, use, hourly: o.hourly };
}

const flowIndex = (p: SmallPortfolio): Map<string, number> => new Map(p.flows.map((f, i) => [f.id, i]));

export const valueOf = (c: PlanCandidate, ob: PlanObjective, x: number): number => (x > 0 ? c.coef[ob].fixed + c.coef[ob].unit * x : 0);

/**
 * Exhaustive search: every build set, each built candidate at a share on the grid (step), at 1, or
 * at the largest share the others leave it; feasibility checked per flow and hour class.
 */
export function exhaustive(p: SmallPortfolio, ob: PlanObjective, step = 0.05): { value: number; x: number[] } {
  const fi = flowIndex(p);
  const n = p.candidates.length;
  const x = new Array<number>(n).fill(0);
  const loads = p.flows.map(() => new Array<number>(p.classes).fill(0));
  const grid: number[] = [];
  for (let g = step; g < 1 - 1e-9; g += step) grid.push(Number(g.toFixed(10)));
  grid.push(1);
  let best = -Infinity;
  let bestX = x.slice();
  const held = p.candidates.map((c) => c.held);
  const optimistic = new Array<number>(n + 1).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    const c = p.candidates[i]!;
    optimistic[i] = optimistic[i + 1]! + (held[i] !== undefined ? valueOf(c, ob, held[i]!) : Math.max(0, c.coef[ob].fixed + Math.max(0, c.coef[ob].unit)));
  }
  const apply = (i: number, xi: number, sign: number): void => {
    const c = p.candidates[i]!;
    const u = p.use[i]!;
    const s = fi.get(c.supply)!;
    const d = fi.get(c.demand)!;
    for (let t = 0; t < p.classes; t++) {
      loads[s]![t]! += sign * (xi * u.draw[t]! + u.fixed[t]!);
      loads[d]![t]! += sign * xi * u.take[t]!;
    }
  };
  const maxShare = (i: number): number => {
    const c = p.candidates[i]!;
    const u = p.use[i]!;
    const s = fi.get(c.supply)!;
    const d = fi.get(c.demand)!;
    let m = 1;
    for (let t = 0; t < p.classes; t++) {
      const roomS = p.capClass[s]![t]! - loads[s]![t]! - u.fixed[t]!;
      if ((u.fixed[t]! > 0 || u.draw[t]! > 0) && roomS < -1e-12) return -1;
      if (u.draw[t]! > 0) m = Math.min(m, roomS / u.draw[t]!);
      const roomD = p.capClass[d]![t]! - loads[d]![t]!;
      if (u.take[t]! > 0) m = Math.min(m, roomD / u.take[t]!);
    }
    return m;
  };
  // Held candidates first: their use is there before anything else is chosen.
  held.forEach((h, i) => {
    if (h !== undefined) apply(i, h, 1);
  });
  const visit = (i: number, value: number): void => {
    if (value + optimistic[i]! <= best + 1e-12) return;
    if (i === n) {
      best = value;
      bestX = x.slice();
      return;
    }
    const c = p.candidates[i]!;
    if (held[i] !== undefined) {
      x[i] = held[i]!;
      visit(i + 1, value + valueOf(c, ob, x[i]!));
      return;
    }
    const m = maxShare(i);
    if (m > 1e-9) {
      const options = [m, ...grid.filter((g) => g < m)].sort((a, b) => b - a);
      for (const xi of options) {
        x[i] = xi;
        apply(i, xi, 1);
        visit(i + 1, value + valueOf(c, ob, xi));
        apply(i, xi, -1);
      }
      x[i] = 0;
    }
    visit(i + 1, value);
  };
  visit(0, 0);
  return { value: best, x: bestX };
}

/** Shares by candidate index from a plan's members. */
export function sharesOf(p: { candidates: readonly PlanCandidate[] }, members: readonly PlanMember[]): number[] {
  const at = new Map(members.map((m) => [m.id, m.share]));
  return p.candidates.map((c) => at.get(c.id) ?? 0);
}

/**
 * The largest relative excess of any flow at any of the 8,760 hours (or over the year), computed
 * straight from the flows and the candidates' own hourly() / uses; <= 0 means feasible.
 */
export function maxExcess(p: { flows: readonly PlanFlow[]; candidates: readonly PlanCandidate[] }, members: readonly PlanMember[]): number {
  const byId = new Map(p.candidates.map((c) => [c.id, c]));
  const load = new Map<string, Float64Array | number>();
  const add = (flow: PlanFlow, x: number, hourly: Float64Array | undefined, fixed: Float64Array | undefined, scalar: number | undefined): void => {
    if (typeof flow.capacity === 'number') {
      load.set(flow.id, ((load.get(flow.id) as number | undefined) ?? 0) + x * scalar!);
      return;
    }
    let a = load.get(flow.id) as Float64Array | undefined;
    if (!a) load.set(flow.id, (a = new Float64Array(HOURS)));
    for (let h = 0; h < HOURS; h++) a[h] = a[h]! + x * hourly![h]! + (fixed ? fixed[h]! : 0);
  };
  const flowById = new Map(p.flows.map((f) => [f.id, f]));
  for (const m of members) {
    const c = byId.get(m.id)!;
    const use = c.hourly?.();
    add(flowById.get(c.supply)!, m.share, use?.supplyDraw, use?.supplyFixed, c.supplyUse);
    add(flowById.get(c.demand)!, m.share, use?.demandTake, undefined, c.demandUse);
  }
  let worst = -Infinity;
  for (const f of p.flows) {
    const l = load.get(f.id);
    if (l === undefined) continue;
    if (typeof f.capacity === 'number') worst = Math.max(worst, ((l as number) - f.capacity) / Math.max(f.capacity, 1e-9));
    else for (let h = 0; h < HOURS; h++) worst = Math.max(worst, ((l as Float64Array)[h]! - f.capacity[h]!) / Math.max(f.capacity[h]!, 1e-9));
  }
  return worst;
}

/** The largest share candidate c could join at, given the plan's loads (straight from hourly()/uses). */
export function spareShare(p: { flows: readonly PlanFlow[]; candidates: readonly PlanCandidate[] }, members: readonly PlanMember[], c: PlanCandidate): number {
  const flowById = new Map(p.flows.map((f) => [f.id, f]));
  const byId = new Map(p.candidates.map((k) => [k.id, k]));
  const sideLoad = (flowId: string): Float64Array | number => {
    const f = flowById.get(flowId)!;
    if (typeof f.capacity === 'number') {
      let l = 0;
      for (const m of members) {
        const k = byId.get(m.id)!;
        if (k.supply === flowId) l += m.share * k.supplyUse!;
        if (k.demand === flowId) l += m.share * k.demandUse!;
      }
      return l;
    }
    const a = new Float64Array(HOURS);
    for (const m of members) {
      const k = byId.get(m.id)!;
      if (k.supply !== flowId && k.demand !== flowId) continue;
      const u = k.hourly!();
      for (let h = 0; h < HOURS; h++) a[h] = a[h]! + (k.supply === flowId ? m.share * u.supplyDraw[h]! + u.supplyFixed[h]! : m.share * u.demandTake[h]!);
    }
    return a;
  };
  let share = 1;
  const use = c.hourly?.();
  for (const [flowId, isSupply] of [
    [c.supply, true],
    [c.demand, false],
  ] as const) {
    const f = flowById.get(flowId)!;
    const l = sideLoad(flowId);
    if (typeof f.capacity === 'number') {
      const q = isSupply ? c.supplyUse! : c.demandUse!;
      if (q > 0) share = Math.min(share, (f.capacity - (l as number)) / q);
    } else {
      const draw = isSupply ? use!.supplyDraw : use!.demandTake;
      const fixed = isSupply ? use!.supplyFixed : null;
      for (let h = 0; h < HOURS; h++) {
        const room = f.capacity[h]! - (l as Float64Array)[h]! - (fixed ? fixed[h]! : 0);
        if ((draw[h]! > 0 || (fixed && fixed[h]! > 0)) && room < -1e-9) return 0;
        if (draw[h]! > 0) share = Math.min(share, room / draw[h]!);
      }
    }
  }
  return Math.max(0, share);
}

/** The one-to-one greedy pick, written independently: by objective at x = 1, both flows free (not held). */
export function greedyOneToOne(p: { flows: readonly PlanFlow[]; candidates: readonly PlanCandidate[] }, ob: PlanObjective): number {
  const used = new Set<string>();
  let value = 0;
  for (const c of p.candidates) {
    if (c.held === undefined) continue;
    used.add(c.supply);
    used.add(c.demand);
    value += valueOf(c, ob, c.held);
  }
  const order = p.candidates
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => c.held === undefined && c.coef[ob].unit > 0 && c.coef[ob].fixed + c.coef[ob].unit > 0)
    .sort((a, b) => b.c.coef[ob].fixed + b.c.coef[ob].unit - (a.c.coef[ob].fixed + a.c.coef[ob].unit) || a.i - b.i);
  for (const { c } of order) {
    if (used.has(c.supply) || used.has(c.demand)) continue;
    const share = Math.min(1, spareShare(p, [], c));
    if (!(share > 1e-9) || !(valueOf(c, ob, share) > 0)) continue;
    used.add(c.supply);
    used.add(c.demand);
    value += valueOf(c, ob, share);
  }
  return value;
}

/** Loads of every flow from a plan's members (hourly arrays or yearly sums), straight from the candidates. */
export function planLoads(p: { flows: readonly PlanFlow[]; candidates: readonly PlanCandidate[] }, members: readonly PlanMember[]): Map<string, Float64Array | number> {
  const byId = new Map(p.candidates.map((c) => [c.id, c]));
  const flowById = new Map(p.flows.map((f) => [f.id, f]));
  const loads = new Map<string, Float64Array | number>();
  for (const m of members) {
    const c = byId.get(m.id)!;
    const use = c.hourly?.();
    for (const [flowId, isSupply] of [
      [c.supply, true],
      [c.demand, false],
    ] as const) {
      const f = flowById.get(flowId)!;
      if (typeof f.capacity === 'number') {
        loads.set(flowId, ((loads.get(flowId) as number | undefined) ?? 0) + m.share * (isSupply ? c.supplyUse! : c.demandUse!));
        continue;
      }
      let a = loads.get(flowId) as Float64Array | undefined;
      if (!a) loads.set(flowId, (a = new Float64Array(HOURS)));
      const draw = isSupply ? use!.supplyDraw : use!.demandTake;
      const fixed = isSupply ? use!.supplyFixed : null;
      for (let h = 0; h < HOURS; h++) a[h] = a[h]! + m.share * draw[h]! + (fixed ? fixed[h]! : 0);
    }
  }
  return loads;
}

/** The largest share a non-member could join at, given the loads of planLoads(). */
const flowMaps = new WeakMap<readonly PlanFlow[], Map<string, PlanFlow>>();

export function shareGiven(p: { flows: readonly PlanFlow[] }, loads: Map<string, Float64Array | number>, c: PlanCandidate): number {
  let flowById = flowMaps.get(p.flows);
  if (!flowById) flowMaps.set(p.flows, (flowById = new Map(p.flows.map((f) => [f.id, f]))));
  let share = 1;
  const use = c.hourly?.();
  for (const [flowId, isSupply] of [
    [c.supply, true],
    [c.demand, false],
  ] as const) {
    const f = flowById.get(flowId)!;
    const l = loads.get(flowId);
    if (typeof f.capacity === 'number') {
      const q = isSupply ? c.supplyUse! : c.demandUse!;
      if (q > 0) share = Math.min(share, (f.capacity - ((l as number | undefined) ?? 0)) / q);
      continue;
    }
    const draw = isSupply ? use!.supplyDraw : use!.demandTake;
    const fixed = isSupply ? use!.supplyFixed : null;
    for (let h = 0; h < HOURS; h++) {
      const room = f.capacity[h]! - (l ? (l as Float64Array)[h]! : 0) - (fixed ? fixed[h]! : 0);
      if ((draw[h]! > 0 || (fixed && fixed[h]! > 0)) && room < -1e-9 * Math.max(1, f.capacity[h]!)) return 0;
      if (draw[h]! > 0) share = Math.min(share, room / draw[h]!);
    }
  }
  return Math.max(0, share);
}

/** Relabels a small portfolio's ids with a prefix (to put several side by side as separate components). */
export function prefixed(p: SmallPortfolio, prefix: string): SmallPortfolio {
  return {
    ...p,
    flows: p.flows.map((f) => ({ ...f, id: prefix + f.id })),
    candidates: p.candidates.map((c) => ({ ...c, id: prefix + c.id, supply: prefix + c.supply, demand: prefix + c.demand })),
  };
}
