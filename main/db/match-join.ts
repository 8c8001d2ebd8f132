/**
 * The seven-table match join, written once: a match (m) with its supply flow, site and
 * organization (sf, ss, so) and its demand flow, site and organization (df, ds, do). The match
 * list and detail (matches.ts), the alert digests' matches (alert-digests.ts) and the workflow's
 * reminders, exchanges and match lookups (workflow.ts) read matches through it, so the aliases and
 * the join conditions are the same everywhere.
 *
 * Every join is an inner join on a NOT NULL foreign key (matches -> flows ON DELETE CASCADE,
 * flows -> sites and sites -> organizations ON DELETE RESTRICT, foreign_keys=ON on every
 * connection): each stored match has exactly one joined row, so a count of matches needs no join.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.ts';

export function joinedMatches(db: Kysely<Database> | Transaction<Database>) {
  return db
    .selectFrom('matches as m')
    .innerJoin('flows as sf', 'sf.id', 'm.supply_flow_id')
    .innerJoin('sites as ss', 'ss.id', 'sf.site_id')
    .innerJoin('organizations as so', 'so.id', 'ss.organization_id')
    .innerJoin('flows as df', 'df.id', 'm.demand_flow_id')
    .innerJoin('sites as ds', 'ds.id', 'df.site_id')
    .innerJoin('organizations as do', 'do.id', 'ds.organization_id');
}
