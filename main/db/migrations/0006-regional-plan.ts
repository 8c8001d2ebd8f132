/**
 * Migration 6: the regional plan: the share of every plan member, the plan of the last run.
 * The statements live in plan-store.ts, with the code that uses these tables; this file gives
 * them their number and their place in the order.
 */
import type { Migration } from './migration.ts';
import { PLAN_MIGRATION } from '../plan-store.ts';

export const migration: Migration = {
  version: 6,
  name: 'regional plan: the allocation of every plan member, the plan of the last run',
  statements: PLAN_MIGRATION,
};
