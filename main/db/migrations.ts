/**
 * The laptop's schema migrations, in the order they are applied (Signal Desktop style: numbered,
 * applied in order, never edited once released: add a new number instead). One file per
 * migration in ./migrations/, named NNNN-what-it-does.ts; this list is the only place that orders
 * them. main/db/database.ts applies those above the file's `PRAGMA user_version`.
 */
import type { Migration } from './migrations/migration.ts';
import { migration as localGraph } from './migrations/0001-local-graph.ts';
import { migration as matchExplanations } from './migrations/0002-match-explanations.ts';
import { migration as measurementAggregates } from './migrations/0003-measurement-aggregates.ts';
import { migration as facilitatorWorkflow } from './migrations/0004-facilitator-workflow.ts';
import { migration as sync } from './migrations/0005-sync.ts';
import { migration as regionalPlan } from './migrations/0006-regional-plan.ts';
import { migration as syncHardening } from './migrations/0007-sync-hardening.ts';
import { migration as compactMatchStorage } from './migrations/0008-compact-match-storage.ts';
import { migration as matchContentHash } from './migrations/0009-match-content-hash.ts';
import { migration as matchListIndex } from './migrations/0010-match-list-index.ts';
import { migration as matchingInputGeneration } from './migrations/0011-matching-input-generation.ts';
import { migration as matchListIndexFlows } from './migrations/0012-match-list-index-flows.ts';

export type { Migration };

export const MIGRATIONS: Migration[] = [
  localGraph,
  matchExplanations,
  measurementAggregates,
  facilitatorWorkflow,
  sync,
  regionalPlan,
  syncHardening,
  compactMatchStorage,
  matchContentHash,
  matchListIndex,
  matchingInputGeneration,
  matchListIndexFlows,
];
