/**
 * Quantities of flows: field units to each type's canonical unit, display, and data precision
 * (domain.md sections 1 and 2.2).
 *
 * Conversion model. Every accepted unit is a numerator (kW, MWh, m3, kg, t*km, h ...) optionally
 * divided by a period. Canonical units are either rates (kW, m3/h, Nm3/h: "how much while it
 * flows") or yearly totals (t/yr, t*km/yr, h/yr). Two kinds of input follow from that:
 * - a rate: a power, or anything per hour or shorter (l/s, Nm3/min, kg/h, GJ/h);
 * - a total per period: anything per day or longer, first scaled to a year by the calendar
 *   (day x365, week x52.14, month x12).
 * Rates and yearly totals are bridged by the flow's available hours per year, never by 8760:
 * 20,000 MWh/yr over 8000 h is 2,500 kW, and 2,500 kW back over the same 8000 h is 20,000 MWh/yr,
 * so the economics (E = P x hours) gets back exactly the energy the user typed. The same holds
 * for volumes: 240 m3/day is 10 m3/h on a 24/7 flow (8760 h) and 10.95 m3/h on an 8000 h flow.
 */
import { DEFAULT_PRECISION, PRECISIONS, type FlowType, type Precision } from './entities.ts';
import { WEEKS_PER_YEAR } from './temporal.ts';

export const CANONICAL_UNIT: Record<FlowType, string> = {
  heat: 'kW',
  steam: 'kW',
  cooling: 'kW',
  electricity: 'kW',
  water: 'm3/h',
  wastewater: 'm3/h',
  compressed_air: 'Nm3/h',
  co2: 't/yr',
  material: 't/yr',
  waste: 't/yr',
  logistics: 't*km/yr',
  service: 'h/yr',
};

type Dimension = 'energy' | 'volume' | 'normal_volume' | 'mass' | 'transport_work' | 'time';
/** 'hour': the amount is per hour (a rate); 'year': the amount is a yearly total. */
type Basis = 'hour' | 'year';

/** What each canonical unit measures: base unit kWh, m3, Nm3, t, t*km or h, per hour or per year. */
const CANONICAL: Record<FlowType, { dimension: Dimension; basis: Basis }> = {
  heat: { dimension: 'energy', basis: 'hour' },
  steam: { dimension: 'energy', basis: 'hour' },
  cooling: { dimension: 'energy', basis: 'hour' },
  electricity: { dimension: 'energy', basis: 'hour' },
  water: { dimension: 'volume', basis: 'hour' },
  wastewater: { dimension: 'volume', basis: 'hour' },
  compressed_air: { dimension: 'normal_volume', basis: 'hour' },
  co2: { dimension: 'mass', basis: 'year' },
  material: { dimension: 'mass', basis: 'year' },
  waste: { dimension: 'mass', basis: 'year' },
  logistics: { dimension: 'transport_work', basis: 'year' },
  service: { dimension: 'time', basis: 'year' },
};

const HINT: Record<Dimension, string> = {
  energy: 'use a power (kW, MW) or an energy per period (MWh/yr)',
  volume: 'use a volume per period (m3/h, m3/day, l/s)',
  normal_volume: 'use a normal volume per period (Nm3/h, Nm3/min)',
  mass: 'use a mass per period (t/yr, t/month, kg/day)',
  transport_work: 'use transport work per period (t*km/yr)',
  time: 'use hours per period (h/yr, h/week)',
};

interface Numerator {
  dimension: Dimension;
  /** Amount of the base unit in one of this unit. */
  factor: number;
  /** A power is already a rate (energy per hour) and takes no period. */
  isPower?: true;
}

const energy = (factor: number): Numerator => ({ dimension: 'energy', factor });
const power = (factor: number): Numerator => ({ dimension: 'energy', factor, isPower: true });
const mass = (factor: number): Numerator => ({ dimension: 'mass', factor });
const volume = (factor: number): Numerator => ({ dimension: 'volume', factor });

