/**
 * Migration 12: the match list's covering index also holds each match's two flows.
 *
 * The list groups matches by the flow they compete for (match-pages.ts). Counting the groups of a
 * long filtered list (`count(DISTINCT supply_flow_id)` under the list's filters) had to read every
 * listed row from the table for its flow (~1 s on 236,551 matches for a new, narrow filter); with
 * the flows in the index entry (two ids, ~40 bytes more an entry) it reads the index alone. The
 * index keeps its name and its order, so every plan that used it still does.
 */
import type { Migration } from './migration.ts';

export const migration: Migration = {
  version: 12,
  name: 'the match list index holds the flows too (group counts read the index alone)',
  statements: [
    `DROP INDEX matches_list`,
    `CREATE INDEX matches_list ON matches(score DESC, id, type, route, status, distance_km, plan_share, npv_eur, alert_digest, supply_flow_id, demand_flow_id)`,
  ],
};
