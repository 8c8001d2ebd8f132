/**
 * The one entry point to the local graph. Reads are plain queries; every write runs in one
 * transaction through a LoggedWriter, so it is validated, versioned and change-logged together.
 */
import { sql } from 'kysely';
import type { Flow, Organization, Site } from '../domain/entities.ts';
import { LoggedWriter } from './change-log.ts';
import { openDatabase, openReader, type Db } from './database.ts';
import { MatchingInputStore } from './matching-input.ts';
import { flows, organizations, sites } from './entities.ts';
import { NotFoundError } from './errors.ts';
import { PlanStore } from './plan-store.ts';
import { changeLogMark, changesSince, RepositoryEvents, type ChangeOrigin, type WriteChanges } from './repository-events.ts';
import { MatchStore } from './matches.ts';
import { MeasurementStore } from './measurements.ts';
import { WorkflowStore } from './workflow.ts';
import { FieldStore } from './field-store.ts';
import { readSetting, writeSetting, type SettingKey, type SettingValue } from './settings-registry.ts';
import { flowFromRow, organizationFromRow, siteFromRow, stripMeta, type FlowRecord, type OrganizationRecord, type SiteRecord } from './records.ts';

export interface Page<T> {
  items: T[];
  total: number;
  offset: number;
  limit: number;
}

export interface PageRequest {
  offset?: number;
  limit?: number;
}

export interface OrganizationFilter extends PageRequest {
  query?: string;
  sector?: string;
}

export interface SiteFilter extends PageRequest {
  query?: string;
  organization_id?: string;
  country?: string;
  /** [west, south, east, north] in degrees. */
  bbox?: [number, number, number, number];
}

export interface FlowFilter extends PageRequest {
  query?: string;
  site_id?: string;
  direction?: 'supply' | 'demand';
  type?: string;
}

export type SiteListItem = SiteRecord & { organization_name: string; sector: string | null };

export interface SearchHit {
  kind: 'organization' | 'site' | 'flow';
  id: string;
  title: string;
  snippet: string;
  /** Where to show it on the map: the site itself, the flow's site, or an organization's first site. */
  site_id: string | null;
  lat: number | null;
  lon: number | null;
}

/** The compact per-site data the map draws (thousands of sites, so no nested records). */
export interface MapSite {
  id: string;
  name: string;
  lat: number;
  lon: number;
  country: string;
  organization_id: string;
  organization_name: string;
  sector: string | null;
  supply_count: number;
  demand_count: number;
  synthetic: boolean;
}

export interface PortfolioDocument {
  organizations: Organization[];
  sites: Site[];
  flows: Flow[];
}

export interface ImportSummary {
  created: number;
  updated: number;
  unchanged: number;
  organizations: number;
  sites: number;
  flows: number;
}

export type ImportProgress = (done: number, total: number) => void;

/** Who writes, for the change events (repository-events.ts); applied hub changes are recognised by their log entries. */
export interface WriteOptions {
  origin?: Exclude<ChangeOrigin, 'sync'>;
}

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;

function pageOf(request: PageRequest): { offset: number; limit: number } {
  return {
    offset: Math.max(0, Math.floor(request.offset ?? 0)),
    limit: Math.min(MAX_LIMIT, Math.max(1, Math.floor(request.limit ?? DEFAULT_LIMIT))),
  };
}

/**
 * Turns what a user types into an FTS5 query: every word must match as a prefix. Quotes keep
 * FTS5 operators in user input (AND, NEAR, *, -, ...) from being interpreted.
 */
export function ftsQuery(text: string): string | undefined {
  const words = text
    .normalize('NFKC')
    .split(/[^\p{L}\p{N}*]+/u)
    .map((w) => w.replaceAll('*', ''))
    .filter(Boolean);
  if (words.length === 0) return undefined;
  return words.map((w) => `"${w}"*`).join(' ');
}

/** What the matching engine needs of one flow: the flow and where (and whose) it is. */
export interface FlowInContext {
  flow: FlowRecord;
  site: { lat: number; lon: number; country: string; organization_id: string; kind?: string | undefined };
  organization: { trust?: number };
}

