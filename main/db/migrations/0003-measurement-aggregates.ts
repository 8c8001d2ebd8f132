/**
 * Migration 3: per-minute and per-hour statistics of the raw measurements, written with them.
 * The statements live in measurement-schema.ts, with the code that uses these tables; this file gives
 * them their number and their place in the order.
 */
import type { Migration } from './migration.ts';
import { MEASUREMENT_AGGREGATES_MIGRATION } from '../measurement-schema.ts';

export const migration: Migration = {
  version: 3,
  name: 'per-minute and per-hour measurement aggregates',
  statements: MEASUREMENT_AGGREGATES_MIGRATION,
};
