/**
 * One heat (steam, cooling) exchange hour by hour, the Hotmaps excess-heat method (domain.md 5.2;
 * Hotmaps CM excess_heat `CM1.py`, `dh_network/dh_objects.py`, `parameters.py`; CC BY 4.0 /
 * Apache-2.0):
 *
 * - supply_h = supplyMw x shape_s[h], demand_h = demandMw x shape_d[h] (MW);
 * - capacity = the largest 24-hour moving average of min(0.9 supply_h, demand_h), the heat the
 *   exchange would carry before losses; the pipe class is the first whose MW >= capacity;
 * - losses (both pipes, every hour) = route m x sum over the flow and return pipe of
 *   pi x lambda x |T_pipe - T_soil| / ln(1 + 2 insulation / diameter) (W/m);
 * - delivered_h = max(0, min(0.9 supply_h, demand_h + loss) - loss);
 * - pumping (W) in hour h = (P_h / cap_c)^2 dp_c route x (P_h / cap_c) v_c pi (d_h / 2000)^2 / 0.8
 *   with P_h the delivered power: a cube of P_h, summed.
 *
 * `evaluateHeatExchange` writes into a reused result (the matcher calls it for every candidate);
 * pairs of flat shapes (0 or one level, i.e. flat with a schedule) take a closed form over the
 * hours both are on, which gives the same numbers as the hourly loop (tested) at no per-hour cost.
 */
import { HOURS_PER_YEAR } from './calendar.ts';
import type { HourlyShape } from './shapes.ts';

/** One Hotmaps pipe class (`parameters.py`). */
export interface PipeClass {
  capacity_mw: number;
  cost_eur_per_m: number;
  hydraulic_diameter_mm: number;
  outer_diameter_mm: number;
  insulation_mm: number;
  flow_velocity_m_s: number;
  pressure_drop_pa_m: number;
}

export interface HeatPhysics {
  pipe_classes: readonly PipeClass[];
  /** Thermal conductivity of the insulation, W/(m K) (Hotmaps 0.05). */
  insulation_w_per_mk: number;
  exchanger_efficiency: number;
  pump_efficiency: number;
}

export interface HeatExchangeInput {
  supply: HourlyShape;
  demand: HourlyShape;
  /** Average power over the 8,760 hours (annual energy / 8,760), MW. */
  supplyMw: number;
  demandMw: number;
  routeM: number;
  flowTempC: number;
  returnTempC: number;
  soilTempC: number;
}

export interface HeatExchangeResult {
  capacityMw: number;
  /** Index into the pipe classes. */
  pipeClass: number;
  /** Heat loss of both pipes per metre of route, W/m. */
  lossWPerM: number;
  lossMw: number;
  /** Energy lost in the pipes over the year (8,760 h x loss), MWh. */
  lossMwh: number;
  deliveredMwh: number;
  /** Largest hourly delivered power, MW. */
  peakDeliveredMw: number;
  /** Hours with heat arriving. */
  hoursDelivering: number;
  /** 0.9 x the supply's annual energy (what the exchanger could pass), MWh. */
  availableMwh: number;
  demandMwh: number;
  /** Electricity of the circulation pumps, MWh per year. */
  pumpingMwh: number;
}

export function newHeatResult(): HeatExchangeResult {
  return { capacityMw: 0, pipeClass: 0, lossWPerM: 0, lossMw: 0, lossMwh: 0, deliveredMwh: 0, peakDeliveredMw: 0, hoursDelivering: 0, availableMwh: 0, demandMwh: 0, pumpingMwh: 0 };
}

/** The first class whose capacity is at least `mw`; the largest class above the table (2.3: 976 EUR/m above 190 MW). */
export function pipeClassFor(mw: number, classes: readonly PipeClass[]): number {
  for (let i = 0; i < classes.length; i++) if (mw <= classes[i]!.capacity_mw) return i;
  return classes.length - 1;
}

/** Heat loss of one pipe per metre (W/m): pi lambda |T - T_soil| / ln(1 + 2 s / d) (Hotmaps dh_objects). */
export function pipeLossWPerM(c: PipeClass, pipeTempC: number, soilTempC: number, lambda: number): number {
  return (Math.PI * lambda * Math.abs(pipeTempC - soilTempC)) / Math.log(1 + (2 * c.insulation_mm) / c.outer_diameter_mm);
}

/** Pump energy factor of a class: pumping W = k x route m x (P / cap)^3. */
export function pumpFactor(c: PipeClass, pumpEfficiency: number): number {
  const area = Math.PI * (c.hydraulic_diameter_mm / 2000) ** 2;
  return (c.pressure_drop_pa_m * c.flow_velocity_m_s * area) / pumpEfficiency;
}

interface OverlapStats {
  /** Hours both shapes are on. */
  both: number;
  /** Largest count of both-on hours in 24 consecutive hours. */
  both24: number;
}

/** Per pair of two-level shapes: the hours both are on (a closed form then needs nothing else). */
const overlapCache = new Map<number, OverlapStats>();

