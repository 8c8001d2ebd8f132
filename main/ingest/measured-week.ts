/**
 * `temporal.profile = "measured"` (domain.md 5.2: "the flow's own hourly meter aggregates when it
 * is measured"): the hour-of-week mean power of a heat, steam or cooling flow from the per-hour
 * aggregates of its bound meter points. The matching engine turns these 168 numbers into the
 * flow's 8,760-hour shape (main/matching/hourly/shapes.ts); the flow's quantity still sets the
 * year's energy, the week only says when it comes.
 *
 * Same method choice and unit handling as the measured rule (measured.ts chooseMethod / combine):
 * power points summed; else heat from flow rate and supply / return temperatures; else an energy
 * counter. Decisions:
 * - Local time is UTC: the code has no site time zone yet, so "Monday 00-01" is Monday 00:00-01:00
 *   UTC (one or two hours off central European time). Weekly schedules are laid on the same week.
 * - The recorded period is every hour bucket there is (hour buckets are never pruned), unless
 *   `fromMs` / `toMs` narrow it.
 * - An hour counts when every point used has good data in it (the minute rule of measured.ts, per
 *   hour). Heat from flow and temperatures is computed from the hour means, which is exact while
 *   the flow or the temperature difference is steady within the hour and an approximation
 *   otherwise (the minute means of the measured rule are pruned after 400 days; the hours stay).
 * - A counter's energy between two consecutive readings (the first and last reading of each hour
 *   bucket) is spread evenly over the time between them and shared among the hours it overlaps;
 *   readings more than 2 h apart are a gap (when that energy came is unknown), not spread.
 */
import type { Repository } from '../db/repository.ts';
import type { AggregatePoint } from '../db/measurements.ts';
import type { FlowRecord } from '../db/records.ts';
import { counterDeltas, energyToKwh, type Reading } from './derived.ts';
import { chooseMethod, combine, type FlowPoint } from './measured.ts';

export const HOURS_PER_WEEK = 168;
const HOUR = 3_600_000;
/** Counter readings further apart than this leave a gap instead of spreading their energy. */
const MAX_COUNTER_STEP_MS = 2 * HOUR;
/** The flow types the engine prices hour by hour (main/matching/compiled.ts HOURLY_TYPES). */
const SHAPED_TYPES: ReadonlySet<string> = new Set(['heat', 'steam', 'cooling']);

export interface MeasuredWeekOptions {
  /** Hour buckets starting in [fromMs, toMs) only (default: all of them). */
  fromMs?: number;
  toMs?: number;
}

/** Whether the engine wants a flow's measured week: a heat, steam or cooling flow whose `temporal.profile` is `measured`. */
export function wantsMeasuredWeek(flow: Pick<FlowRecord, 'type' | 'temporal'>): boolean {
  return flow.temporal?.profile === 'measured' && SHAPED_TYPES.has(flow.type);
}

/** Hour of the week (0..167, Monday 00-01 UTC first) of an instant. */
export function weekHourOf(ms: number): number {
  const d = new Date(ms);
  return ((d.getUTCDay() + 6) % 7) * 24 + d.getUTCHours();
}

/**
 * The flow's mean power by hour of the week (168 values in kW, Monday 00-01 UTC first), or
 * undefined when it has no usable data yet: not a heat, steam or cooling flow, no bound points or
 * none that give its power, no hour with good data from every point used, or a negative mean
 * (supply and return swapped, a meter backwards: the measured rule refuses those too).
 */
export async function measuredWeek(repo: Repository, flowId: string, options: MeasuredWeekOptions = {}): Promise<number[] | undefined> {
  return measuredWeekOf(repo, await repo.getFlow(flowId), options);
}

/** measuredWeek for a flow record already at hand (saves reading it again). */
export async function measuredWeekOf(repo: Repository, flow: Pick<FlowRecord, 'id' | 'type'>, options: MeasuredWeekOptions = {}): Promise<number[] | undefined> {
  if (!SHAPED_TYPES.has(flow.type)) return undefined;
  const points = await repo.measurements.pointsOfFlow(flow.id);
  if (points.length === 0) return undefined;
  const chosen = chooseMethod(flow, points);
  if (typeof chosen === 'string') return undefined;
  const { method, used } = chosen;
  const from = options.fromMs ?? 0;
  const to = options.toMs ?? Number.MAX_SAFE_INTEGER;
  const series = await Promise.all(used.map((p) => repo.measurements.aggregates(p.id, 'hour', from, to)));
  const hours = method === 'energy_counter' ? counterHours(series[0]!, used[0]!) : rateHours(method, used, series);
  return hourOfWeekMeans(hours);
}

