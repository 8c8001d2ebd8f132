/**
 * Row types of the local graph, as Kysely sees them. Nested parts of an entity (contact, quality,
 * temporal, ...) are stored as JSON text in one column each: they are read and written whole, and
 * the columns the matching engine filters on (type, direction, canonical quantity, temperatures,
 * location) are real columns with indexes.
 */
import type { ColumnType, Generated } from 'kysely';
import type { MatchDigestsTable, MatchShapesTable } from './match-storage-schema.ts';

type Json = string; // JSON text; parsed in the repository layer
type Timestamp = string; // ISO 8601, UTC

export interface OrganizationsTable {
  id: string;
  name: string;
  legal_form: string | null;
  nace: string | null;
  sector: string | null;
  employees: number | null;
  trust: number | null;
  readiness: number | null;
  certifications: Json | null;
  sharing: string | null;
  contact: Json | null;
  notes: string | null;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SitesTable {
  id: string;
  organization_id: string;
  name: string;
  address: string | null;
  country: string;
  lat: number;
  lon: number;
  kind: string | null;
  notes: string | null;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface FlowsTable {
  id: string;
  site_id: string;
  direction: 'supply' | 'demand';
  type: string;
  name: string;
  description: string | null;
  quantity_amount: number;
  quantity_unit: string;
  /** The quantity in the canonical unit of the type (kW for heat, ...), for matching. */
  canonical_amount: number;
  canonical_unit: string;
  hours_per_year: number;
  precision: string | null;
  provenance: Json | null;
  quality: Json | null;
  temperature_min: number | null;
  temperature_max: number | null;
  temporal: Json | null;
  economics: Json | null;
  logistics: Json | null;
  status: string | null;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface DevicesTable {
  id: string;
  site_id: string;
  name: string;
  protocol: string;
  endpoint: string;
  profile: string | null;
  config: Json | null;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PointsTable {
  id: string;
  device_id: string;
  flow_id: string | null;
  name: string;
  address: string;
  role: string | null;
  data_type: string | null;
  unit: string | null;
  scale: number | null;
  config: Json | null;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** Raw time series; (point, source time) is the key, so a replayed sample is not stored twice. */
export interface MeasurementsTable {
  point_id: string;
  ts_ms: number;
  received_ms: number;
  value: number | null;
  quality: 'good' | 'uncertain' | 'bad';
  status: string | null;
}

export interface MatchesTable {
  id: string;
  supply_flow_id: string;
  demand_flow_id: string;
  score: number;
  scores: Json;
  distance_km: number;
  route: 'automated' | 'facilitated';
  relaxed: Json;
  economics: Json;
  binding_constraint: string | null;
  assumptions: Json;
  engine_version: string;
  /** JSON: route_reasons, quality_detail, limit_km, tightest_constraint, rank, score_raw, org ids. */
  detail: Json;
  /** Migration 6: the share of the match's stand-alone quantity the regional plan allocates (null: not in the plan). */
  plan_share: number | null;
  /** Migration 6: JSON of the member's economics at that share (matching/plan-input.ts AllocatedEconomics). */
  plan_allocation: Json | null;
  /** Migration 8: shape id and leaves of scores, economics and explanation (match-codec.ts encode); null: a row written before, read from the keyed JSON columns. */
  packed: ColumnType<Uint8Array | null, Uint8Array | null | undefined, Uint8Array | null>;
  /** Migration 8: the economics' NPV, for ordering lists. */
  npv_eur: ColumnType<number | null, number | null | undefined, number | null>;
  /** Migration 8: the alert digest that announced the match (0: known, not announced; null: never crossed the threshold). */
  alert_digest: ColumnType<number | null, number | null | undefined, number | null>;
  /** Of the computed columns (match-rows.ts): equal hash, unchanged match; NULL for rows stored before migration 9. */
  content_hash: ColumnType<number | null, number | null | undefined, number | null>;
  type: string;
  status: string;
  status_reason: string | null;
  reserved_until: Timestamp | null;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface MatchEventsTable {
  id: Generated<number>;
  match_id: string;
  at: Timestamp;
  actor: string;
  action: string;
  from_status: string | null;
  to_status: string | null;
  note: string | null;
}

/**
 * The local change log: one row per write, in commit order. The sync client ships rows with
 * `shipped = 0` to the hub and marks them; `fields` holds the written values per field so the
 * protocol can do per-field last-writer-wins.
 */
export interface ChangeLogTable {
  seq: Generated<number>;
  at: Timestamp;
  entity: string;
  entity_id: string;
  op: 'upsert' | 'delete';
  fields: Json | null;
  origin: 'local' | 'remote';
  shipped: ColumnType<number, number | undefined, number>;
  /** Migration 5: the HLC of the entry's first field (fields sorted by name take consecutive ticks). */
  hlc: ColumnType<string | null, string | null | undefined, string | null>;
  /** Migration 5: who made the change (the signed-in hub user, or "local user"). */
  actor: ColumnType<string | null, string | null | undefined, string | null>;
}

/** Migration 5: this replica's identity and hybrid logical clock (one row, id = 1). */
export interface SyncNodeTable {
  id: number;
  node_id: string;
  clock: string;
  actor: string;
}

/** Migration 5: the last-writer-wins state of every synced field (dataset, row, column). */
export interface SyncFieldsTable {
  dataset: string;
  row: string;
  column: string;
  timestamp: string;
  value: string;
}

/** Migration 5: every message shared with the hub (sent or received), for pushes and the merkle trie. */
export interface SyncMessagesTable {
  timestamp: string;
  dataset: string;
  row: string;
  column: string;
  value: string;
  /** 0 = a local message the hub has not acknowledged yet. */
  pushed: number;
  /** Migration 7: the hub user who pushed a received message (null for local ones, old hubs). */
  user: ColumnType<string | null, string | null | undefined, string | null>;
}

/** Migration 5: records whose merged state cannot be applied (invalid, orphaned), shown in the UI. */
export interface SyncProblemsTable {
  dataset: string;
  row: string;
  /** Migration 7: record | message | held | private (main/db/sync-schema.ts). */
  kind: 'record' | 'message' | 'held' | 'private';
  at: string;
  message: string;
}

/** Migration 7: received messages not applied (held ahead of the clock, private here, refused). */
export interface SyncAsideTable {
  timestamp: string;
  dataset: string;
  row: string;
  column: string;
  value: string | null;
  user: string | null;
  kind: 'held' | 'private' | 'refused';
}

/** Migration 5: hub URL, workspace, cursor, last sync, ... as JSON values. */
export interface SyncStateTable {
  key: string;
  value: string;
}

export interface SettingsTable {
  key: string;
  value: Json;
}

/** Migration 6: the regional plan of the last run (one row). */
export interface PlanRunsTable {
  id: number;
  objective: string;
  /** JSON: objective value, bound, gap, status, totals, solver figures (plan-store.ts PlanSummary). */
  summary: Json;
  created_at: Timestamp;
}

export interface Database {
  match_shapes: MatchShapesTable;
  match_digests: MatchDigestsTable;
  organizations: OrganizationsTable;
  sites: SitesTable;
  flows: FlowsTable;
  devices: DevicesTable;
  points: PointsTable;
  measurements: MeasurementsTable;
  matches: MatchesTable;
  match_events: MatchEventsTable;
  change_log: ChangeLogTable;
  settings: SettingsTable;
  sync_node: SyncNodeTable;
  sync_fields: SyncFieldsTable;
  sync_messages: SyncMessagesTable;
  sync_problems: SyncProblemsTable;
  sync_aside: SyncAsideTable;
  sync_state: SyncStateTable;
  plan_runs: PlanRunsTable;
}
