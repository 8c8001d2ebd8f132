/**
 * A seeded synthetic plan input for the benchmark and the scale tests: flows clustered around the
 * European industrial areas of main/matching/synthetic.ts (85 % within the area's sigma, 15 %
 * regional, sigma 60 km), each with a capacity, and candidates between nearby supplies and demands
 * of the same type with objective coefficients from a simplified version of domain.md 2.3 / 5.2.
 *
 * Hourly types (heat, steam, cooling: 28 % of flows, as in the matching portfolio) have 8,760-hour
 * capacities of three shapes: flat (with +-10 % day/night), a weekday schedule (Monday-Friday
 * 6-22 h) and a winter-peaked cosine (cooling: summer-peaked) with a day/night swing; all average
 * their stated power over the hours they run. A candidate's hourly use follows domain.md 5.2:
 * delivered_h = max(0, min(0.9 supply_h, demand_h + loss) - loss), the supply gives delivered/0.9
 * in proportion and loss/0.9 whenever it delivers, so x = 1 fits both flows on its own.
 * `hourly()` recomputes the arrays on every call, as the real economics would.
 *
 * Nothing here is real data; the economics are rough on purpose (what matters is the structure).
 */
import { mulberry32 } from '../domain/random.ts';
import { EUROPEAN_INDUSTRIAL_AREAS } from '../matching/synthetic.ts';
import { HOURS, type PlanCandidate, type PlanFlow } from './model.ts';

export interface SyntheticPlanOptions {
  flows: number;
  seed: number;
  /** Nearest partners kept per flow (both directions, then the union); default 6. */
  neighbours?: number;
  /** Keep only candidates with positive NPV at x = 1 (default true). */
  positiveNpv?: boolean;
}

export interface SyntheticPlan {
  flows: PlanFlow[];
  candidates: PlanCandidate[];
  hourlyFlows: number;
  hourlyCandidates: number;
}

interface TypeSpec {
  name: string;
  share: number;
  hourly: boolean;
  /** Search radius, km. */
  km: number;
  /** Power (MW) for hourly types, quantity per year for the others: log-uniform. */
  min: number;
  max: number;
  /** EUR per MWh or per unit. */
  price: number;
  supplyShare: number;
}

const TYPES: readonly TypeSpec[] = [
  { name: 'heat', share: 0.18, hourly: true, km: 20, min: 0.1, max: 20, price: 50, supplyShare: 0.5 },
  { name: 'steam', share: 0.05, hourly: true, km: 5, min: 0.5, max: 20, price: 60, supplyShare: 0.5 },
  { name: 'cooling', share: 0.05, hourly: true, km: 10, min: 0.1, max: 5, price: 40, supplyShare: 0.5 },
  { name: 'water', share: 0.1, hourly: false, km: 30, min: 5_000, max: 500_000, price: 2, supplyShare: 0.4 },
  { name: 'wastewater', share: 0.06, hourly: false, km: 30, min: 5_000, max: 500_000, price: 1, supplyShare: 0.7 },
  { name: 'co2', share: 0.04, hourly: false, km: 50, min: 500, max: 100_000, price: 60, supplyShare: 0.5 },
  { name: 'compressed_air', share: 0.03, hourly: false, km: 5, min: 1e5, max: 5e6, price: 0.02, supplyShare: 0.5 },
  { name: 'electricity', share: 0.05, hourly: false, km: 50, min: 100, max: 10_000, price: 150, supplyShare: 0.5 },
  { name: 'material', share: 0.16, hourly: false, km: 100, min: 100, max: 50_000, price: 80, supplyShare: 0.4 },
  { name: 'waste', share: 0.16, hourly: false, km: 100, min: 100, max: 50_000, price: 30, supplyShare: 0.7 },
  { name: 'logistics', share: 0.06, hourly: false, km: 100, min: 10_000, max: 5_000_000, price: 0.1, supplyShare: 0.5 },
  { name: 'service', share: 0.06, hourly: false, km: 50, min: 100, max: 5_000, price: 60, supplyShare: 0.5 },
];

/** Annuity factor at 8 % over 15 years (domain.md 2.3 defaults). */
const ANNUITY = (1 - 1.08 ** -15) / 0.08;
const GAS_CO2 = 0.202;
const GRID_CO2 = 0.3;

type Shape = 'flat' | 'weekday' | 'seasonal';

const shapes = new Map<string, Float64Array>();