// Spelled as written in the field; looked up exactly first, then case-insensitively (below).
// Deliberately absent: mW and Mt (they would collide with MW and the "MT" some write for a tonne)
// and "ton" (short or metric?).
const NUMERATORS: Record<string, Numerator> = {
  W: power(1e-3),
  kW: power(1),
  MW: power(1e3),
  GW: power(1e6),
  Wh: energy(1e-3),
  kWh: energy(1),
  MWh: energy(1e3),
  GWh: energy(1e6),
  TWh: energy(1e9),
  kJ: energy(1 / 3600),
  MJ: energy(1 / 3.6),
  GJ: energy(1e3 / 3.6),
  TJ: energy(1e6 / 3.6),
  PJ: energy(1e9 / 3.6),
  m3: volume(1),
  l: volume(1e-3),
  litre: volume(1e-3),
  liter: volume(1e-3),
  Nm3: { dimension: 'normal_volume', factor: 1 },
  Nl: { dimension: 'normal_volume', factor: 1e-3 },
  kg: mass(1e-3),
  t: mass(1),
  tonne: mass(1),
  tonnes: mass(1),
  kt: mass(1e3),
  tkm: { dimension: 'transport_work', factor: 1 },
  't*km': { dimension: 'transport_work', factor: 1 },
  h: { dimension: 'time', factor: 1 },
};

/** How many of a period fit in its basis: per second -> per hour x3600; per month -> per year x12. */
const PERIODS: Record<string, { basis: Basis; perBasis: number }> = {};
const period = (names: string[], basis: Basis, perBasis: number) => {
  for (const name of names) PERIODS[name] = { basis, perBasis };
};
period(['s', 'sec', 'second'], 'hour', 3600);
period(['min', 'minute'], 'hour', 60);
period(['h', 'hr', 'hour'], 'hour', 1);
period(['d', 'day'], 'year', 365); // calendar days: a daily figure is an average day of the year
period(['wk', 'week'], 'year', WEEKS_PER_YEAR);
period(['mo', 'month'], 'year', 12);
period(['y', 'yr', 'a', 'year', 'annum'], 'year', 1);

/**
 * Case-insensitive fallback ("mwh/yr", "NM3/H"). Safe because no two units in the table differ only
 * in case; keep it so when adding one (that is why mW and Mt are left out).
 */
const byLowerCase = new Map(Object.entries(NUMERATORS).map(([name, entry]) => [name.toLowerCase(), entry]));

/** m³ -> m3, m^3 -> m3, t·km -> t*km, "m3 per day" -> m3/day, spaces dropped. */
function normalize(unit: string): string {
  return unit
    .trim()
    .replace(/\s+per\s+/gi, '/')
    .replace(/³/g, '3')
    .replace(/\^/g, '')
    .replace(/[·⋅×]/g, '*')
    .replace(/\s+/g, '');
}

interface ParsedUnit {
  dimension: Dimension;
  basis: Basis;
  /** Multiply an amount by this to get base units per basis (kWh per hour, t per year, ...). */
  factor: number;
}

function parseUnit(unit: string): ParsedUnit {
  const [top = '', per, ...rest] = normalize(unit).split('/');
  if (rest.length > 0) throw new Error(`unknown unit "${unit}"`);
  const found = NUMERATORS[top] ?? byLowerCase.get(top.toLowerCase());
  if (found === undefined) throw new Error(`unknown unit "${unit}"`);
  if (per === undefined) {
    if (found.isPower) return { dimension: found.dimension, basis: 'hour', factor: found.factor };
    throw new Error(`unit "${unit}" has no period: add one, e.g. ${top}/yr`);
  }
  const p = PERIODS[per.toLowerCase()];
  if (p === undefined) throw new Error(`unknown unit "${unit}"`);
  if (found.isPower) {
    // "kW/h" is a common slip for kWh or kW; a power per time is not a flow.
    throw new Error(`unit "${unit}" divides a power by a time: use ${top} alone, or an energy per period like ${top}h/yr`);
  }
  return { dimension: found.dimension, basis: p.basis, factor: found.factor * p.perBasis };
}

