/**
 * Quantities derived from meter points (field.md "Derived quantities"): heat power from a flow rate
 * and supply/return temperatures, energy from counters with wrap and reset handling, and the
 * unit conversions of point readings. Pure functions, no I/O.
 */

/** Specific heat of liquid water, kJ/(kg K). Varies by < 0.5 % between 20 and 90 degC. */
export const CP_WATER_KJ_PER_KG_K = 4.186;

/**
 * Density of liquid water at `tempC` (kg/m3), Kell (1975), valid 0-150 degC at ~1 bar:
 * 999.84 at 0 degC, 998.21 at 20, 980.55 at 65, 971.80 at 80.
 */
export function waterDensity(tempC: number): number {
  if (!Number.isFinite(tempC) || tempC < 0 || tempC > 150) throw new Error(`water density: temperature ${tempC} degC is outside 0-150 degC`);
  const t = tempC;
  return (999.83952 + 16.945176 * t - 7.9870401e-3 * t ** 2 - 46.170461e-6 * t ** 3 + 105.56302e-9 * t ** 4 - 280.54253e-12 * t ** 5) / (1 + 16.87985e-3 * t);
}

/** Volumetric flow units to m3/s. */
const VOLUME_RATE: Record<string, number> = { 'm3/h': 1 / 3600, 'm3/s': 1, 'm3/min': 1 / 60, 'l/s': 1e-3, 'l/min': 1e-3 / 60, 'l/h': 1e-3 / 3600, 'Nm3/h': 1 / 3600 };
/** Mass flow units to kg/s. */
const MASS_RATE: Record<string, number> = { 'kg/s': 1, 'kg/h': 1 / 3600, 'kg/min': 1 / 60, 't/h': 1000 / 3600 };
/** Power units to kW. */
const POWER: Record<string, number> = { W: 1e-3, kW: 1, MW: 1e3 };
/** Energy (counter) units to kWh. */
const ENERGY: Record<string, number> = { Wh: 1e-3, kWh: 1, MWh: 1e3, GWh: 1e6, MJ: 1 / 3.6, GJ: 1e3 / 3.6, kJ: 1 / 3600 };
/** Volume (counter) units to m3. */
const VOLUME: Record<string, number> = { m3: 1, l: 1e-3, Nm3: 1 };

const clean = (unit: string) => unit.trim().replace(/³/g, '3');
function factor(table: Record<string, number>, unit: string, what: string): number {
  const f = table[clean(unit)];
  if (f === undefined) throw new Error(`unit "${unit}" is not a ${what}: use one of ${Object.keys(table).join(', ')}`);
  return f;
}
export const powerToKw = (value: number, unit = 'kW') => value * factor(POWER, unit, 'power');
export const energyToKwh = (value: number, unit = 'kWh') => value * factor(ENERGY, unit, 'energy');
export const volumeToM3 = (value: number, unit = 'm3') => value * factor(VOLUME, unit, 'volume');
export const volumeRateToM3h = (value: number, unit = 'm3/h') => value * factor(VOLUME_RATE, unit, 'volume flow rate') * 3600;
export const isMassRateUnit = (unit: string) => clean(unit) in MASS_RATE;
/** Temperatures in degC (default) or K. */
export function temperatureToC(value: number, unit = 'degC'): number {
  const u = clean(unit);
  if (u === 'K') return value - 273.15;
  if (u === 'degC' || u === '°C' || u === 'C' || u === 'celsius') return value;
  throw new Error(`unit "${unit}" is not a temperature: use degC or K`);
}

export interface HeatPowerInput {
  /** The flow rate reading and its unit: volumetric (m3/h, l/s, ...) or mass (kg/s, t/h, ...). */
  flow: number;
  flowUnit: string;
  supplyC: number;
  returnC: number;
  /** kJ/(kg K); water by default. */
  cp?: number;
}

/**
 * P = m_dot * cp * (T_supply - T_return), in kW. A volumetric flow becomes a mass flow with the
 * water density at the MEAN of the two temperatures (a meter may sit in either pipe; the mean
 * halves the error of guessing wrong). Negative when the return is hotter than the supply.
 */
