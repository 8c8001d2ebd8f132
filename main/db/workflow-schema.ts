/**
 * Tables of the facilitator's workflow (migration 4) and their Kysely row types. Kept apart from
 * schema.ts so the workflow store extends the shared Database type (`withTables`) instead of
 * every engineer editing one file.
 */

export const METER_ROLES = ['delivered_total', 'delivered_rate'] as const;
export type MeterRole = (typeof METER_ROLES)[number];

export const WORKFLOW_MIGRATION: string[] = [
  // A facilitator's notes on a match; each is also an audit event (match_events, action "note").
  `CREATE TABLE match_notes (
    id TEXT PRIMARY KEY,
    match_id TEXT NOT NULL REFERENCES matches(id) ON DELETE CASCADE,
    at TEXT NOT NULL, actor TEXT NOT NULL, text TEXT NOT NULL)`,
  `CREATE INDEX match_notes_match ON match_notes(match_id, at)`,
  // A partner packet handed to someone: to whom, for which organisation, when, by whom, which files.
  `CREATE TABLE packet_sends (
    id TEXT PRIMARY KEY,
    match_id TEXT NOT NULL REFERENCES matches(id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE RESTRICT,
    recipient TEXT NOT NULL,
    sent_at TEXT NOT NULL, actor TEXT NOT NULL,
    files TEXT NOT NULL, note TEXT,
    created_at TEXT NOT NULL)`,
  `CREATE INDEX packet_sends_match ON packet_sends(match_id, sent_at)`,
  // Measurement and verification: the meter points that measure what a live exchange delivers.
  `CREATE TABLE match_meters (
    match_id TEXT NOT NULL REFERENCES matches(id) ON DELETE CASCADE,
    point_id TEXT NOT NULL REFERENCES points(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('delivered_total','delivered_rate')),
    created_at TEXT NOT NULL, actor TEXT NOT NULL,
    PRIMARY KEY (match_id, point_id))`,
  `CREATE INDEX match_meters_point ON match_meters(point_id)`,
  // (Dropped by migration 8: alerts became one digest per re-match, match_digests.)
  // Matches that have crossed the alert threshold once. No foreign key on purpose: a suggestion a
  // re-run drops and brings back is not "new" again, so the row outlives the match.
  `CREATE TABLE match_alerts (
    match_id TEXT PRIMARY KEY,
    score REAL NOT NULL, at TEXT NOT NULL,
    baseline INTEGER NOT NULL DEFAULT 0,
    seen INTEGER NOT NULL DEFAULT 0)`,
  `CREATE INDEX match_alerts_unseen ON match_alerts(seen, at)`,
  `CREATE INDEX matches_status ON matches(status, reserved_until)`,
];

export interface MatchNotesTable {
  id: string;
  match_id: string;
  at: string;
  actor: string;
  text: string;
}

export interface PacketSendsTable {
  id: string;
  match_id: string;
  organization_id: string;
  recipient: string;
  sent_at: string;
  actor: string;
  /** JSON: PacketFile[]. */
  files: string;
  note: string | null;
  created_at: string;
}

export interface MatchMetersTable {
  match_id: string;
  point_id: string;
  role: MeterRole;
  created_at: string;
  actor: string;
}

// A type alias, not an interface: Kysely's withTables needs an indexable record type.
export type WorkflowTables = {
  match_notes: MatchNotesTable;
  packet_sends: PacketSendsTable;
  match_meters: MatchMetersTable;
};
