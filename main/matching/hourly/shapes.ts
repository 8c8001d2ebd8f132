/**
 * The hourly shape of a heat, steam or cooling flow (domain.md 5.2): 8,760 factors averaging 1.0,
 * so the flow's power in hour h is (annual energy / 8,760) x shape[h].
 *
 * A shape is a profile (flat, a named Hotmaps profile, the country mean of the residential
 * profiles, or the flow's own measured hour-of-week means) masked by the flow's weekly schedule
 * and months, then rescaled so the year's energy is the stated one (decision: a schedule says
 * when the heat comes, not how much; domain.md 5.2 "schedules then mask" leaves the scale open).
 *
 * Pure: the 8,760-hour profile values come in through a `ProfileSource` (main/data loads the
 * bundled Hotmaps file); shapes are interned by what they are made of, so the thousands of flows
 * of a portfolio share a few dozen shapes.
 */
import { availabilityOfYear, HOURS_PER_YEAR, WEEK_HOUR_OF_HOUR } from './calendar.ts';

/** Profile values by app-facing name (`hotmaps:residential:DEA1`, `hotmaps:industry:paper:DE`); undefined when unknown. */
export type ProfileSource = (name: string) => Float64Array | undefined;

/** Name of the country mean of the residential profiles (the default shape of a district-heating demand). */
export const residentialMeanName = (hotmapsCountry: string) => `hotmaps:residential-mean:${hotmapsCountry}`;

export interface HourlyShape {
  /** What it is made of: profile name and masks (the intern key). */
  key: string;
  /** Small integer, unique per cache (pair caches key on it). */
  id: number;
  /** The profile's name as the user sees it (`flat`, `hotmaps:...`, `measured`). */
  profile: string;
  values: Float64Array;
  /** True when every value is 0 or one common level (flat with a schedule): pairs of such shapes have closed forms. */
  twoLevel: boolean;
  /** The common level of a two-level shape (0 otherwise). */
  level: number;
  /** 1 in the hours the shape is above 0. */
  on: Uint8Array;
  onHours: number;
  /** Largest 24-hour moving sum of `values` (windows inside the year). */
  max24: number;
}

const maskKey = (m: readonly boolean[] | undefined) => (m === undefined ? '*' : m.map((b) => (b ? '1' : '0')).join(''));

export function max24Sum(values: ArrayLike<number>): number {
  let win = 0;
  for (let h = 0; h < 24; h++) win += values[h]!;
  let best = win;
  for (let h = 24; h < values.length; h++) {
    win += values[h]! - values[h - 24]!;
    if (win > best) best = win;
  }
  return best;
}

let nextShapeId = 0;

function finish(key: string, profile: string, raw: Float64Array, avail: Uint8Array): HourlyShape {
  let sum = 0;
  for (let h = 0; h < HOURS_PER_YEAR; h++) {
    if (avail[h] === 0) raw[h] = 0;
    sum += raw[h]!;
  }
  const on = new Uint8Array(HOURS_PER_YEAR);
  let onHours = 0;
  let first = Number.NaN;
  let twoLevel = true;
  if (sum > 0) {
    const k = HOURS_PER_YEAR / sum;
    for (let h = 0; h < HOURS_PER_YEAR; h++) {
      const v = raw[h]! * k;
      raw[h] = v;
      if (v > 0) {
        on[h] = 1;
        onHours++;
        if (Number.isNaN(first)) first = v;
        else if (v !== first) twoLevel = false;
      }
    }
  }
  return { key, id: nextShapeId++, profile, values: raw, twoLevel, level: twoLevel && onHours > 0 ? first : 0, on, onHours, max24: max24Sum(raw) };
}

/** What the engine knows of a flow's hourly shape. */
export interface ShapeSpec {
  /** `flat`, `measured`, a Hotmaps name or a residential country mean; absent: flat. */
  profile?: string | undefined;
  week_mask?: readonly boolean[] | undefined;
  month_mask?: readonly boolean[] | undefined;
  /** For `measured`: mean power by hour of the week (168 values, Monday 00-01 first), from the flow's meter aggregates. */
  measured_week?: readonly number[] | undefined;
}

/**
 * Interns shapes. A profile name the source does not know is an error naming it (the interchange
 * validation rejects such names before they reach the engine; this guards the engine's own input).
 */
export class ShapeCache {
  readonly #shapes = new Map<string, HourlyShape>();
  readonly #source: ProfileSource;

  constructor(source: ProfileSource) {
    this.#source = source;
  }

  get size(): number {
    return this.#shapes.size;
  }

  shapeOf(spec: ShapeSpec, flowId = '?'): HourlyShape {
    const profile = spec.profile ?? 'flat';
    const measured = profile === 'measured' && spec.measured_week !== undefined && spec.measured_week.length === 168;
    // a flow marked measured without aggregates yet is flat until its meter data arrive
    const base = measured ? spec.measured_week!.join(',') : profile === 'measured' ? 'flat' : profile;
    const key = `${base}|${maskKey(spec.week_mask)}|${maskKey(spec.month_mask)}`;
    const hit = this.#shapes.get(key);
    if (hit !== undefined) return hit;
    const raw = new Float64Array(HOURS_PER_YEAR);
    if (measured) {
      const week = spec.measured_week!;
      for (let h = 0; h < HOURS_PER_YEAR; h++) raw[h] = Math.max(0, week[WEEK_HOUR_OF_HOUR[h]!]!);
    } else if (base === 'flat') {
      raw.fill(1);
    } else {
      const values = this.#source(base);
      if (values === undefined || values.length !== HOURS_PER_YEAR) throw new Error(`flow ${flowId}: temporal.profile "${profile}" is not a known profile`);
      raw.set(values);
    }
    const shape = finish(key, measured ? 'measured' : profile, raw, availabilityOfYear(spec.week_mask, spec.month_mask));
    this.#shapes.set(key, shape);
    return shape;
  }
}
