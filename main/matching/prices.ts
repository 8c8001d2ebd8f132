/**
 * Prices per unit: the base unit each type is valued in (MWh, m3, Nm3, t, t*km, h) and the
 * conversion of a stated price unit ("kWh", "EUR/GJ", "kg") to it.
 */
import type { FlowType } from '../domain/entities.ts';

export type BaseUnit = 'MWh' | 'm3' | 'Nm3' | 't' | 't*km' | 'h';

/** The unit a type's yearly quantity and its price are expressed in. */
export const BASE_UNIT: Record<FlowType, BaseUnit> = {
  heat: 'MWh',
  steam: 'MWh',
  cooling: 'MWh',
  electricity: 'MWh',
  water: 'm3',
  wastewater: 'm3',
  compressed_air: 'Nm3',
  co2: 't',
  material: 't',
  waste: 't',
  logistics: 't*km',
  service: 'h',
};

/**
 * Canonical units that are rates (kW, m3/h, Nm3/h): a year's quantity is rate x hours (kW x h /
 * 1000 = MWh). The others (t/yr, t*km/yr, h/yr) are already yearly.
 */
export const RATE_TYPES: ReadonlySet<FlowType> = new Set(['heat', 'steam', 'cooling', 'electricity', 'water', 'wastewater', 'compressed_air']);
/** Rate in canonical unit x hours x this = base units per year (kW -> MWh is 1/1000). */
export const RATE_TO_BASE: Partial<Record<FlowType, number>> = {
  heat: 1e-3,
  steam: 1e-3,
  cooling: 1e-3,
  electricity: 1e-3,
  water: 1,
  wastewater: 1,
  compressed_air: 1,
};

/** How many of the unit make one base unit: a price per kWh x 1000 is a price per MWh. */
const PER_BASE: Record<string, { base: BaseUnit; count: number }> = {
  wh: { base: 'MWh', count: 1e6 },
  kwh: { base: 'MWh', count: 1e3 },
  mwh: { base: 'MWh', count: 1 },
  gwh: { base: 'MWh', count: 1e-3 },
  mj: { base: 'MWh', count: 3600 },
  gj: { base: 'MWh', count: 3.6 },
  tj: { base: 'MWh', count: 3.6e-3 },
  m3: { base: 'm3', count: 1 },
  l: { base: 'm3', count: 1e3 },
  litre: { base: 'm3', count: 1e3 },
  liter: { base: 'm3', count: 1e3 },
  nm3: { base: 'Nm3', count: 1 },
  nl: { base: 'Nm3', count: 1e3 },
  t: { base: 't', count: 1 },
  tonne: { base: 't', count: 1 },
  kg: { base: 't', count: 1e3 },
  kt: { base: 't', count: 1e-3 },
  tkm: { base: 't*km', count: 1 },
  't*km': { base: 't*km', count: 1 },
  h: { base: 'h', count: 1 },
  hour: { base: 'h', count: 1 },
};

/**
 * EUR per base unit of `type` from a price stated per `per` (absent: the base unit itself).
 * Returns NaN when the unit is unknown or measures something else (kWh for water).
 */
export function pricePerBase(type: FlowType, eur: number, per: string | undefined): number {
  if (per === undefined) return eur;
  const key = per
    .trim()
    .replace(/^(eur|€)\s*\//i, '')
    .replace(/³/g, '3')
    .replace(/[·⋅×]/g, '*')
    .replace(/\s+/g, '')
    .toLowerCase();
  const unit = PER_BASE[key];
  if (unit === undefined || unit.base !== BASE_UNIT[type]) return Number.NaN;
  return eur * unit.count;
}
