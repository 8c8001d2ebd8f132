/**
 * Migration 8 on a database written before it (schema 7, real SQLite file): per-match alert rows
 * become digests with their members, matches stored as keyed JSON stay readable as they were, and
 * the NPV column is filled for the list's order.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Kysely, sql } from 'kysely';
import { Sqlite3Dialect } from '../../sync/storage/sqlite3-dialect.ts';
import { MIGRATIONS } from './migrations.ts';
import { Repository } from './repository.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-migration-8-'));
after(() => rmSync(folder, { recursive: true, force: true }));

const T = '2026-01-01T00:00:00.000Z';

test('a schema-7 database: alerts become digests, keyed matches stay readable, NPV is a column', async () => {
  const file = join(folder, 'v7.db');
  const old = new Kysely<unknown>({ dialect: new Sqlite3Dialect({ filename: file }) });
  for (const m of MIGRATIONS.filter((x) => x.version <= 7)) for (const statement of m.statements) await sql.raw(statement).execute(old);
  await sql.raw(`PRAGMA user_version = 7`).execute(old);
  const run = (q: string) => sql.raw(q).execute(old);
  await run(`INSERT INTO settings (key, value) VALUES ('workflow.alert_threshold', '0.6')`);
  for (const o of ['a', 'b']) {
    await run(`INSERT INTO organizations (id, name, created_at, updated_at) VALUES ('org-${o}', 'Org ${o}', '${T}', '${T}')`);
    await run(`INSERT INTO sites (id, organization_id, name, country, lat, lon, created_at, updated_at) VALUES ('site-${o}', 'org-${o}', 'Site ${o}', 'DE', 51.2, 6.8, '${T}', '${T}')`);
  }
  const flow = (id: string, site: string, direction: string) =>
    run(`INSERT INTO flows (id, site_id, direction, type, name, quantity_amount, quantity_unit, canonical_amount, canonical_unit, hours_per_year, created_at, updated_at)
         VALUES ('${id}', '${site}', '${direction}', 'material', '${id}', 100, 't/yr', 100, 't/yr', 8000, '${T}', '${T}')`);
  for (const i of [1, 2, 3]) {
    await flow(`s${i}`, 'site-a', 'supply');
    await flow(`d${i}`, 'site-b', 'demand');
  }
  const economics = (npv: number) => JSON.stringify({ capex_eur: 5000, annual_value_eur: npv / 5, npv_eur: npv, co2_t_per_year: 1, sensitivity: { annual_value: [], capex: [] } });
  const match = (i: number, score: number, npv: number) =>
    run(`INSERT INTO matches (id, supply_flow_id, demand_flow_id, score, scores, distance_km, route, economics, engine_version, created_at, updated_at, detail, type)
         VALUES ('m-${i}', 's${i}', 'd${i}', ${score}, '{"quality":1}', 1.5, 'automated', '${economics(npv)}', 'turash-matching/2.0.0', '${T}', '${T}', '{"rank":{"supply":1,"demand":1}}', 'material')`);
  await match(1, 0.9, 1000);
  await match(2, 0.85, 3000);
  await match(3, 0.7, 2000);
  await run(`INSERT INTO match_alerts (match_id, score, at, baseline, seen) VALUES ('m-1', 0.9, '2026-01-02T00:00:00.000Z', 1, 1)`);
  await run(`INSERT INTO match_alerts (match_id, score, at, baseline, seen) VALUES ('m-2', 0.85, '2026-01-03T00:00:00.000Z', 0, 0)`);
  await run(`INSERT INTO match_alerts (match_id, score, at, baseline, seen) VALUES ('m-3', 0.7, '2026-01-04T00:00:00.000Z', 0, 1)`);
  await run(`INSERT INTO match_alerts (match_id, score, at, baseline, seen) VALUES ('m-gone', 0.95, '2026-01-04T00:00:00.000Z', 0, 1)`);
  await old.destroy();

  const repo = await Repository.open(file);
  try {
    const digests = await repo.workflow.alerts.list();
    assert.deepEqual(
      digests.map((d) => [d.at, d.matches, d.threshold, d.seen, d.text]),
      [
        ['2026-01-04T00:00:00.000Z', 1, 0.6, true, '1 new match scoring >= 0.6'],
        ['2026-01-03T00:00:00.000Z', 1, 0.6, false, '1 new match scoring >= 0.6'],
      ],
      'one digest per announcement time; a match no longer stored is not counted',
    );
    assert.deepEqual((await repo.workflow.alerts.matches(digests[1]!.id)).items.map((a) => [a.match_id, a.annual_value_eur]), [['m-2', 600]]);
    assert.deepEqual((await repo.workflow.alerts.matches(digests[0]!.id)).items.map((a) => a.match_id), ['m-3']);
    // m-1 was the baseline: known, never announced again.
    assert.equal(await repo.workflow.alerts.record(0.6), null);
    const legacy = await repo.matches.get('m-2');
    assert.deepEqual(legacy.economics, JSON.parse(economics(3000)));
    assert.deepEqual(legacy.detail, { rank: { supply: 1, demand: 1 } });
    assert.deepEqual((await repo.matches.list({ order: 'npv' })).items.map((m) => m.id), ['m-2', 'm-3', 'm-1']);
  } finally {
    await repo.close();
  }
});
