/**
 * Migration 8: matches stored compactly, written only when they change, and alerts as one digest
 * per re-match (docs/matching.md "Storage", docs/workflow.md "Notifications").
 */

export const MATCH_STORAGE_MIGRATION: string[] = [
  // Key structures of the packed scores, economics and explanation (match-codec.ts): a handful of rows.
  `CREATE TABLE match_shapes (id INTEGER PRIMARY KEY, shape TEXT NOT NULL UNIQUE)`,
  // Shape id and leaves (match-codec.ts encode); NULL for a row written before (its keyed JSON columns are read as they are).
  `ALTER TABLE matches ADD COLUMN packed BLOB`,
  // The list's "order by NPV" reads a column instead of parsing every row's economics.
  `ALTER TABLE matches ADD COLUMN npv_eur REAL`,
  `UPDATE matches SET npv_eur = json_extract(economics, '$.npv_eur') WHERE json_valid(economics)`,
  // The digest that announced the match (0: known without an announcement, the baseline or a
  // lowered threshold; NULL: never at or above the threshold while stored).
  `ALTER TABLE matches ADD COLUMN alert_digest INTEGER`,
  `CREATE INDEX matches_alert_digest ON matches(alert_digest, score DESC) WHERE alert_digest > 0`,
  `CREATE TABLE match_digests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    threshold REAL NOT NULL,
    matches INTEGER NOT NULL,
    in_region INTEGER,
    region TEXT,
    best_score REAL,
    seen INTEGER NOT NULL DEFAULT 0)`,
  `CREATE INDEX match_digests_unseen ON match_digests(seen, id)`,
  // The per-match alert rows become digests: one per announcement time, members by column.
  `INSERT INTO match_digests (at, threshold, matches, best_score, seen)
     SELECT a.at,
            coalesce((SELECT CAST(value AS REAL) FROM settings WHERE key = 'workflow.alert_threshold'), 0.8),
            count(*), max(a.score), min(a.seen)
       FROM match_alerts a JOIN matches m ON m.id = a.match_id
      WHERE a.baseline = 0 GROUP BY a.at ORDER BY a.at`,
  `UPDATE matches SET alert_digest = coalesce(
     (SELECT d.id FROM match_alerts a JOIN match_digests d ON d.at = a.at WHERE a.match_id = matches.id AND a.baseline = 0), 0)
   WHERE id IN (SELECT match_id FROM match_alerts)`,
  `DROP TABLE match_alerts`,
];

import type { Generated } from 'kysely';

export interface MatchShapesTable {
  id: Generated<number>;
  shape: string;
}

export interface MatchDigestsTable {
  id: Generated<number>;
  at: string;
  threshold: number;
  matches: number;
  /** How many of them are in the user's region (null: no region set). */
  in_region: number | null;
  /** JSON bounding box of the region used ({ min_lat, min_lon, max_lat, max_lon }). */
  region: string | null;
  best_score: number | null;
  seen: Generated<number>;
}
