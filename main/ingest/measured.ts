/**
 * The measured rule (field.md "Ingestion and precision"): a flow linked to meter points becomes
 * `measured` once their data cover a minimum period (default 7 days) with enough availability
 * (default 90 % of the minutes with good data), with provenance saying which device and points,
 * over which period, from how many samples and at what coverage.
 *
 * Works on the per-minute aggregates, not the raw samples: they are kept longer than raw, they are
 * what "availability" is counted in, and they align several points in time for free (same minute).
 */
import type { FlowRecord } from '../db/records.ts';
import type { AggregatePoint } from '../db/measurements.ts';
import { Repository } from '../db/repository.ts';
import { toCanonical } from '../domain/units.ts';
import { readIngestSettings } from './settings.ts';
import { counterDeltas, energyToKwh, heatPowerKw, powerToKw, temperatureToC, volumeRateToM3h, volumeToM3, type Reading } from './derived.ts';

export type MeasuredMethod = 'power' | 'heat' | 'energy_counter' | 'flow_rate' | 'volume_counter';

export interface MeasuredOptions {
  minPeriodMs: number;
  /** 0..1 */
  minCoverage: number;
  /** ms since the epoch; the data looked at end here. */
  now: number;
  /** How far back to look (default: the longer of the minimum period and 30 days). */
  lookbackMs?: number;
}

export interface MeasuredEvaluation {
  flowId: string;
  /** Both the period and the coverage rule are met (and a quantity could be computed). */
  met: boolean;
  /** Why not, or what was done, in words. */
  reason: string;
  method?: MeasuredMethod;
  pointIds: string[];
  period?: { fromMs: number; toMs: number };
  coverage: number;
  sampleCount: number;
  /** The measured quantity in the flow's canonical unit (kW, m3/h) and in the flow's own unit. */
  canonical?: { amount: number; unit: string };
  quantity?: { amount: number; unit: string };
  /** Counter evaluation only. */
  wraps?: number;
  resets?: number;
  /** The flow was written (precision measured, quantity, provenance). */
  updated: boolean;
}

/** A meter point of a flow as the evaluation sees it (MeasurementStore.pointsOfFlow). */
export interface FlowPoint {
  id: string;
  device_id: string;
  role: string | null;
  unit: string | null;
  config: Record<string, unknown> | null;
}

const MINUTE = 60_000;
const DAY = 24 * 3600_000;
const POWER_TYPES = new Set(['heat', 'steam', 'cooling', 'electricity']);
const VOLUME_TYPES = new Set(['water', 'wastewater', 'compressed_air']);

/** Which points and how, by the flow's type and the roles present (most direct first); a string says why none. */
export function chooseMethod(flow: Pick<FlowRecord, 'type'>, points: FlowPoint[]): { method: MeasuredMethod; used: FlowPoint[] } | string {
  const byRole = (role: string) => points.filter((p) => p.role === role);
  if (POWER_TYPES.has(flow.type)) {
    if (byRole('power').length) return { method: 'power', used: byRole('power') };
    const rate = byRole('flow_rate')[0] ?? byRole('mass_rate')[0];
    const supply = byRole('supply_temperature')[0];
    const ret = byRole('return_temperature')[0];
    if (flow.type !== 'electricity' && rate && supply && ret) return { method: 'heat', used: [rate, supply, ret] };
    if (byRole('energy_counter').length) return { method: 'energy_counter', used: byRole('energy_counter').slice(0, 1) };
    return `a ${flow.type} flow needs a power point, an energy counter${flow.type === 'electricity' ? '' : ', or a flow rate with supply and return temperatures'}`;
  }
  if (VOLUME_TYPES.has(flow.type)) {
    if (byRole('flow_rate').length) return { method: 'flow_rate', used: byRole('flow_rate') };
    if (byRole('volume_counter').length) return { method: 'volume_counter', used: byRole('volume_counter').slice(0, 1) };
    return `a ${flow.type} flow needs a flow rate point or a volume counter`;
  }
  return `measured quantities of ${flow.type} flows are not derived from meters yet`;
}

