/**
 * Alerts a person can read: one digest per re-match ("37 new matches scoring >= 0.8, 5 of them in
 * your region"), never one row per match. A digest is a row of `match_digests`; its matches are
 * the matches whose `alert_digest` column names it (migration 8), listed on demand.
 *
 * A match is announced once while it is stored: `alert_digest` keeps the digest that announced it
 * (or 0: known without an announcement, the first check's baseline or a lowered threshold). A
 * suggestion a re-run drops and later brings back is a new row, so it is announced again.
 */
import { sql } from 'kysely';
import type { Db } from './database.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import { storedEconomics } from './matches.ts';
import type { Page } from './repository.ts';
import { joinedMatches } from './match-join.ts';

/** A bounding box in degrees (what "your region" means for a digest). */
export interface AlertRegion {
  min_lat: number;
  min_lon: number;
  max_lat: number;
  max_lon: number;
}

export interface AlertDigest {
  id: number;
  at: string;
  threshold: number;
  /** New matches at or above the threshold when the digest was made. */
  matches: number;
  /** How many of them have a site in the region (null: no region was set). */
  in_region: number | null;
  region: AlertRegion | null;
  best_score: number | null;
  seen: boolean;
  /** The digest in a sentence, as the UI and a desktop notification show it. */
  text: string;
}

/** One match behind a digest. */
export interface MatchAlert {
  match_id: string;
  digest_id: number;
  score: number;
  at: string;
  seen: boolean;
  type: string;
  status: string;
  supply_organization: string;
  demand_organization: string;
  annual_value_eur: number | null;
  /** A site of the match lies in the digest's region (null: no region). */
  in_region: boolean | null;
}

/** Failed and cancelled matches are never announced. */
const CLOSED = ['failed', 'cancelled'];

export function digestText(d: { matches: number; threshold: number; in_region: number | null }): string {
  const what = `${d.matches.toLocaleString('en')} new ${d.matches === 1 ? 'match' : 'matches'} scoring >= ${d.threshold}`;
  return d.in_region === null ? what : `${what}, ${d.in_region.toLocaleString('en')} of them in your region`;
}

export function checkRegion(r: AlertRegion): AlertRegion {
  const problems = [];
  if (!(r.min_lat >= -90 && r.max_lat <= 90 && r.min_lat <= r.max_lat)) problems.push({ field: 'region', message: `latitudes must be -90..90 with min <= max, got ${r.min_lat}..${r.max_lat}` });
  if (!(r.min_lon >= -180 && r.max_lon <= 180 && r.min_lon <= r.max_lon)) problems.push({ field: 'region', message: `longitudes must be -180..180 with min <= max, got ${r.min_lon}..${r.max_lon}` });
  if (problems.length) throw new ValidationError('alert region', problems);
  return { min_lat: r.min_lat, min_lon: r.min_lon, max_lat: r.max_lat, max_lon: r.max_lon };
}

type DigestRow = { id: number; at: string; threshold: number; matches: number; in_region: number | null; region: string | null; best_score: number | null; seen: number };

function fromRow(r: DigestRow): AlertDigest {
  return { ...r, region: r.region ? (JSON.parse(r.region) as AlertRegion) : null, seen: r.seen === 1, text: digestText(r) };
}

/**
 * SQL: the match was announced. It repeats, as literal text, the condition of the partial index
 * matches_alert_digest (migration 8): SQLite uses a partial index only when the query's WHERE
 * implies the index's, which a bound `alert_digest = ?` alone does not.
 */
const ANNOUNCED = sql<boolean>`m.alert_digest > 0`;

/** SQL: a site of the match (m) lies in the box. */
const inBox = (r: AlertRegion) => sql<number>`(EXISTS (SELECT 1 FROM flows f JOIN sites s ON s.id = f.site_id
    WHERE f.id IN (m.supply_flow_id, m.demand_flow_id)
      AND s.lat BETWEEN ${r.min_lat} AND ${r.max_lat} AND s.lon BETWEEN ${r.min_lon} AND ${r.max_lon}))`;

export class AlertDigestStore {
  readonly #db: Db;
  /** Digests and their matches: the read connection beside the writer (repository.ts), or the writer itself. */
  readonly #read: Db;
  constructor(db: Db, read: Db = db) {
    this.#db = db;
    this.#read = read;
  }

