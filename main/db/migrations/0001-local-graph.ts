/**
 * Migration 1: the local graph (organizations, sites, flows), field devices and meter points, raw
 * measurements, matches and their audit events, the change log, settings, and the two indexes
 * that must never drift from their tables: the R*Tree over site locations and the FTS5 search
 * index. Both are maintained by triggers, so no write path, present or future, can forget them.
 */
import type { Migration } from './migration.ts';

const timestamps = `version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL`;

/** FTS rowids: entity rowid * 4 + a tag per table, so one index serves three tables. */
const FTS_TAG = { organization: 0, site: 1, flow: 2 } as const;

const orgSearchBody = (row: string) =>
  `coalesce(${row}.nace,'') || ' ' || coalesce(${row}.sector,'') || ' ' || coalesce(${row}.legal_form,'') || ' ' || coalesce(${row}.notes,'')`;
const siteSearchBody = (row: string) =>
  `coalesce((SELECT name FROM organizations WHERE id = ${row}.organization_id),'') || ' ' || coalesce(${row}.address,'') || ' ' || ${row}.country || ' ' || coalesce(${row}.kind,'') || ' ' || coalesce(${row}.notes,'')`;
const flowSearchBody = (row: string) =>
  `${row}.direction || ' ' || replace(${row}.type,'_',' ') || ' ' || coalesce(${row}.description,'') || ' ' ||
   coalesce(json_extract(${row}.quality,'$.ewc'),'') || ' ' || coalesce(json_extract(${row}.quality,'$.category'),'') || ' ' ||
   coalesce((SELECT group_concat(value, ' ') FROM json_each(json_extract(${row}.quality,'$.accepted_ewc'))),'')`;

function ftsTriggers(table: string, tag: number, body: (row: string) => string): string[] {
  const insert = (row: string) =>
    `INSERT INTO search_fts(rowid, kind, ref_id, title, body) VALUES (${row}.rowid * 4 + ${tag}, '${table}', ${row}.id, ${row}.name, ${body(row)});`;
  const remove = (row: string) => `DELETE FROM search_fts WHERE rowid = ${row}.rowid * 4 + ${tag};`;
  return [
    `CREATE TRIGGER ${table}s_fts_insert AFTER INSERT ON ${table}s BEGIN ${insert('new')} END`,
    `CREATE TRIGGER ${table}s_fts_update AFTER UPDATE ON ${table}s BEGIN ${remove('old')} ${insert('new')} END`,
    `CREATE TRIGGER ${table}s_fts_delete AFTER DELETE ON ${table}s BEGIN ${remove('old')} END`,
  ];
}