/** One minute's (or hour's) value in the canonical unit from the points' means over it (rate methods only). */
export function combine(method: MeasuredMethod, used: FlowPoint[], avgs: number[]): number {
  switch (method) {
    case 'power':
      return used.reduce((sum, p, i) => sum + powerToKw(avgs[i]!, p.unit ?? 'kW'), 0);
    case 'heat': {
      const [rate, supply, ret] = used;
      const unit = rate!.unit ?? (rate!.role === 'mass_rate' ? 'kg/s' : 'm3/h');
      return heatPowerKw({ flow: avgs[0]!, flowUnit: unit, supplyC: temperatureToC(avgs[1]!, supply!.unit ?? 'degC'), returnC: temperatureToC(avgs[2]!, ret!.unit ?? 'degC') });
    }
    case 'flow_rate':
      return used.reduce((sum, p, i) => sum + volumeRateToM3h(avgs[i]!, p.unit ?? 'm3/h'), 0);
    default:
      throw new Error(`not a rate method: ${method}`);
  }
}

/**
 * The flow's quantity for a measured mean rate. A rate unit (kW, m3/h) takes the mean directly;
 * a total per period (MWh/yr, m3/day) takes the mean extrapolated over the whole year (8760 h),
 * because the measured period stands for the year; the canonical rate then follows from the
 * flow's operating hours exactly as for a typed-in total (units.ts).
 */
export function quantityInFlowUnit(flow: Pick<FlowRecord, 'type' | 'quantity' | 'hours_per_year'>, meanRate: number): number {
  const hours = flow.hours_per_year;
  const perUnit = toCanonical(flow.type, 1, flow.quantity.unit, hours).amount;
  const perUnitOtherHours = toCanonical(flow.type, 1, flow.quantity.unit, hours === 8760 ? 4000 : 8760).amount;
  const isTotal = Math.abs(perUnit - perUnitOtherHours) > 1e-9 * Math.abs(perUnit);
  return isTotal ? (meanRate * 8760) / hours / perUnit : meanRate / perUnit;
}

const significant = (x: number, digits = 6) => (x === 0 ? 0 : Number(x.toPrecision(digits)));

export interface MeasuredDeps {
  repo: Repository;
  /** Called after the flow was upgraded / refreshed (the core does not need it: it re-matches on the repository's change event). */
  onFlowMeasured?: (flowId: string) => void | Promise<void>;
}

/**
 * Evaluates the measured rule for one flow and upgrades it when met. `options` default to the
 * settings (settings.ts) and the current time. A flow is never downgraded here: data that stop
 * meeting the rule leave the last measured figures (effectivePrecision ages them after a year).
 */
export async function evaluateMeasured(target: MeasuredDeps | Repository, flowId: string, options: Partial<MeasuredOptions> = {}): Promise<MeasuredEvaluation> {
  const deps: MeasuredDeps = target instanceof Repository ? { repo: target } : target;
  const { repo } = deps;
  if (options.minPeriodMs === undefined || options.minCoverage === undefined) {
    const settings = await readIngestSettings(repo);
    options = { minPeriodMs: settings.measuredMinPeriodS * 1000, minCoverage: settings.measuredMinCoverage, ...options };
  }
  const opts: MeasuredOptions = { now: Date.now(), ...(options as Omit<MeasuredOptions, 'now'>), ...(options.now !== undefined ? { now: options.now } : {}) };
  return evaluate(deps, flowId, opts);
}

