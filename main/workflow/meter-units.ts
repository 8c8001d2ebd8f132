/**
 * Meter units in the base units the engine values a type in (MWh, m3, Nm3, t): a counter's reading
 * converts to a quantity, a rate's reading to a quantity per hour. Only what real heat, water and
 * mass meters report; anything else is refused with the unit named, never guessed.
 */
import type { BaseUnit } from '../matching/prices.ts';

/** Counter units: one unit is this many base units. */
const TOTAL: Record<string, [BaseUnit, number]> = {
  wh: ['MWh', 1e-6],
  kwh: ['MWh', 1e-3],
  mwh: ['MWh', 1],
  gwh: ['MWh', 1e3],
  mj: ['MWh', 1 / 3600],
  gj: ['MWh', 1 / 3.6],
  m3: ['m3', 1],
  l: ['m3', 1e-3],
  nm3: ['Nm3', 1],
  kg: ['t', 1e-3],
  t: ['t', 1],
};

/** Rate units: one unit is this many base units per hour. */
const RATE: Record<string, [BaseUnit, number]> = {
  w: ['MWh', 1e-6],
  kw: ['MWh', 1e-3],
  mw: ['MWh', 1],
  'm3/h': ['m3', 1],
  'l/h': ['m3', 1e-3],
  'l/s': ['m3', 3.6],
  'm3/s': ['m3', 3600],
  'nm3/h': ['Nm3', 1],
  'kg/h': ['t', 1e-3],
  't/h': ['t', 1],
};

const norm = (unit: string) => unit.trim().toLowerCase().replace(/\s+/g, '').replace('³', '3').replace(/^mł$/, 'm3');

export class MeterUnitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MeterUnitError';
  }
}

/**
 * The factor that turns a reading of `unit` into the base unit `base` (a quantity for a counter,
 * a quantity per hour for a rate), or a MeterUnitError naming the point and both units.
 */
export function meterFactor(kind: 'total' | 'rate', unit: string | null, base: string, point: string): number {
  if (!unit) throw new MeterUnitError(`meter point "${point}" has no unit, so its readings cannot be turned into ${base}`);
  const entry = (kind === 'total' ? TOTAL : RATE)[norm(unit)];
  if (!entry) {
    const known = Object.keys(kind === 'total' ? TOTAL : RATE).join(', ');
    throw new MeterUnitError(`meter point "${point}" reads "${unit}", which is not a ${kind === 'total' ? 'counter' : 'rate'} unit this app knows (${known})`);
  }
  if (entry[0] !== base) throw new MeterUnitError(`meter point "${point}" reads "${unit}" (${entry[0]}) but the exchange is valued in ${base}`);
  return entry[1];
}
