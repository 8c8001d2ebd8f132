/**
 * Migration 10: one covering index for the match list (issue 13, item 5).
 *
 * The list filters on type, route, status, distance, plan membership and score, orders by score
 * (then id), and counts what it filters. With every one of those columns in one index, ordered
 * by (score DESC, id), the first page is read in order and stops at its limit, and the count and
 * the npv/distance orders read the index alone (~100 bytes an entry), never the rows (~1 KB
 * each, 236,551 of them on the 50,000-flow portfolio). It replaces matches_score(score DESC),
 * whose order lacked the id (a sort of every tie) and whose entries sent every filter to the row.
 * alert_digest is there for the alert check's count of new matches above the threshold.
 */
import type { Migration } from './migration.ts';

export const migration: Migration = {
  version: 10,
  name: 'covering index for the match list (order, filters and count read the index alone)',
  statements: [
    `CREATE INDEX matches_list ON matches(score DESC, id, type, route, status, distance_km, plan_share, npv_eur, alert_digest)`,
    `DROP INDEX matches_score`,
  ],
};