export function heatPowerKw(input: HeatPowerInput): number {
  const { flow, flowUnit, supplyC, returnC } = input;
  const cp = input.cp ?? CP_WATER_KJ_PER_KG_K;
  for (const [name, v] of [['flow', flow], ['supply temperature', supplyC], ['return temperature', returnC], ['cp', cp]] as const) {
    if (!Number.isFinite(v)) throw new Error(`heat power: ${name} ${v} is not a finite number`);
  }
  const massKgS = isMassRateUnit(flowUnit)
    ? flow * MASS_RATE[clean(flowUnit)]!
    : flow * factor(VOLUME_RATE, flowUnit, 'flow rate (volume or mass per time)') * waterDensity((supplyC + returnC) / 2);
  return massKgS * cp * (supplyC - returnC);
}

export interface Reading {
  ts: number;
  value: number;
}

export interface CounterStep {
  fromTs: number;
  toTs: number;
  delta: number;
  event: 'normal' | 'wrap' | 'reset';
}

export interface CounterResult {
  /** Sum of the deltas, in the counter's unit. */
  total: number;
  steps: CounterStep[];
  wraps: number;
  resets: number;
}

/**
 * Consumption from successive counter readings (oldest first).
 * - Up (or equal): the difference.
 * - Down, with `rollover` (the counter's modulus: it counts 0 .. rollover-1, e.g. 2^32 for a
 *   uint32 register, 100000000 for an 8-digit display that shows 99999999 last): a wrap when the
 *   wrapped difference (rollover - previous + next) is less than half the range; the difference
 *   across the wrap counts.
 * - Any other drop is a reset (meter replaced, counter cleared): the new value is counted from 0
 *   and the step is flagged, so the evaluation can say so.
 */
export function counterDeltas(readings: Reading[], options: { rollover?: number } = {}): CounterResult {
  const { rollover } = options;
  if (rollover !== undefined && !(Number.isFinite(rollover) && rollover > 0)) throw new Error(`counter rollover must be a positive number, got ${rollover}`);
  const steps: CounterStep[] = [];
  let total = 0;
  let wraps = 0;
  let resets = 0;
  for (let i = 1; i < readings.length; i++) {
    const prev = readings[i - 1]!;
    const next = readings[i]!;
    if (next.ts < prev.ts) throw new Error(`counter readings out of order at index ${i} (${next.ts} after ${prev.ts})`);
    let step: CounterStep;
    if (next.value >= prev.value) step = { fromTs: prev.ts, toTs: next.ts, delta: next.value - prev.value, event: 'normal' };
    else if (rollover !== undefined && rollover - prev.value + next.value < rollover / 2 && prev.value < rollover) {
      step = { fromTs: prev.ts, toTs: next.ts, delta: rollover - prev.value + next.value, event: 'wrap' };
      wraps += 1;
    } else {
      step = { fromTs: prev.ts, toTs: next.ts, delta: Math.max(0, next.value), event: 'reset' };
      resets += 1;
    }
    total += step.delta;
    steps.push(step);
  }
  return { total, steps, wraps, resets };
}

/**
 * Aligns several series on the timestamps of the first: for each of its readings, the nearest
 * reading of every other series within `toleranceMs`; timestamps where one is missing are dropped.
 * Returns rows [ts, v0, v1, ...]. Inputs must be sorted by ts.
 */
export function alignSeries(series: Reading[][], toleranceMs: number): number[][] {
  const [reference, ...others] = series;
  if (!reference) return [];
  const cursors = others.map(() => 0);
  const out: number[][] = [];
  for (const r of reference) {
    const row = [r.ts, r.value];
    let complete = true;
    others.forEach((other, k) => {
      let i = cursors[k]!;
      while (i + 1 < other.length && Math.abs(other[i + 1]!.ts - r.ts) <= Math.abs(other[i]!.ts - r.ts)) i++;
      cursors[k] = i;
      const hit = other[i];
      if (hit && Math.abs(hit.ts - r.ts) <= toleranceMs) row.push(hit.value);
      else complete = false;
    });
    if (complete) out.push(row);
  }
  return out;
}
