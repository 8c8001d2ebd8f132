/**
 * Migration 8: matches stored compactly, written only when they change, alerts as digests.
 * The statements live in match-storage-schema.ts, with the code that uses these tables; this file gives
 * them their number and their place in the order.
 */
import type { Migration } from './migration.ts';
import { MATCH_STORAGE_MIGRATION } from '../match-storage-schema.ts';

export const migration: Migration = {
  version: 8,
  name: 'compact match storage, writes only of changed matches, alert digests',
  statements: MATCH_STORAGE_MIGRATION,
};
