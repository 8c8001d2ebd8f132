/**
 * Measurement and verification of a live exchange: what its bound meters say was delivered,
 * valued and turned into CO2 with the very factors of the engine's projection, beside that
 * projection for the same time, with the period and how much of it the meters cover.
 *
 * Rules (docs/workflow.md, "M&V"):
 * - A counter (role delivered_total: kWh, MWh, GJ, m3, t ...) delivers the sum of its increases
 *   between consecutive good readings; a decrease is a reset or a meter swap, counted in `resets`
 *   and skipped (the increase across it is unknown, and an M&V figure must never over-claim).
 *   It covers the time from its first to its last reading in the period.
 * - A rate (role delivered_rate: kW, MW, m3/h, t/h ...) is integrated by the trapezoid rule
 *   between consecutive good readings no more than `maxGapMs` apart; a longer gap is uncovered
 *   time, not interpolated.
 * - Counters win over rates when an exchange has both (a counter is the billing-grade figure);
 *   several points of the chosen role are summed (two supply lines), and the coverage is that of
 *   the least-covered one.
 * - Annualised figures scale the measured quantity by calendar time (8760 h / covered hours):
 *   the projection's hours already include the hours the exchange does not run.
 */
import type { MeterRole } from '../db/workflow-schema.ts';
import { meterFactor } from './meter-units.ts';

export const HOURS_PER_YEAR = 8760;
export const DEFAULT_MAX_GAP_MS = 3_600_000;

export interface MeterSeries {
  point_id: string;
  name: string;
  role: MeterRole;
  unit: string | null;
  /** Good readings, oldest first. */
  samples: { ts_ms: number; value: number }[];
}

/** What the projection says, from the stored match's economics. */
export interface Projection {
  /** Base unit the exchange is valued in (MWh, m3, Nm3, t ...). */
  base_unit: string;
  per_year: number;
  value_eur_per_year: number;
  co2_t_per_year: number;
  /** EUR per base unit: price plus avoided disposal, as the engine values a unit. */
  eur_per_unit: number;
  /** t CO2 per base unit, the engine's factor for this exchange. */
  co2_t_per_unit: number;
}

export interface PointFigures {
  point_id: string;
  name: string;
  role: MeterRole;
  quantity: number;
  readings: number;
  first_ms: number | null;
  last_ms: number | null;
  covered_ms: number;
  resets: number;
}

export interface Verification {
  from_ms: number;
  to_ms: number;
  /** Share of the period the meters cover, 0..1. */
  coverage: number;
  covered_hours: number;
  source: 'counter' | 'rate' | 'none';
  unit: string;
  measured: number;
  measured_per_year: number | null;
  value_eur: number;
  value_eur_per_year: number | null;
  co2_t: number;
  co2_t_per_year: number | null;
  /** The projection pro rata for the covered hours. */
  projected_for_period: number;
  projected_value_eur_for_period: number;
  projected_co2_t_for_period: number;
  /** measured / projected for the same time; null when nothing is covered or nothing projected. */
  ratio: number | null;
  points: PointFigures[];
  /** Plain-language problems (units that do not fit, resets) for the facilitator to fix. */
  problems: string[];
}

/** The engine's numbers of one stored match, as the verification compares against. */
export function projectionOf(economics: Record<string, unknown>): Projection {
  const e = economics as {
    delivered_per_year?: { amount?: number; unit?: string };
    annual_value_eur?: number;
    co2_t_per_year?: number;
    price?: { eur_per_unit?: number };
    avoided_disposal?: { eur_per_unit?: number };
  };
  const perYear = e.delivered_per_year?.amount ?? 0;
  const base = (e.delivered_per_year?.unit ?? '').replace(/\/yr$/, '');
  const co2 = e.co2_t_per_year ?? 0;
  return {
    base_unit: base,
    per_year: perYear,
    value_eur_per_year: e.annual_value_eur ?? 0,
    co2_t_per_year: co2,
    eur_per_unit: (e.price?.eur_per_unit ?? 0) + (e.avoided_disposal?.eur_per_unit ?? 0),
    co2_t_per_unit: perYear > 0 ? co2 / perYear : 0,
  };
}

