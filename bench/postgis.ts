/**
 * The PostGIS baseline of issue 13: the seed's own pre-filter, `ST_DWithin` on a GiST index, finding
 * the candidate pairs of the same portfolio. A throwaway PostgreSQL (sync/hub/testing/postgres.ts)
 * with `CREATE EXTENSION postgis`; every active flow as a geography point with its direction and
 * type; the query pairs each active supply with the active demands of its type within the distance
 * the engine's index searches (the type's default limit times the fallback's largest distance
 * factor). Timed: the query on the server, counting the pairs (best of `repeat`); loading and
 * indexing are reported beside it. Needs Debian's postgresql-15-postgis-3; without it the baseline
 * is reported as unavailable, with the reason.
 */
import { existsSync } from 'node:fs';
import pg from 'pg';
import { distanceRelaxFactor, resolveConfig } from '../main/matching/config.ts';
import type { MatchFlow } from '../main/matching/input.ts';
import { POSTGRES_BIN, startPostgres } from '../sync/hub/testing/postgres.ts';

const POSTGIS_CONTROL = '/usr/share/postgresql/15/extension/postgis.control';

export type PostgisBaseline =
  | { available: true; query_ms: number; query_runs_ms: number[]; pairs: number; load_ms: number; index_ms: number; postgis_version: string; query: string }
  | { available: false; reason: string };

export async function postgisCandidates(flows: readonly MatchFlow[], repeat = 3): Promise<PostgisBaseline> {
  if (!existsSync(`${POSTGRES_BIN}/postgres`)) return { available: false, reason: `PostgreSQL 15 is not installed (no ${POSTGRES_BIN}/postgres)` };
  if (!existsSync(POSTGIS_CONTROL)) return { available: false, reason: `PostGIS is not installed (no ${POSTGIS_CONTROL}): apt-get install postgresql-15-postgis-3` };
  const server = await startPostgres({ database: 'postgis_bench' });
  const client = new pg.Client({ connectionString: server.url });
  try {
    await client.connect();
    await client.query('CREATE EXTENSION postgis');
    const version = (await client.query<{ v: string }>('SELECT postgis_lib_version() AS v')).rows[0]!.v;
    const config = resolveConfig({});
    const factor = distanceRelaxFactor(config);
    await client.query('CREATE TABLE limits (type text PRIMARY KEY, metres double precision NOT NULL)');
    for (const [type, km] of Object.entries(config.type_default_km)) await client.query('INSERT INTO limits VALUES ($1, $2)', [type, km * factor * 1000]);
    await client.query('CREATE TABLE flows (id text PRIMARY KEY, direction text NOT NULL, type text NOT NULL, geog geography(Point, 4326) NOT NULL)');
    const active = flows.filter((f) => f.status === 'active');
    const t0 = performance.now();
    for (let i = 0; i < active.length; i += 1000) {
      const batch = active.slice(i, i + 1000);
      await client.query(
        `INSERT INTO flows SELECT id, direction, type, ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography
         FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::float8[]) AS t(id, direction, type, lon, lat)`,
        [batch.map((f) => f.id), batch.map((f) => f.direction), batch.map((f) => f.type), batch.map((f) => f.lon), batch.map((f) => f.lat)],
      );
    }
    const t1 = performance.now();
    await client.query('CREATE INDEX flows_geog ON flows USING gist (geog)');
    await client.query('ANALYZE flows');
    const t2 = performance.now();
    const query = `SELECT count(*) AS n FROM flows s JOIN limits l ON l.type = s.type
      JOIN flows d ON d.type = s.type AND d.direction = 'demand' AND ST_DWithin(s.geog, d.geog, l.metres)
      WHERE s.direction = 'supply'`;
    const runs: number[] = [];
    let pairs = 0;
    for (let i = 0; i < repeat; i++) {
      const q0 = performance.now();
      pairs = Number((await client.query<{ n: string }>(query)).rows[0]!.n);
      runs.push(performance.now() - q0);
    }
    return {
      available: true,
      query_ms: Math.round(Math.min(...runs)),
      query_runs_ms: runs.map((r) => Math.round(r)),
      pairs,
      load_ms: Math.round(t1 - t0),
      index_ms: Math.round(t2 - t1),
      postgis_version: version,
      query: query.replace(/\s+/g, ' '),
    };
  } finally {
    await client.end().catch(() => undefined);
    await server.stop();
  }
}