export class Repository {
  readonly #db: Db;
  /**
   * Read-only connections beside the writer (WAL, database.ts `openReader`; the writer itself for
   * ':memory:'). Lists, details, the map, search and reports read here, so they answer while a
   * long write (a full re-match stores ~240,000 rows) holds the writer. They see every committed
   * write, so a read after the caller's own awaited write sees it; reads that must see a write
   * not yet committed run inside its transaction, on the writer.
   */
  readonly #read: Db;
  readonly path: string;
  readonly matches: MatchStore;
  readonly plan: PlanStore;
  /** The matching input's generation number (migration 11): whether the matching worker's portfolio is current. */
  readonly matchingInput: MatchingInputStore;
  /** Notes, packets sent, reservation reminders, meter bindings, alerts (the facilitator's workflow). */
  readonly workflow: WorkflowStore;
  /** Devices and meter points (field connectivity). */
  readonly field: FieldStore;
  /** Raw measurements and their per-minute / per-hour aggregates (main/ingest). */
  readonly measurements: MeasurementStore;
  /** Committed changes, for every part of the core that follows them (re-matching, the sync): see repository-events.ts. */
  readonly events = new RepositoryEvents();

  private constructor(db: Db, read: Db, path: string) {
    this.#db = db;
    this.#read = read;
    this.path = path;
    this.matches = new MatchStore(db, read);
    this.plan = new PlanStore(db, read);
    this.matchingInput = new MatchingInputStore(read);
    this.workflow = new WorkflowStore(db, read);
    this.field = new FieldStore(db, (work) => this.write(work));
    this.measurements = new MeasurementStore(db);
  }

  static async open(path: string): Promise<Repository> {
    const db = await openDatabase(path);
    let read: Db;
    try {
      read = await openReader(path, db);
    } catch (error) {
      await db.destroy();
      throw error;
    }
    return new Repository(db, read, path);
  }

  /**
   * The database file at `path`, read-only (query_only), beside the app's writer: for a worker
   * thread that only reads (the graph analytics, analytics-worker-main.ts). Every write fails.
   */
  static async openReadOnly(path: string): Promise<Repository> {
    if (path === ':memory:') throw new Error('an in-memory database cannot be opened a second time: it has no file');
    // openReader needs the writer only for ':memory:'
    const read = await openReader(path, undefined as never);
    return new Repository(read, read, path);
  }

