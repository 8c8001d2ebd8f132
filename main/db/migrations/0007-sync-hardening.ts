/**
 * Migration 7: the laptop's side of the hub hardening: who pushed, problem kinds, messages held aside.
 * The statements live in sync-schema.ts, with the code that uses these tables; this file gives
 * them their number and their place in the order.
 */
import type { Migration } from './migration.ts';
import { SYNC_HARDENING_MIGRATION } from '../sync-schema.ts';

export const migration: Migration = {
  version: 7,
  name: 'sync hardening: who pushed each message, problem kinds, messages held aside',
  statements: SYNC_HARDENING_MIGRATION,
};