/** The flow's hourly capacity: its power times a shape that averages 1 over the hours it runs. */
function hourlyShape(shape: Shape, power: number, cooling: boolean, phase: number): Float64Array {
  const key = `${shape}:${cooling}:${phase}`;
  let base = shapes.get(key);
  if (!base) shapes.set(key, (base = baseShape(shape, cooling, phase)));
  const a = new Float64Array(HOURS);
  for (let h = 0; h < HOURS; h++) a[h] = base[h]! * power;
  return a;
}

function baseShape(shape: Shape, cooling: boolean, phase: number): Float64Array {
  const a = new Float64Array(HOURS);
  let sum = 0;
  let on = 0;
  for (let h = 0; h < HOURS; h++) {
    const day = Math.floor(h / 24);
    const hod = h % 24;
    const daytime = hod >= 7 && hod < 21;
    let v: number;
    if (shape === 'flat') v = daytime ? 1.1 : 0.9;
    else if (shape === 'weekday') v = day % 7 < 5 && hod >= 6 && hod < 22 ? 1 : 0;
    else {
      const season = Math.cos((2 * Math.PI * (day - 15 - phase)) / 365);
      v = Math.max(0.05, 1 + 0.7 * (cooling ? -season : season)) * (daytime ? 1.15 : 0.8);
    }
    a[h] = v;
    sum += v;
    if (v > 0) on++;
  }
  // The stated power is the average over the hours the flow runs.
  const k = on / sum;
  for (let h = 0; h < HOURS; h++) a[h] = a[h]! * k;
  return a;
}