  async close(): Promise<void> {
    if (this.#read !== this.#db) await this.#read.destroy();
    await this.#db.destroy();
  }

  /**
   * Runs `work` in one write transaction with change logging. What it changed is read from the
   * change log before it commits and announced on `events` after it has (repository-events.ts):
   * once per committed write, never for a rolled-back one. `origin` says who wrote (an import, the
   * ingest's measured rule); changes applied from the hub are told apart by their log entries.
   */
  async write<T>(work: (w: LoggedWriter) => Promise<T>, options: WriteOptions = {}): Promise<T> {
    let changes: WriteChanges | undefined;
    const result = await this.#db.transaction().execute(async (tx) => {
      const mark = await changeLogMark(tx);
      const writer = new LoggedWriter(tx, new Date().toISOString());
      const value = await work(writer);
      changes = await changesSince(tx, mark, options.origin ?? 'local', writer.loggedLocal);
      return value;
    });
    if (changes?.flowsChanged) this.events.emit('flowsChanged', changes.flowsChanged);
    if (changes?.localChange) this.events.emit('localChange', changes.localChange);
    return result;
  }

  // ---- organizations -------------------------------------------------------------------------

  async getOrganization(id: string): Promise<OrganizationRecord> {
    const row = await this.#read.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('organization', id);
    return organizationFromRow(row);
  }

  async listOrganizations(filter: OrganizationFilter = {}): Promise<Page<OrganizationRecord>> {
    const { offset, limit } = pageOf(filter);
    let query = this.#read.selectFrom('organizations');
    const fts = filter.query ? ftsQuery(filter.query) : undefined;
    if (fts) {
      query = query.where('id', 'in', (eb) =>
        eb.selectFrom(sql`search_fts`.as('f')).select(sql<string>`ref_id`.as('ref_id')).where(sql<boolean>`search_fts MATCH ${fts} AND kind = 'organization'`),
      );
    }
    if (filter.sector) query = query.where('sector', '=', filter.sector);
    const { total } = await query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
    const rows = await query.selectAll().orderBy('name').orderBy('id').limit(limit).offset(offset).execute();
    return { items: rows.map(organizationFromRow), total, offset, limit };
  }

  // ---- sites ----------------------------------------------------------------------------------

  async getSite(id: string): Promise<SiteRecord> {
    const row = await this.#read.selectFrom('sites').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('site', id);
    return siteFromRow(row);
  }

  async listSites(filter: SiteFilter = {}): Promise<Page<SiteListItem>> {
    const { offset, limit } = pageOf(filter);
    let query = this.#read.selectFrom('sites').innerJoin('organizations as o', 'o.id', 'sites.organization_id');
    const fts = filter.query ? ftsQuery(filter.query) : undefined;
    if (fts) {
      query = query.where('sites.id', 'in', (eb) =>
        eb.selectFrom(sql`search_fts`.as('f')).select(sql<string>`ref_id`.as('ref_id')).where(sql<boolean>`search_fts MATCH ${fts} AND kind = 'site'`),
      );
    }
    if (filter.organization_id) query = query.where('sites.organization_id', '=', filter.organization_id);
    if (filter.country) query = query.where('sites.country', '=', filter.country);
    if (filter.bbox) {
      const [west, south, east, north] = filter.bbox;
      query = query.where(sql<boolean>`sites.rowid IN (SELECT id FROM site_rtree WHERE max_lon >= ${west} AND min_lon <= ${east} AND max_lat >= ${south} AND min_lat <= ${north})`);
    }
    const { total } = await query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
    const rows = await query
      .selectAll('sites')
      .select(['o.name as organization_name', 'o.sector as sector'])
      .orderBy('sites.name')
      .orderBy('sites.id')
      .limit(limit)
      .offset(offset)
      .execute();
    return {
      items: rows.map(({ organization_name, sector, ...site }) => ({ ...siteFromRow(site), organization_name, sector })),
      total,
      offset,
      limit,
    };
  }

  async mapSites(): Promise<MapSite[]> {
    const rows = await this.#read
      .selectFrom('sites as s')
      .innerJoin('organizations as o', 'o.id', 's.organization_id')
      .select([
        's.id',
        's.name',
        's.lat',
        's.lon',
        's.country',
        's.organization_id',
        'o.name as organization_name',
        'o.sector',
        sql<number>`(SELECT count(*) FROM flows f WHERE f.site_id = s.id AND f.direction = 'supply')`.as('supply_count'),
        sql<number>`(SELECT count(*) FROM flows f WHERE f.site_id = s.id AND f.direction = 'demand')`.as('demand_count'),
        sql<number>`EXISTS (SELECT 1 FROM flows f WHERE f.site_id = s.id AND json_extract(f.provenance, '$.synthetic') = 1)`.as('synthetic'),
      ])
      .orderBy('s.id')
      .execute();
    return rows.map((r) => ({ ...r, synthetic: r.synthetic === 1 }));
  }

  // ---- flows ----------------------------------------------------------------------------------

  async getFlow(id: string): Promise<FlowRecord> {
    const row = await this.#read.selectFrom('flows').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('flow', id);
    return flowFromRow(row);
  }

  async listFlows(filter: FlowFilter = {}): Promise<Page<FlowRecord>> {
    const { offset, limit } = pageOf(filter);
    let query = this.#read.selectFrom('flows');
    const fts = filter.query ? ftsQuery(filter.query) : undefined;
    if (fts) {
      query = query.where('id', 'in', (eb) =>
        eb.selectFrom(sql`search_fts`.as('f')).select(sql<string>`ref_id`.as('ref_id')).where(sql<boolean>`search_fts MATCH ${fts} AND kind = 'flow'`),
      );
    }
    if (filter.site_id) query = query.where('site_id', '=', filter.site_id);
    if (filter.direction) query = query.where('direction', '=', filter.direction);
    if (filter.type) query = query.where('type', '=', filter.type);
    const { total } = await query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
    const rows = await query.selectAll().orderBy('name').orderBy('id').limit(limit).offset(offset).execute();
    return { items: rows.map(flowFromRow), total, offset, limit };
  }

  /** Every flow (or one) with its site's location and its organization's trust, for matching. */
  async flowsInContext(flowId?: string): Promise<FlowInContext[]> {
    let q = this.#read
      .selectFrom('flows')
      .innerJoin('sites as s', 's.id', 'flows.site_id')
      .innerJoin('organizations as o', 'o.id', 's.organization_id')
      .selectAll('flows')
      .select(['s.lat as site_lat', 's.lon as site_lon', 's.country as site_country', 's.organization_id as site_org', 's.kind as site_kind', 'o.trust as org_trust']);
    if (flowId) q = q.where('flows.id', '=', flowId);
    const rows = await q.orderBy('flows.id').execute();
    return rows.map(({ site_lat, site_lon, site_country, site_org, site_kind, org_trust, ...flow }) => ({
      flow: flowFromRow(flow),
      site: { lat: site_lat, lon: site_lon, country: site_country, organization_id: site_org, kind: site_kind ?? undefined },
      organization: org_trust === null ? {} : { trust: org_trust },
    }));
  }

  // ---- search ---------------------------------------------------------------------------------

  async search(text: string, limit = 20): Promise<SearchHit[]> {
    const fts = ftsQuery(text);
    if (!fts) return [];
    const { rows } = await sql<SearchHit>`
      SELECT f.kind AS kind, f.ref_id AS id, f.title AS title,
             snippet(search_fts, 3, '[', ']', '…', 10) AS snippet,
             s.id AS site_id, s.lat AS lat, s.lon AS lon
      FROM search_fts f
      LEFT JOIN flows fl ON f.kind = 'flow' AND fl.id = f.ref_id
      LEFT JOIN sites s ON s.id = CASE f.kind
          WHEN 'site' THEN f.ref_id
          WHEN 'flow' THEN fl.site_id
          ELSE (SELECT min(id) FROM sites WHERE organization_id = f.ref_id) END
      WHERE search_fts MATCH ${fts}
      ORDER BY bm25(search_fts, 0, 0, 10, 1), f.title
      LIMIT ${Math.min(100, Math.max(1, limit))}`.execute(this.#read);
    return rows;
  }

  async counts(): Promise<{ organizations: number; sites: number; flows: number; supply: number; demand: number }> {
    const row = await sql<{ organizations: number; sites: number; flows: number; supply: number; demand: number }>`
      SELECT (SELECT count(*) FROM organizations) AS organizations,
             (SELECT count(*) FROM sites) AS sites,
             (SELECT count(*) FROM flows) AS flows,
             (SELECT count(*) FROM flows WHERE direction = 'supply') AS supply,
             (SELECT count(*) FROM flows WHERE direction = 'demand') AS demand`.execute(this.#read);
    return row.rows[0]!;
  }

  // ---- writes ---------------------------------------------------------------------------------

  createOrganization(input: unknown) {
    return this.write((w) => organizations.create(w, input));
  }
  updateOrganization(id: string, patch: Record<string, unknown>, version?: number) {
    return this.write((w) => organizations.update(w, id, patch, version));
  }
  deleteOrganization(id: string, version?: number) {
    return this.write((w) => organizations.delete(w, id, version));
  }
  createSite(input: unknown) {
    return this.write((w) => sites.create(w, input));
  }
  updateSite(id: string, patch: Record<string, unknown>, version?: number) {
    return this.write((w) => sites.update(w, id, patch, version));
  }
  deleteSite(id: string, version?: number) {
    return this.write((w) => sites.delete(w, id, version));
  }
  createFlow(input: unknown) {
    return this.write((w) => flows.create(w, input));
  }
  updateFlow(id: string, patch: Record<string, unknown>, version?: number, options?: WriteOptions) {
    return this.write((w) => flows.update(w, id, patch, version), options);
  }
  deleteFlow(id: string, version?: number) {
    return this.write((w) => flows.delete(w, id, version));
  }

  /**
   * Writes a validated document in ONE transaction: records are created or replaced by id, and
   * any failure rolls the whole import back, so a bad file never half-imports.
   */
  async importDocument(doc: PortfolioDocument, onProgress?: ImportProgress): Promise<ImportSummary> {
    const total = doc.organizations.length + doc.sites.length + doc.flows.length;
    const summary: ImportSummary = { created: 0, updated: 0, unchanged: 0, organizations: 0, sites: 0, flows: 0 };
    let done = 0;
    const tick = () => {
      done += 1;
      if (onProgress && (done % 250 === 0 || done === total)) onProgress(done, total);
    };
    const add = (key: 'organizations' | 'sites' | 'flows', count: number, counts: Record<'created' | 'updated' | 'unchanged', number>) => {
      summary[key] = count;
      summary.created += counts.created;
      summary.updated += counts.updated;
      summary.unchanged += counts.unchanged;
    };
    await this.write(
      async (w) => {
        add('organizations', doc.organizations.length, await organizations.upsertMany(w, doc.organizations, tick));
        add('sites', doc.sites.length, await sites.upsertMany(w, doc.sites, tick));
        add('flows', doc.flows.length, await flows.upsertMany(w, doc.flows, tick));
      },
      { origin: 'import' },
    );
    return summary;
  }

  /** The whole portfolio in interchange shape, ordered by id so exports are stable. */
  async exportDocument(): Promise<PortfolioDocument> {
    const [o, s, f] = await Promise.all([
      this.#read.selectFrom('organizations').selectAll().orderBy('id').execute(),
      this.#read.selectFrom('sites').selectAll().orderBy('id').execute(),
      this.#read.selectFrom('flows').selectAll().orderBy('id').execute(),
    ]);
    return {
      organizations: o.map((row) => stripMeta(organizationFromRow(row)) as Organization),
      sites: s.map((row) => stripMeta(siteFromRow(row)) as Site),
      flows: f.map((row) => stripMeta(flowFromRow(row)) as Flow),
    };
  }

  async knownIds(): Promise<{ organizationIds: Set<string>; siteIds: Set<string> }> {
    const [o, s] = await Promise.all([
      this.#read.selectFrom('organizations').select('id').execute(),
      this.#read.selectFrom('sites').select('id').execute(),
    ]);
    return { organizationIds: new Set(o.map((r) => r.id)), siteIds: new Set(s.map((r) => r.id)) };
  }

  async changeLog(afterSeq = 0, limit = 1000) {
    return this.#db.selectFrom('change_log').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
  }

  /**
   * Hourly means of one meter point since `fromMs` (partner packet charts): the ingest's hourly
   * aggregates (migration 3) when it has written any, else the raw measurements grouped by hour.
   */
  async pointHours(pointId: string, fromMs = 0): Promise<{ bucket_ms: number; mean: number; count: number }[]> {
    type Row = { bucket_ms: number; mean: number; count: number };
    const hours = await sql<Row>`SELECT bucket_ms, sum / good_count AS mean, good_count AS count FROM measurement_hours
      WHERE point_id = ${pointId} AND bucket_ms >= ${fromMs} AND good_count > 0 ORDER BY bucket_ms`.execute(this.#read);
    if (hours.rows.length) return hours.rows;
    const raw = await sql<Row>`SELECT (ts_ms / 3600000) * 3600000 AS bucket_ms, avg(value) AS mean, count(value) AS count FROM measurements
      WHERE point_id = ${pointId} AND ts_ms >= ${fromMs} AND quality = 'good' AND value IS NOT NULL GROUP BY 1 ORDER BY 1`.execute(this.#read);
    return raw.rows;
  }

  async integrityCheck(): Promise<string> {
    const { rows } = await sql<{ integrity_check: string }>`PRAGMA integrity_check`.execute(this.#db);
    return rows.map((r) => r.integrity_check).join('; ');
  }

  /** A setting's value (main/db/settings-registry.ts says what each key holds); undefined when never set or unusable. */
  async getSetting<K extends SettingKey>(key: K): Promise<SettingValue<K> | undefined> {
    const row = await this.#read.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    return readSetting(key, row?.value);
  }

  async setSetting<K extends SettingKey>(key: K, value: SettingValue<K>): Promise<void> {
    const text = writeSetting(key, value);
    await this.#db
      .insertInto('settings')
      .values({ key, value: text })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: text }))
      .execute();
  }
}
