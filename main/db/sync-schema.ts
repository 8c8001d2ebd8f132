/**
 * Migration 5: the local side of sync (docs/sync.md). The change log gains the hybrid logical
 * clock (HLC) taken at write time and the actor; the sync tables hold this replica's identity and
 * clock, the last-writer-wins state of every field, the messages shared with the hub, the records
 * whose merged state could not be applied, and the connection state (hub, workspace, cursor).
 */
export const SYNC_MIGRATION: string[] = [
  `ALTER TABLE change_log ADD COLUMN hlc TEXT`,
  `ALTER TABLE change_log ADD COLUMN actor TEXT`,
  `CREATE INDEX change_log_entity ON change_log(entity, entity_id, seq)`,
  `CREATE TABLE sync_node (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    node_id TEXT NOT NULL CHECK (length(node_id) = 16),
    clock TEXT NOT NULL,
    actor TEXT NOT NULL DEFAULT 'local user')`,
  `CREATE TABLE sync_fields (
    dataset TEXT NOT NULL, row TEXT NOT NULL, "column" TEXT NOT NULL,
    timestamp TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (dataset, row, "column")) WITHOUT ROWID`,
  // Finds the children of a parent (sites of an organization, flows of a site) by reference value,
  // including children that are not materialised (orphaned or invalid).
  `CREATE INDEX sync_fields_reference ON sync_fields(dataset, "column", value)`,
  `CREATE TABLE sync_messages (
    timestamp TEXT PRIMARY KEY,
    dataset TEXT NOT NULL, row TEXT NOT NULL, "column" TEXT NOT NULL, value TEXT NOT NULL,
    pushed INTEGER NOT NULL DEFAULT 0)`,
  `CREATE INDEX sync_messages_unpushed ON sync_messages(pushed, timestamp)`,
  `CREATE TABLE sync_problems (
    dataset TEXT NOT NULL, row TEXT NOT NULL, at TEXT NOT NULL, message TEXT NOT NULL,
    PRIMARY KEY (dataset, row))`,
  `CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
];

/**
 * Migration 7: the laptop's side of the hub hardening (issue #14, docs/sync.md).
 * - `sync_messages.user`: the hub user who pushed a received message (the hub's record, not the
 *   sender's claim); the history names it.
 * - `sync_problems.kind`: a record can have a problem of each kind at once: `record` (its merged
 *   state cannot be applied; cleared when it settles), `message` (a message was skipped or partly
 *   ignored), `held` (a message ahead of this clock waits), `private` (a remote change to a
 *   private record was ignored). The table is rebuilt for the new primary key.
 * - `sync_aside`: received messages not applied: `held` (more than 60 s ahead of this clock; also
 *   in the shared log, applied once the clock reaches them), `private` (a remote change to a record
 *   that is private here, never applied) and `refused` (not a valid change; value not kept).
 *   `private` and `refused` ones count in this replica's merkle trie, as the hub holds them.
 */
export const SYNC_HARDENING_MIGRATION: string[] = [
  `ALTER TABLE sync_messages ADD COLUMN user TEXT`,
  `CREATE TABLE sync_problems_7 (
    dataset TEXT NOT NULL, row TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('record', 'message', 'held', 'private')),
    at TEXT NOT NULL, message TEXT NOT NULL,
    PRIMARY KEY (dataset, row, kind))`,
  `INSERT INTO sync_problems_7 (dataset, row, kind, at, message) SELECT dataset, row, 'record', at, message FROM sync_problems`,
  `DROP TABLE sync_problems`,
  `ALTER TABLE sync_problems_7 RENAME TO sync_problems`,
  `CREATE TABLE sync_aside (
    timestamp TEXT PRIMARY KEY,
    dataset TEXT NOT NULL, row TEXT NOT NULL, "column" TEXT NOT NULL, value TEXT,
    user TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('held', 'private', 'refused')))`,
  `CREATE INDEX sync_aside_kind ON sync_aside(kind, timestamp)`,
];
