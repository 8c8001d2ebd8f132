/**
 * Migration 4: the facilitator's notes, packets sent, meter bindings (M&V) and match alerts.
 * The statements live in workflow-schema.ts, with the code that uses these tables; this file gives
 * them their number and their place in the order.
 */
import type { Migration } from './migration.ts';
import { WORKFLOW_MIGRATION } from '../workflow-schema.ts';

export const migration: Migration = {
  version: 4,
  name: 'facilitator workflow: notes, packets sent, meter bindings (M&V), match alerts',
  statements: WORKFLOW_MIGRATION,
};
