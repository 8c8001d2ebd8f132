/**
 * Migration 3: per-minute and per-hour statistics of the raw measurements (field.md "Ingestion and
 * precision"). They are written in the SAME transaction as the raw samples they summarise
 * (main/db/measurements.ts), so after a crash raw and aggregates can never disagree; raw samples
 * are pruned after a retention period while the aggregates stay.
 *
 * Semantics of one bucket (UTC, start inclusive): `count` all samples (good, uncertain and bad, so
 * gaps and failures stay visible); `good_count` those of quality good; min, max, sum, first and
 * last over the good samples that carry a value (average = sum / good_count); first_ms / last_ms
 * are the source timestamps of first and last, which lets late (out-of-order) samples update the
 * bucket correctly.
 */
const aggregateTable = (name: string) => `CREATE TABLE ${name} (
  point_id TEXT NOT NULL REFERENCES points(id) ON DELETE CASCADE,
  bucket_ms INTEGER NOT NULL,
  count INTEGER NOT NULL,
  good_count INTEGER NOT NULL,
  min REAL, max REAL, sum REAL,
  first_ms INTEGER, first REAL,
  last_ms INTEGER, last REAL,
  PRIMARY KEY (point_id, bucket_ms)) WITHOUT ROWID`;

export const MEASUREMENT_AGGREGATES_MIGRATION: string[] = [aggregateTable('measurement_minutes'), aggregateTable('measurement_hours')];