async function evaluate(deps: MeasuredDeps, flowId: string, options: MeasuredOptions): Promise<MeasuredEvaluation> {
  const { repo } = deps;
  const flow = await repo.getFlow(flowId);
  const points = await repo.measurements.pointsOfFlow(flowId);
  const base: MeasuredEvaluation = { flowId, met: false, reason: '', pointIds: points.map((p) => p.id), coverage: 0, sampleCount: 0, updated: false };
  if (points.length === 0) return { ...base, reason: `flow "${flowId}" has no meter points linked` };
  const chosen = chooseMethod(flow, points);
  if (typeof chosen === 'string') return { ...base, reason: chosen };
  const { method, used } = chosen;
  const lookback = options.lookbackMs ?? Math.max(options.minPeriodMs, 30 * DAY);
  const from = options.now - lookback;
  const series = await Promise.all(used.map((p) => repo.measurements.aggregates(p.id, 'minute', from, options.now + MINUTE)));
  const maps = series.map((s) => new Map(s.map((b) => [b.bucket_ms, b])));

  // A minute counts when every point used has good data in it.
  const covered: { bucket: number; cells: AggregatePoint[] }[] = [];
  for (const b of series[0]!) {
    const cells = maps.map((m) => m.get(b.bucket_ms));
    if (cells.every((c) => c && c.good_count > 0 && c.avg !== null)) covered.push({ bucket: b.bucket_ms, cells: cells as AggregatePoint[] });
  }
  const result: MeasuredEvaluation = { ...base, method, pointIds: used.map((p) => p.id) };
  if (covered.length === 0) return { ...result, reason: 'no minute with good data from every point yet' };
  const fromMs = Math.min(...covered[0]!.cells.map((c) => c.first_ms!));
  const toMs = Math.max(...covered.at(-1)!.cells.map((c) => c.last_ms!));
  const expected = Math.floor(toMs / MINUTE) - Math.floor(fromMs / MINUTE) + 1;
  result.period = { fromMs, toMs };
  result.coverage = covered.length / expected;
  result.sampleCount = covered.reduce((n, c) => n + c.cells.reduce((k, cell) => k + cell.good_count, 0), 0);

  let meanRate: number;
  if (method === 'energy_counter' || method === 'volume_counter') {
    const p = used[0]!;
    const readings: Reading[] = [];
    for (const { cells } of covered) {
      const c = cells[0]!;
      readings.push({ ts: c.first_ms!, value: c.first! });
      if (c.last_ms! > c.first_ms!) readings.push({ ts: c.last_ms!, value: c.last! });
    }
    const rollover = typeof p.config?.rollover === 'number' ? p.config.rollover : undefined;
    const counted = counterDeltas(readings, { rollover });
    result.wraps = counted.wraps;
    result.resets = counted.resets;
    const hours = (toMs - fromMs) / 3600_000;
    const total = method === 'energy_counter' ? energyToKwh(counted.total, p.unit ?? 'kWh') : volumeToM3(counted.total, p.unit ?? 'm3');
    meanRate = hours > 0 ? total / hours : 0;
  } else {
    const values = covered.map(({ cells }) => combine(method, used, cells.map((c) => c.avg!)));
    meanRate = values.reduce((a, b) => a + b, 0) / values.length;
  }
  result.canonical = { amount: significant(meanRate), unit: method === 'flow_rate' || method === 'volume_counter' ? 'm3/h' : 'kW' };

  const periodOk = toMs - fromMs >= options.minPeriodMs;
  const coverageOk = result.coverage >= options.minCoverage;
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const span = `${((toMs - fromMs) / 3600_000).toFixed(2)} h`;
  if (!periodOk || !coverageOk) {
    const missing = [
      !periodOk ? `the data cover ${span} of the ${(options.minPeriodMs / 3600_000).toFixed(2)} h needed` : '',
      !coverageOk ? `coverage ${pct(result.coverage)} is below ${pct(options.minCoverage)}` : '',
    ].filter(Boolean);
    return { ...result, reason: `not measured yet: ${missing.join('; ')}` };
  }
  if (!(meanRate >= 0)) {
    return { ...result, reason: `the measured mean is negative (${significant(meanRate, 4)} ${result.canonical.unit}): are supply and return swapped, or the meter mounted backwards?` };
  }
  const amount = significant(quantityInFlowUnit(flow, meanRate));
  result.quantity = { amount, unit: flow.quantity.unit };
  result.met = true;
  const provenance = {
    kind: 'meter' as const,
    source: `${method.replace('_', ' ')} from ${used.length} meter point${used.length > 1 ? 's' : ''}`,
    ...(flow.provenance?.synthetic ? { synthetic: true } : {}),
    recorded_at: new Date(options.now).toISOString(),
    device_id: used[0]!.device_id,
    point_ids: used.map((p) => p.id),
    period: { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() },
    sample_count: result.sampleCount,
    coverage: Math.round(result.coverage * 10_000) / 10_000,
  };
  // The core re-matches the flow after this commits (its 'flowsChanged' event, origin 'ingest').
  await repo.updateFlow(flowId, { precision: 'measured', quantity: result.quantity, provenance }, flow.version, { origin: 'ingest' });
  result.updated = true;
  result.reason = `measured: ${amount} ${flow.quantity.unit} over ${span} at ${pct(result.coverage)} coverage`;
  await deps.onFlowMeasured?.(flowId);
  return result;
}