export const migration: Migration = {
  version: 1,
  name: 'local graph, time series, matches, change log, search and spatial indexes',
  statements: [
    `CREATE TABLE organizations (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        legal_form TEXT, nace TEXT, sector TEXT, employees INTEGER,
        trust REAL CHECK (trust IS NULL OR trust BETWEEN 0 AND 1),
        readiness INTEGER CHECK (readiness IS NULL OR readiness BETWEEN 1 AND 5),
        certifications TEXT, sharing TEXT CHECK (sharing IS NULL OR sharing IN ('public','partners','private')),
        contact TEXT, notes TEXT,
        ${timestamps})`,
    `CREATE TABLE sites (
        id TEXT PRIMARY KEY,
        organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE RESTRICT,
        name TEXT NOT NULL, address TEXT,
        country TEXT NOT NULL,
        lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
        lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
        kind TEXT, notes TEXT,
        ${timestamps})`,
    `CREATE INDEX sites_organization ON sites(organization_id)`,
    `CREATE TABLE flows (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE RESTRICT,
        direction TEXT NOT NULL CHECK (direction IN ('supply','demand')),
        type TEXT NOT NULL,
        name TEXT NOT NULL, description TEXT,
        quantity_amount REAL NOT NULL, quantity_unit TEXT NOT NULL,
        canonical_amount REAL NOT NULL, canonical_unit TEXT NOT NULL,
        hours_per_year REAL NOT NULL,
        precision TEXT CHECK (precision IS NULL OR precision IN ('rough','estimated','measured')),
        provenance TEXT, quality TEXT,
        temperature_min REAL, temperature_max REAL,
        temporal TEXT, economics TEXT, logistics TEXT,
        status TEXT CHECK (status IS NULL OR status IN ('active','paused','archived')),
        ${timestamps})`,
    `CREATE INDEX flows_site ON flows(site_id)`,
    `CREATE INDEX flows_match_key ON flows(type, direction, status)`,
    `CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        name TEXT NOT NULL, protocol TEXT NOT NULL, endpoint TEXT NOT NULL,
        profile TEXT, config TEXT,
        ${timestamps})`,
    `CREATE TABLE points (
        id TEXT PRIMARY KEY,
        device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
        flow_id TEXT REFERENCES flows(id) ON DELETE SET NULL,
        name TEXT NOT NULL, address TEXT NOT NULL,
        role TEXT, data_type TEXT, unit TEXT, scale REAL, config TEXT,
        ${timestamps})`,
    `CREATE INDEX points_device ON points(device_id)`,
    `CREATE INDEX points_flow ON points(flow_id)`,
    `CREATE TABLE measurements (
        point_id TEXT NOT NULL REFERENCES points(id) ON DELETE CASCADE,
        ts_ms INTEGER NOT NULL,
        received_ms INTEGER NOT NULL,
        value REAL,
        quality TEXT NOT NULL CHECK (quality IN ('good','uncertain','bad')),
        status TEXT,
        PRIMARY KEY (point_id, ts_ms)) WITHOUT ROWID`,
    `CREATE TABLE matches (
        id TEXT PRIMARY KEY,
        supply_flow_id TEXT NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
        demand_flow_id TEXT NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
        score REAL NOT NULL, scores TEXT NOT NULL, distance_km REAL NOT NULL,
        route TEXT NOT NULL CHECK (route IN ('automated','facilitated')),
        relaxed TEXT NOT NULL DEFAULT '[]', economics TEXT NOT NULL,
        binding_constraint TEXT, assumptions TEXT NOT NULL DEFAULT '[]',
        engine_version TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'suggested',
        status_reason TEXT, reserved_until TEXT,
        ${timestamps},
        UNIQUE (supply_flow_id, demand_flow_id))`,
    `CREATE INDEX matches_demand ON matches(demand_flow_id)`,
    `CREATE TABLE match_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        match_id TEXT NOT NULL REFERENCES matches(id) ON DELETE CASCADE,
        at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
        from_status TEXT, to_status TEXT, note TEXT)`,
    `CREATE INDEX match_events_match ON match_events(match_id)`,
    `CREATE TABLE change_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        entity TEXT NOT NULL, entity_id TEXT NOT NULL,
        op TEXT NOT NULL CHECK (op IN ('upsert','delete')),
        fields TEXT,
        origin TEXT NOT NULL CHECK (origin IN ('local','remote')),
        shipped INTEGER NOT NULL DEFAULT 0)`,
    `CREATE INDEX change_log_unshipped ON change_log(shipped, seq)`,
    `CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
    // Spatial index: R*Tree keyed by the site's rowid (R*Tree ids must be integers).
    `CREATE VIRTUAL TABLE site_rtree USING rtree(id, min_lon, max_lon, min_lat, max_lat)`,
    `CREATE TRIGGER sites_rtree_insert AFTER INSERT ON sites BEGIN
         INSERT INTO site_rtree VALUES (new.rowid, new.lon, new.lon, new.lat, new.lat); END`,
    `CREATE TRIGGER sites_rtree_update AFTER UPDATE OF lat, lon ON sites BEGIN
         UPDATE site_rtree SET min_lon = new.lon, max_lon = new.lon, min_lat = new.lat, max_lat = new.lat WHERE id = new.rowid; END`,
    `CREATE TRIGGER sites_rtree_delete AFTER DELETE ON sites BEGIN
         DELETE FROM site_rtree WHERE id = old.rowid; END`,
    // Full-text search over names, descriptions, NACE and EWC codes; prefix indexes for
    // search-as-you-type; diacritics folded so "Linz" finds "Línz" and "Mannswörther" "Mannsworther".
    `CREATE VIRTUAL TABLE search_fts USING fts5(kind UNINDEXED, ref_id UNINDEXED, title, body,
         tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')`,
    ...ftsTriggers('organization', FTS_TAG.organization, orgSearchBody),
    ...ftsTriggers('site', FTS_TAG.site, siteSearchBody),
    ...ftsTriggers('flow', FTS_TAG.flow, flowSearchBody),
  ],
};
