/**
 * The latest value of each point and a short trend (the last few minutes), in memory: what the
 * live table and the trend chart show. Recording to the database is separate (main/ingest).
 */
import type { Sample } from '../../connectors/types.ts';

/** Samples kept per point for the trend chart (10 minutes at one sample a second). */
export const TREND_LENGTH = 600;

export interface LiveValue {
  point_id: string;
  value: number | null;
  quality: Sample['quality'];
  status?: string;
  source_ms: number;
  received_ms: number;
}

export interface TrendSeries {
  point_id: string;
  /** Source times (ms) and values, oldest first; null where the quality was bad. */
  t: number[];
  v: (number | null)[];
}

export class LiveCache {
  readonly #last = new Map<string, LiveValue>();
  readonly #trend = new Map<string, TrendSeries>();

  /** Stores the samples; returns the live values they produced. */
  add(samples: Sample[]): LiveValue[] {
    const out: LiveValue[] = [];
    for (const s of samples) {
      const value: LiveValue = {
        point_id: s.pointId,
        value: s.value,
        quality: s.quality,
        ...(s.status ? { status: s.status } : {}),
        source_ms: s.sourceMs,
        received_ms: s.receivedMs,
      };
      this.#last.set(s.pointId, value);
      out.push(value);
      let series = this.#trend.get(s.pointId);
      if (!series) this.#trend.set(s.pointId, (series = { point_id: s.pointId, t: [], v: [] }));
      const last = series.t.at(-1);
      // A replayed or out-of-order sample would fold the chart's time axis back: skip it.
      if (last !== undefined && s.sourceMs <= last) continue;
      series.t.push(s.sourceMs);
      series.v.push(s.quality === 'bad' ? null : s.value);
      if (series.t.length > TREND_LENGTH) {
        series.t.shift();
        series.v.shift();
      }
    }
    return out;
  }

  values(pointIds: string[]): LiveValue[] {
    return pointIds.flatMap((id) => this.#last.get(id) ?? []);
  }

  trend(pointIds: string[]): TrendSeries[] {
    return pointIds.map((id) => this.#trend.get(id) ?? { point_id: id, t: [], v: [] });
  }

  forget(pointIds: string[]): void {
    for (const id of pointIds) {
      this.#last.delete(id);
      this.#trend.delete(id);
    }
  }
}
