/** Migration 9: a content hash of every computed match, so a re-run finds the unchanged ones cheaply. */
import type { Migration } from './migration.ts';

export const migration: Migration = {
  version: 9,
  name: 'content hash of every computed match (a re-run compares two small columns, not the row)',
  // NULL for rows stored before: they are rewritten once by the next run that finds them.
  statements: ['ALTER TABLE matches ADD COLUMN content_hash INTEGER'],
};