export function syntheticPlan(o: SyntheticPlanOptions): SyntheticPlan {
  const rnd = mulberry32(o.seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const logUniform = (lo: number, hi: number): number => lo * (hi / lo) ** rnd();
  const anchors = EUROPEAN_INDUSTRIAL_AREAS;
  const totalWeight = anchors.reduce((s, a) => s + a.weight, 0);
  const neighbours = o.neighbours ?? 6;

  // Flows: position (km, equirectangular at 50 N), type, direction, size.
  const n = o.flows;
  const X = new Float64Array(n);
  const Y = new Float64Array(n);
  const type = new Int32Array(n);
  const supply = new Uint8Array(n);
  const size = new Float64Array(n);
  const flows: PlanFlow[] = [];
  const kx = 111.32 * Math.cos((50 * Math.PI) / 180);
  for (let i = 0; i < n; i++) {
    let w = rnd() * totalWeight;
    let a = anchors[0]!;
    for (const an of anchors) {
      w -= an.weight;
      if (w <= 0) {
        a = an;
        break;
      }
    }
    const sigma = rnd() < 0.85 ? a.sigmaKm : 60;
    X[i] = a.lon * kx + gauss() * sigma;
    Y[i] = a.lat * 110.57 + gauss() * sigma;
    let t = rnd();
    let ti = 0;
    for (; ti < TYPES.length - 1; ti++) {
      t -= TYPES[ti]!.share;
      if (t <= 0) break;
    }
    type[i] = ti;
    const spec = TYPES[ti]!;
    supply[i] = rnd() < spec.supplyShare ? 1 : 0;
    size[i] = logUniform(spec.min, spec.max);
    let capacity: Float64Array | number;
    if (spec.hourly) {
      const r = rnd();
      // Industrial excess heat: mostly flat or scheduled; demands: mostly seasonal.
      const shape: Shape = supply[i] ? (r < 0.5 ? 'flat' : r < 0.85 ? 'weekday' : 'seasonal') : r < 0.15 ? 'flat' : r < 0.4 ? 'weekday' : 'seasonal';
      capacity = hourlyShape(shape, size[i]!, spec.name === 'cooling', Math.floor(rnd() * 20));
    } else {
      capacity = size[i]!;
    }
    flows.push({ id: `F${i}`, capacity });
  }

  // Candidates: each flow's nearest partners of the same type within the type's radius.
  const pairs = new Set<number>();
  const cells = new Map<string, number[]>();
  const cellOf = (i: number): [number, number] => {
    const km = TYPES[type[i]!]!.km;
    return [Math.floor(X[i]! / km), Math.floor(Y[i]! / km)];
  };
  for (let i = 0; i < n; i++) {
    const [cx, cy] = cellOf(i);
    const key = `${type[i]}:${supply[i]}:${cx}:${cy}`;
    let list = cells.get(key);
    if (!list) cells.set(key, (list = []));
    list.push(i);
  }
  for (let i = 0; i < n; i++) {
    const km = TYPES[type[i]!]!.km;
    const [cx, cy] = cellOf(i);
    const near: { j: number; d: number }[] = [];
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (const j of cells.get(`${type[i]}:${1 - supply[i]!}:${cx + dx}:${cy + dy}`) ?? []) {
          const d = Math.hypot(X[i]! - X[j]!, Y[i]! - Y[j]!);
          if (d <= km) near.push({ j, d });
        }
      }
    }
    near.sort((a, b) => a.d - b.d || a.j - b.j);
    for (const { j } of near.slice(0, neighbours)) {
      const s = supply[i] ? i : j;
      const d = supply[i] ? j : i;
      pairs.add(s * n + d);
    }
  }

  const candidates: PlanCandidate[] = [];
  let hourlyCandidates = 0;
  const sorted = [...pairs].sort((a, b) => a - b);
  for (const key of sorted) {
    const s = Math.floor(key / n);
    const d = key % n;
    const spec = TYPES[type[s]!]!;
    const km = Math.max(0.2, Math.hypot(X[s]! - X[d]!, Y[s]! - Y[d]!));
    const id = `M${s}-${d}`;
    if (spec.hourly) {
      const sCap = flows[s]!.capacity as Float64Array;
      const dCap = flows[d]!.capacity as Float64Array;
      // Pipe heat loss while delivering, MW: grows with length and (weakly) with size.
      const loss = 0.003 * km * Math.sqrt(Math.min(size[s]!, size[d]!));
      let energy = 0;
      let peak = 0;
      for (let h = 0; h < HOURS; h++) {
        const dl = Math.max(0, Math.min(0.9 * sCap[h]!, dCap[h]! + loss) - loss);
        energy += dl;
        if (dl > peak) peak = dl;
      }
      if (energy <= 0) continue;
      const route = 2 * 1.2 * km * 1000;
      const capex = route * (250 + 120 * Math.sqrt(peak)) + 160_000 * peak + (spec.name === 'steam' ? route * 150 : 0);
      const pumping = energy * 0.6; // EUR per year of pump electricity at full share
      const value = energy * spec.price;
      const npv = { fixed: -capex - ANNUITY * 0.01 * capex, unit: ANNUITY * (value - pumping) };
      if ((o.positiveNpv ?? true) && !(npv.fixed + npv.unit > 0)) continue;
      hourlyCandidates++;
      candidates.push({
        id,
        supply: flows[s]!.id,
        demand: flows[d]!.id,
        coef: {
          npv,
          co2: { fixed: 0, unit: (energy / 0.9) * GAS_CO2 - (pumping / 150) * GRID_CO2 },
          energy: { fixed: 0, unit: energy },
        },
        hourly: (into) => {
          const out = into ?? { supplyDraw: new Float64Array(HOURS), supplyFixed: new Float64Array(HOURS), demandTake: new Float64Array(HOURS) };
          const { supplyDraw, supplyFixed, demandTake } = out;
          for (let h = 0; h < HOURS; h++) {
            const dl = Math.max(0, Math.min(0.9 * sCap[h]!, dCap[h]! + loss) - loss);
            supplyDraw[h] = dl / 0.9;
            supplyFixed[h] = dl > 0 ? loss / 0.9 : 0;
            demandTake[h] = dl;
          }
          return out;
        },
      });
    } else {
      const q = Math.min(size[s]!, size[d]!);
      const byTruck = spec.name === 'material' || spec.name === 'waste';
      const capex = byTruck ? 5_000 : spec.name === 'logistics' || spec.name === 'service' ? 1_000 : 30_000 * km;
      const transport = byTruck ? 0.15 * 1.2 * km : 0;
      const npv = { fixed: -capex, unit: ANNUITY * q * (spec.price - transport) };
      if ((o.positiveNpv ?? true) && !(npv.fixed + npv.unit > 0)) continue;
      const co2PerUnit = spec.name === 'water' || spec.name === 'wastewater' ? 0.001 * GRID_CO2 : byTruck ? 0.5 : spec.name === 'electricity' ? GRID_CO2 : 0;
      candidates.push({
        id,
        supply: flows[s]!.id,
        demand: flows[d]!.id,
        coef: { npv, co2: { fixed: 0, unit: q * co2PerUnit }, energy: { fixed: 0, unit: spec.name === 'electricity' ? q : 0 } },
        supplyUse: q,
        demandUse: q,
      });
    }
  }
  return { flows, candidates, hourlyFlows: flows.filter((f) => typeof f.capacity !== 'number').length, hourlyCandidates };
}