  /**
   * Digests the matches at or above `threshold` not announced yet: one row, its matches marked
   * with its id. The very first check in a database records what is there as a silent baseline
   * (the matches a user had before are not news); `silent` does the same (a changed threshold).
   * Returns the digest, or null when there was nothing new (or the check was silent).
   */
  async record(threshold: number, now = new Date(), options: { silent?: boolean; region?: AlertRegion | null } = {}): Promise<AlertDigest | null> {
    return this.#db.transaction().execute(async (tx) => {
      const pending = () =>
        tx
          .selectFrom('matches as m')
          .where('m.score', '>=', threshold)
          .where('m.alert_digest', 'is', null)
          .where('m.status', 'not in', CLOSED);
      const known =
        (await tx.selectFrom('match_digests').select('id').limit(1).executeTakeFirst()) !== undefined ||
        (await tx.selectFrom('matches').select('id').where('alert_digest', 'is not', null).limit(1).executeTakeFirst()) !== undefined;
      if (options.silent === true || !known) {
        await tx
          .updateTable('matches')
          .set({ alert_digest: 0 })
          .where('score', '>=', threshold)
          .where('alert_digest', 'is', null)
          .where('status', 'not in', CLOSED)
          .execute();
        return null;
      }
      const region = options.region ?? null;
      const counts = await pending()
        .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('m.score').as('best'), ...(region ? [sql<number>`sum(${inBox(region)})`.as('inside')] : [])])
        .executeTakeFirstOrThrow();
      const n = Number(counts.n);
      if (n === 0) return null;
      const row = {
        at: now.toISOString(),
        threshold,
        matches: n,
        in_region: region ? Number((counts as { inside?: number }).inside ?? 0) : null,
        region: region ? JSON.stringify(region) : null,
        best_score: counts.best as number,
      };
      const { id } = await tx.insertInto('match_digests').values(row).returning('id').executeTakeFirstOrThrow();
      await tx
        .updateTable('matches')
        .set({ alert_digest: id })
        .where('score', '>=', threshold)
        .where('alert_digest', 'is', null)
        .where('status', 'not in', CLOSED)
        .execute();
      return fromRow({ id, ...row, seen: 0 });
    });
  }

  /** Digests, newest first. */
  async list(options: { unseenOnly?: boolean; limit?: number } = {}): Promise<AlertDigest[]> {
    let q = this.#read.selectFrom('match_digests').selectAll();
    if (options.unseenOnly) q = q.where('seen', '=', 0);
    const rows = await q
      .orderBy('id', 'desc')
      .limit(Math.min(500, Math.max(1, options.limit ?? 100)))
      .execute();
    return rows.map(fromRow);
  }

  async get(id: number): Promise<AlertDigest> {
    const row = await this.#read.selectFrom('match_digests').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('alert digest', String(id));
    return fromRow(row);
  }

  /** The matches behind a digest that are still stored, best first. */
  async matches(digestId: number, options: { offset?: number; limit?: number } = {}): Promise<Page<MatchAlert>> {
    const digest = await this.get(digestId);
    const offset = Math.max(0, options.offset ?? 0);
    const limit = Math.min(500, Math.max(1, options.limit ?? 50));
    const region = digest.region;
    const { total, rows } = await this.#read.transaction().execute(async (tx) => {
      const { total } = await tx
        .selectFrom('matches as m')
        .where('m.alert_digest', '=', digestId)
        .where(ANNOUNCED)
        .select((eb) => eb.fn.countAll<number>().as('total'))
        .executeTakeFirstOrThrow();
      const rows = await joinedMatches(tx)
        .where('m.alert_digest', '=', digestId)
        .where(ANNOUNCED)
        .select(['m.id', 'm.score', 'm.type', 'm.status', 'm.packed', 'm.economics', 'so.name as supply_organization', 'do.name as demand_organization'])
        .select(region ? [inBox(region).as('inside')] : [])
        .orderBy('m.score', 'desc')
        .orderBy('m.id')
        .limit(limit)
        .offset(offset)
        .execute();
      return { total, rows };
    });
    const economics = await storedEconomics(this.#read, rows);
    const items = rows.map((r, i): MatchAlert => {
      const value = economics[i]!.annual_value_eur;
      return {
        match_id: r.id,
        digest_id: digestId,
        score: r.score,
        at: digest.at,
        seen: digest.seen,
        type: r.type,
        status: r.status,
        supply_organization: r.supply_organization,
        demand_organization: r.demand_organization,
        annual_value_eur: typeof value === 'number' ? value : null,
        in_region: region ? Number((r as { inside?: number }).inside) === 1 : null,
      };
    });
    return { items, total: Number(total), offset, limit };
  }

  /** Marks digests as seen (all unseen ones without ids); returns how many changed. */
  async markSeen(ids?: readonly number[]): Promise<number> {
    let q = this.#db.updateTable('match_digests').set({ seen: 1 }).where('seen', '=', 0);
    if (ids) {
      if (ids.length === 0) return 0;
      q = q.where('id', 'in', [...ids]);
    }
    return Number((await q.executeTakeFirst()).numUpdatedRows);
  }
}
