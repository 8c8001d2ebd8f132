/** Migration 2: the engine's explanation of each match kept whole, its type as a column, matches by score. */
import type { Migration } from './migration.ts';

export const migration: Migration = {
  version: 2,
  name: 'match explanations and per-type filtering',
  statements: [
    // The engine's explanation beyond the headline columns (route reasons, quality detail,
    // tightest constraint, ranks, limits), kept whole so "why" shows what the engine computed.
    `ALTER TABLE matches ADD COLUMN detail TEXT NOT NULL DEFAULT '{}'`,
    `ALTER TABLE matches ADD COLUMN type TEXT NOT NULL DEFAULT ''`,
    `CREATE INDEX matches_score ON matches(score DESC)`,
  ],
};
