/**
 * The readings of one bound meter point over a period, for M&V: the raw good samples where they
 * are still kept, and before the first of them the ingest's hourly aggregates (raw samples are
 * pruned after a retention period, the hourly aggregates stay), so a year of verification does
 * not vanish with the raw data.
 *
 * How an hour bucket becomes readings depends on the role: a counter is exact from the bucket's
 * first and last good readings (their source timestamps are kept); a rate becomes its hourly mean
 * at the middle of the hour.
 */
import type { Repository } from '../db/repository.ts';
import type { MeterBinding } from '../db/workflow.ts';
import type { MeterSeries } from './mv.ts';

const HOUR_MS = 3_600_000;

export interface LoadedSeries extends MeterSeries {
  /** Readings taken from hourly aggregates (before the first raw sample). */
  from_aggregates: number;
}

export async function loadSeries(repo: Repository, b: MeterBinding, fromMs: number, toMs: number): Promise<LoadedSeries> {
  const raw = (await repo.measurements.raw(b.point_id, fromMs, toMs + 1, 5_000_000))
    .filter((r) => r.quality === 'good' && r.value !== null && Number.isFinite(r.value))
    .map((r) => ({ ts_ms: r.ts_ms, value: r.value! }));
  const firstRaw = raw[0]?.ts_ms ?? toMs + 1;
  const early: { ts_ms: number; value: number }[] = [];
  if (firstRaw > fromMs) {
    for (const h of await repo.measurements.aggregates(b.point_id, 'hour', fromMs - HOUR_MS, firstRaw)) {
      if (h.good_count === 0) continue;
      if (b.role === 'delivered_total') {
        if (h.first_ms !== null && h.first !== null && h.first_ms >= fromMs && h.first_ms < firstRaw) early.push({ ts_ms: h.first_ms, value: h.first });
        if (h.last_ms !== null && h.last !== null && h.last_ms !== h.first_ms && h.last_ms >= fromMs && h.last_ms < firstRaw) early.push({ ts_ms: h.last_ms, value: h.last });
      } else if (h.sum !== null && h.bucket_ms + HOUR_MS <= firstRaw && h.bucket_ms >= fromMs) {
        early.push({ ts_ms: h.bucket_ms + HOUR_MS / 2, value: h.sum / h.good_count });
      }
    }
  }
  return { point_id: b.point_id, name: b.point_name, role: b.role, unit: b.unit, samples: [...early, ...raw], from_aggregates: early.length };
}
