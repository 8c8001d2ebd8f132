/**
 * The ingestion settings (settings table, repo.getSetting / setSetting; their schemas are in
 * main/db/settings-registry.ts) and their defaults.
 * Read on use, so a change (the end-to-end test shortening the measured period) applies at once.
 */
import type { Repository } from '../db/repository.ts';

export const INGEST_SETTINGS = {
  /** A flow becomes measured once its meter data cover this long (field.md: 7 days). */
  measuredMinPeriodS: 'ingest.measured_min_period_s',
  /** ... with at least this share of minutes with good data (field.md: 90 %). */
  measuredMinCoverage: 'ingest.measured_min_coverage',
  /** At most one evaluation per flow this often while samples arrive. */
  measuredEvalIntervalS: 'ingest.measured_eval_interval_s',
  /** Raw samples older than this are pruned; minute and hour aggregates stay. */
  rawRetentionDays: 'ingest.raw_retention_days',
  /** Minute aggregates older than this are pruned (0: never); hour aggregates are never pruned. */
  minuteRetentionDays: 'ingest.minute_retention_days',
} as const;

export const INGEST_DEFAULTS = {
  measuredMinPeriodS: 7 * 24 * 3600,
  measuredMinCoverage: 0.9,
  measuredEvalIntervalS: 60,
  rawRetentionDays: 90,
  minuteRetentionDays: 400,
};

export type IngestSettings = typeof INGEST_DEFAULTS;

/** The current settings; a stored value that is not a usable number falls back to the default. */
export async function readIngestSettings(repo: Repository): Promise<IngestSettings> {
  const out = { ...INGEST_DEFAULTS };
  for (const key of Object.keys(INGEST_SETTINGS) as (keyof IngestSettings)[]) {
    out[key] = (await repo.getSetting(INGEST_SETTINGS[key])) ?? INGEST_DEFAULTS[key];
  }
  out.measuredMinCoverage = Math.min(1, out.measuredMinCoverage);
  return out;
}
