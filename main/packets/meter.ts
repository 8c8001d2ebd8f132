/**
 * The meter data a packet charts for a measured flow: every point bound to the flow, as hourly
 * means over the last 30 days of its data. The one place that reads measurements for packets
 * (through Repository.pointHours: the ingest's hourly aggregates, else raw measurements).
 */
import type { Repository } from '../db/repository.ts';
import type { MeterSeries } from './bundle.ts';

const HOUR = 3_600_000;
/** A month of hourly points: enough to see the weekly rhythm, small enough for a page. */
export const CHART_HOURS = 30 * 24;

export async function meterSeriesOf(repo: Repository, flowId: string): Promise<MeterSeries[]> {
  const points = await repo.field.listPoints({ flow_id: flowId });
  const out: MeterSeries[] = [];
  for (const point of points) {
    const rows = await repo.pointHours(point.id);
    if (rows.length === 0) continue;
    const lastBucket = rows[rows.length - 1]!.bucket_ms;
    const kept = rows.filter((r) => r.bucket_ms > lastBucket - CHART_HOURS * HOUR);
    out.push({
      point_id: point.id,
      point_name: point.name,
      role: point.role ?? null,
      unit: point.unit ?? null,
      hours: kept.map((r) => [r.bucket_ms, r.mean]),
      samples: kept.reduce((n, r) => n + r.count, 0),
      from: new Date(kept[0]!.bucket_ms).toISOString(),
      to: new Date(lastBucket + HOUR).toISOString(),
    });
  }
  return out;
}
