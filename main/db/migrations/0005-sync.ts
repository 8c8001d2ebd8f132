/**
 * Migration 5: the local side of sync: clock and actor on the change log, field clocks, shared messages.
 * The statements live in sync-schema.ts, with the code that uses these tables; this file gives
 * them their number and their place in the order.
 */
import type { Migration } from './migration.ts';
import { SYNC_MIGRATION } from '../sync-schema.ts';

export const migration: Migration = {
  version: 5,
  name: 'sync: HLC and actor on the change log, field clocks, shared messages, problems, state',
  statements: SYNC_MIGRATION,
};
