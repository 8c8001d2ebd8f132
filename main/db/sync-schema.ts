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