function checkHoursPerYear(hours: number): void {
  // 8784 h is a leap year; anything above means the caller passed something else (minutes, a total).
  if (!Number.isFinite(hours) || hours <= 0 || hours > 8784) {
    throw new Error(`hoursPerYear must be above 0 and at most 8784, got ${hours}`);
  }
}

/**
 * `amount` `unit` of a flow of `type` in the type's canonical unit. `hoursPerYear` is the flow's
 * available hours (temporal.ts `hoursPerYear`), used to turn yearly totals into rates and back.
 */
export function toCanonical(
  type: FlowType,
  amount: number,
  unit: string,
  hoursPerYear: number,
): { amount: number; unit: string } {
  if (!Number.isFinite(amount)) throw new Error(`amount must be a finite number, got ${amount}`);
  checkHoursPerYear(hoursPerYear);
  const target = CANONICAL[type];
  const parsed = parseUnit(unit);
  const canonicalUnit = CANONICAL_UNIT[type];
  if (parsed.dimension !== target.dimension) {
    const what = type.replace('_', ' ');
    if (type === 'steam' && parsed.dimension === 'mass') {
      throw new Error(
        `unit "${unit}" cannot express steam (canonical kW): a steam mass flow needs its enthalpy (pressure, temperature) to become power; give the thermal power in kW or MW`,
      );
    }
    const note =
      type === 'compressed_air' && parsed.dimension === 'volume'
        ? ' (free-air m3 depend on intake temperature and pressure: convert to normal m3 first)'
        : '';
    throw new Error(`unit "${unit}" cannot express ${what} (canonical ${canonicalUnit}): ${HINT[target.dimension]}${note}`);
  }
  let value = amount * parsed.factor;
  if (parsed.basis === 'hour' && target.basis === 'year') value *= hoursPerYear;
  if (parsed.basis === 'year' && target.basis === 'hour') value /= hoursPerYear;
  // Only an amount far beyond the schema's bound (MAX_QUANTITY) gets here; say so rather than store Infinity.
  if (!Number.isFinite(value)) throw new Error(`${amount} ${unit} is too large to convert to ${canonicalUnit}`);
  return { amount: value, unit: canonicalUnit };
}

const wholeNumber = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });
const threeDigits = new Intl.NumberFormat('en-GB', { maximumSignificantDigits: 3 });

/**
 * For display: thousands separators, whole numbers from 100 up (2,500 kW; 183 t/yr), three
 * significant digits below (1.25 MW, 0.0123 t/yr). The unit is shown as given, never converted.
 */
export function formatQuantity(amount: number, unit: string): string {
  const rounded = Math.abs(amount) >= 100 ? wholeNumber.format(amount) : threeDigits.format(amount);
  const text = rounded === '-0' ? '0' : rounded;
  return unit === '' ? text : `${text} ${unit}`;
}

/** domain.md 2.2: weight of a flow's numbers in the trust score. */
export const PRECISION_WEIGHT: Record<Precision, number> = { measured: 1.0, estimated: 0.7, rough: 0.4 };
/** Least to most precise. */
export const PRECISION_ORDER: readonly Precision[] = PRECISIONS;

export function isMorePrecise(a: Precision, b: Precision): boolean {
  return PRECISION_ORDER.indexOf(a) > PRECISION_ORDER.indexOf(b);
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** domain.md 2.2: measured data older than this counts as estimated. */
export const MEASUREMENT_MAX_AGE_DAYS = 365;

/**
 * The precision a flow's numbers deserve now: a measurement older than 365 days counts as
 * estimated (the plant may have changed). Without a measurement date the stated precision stands,
 * and an unstated precision is the domain default (estimated).
 */
export function effectivePrecision(precision: Precision | undefined, measuredAt: Date | undefined, now: Date): Precision {
  const stated = precision ?? DEFAULT_PRECISION;
  if (stated !== 'measured' || measuredAt === undefined) return stated;
  if (Number.isNaN(measuredAt.getTime())) throw new Error('measuredAt is not a valid date');
  if (Number.isNaN(now.getTime())) throw new Error('now is not a valid date');
  return now.getTime() - measuredAt.getTime() > MEASUREMENT_MAX_AGE_DAYS * DAY_MS ? 'estimated' : 'measured';
}