function overlapOf(a: HourlyShape, b: HourlyShape): OverlapStats {
  const key = a.id * 0x100000 + b.id;
  let s = overlapCache.get(key);
  if (s !== undefined) return s;
  const on = new Uint8Array(HOURS_PER_YEAR);
  let both = 0;
  for (let h = 0; h < HOURS_PER_YEAR; h++) if (a.on[h] === 1 && b.on[h] === 1) {
    on[h] = 1;
    both++;
  }
  let win = 0;
  for (let h = 0; h < 24; h++) win += on[h]!;
  let best = win;
  for (let h = 24; h < HOURS_PER_YEAR; h++) {
    win += on[h]! - on[h - 24]!;
    if (win > best) best = win;
  }
  s = { both, both24: best };
  if (overlapCache.size > 10_000) overlapCache.clear();
  overlapCache.set(key, s);
  return s;
}

/** Evaluates the exchange; writes into `out`. Hourly series are written when `hourly` is given (for charts and the plan). */
export function evaluateHeatExchange(x: HeatExchangeInput, p: HeatPhysics, out: HeatExchangeResult, hourly?: HourlySeries): HeatExchangeResult {
  const eta = p.exchanger_efficiency;
  const sv = x.supply.values;
  const dv = x.demand.values;
  const s = x.supplyMw;
  const d = x.demandMw;
  const closed = hourly === undefined && x.supply.twoLevel && x.demand.twoLevel;
  // 1. capacity: the largest 24-hour average of the heat carried before losses
  let capacity: number;
  let overlap: OverlapStats | undefined;
  if (closed) {
    overlap = overlapOf(x.supply, x.demand);
    const a = eta * s * x.supply.level;
    const b = d * x.demand.level;
    capacity = (overlap.both24 * (a < b ? a : b)) / 24;
  } else {
    let win = 0;
    let best = 0;
    for (let h = 0; h < HOURS_PER_YEAR; h++) {
      const a = eta * s * sv[h]!;
      const b = d * dv[h]!;
      win += a < b ? a : b;
      if (h >= 24) {
        const a0 = eta * s * sv[h - 24]!;
        const b0 = d * dv[h - 24]!;
        win -= a0 < b0 ? a0 : b0;
      }
      if (h >= 23 && win > best) best = win;
    }
    capacity = best / 24;
  }
  // 2. pipe class and losses (one pass, as Hotmaps)
  const ci = pipeClassFor(capacity, p.pipe_classes);
  const c = p.pipe_classes[ci]!;
  const lossWPerM = pipeLossWPerM(c, x.flowTempC, x.soilTempC, p.insulation_w_per_mk) + pipeLossWPerM(c, x.returnTempC, x.soilTempC, p.insulation_w_per_mk);
  const loss = (lossWPerM * x.routeM) / 1e6;
  // 3. delivered heat and the cube sum for pumping
  let delivered = 0;
  let cubes = 0;
  let peak = 0;
  let running = 0;
  if (closed) {
    const a = eta * s * x.supply.level - loss;
    const b = d * x.demand.level;
    const per = a < b ? a : b;
    if (per > 0 && overlap!.both > 0) {
      delivered = overlap!.both * per;
      cubes = overlap!.both * per * per * per;
      peak = per;
      running = overlap!.both;
    }
  } else {
    for (let h = 0; h < HOURS_PER_YEAR; h++) {
      const a = eta * s * sv[h]! - loss;
      const b = d * dv[h]!;
      const q = a < b ? a : b;
      if (q > 0) {
        delivered += q;
        cubes += q * q * q;
        running++;
        if (q > peak) peak = q;
      }
    }
    if (hourly !== undefined) fillHourly(x, eta, loss, hourly);
  }
  const capC = c.capacity_mw;
  out.capacityMw = capacity;
  out.pipeClass = ci;
  out.lossWPerM = lossWPerM;
  out.lossMw = loss;
  out.lossMwh = loss * HOURS_PER_YEAR;
  out.deliveredMwh = delivered;
  out.peakDeliveredMw = peak;
  out.hoursDelivering = running;
  out.availableMwh = eta * s * HOURS_PER_YEAR;
  out.demandMwh = d * HOURS_PER_YEAR;
  out.pumpingMwh = (pumpFactor(c, p.pump_efficiency) * x.routeM * (cubes / (capC * capC * capC))) / 1e6;
  return out;
}

/** Hourly series of one exchange (MW): what the exchanger could pass, what the demand needs, what arrives. */
export interface HourlySeries {
  available: Float64Array;
  demand: Float64Array;
  delivered: Float64Array;
}

export const newHourlySeries = (): HourlySeries => ({
  available: new Float64Array(HOURS_PER_YEAR),
  demand: new Float64Array(HOURS_PER_YEAR),
  delivered: new Float64Array(HOURS_PER_YEAR),
});

function fillHourly(x: HeatExchangeInput, eta: number, loss: number, out: HourlySeries): void {
  for (let h = 0; h < HOURS_PER_YEAR; h++) {
    const a = eta * x.supplyMw * x.supply.values[h]!;
    const b = x.demandMw * x.demand.values[h]!;
    out.available[h] = a;
    out.demand[h] = b;
    const q = (a - loss < b ? a - loss : b);
    out.delivered[h] = q > 0 ? q : 0;
  }
}