/** Power (kW) per covered hour bucket of a rate method: an hour counts when every point has good data in it. */
function rateHours(method: Parameters<typeof combine>[0], used: FlowPoint[], series: AggregatePoint[][]): Map<number, number> {
  const maps = series.map((s) => new Map(s.map((b) => [b.bucket_ms, b])));
  const out = new Map<number, number>();
  for (const b of series[0]!) {
    const cells = maps.map((m) => m.get(b.bucket_ms));
    if (!cells.every((c) => c !== undefined && c.good_count > 0 && c.avg !== null)) continue;
    out.set(b.bucket_ms, combine(method, used, cells.map((c) => c!.avg!)));
  }
  return out;
}

/**
 * Mean power (kW) per hour bucket from an energy counter: the counted energy between consecutive
 * readings (wraps and resets as in counterDeltas) spread evenly over their interval and shared
 * among the hours it overlaps, divided by the time of the hour those intervals cover.
 */
function counterHours(buckets: AggregatePoint[], point: FlowPoint): Map<number, number> {
  const readings: Reading[] = [];
  for (const c of buckets) {
    if (c.good_count === 0 || c.first_ms === null || c.first === null || c.last_ms === null || c.last === null) continue;
    readings.push({ ts: c.first_ms, value: c.first });
    if (c.last_ms > c.first_ms) readings.push({ ts: c.last_ms, value: c.last });
  }
  const rollover = typeof point.config?.rollover === 'number' ? point.config.rollover : undefined;
  const energy = new Map<number, number>();
  const covered = new Map<number, number>();
  for (const step of counterDeltas(readings, { rollover }).steps) {
    const span = step.toTs - step.fromTs;
    if (span <= 0 || span > MAX_COUNTER_STEP_MS) continue;
    const kwhPerMs = energyToKwh(step.delta, point.unit ?? 'kWh') / span;
    for (let h = Math.floor(step.fromTs / HOUR) * HOUR; h < step.toTs; h += HOUR) {
      const overlap = Math.min(step.toTs, h + HOUR) - Math.max(step.fromTs, h);
      if (overlap <= 0) continue;
      energy.set(h, (energy.get(h) ?? 0) + kwhPerMs * overlap);
      covered.set(h, (covered.get(h) ?? 0) + overlap);
    }
  }
  const out = new Map<number, number>();
  for (const [h, ms] of covered) out.set(h, energy.get(h)! / (ms / HOUR));
  return out;
}

/**
 * 168 hour-of-week means from power by hour bucket (bucket start in ms -> kW). An hour of the week
 * no bucket fell on gets the mean of all the hours with data (the flow's measured mean power), NOT
 * zero: a meter that did not record is not a plant that made no heat, so the shape must not claim
 * zero heat there. Zeros the meter did record are data and stay zeros. Undefined when there is no
 * hour at all or the mean is negative; a negative hour-of-week mean (noise around zero) is 0, as
 * the engine takes it (shapes.ts; checkMatchFlow refuses negative values).
 */
export function hourOfWeekMeans(hours: ReadonlyMap<number, number>): number[] | undefined {
  const sums = new Array<number>(HOURS_PER_WEEK).fill(0);
  const counts = new Array<number>(HOURS_PER_WEEK).fill(0);
  let total = 0;
  for (const [bucketMs, kw] of hours) {
    if (!Number.isFinite(kw)) continue;
    const slot = weekHourOf(bucketMs);
    sums[slot] = sums[slot]! + kw;
    counts[slot] = counts[slot]! + 1;
    total += kw;
  }
  const n = counts.reduce((a, b) => a + b, 0);
  if (n === 0) return undefined;
  const mean = total / n;
  if (!(mean >= 0)) return undefined;
  return sums.map((sum, slot) => (counts[slot]! > 0 ? Math.max(0, sum / counts[slot]!) : mean));
}