function counterFigures(s: MeterSeries, factor: number): PointFigures {
  let quantity = 0;
  let resets = 0;
  for (let i = 1; i < s.samples.length; i++) {
    const step = s.samples[i]!.value - s.samples[i - 1]!.value;
    if (step >= 0) quantity += step * factor;
    else resets += 1;
  }
  const first = s.samples[0]?.ts_ms ?? null;
  const last = s.samples.at(-1)?.ts_ms ?? null;
  return { point_id: s.point_id, name: s.name, role: s.role, quantity, readings: s.samples.length, first_ms: first, last_ms: last, covered_ms: first !== null && last !== null ? last - first : 0, resets };
}

function rateFigures(s: MeterSeries, factor: number, maxGapMs: number): PointFigures {
  let quantity = 0;
  let covered = 0;
  for (let i = 1; i < s.samples.length; i++) {
    const a = s.samples[i - 1]!;
    const b = s.samples[i]!;
    const dt = b.ts_ms - a.ts_ms;
    if (dt <= 0 || dt > maxGapMs) continue;
    quantity += ((a.value + b.value) / 2) * (dt / 3_600_000) * factor;
    covered += dt;
  }
  return { point_id: s.point_id, name: s.name, role: s.role, quantity, readings: s.samples.length, first_ms: s.samples[0]?.ts_ms ?? null, last_ms: s.samples.at(-1)?.ts_ms ?? null, covered_ms: covered, resets: 0 };
}

/** Verifies one exchange over [fromMs, toMs] from its meters' readings (already limited to the period). */
export function verify(projection: Projection, series: MeterSeries[], fromMs: number, toMs: number, maxGapMs = DEFAULT_MAX_GAP_MS): Verification {
  const problems: string[] = [];
  const counters = series.filter((s) => s.role === 'delivered_total');
  const rates = series.filter((s) => s.role === 'delivered_rate');
  const chosen = counters.length ? counters : rates;
  const source: Verification['source'] = counters.length ? 'counter' : rates.length ? 'rate' : 'none';
  const points: PointFigures[] = [];
  for (const s of chosen) {
    let factor: number;
    try {
      factor = meterFactor(s.role === 'delivered_total' ? 'total' : 'rate', s.unit, projection.base_unit, s.name);
    } catch (error) {
      problems.push((error as Error).message);
      continue;
    }
    const inPeriod = { ...s, samples: s.samples.filter((x) => x.ts_ms >= fromMs && x.ts_ms <= toMs) };
    const f = s.role === 'delivered_total' ? counterFigures(inPeriod, factor) : rateFigures(inPeriod, factor, maxGapMs);
    if (f.resets) problems.push(`meter point "${s.name}" went backwards ${f.resets} time(s) (reset or replaced): the deliveries across those readings are not counted`);
    if (f.readings < 2) problems.push(`meter point "${s.name}" has ${f.readings} good reading(s) in the period: nothing can be measured from fewer than two`);
    points.push(f);
  }
  const periodMs = Math.max(0, toMs - fromMs);
  const coveredMs = points.length ? Math.min(...points.map((p) => p.covered_ms)) : 0;
  const coveredHours = coveredMs / 3_600_000;
  const measured = points.reduce((sum, p) => sum + p.quantity, 0);
  const share = coveredHours / HOURS_PER_YEAR;
  const annualise = (x: number) => (coveredHours > 0 ? x / share : null);
  const projected = projection.per_year * share;
  return {
    from_ms: fromMs,
    to_ms: toMs,
    coverage: periodMs > 0 ? Math.min(1, coveredMs / periodMs) : 0,
    covered_hours: coveredHours,
    source,
    unit: projection.base_unit,
    measured,
    measured_per_year: annualise(measured),
    value_eur: measured * projection.eur_per_unit,
    value_eur_per_year: annualise(measured * projection.eur_per_unit),
    co2_t: measured * projection.co2_t_per_unit,
    co2_t_per_year: annualise(measured * projection.co2_t_per_unit),
    projected_for_period: projected,
    projected_value_eur_for_period: projection.value_eur_per_year * share,
    projected_co2_t_for_period: projection.co2_t_per_year * share,
    ratio: coveredHours > 0 && projected > 0 ? measured / projected : null,
    points,
    problems,
  };
}
