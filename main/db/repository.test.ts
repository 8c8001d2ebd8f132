import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openDatabase } from './database.ts';
import { MIGRATIONS } from './migrations.ts';
import { ConflictError, NotFoundError, StillReferencedError, ValidationError } from './errors.ts';
import { Repository } from './repository.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-repo-'));
after(() => rmSync(folder, { recursive: true, force: true }));
let n = 0;
const freshRepo = () => Repository.open(join(folder, `t${n++}.db`));

const org = { id: 'org-1', name: 'Acme Paper', nace: 'C17', sector: 'Paper', trust: 0.8, sharing: 'partners' as const };
const site = { id: 'site-1', organization_id: 'org-1', name: 'Mill', country: 'DE', lat: 51.23, lon: 6.78, kind: 'plant' as const, address: 'Mühlenweg 1, Düsseldorf' };
const flow = {
  id: 'flow-1',
  site_id: 'site-1',
  direction: 'supply' as const,
  type: 'heat' as const,
  name: 'Dryer exhaust',
  quantity: { amount: 20, unit: 'GWh/yr' },
  precision: 'estimated' as const,
  quality: { temperature_c: { min: 70, max: 90 }, ewc: '030305' },
};

async function seeded() {
  const repo = await freshRepo();
  await repo.createOrganization(org);
  await repo.createSite(site);
  await repo.createFlow(flow);
  return repo;
}

function problemsOf(error: unknown) {
  assert.ok(error instanceof ValidationError, `expected a ValidationError, got ${String(error)}`);
  return error.problems;
}

describe('database file', () => {
  test('is created with WAL, foreign keys and the current schema', async () => {
    const path = join(folder, 'pragmas.db');
    const db = await openDatabase(path);
    const mode = await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(db);
    const fk = await sql<{ foreign_keys: number }>`PRAGMA foreign_keys`.execute(db);
    const version = await sql<{ user_version: number }>`PRAGMA user_version`.execute(db);
    assert.equal(mode.rows[0]?.journal_mode, 'wal');
    assert.equal(fk.rows[0]?.foreign_keys, 1);
    assert.equal(version.rows[0]?.user_version, Math.max(...MIGRATIONS.map((m) => m.version)));
    await db.destroy();
    // Reopening does not re-run migrations (it would fail on existing tables).
    const again = await openDatabase(path);
    await again.destroy();
  });

  test('refuses a database from a newer schema', async () => {
    const path = join(folder, 'newer.db');
    const db = await openDatabase(path);
    await sql`PRAGMA user_version = 99`.execute(db);
    await db.destroy();
    await assert.rejects(openDatabase(path), /newer Turash Field \(schema 99/);
  });
});

describe('writes', () => {
  let repo: Repository;
  before(async () => (repo = await seeded()));
  after(() => repo.close());

  test('a flow stores its canonical quantity (GWh/yr over 8000 h -> kW)', async () => {
    const stored = await repo.getFlow('flow-1');
    assert.deepEqual(stored.quantity, { amount: 20, unit: 'GWh/yr' });
    assert.equal(stored.canonical.unit, 'kW');
    assert.equal(stored.canonical.amount, 2500);
    assert.equal(stored.version, 1);
  });

  test('bad input names every bad field and changes nothing', async () => {
    const before = await repo.changeLog();
    const error = await repo
      .createFlow({ ...flow, id: 'flow-bad', quantity: { amount: -5, unit: 'kW' }, direction: 'sideways', colour: 'red' })
      .catch((e: unknown) => e);
    const fields = problemsOf(error).map((p) => p.field);
    assert.ok(fields.includes('quantity.amount'), fields.join());
    assert.ok(fields.includes('direction'), fields.join());
    assert.ok(problemsOf(error).some((p) => p.message.includes('"colour"')), 'unknown key named');
    await assert.rejects(repo.getFlow('flow-bad'), NotFoundError);
    assert.equal((await repo.changeLog()).length, before.length, 'nothing logged');
  });

  test('a unit that cannot express the type is reported on quantity.unit', async () => {
    const error = await repo.updateFlow('flow-1', { quantity: { amount: 30, unit: 't/month' } }).catch((e: unknown) => e);
    assert.deepEqual(problemsOf(error).map((p) => p.field), ['quantity.unit']);
    assert.match(problemsOf(error)[0]!.message, /t\/month/);
    assert.equal((await repo.getFlow('flow-1')).quantity.unit, 'GWh/yr');
  });

  test('references must exist, and are named', async () => {
    const error = await repo.createSite({ ...site, id: 'site-2', organization_id: 'nobody' }).catch((e: unknown) => e);
    assert.deepEqual(problemsOf(error), [{ field: 'organization_id', message: 'organization "nobody" does not exist' }]);
  });

  test('an update merges, bumps the version, and a stale version is a conflict', async () => {
    const updated = await repo.updateFlow('flow-1', { name: 'Dryer exhaust line 2' }, 1);
    assert.equal(updated.version, 2);
    assert.equal(updated.quality?.temperature_c?.max, 90, 'untouched fields kept');
    await assert.rejects(repo.updateFlow('flow-1', { name: 'x' }, 1), ConflictError);
    const unset = await repo.updateFlow('flow-1', { precision: null });
    assert.equal(unset.precision, undefined);
  });

  test('an organization with sites cannot be deleted', async () => {
    await assert.rejects(repo.deleteOrganization('org-1'), (e: unknown) => e instanceof StillReferencedError && /still has 1 site/.test(e.message));
  });

  test('every write is in the change log, with the changed fields only', async () => {
    const log = await repo.changeLog();
    const entries = log.map((e) => `${e.op} ${e.entity} ${e.entity_id}`);
    assert.deepEqual(entries.slice(0, 3), ['upsert organization org-1', 'upsert site site-1', 'upsert flow flow-1']);
    const rename = log.find((e) => e.entity === 'flow' && e.fields?.includes('line 2'));
    assert.deepEqual(JSON.parse(rename!.fields!), { name: 'Dryer exhaust line 2' });
    assert.ok(log.every((e) => e.origin === 'local' && e.shipped === 0));
  });

  test('delete removes the record, logs a tombstone, and clears the search index', async () => {
    await repo.createFlow({ ...flow, id: 'flow-gone', name: 'Condensate tank vent' });
    assert.equal((await repo.search('condensate')).length, 1);
    await repo.deleteFlow('flow-gone');
    await assert.rejects(repo.getFlow('flow-gone'), NotFoundError);
    assert.equal((await repo.search('condensate')).length, 0);
    const last = (await repo.changeLog()).at(-1)!;
    assert.equal(`${last.op} ${last.entity_id}`, 'delete flow-gone');
  });
});

describe('search and spatial index', () => {
  let repo: Repository;
  before(async () => {
    repo = await seeded();
    await repo.createOrganization({ id: 'org-2', name: 'Stadtwerke Linz', nace: 'D35', sector: 'Utilities' });
    await repo.createSite({ id: 'site-2', organization_id: 'org-2', name: 'District heating Linz', country: 'AT', lat: 48.3, lon: 14.29 });
  });
  after(() => repo.close());

  test('finds sites by name prefix, NACE code, EWC code and without diacritics', async () => {
    assert.deepEqual((await repo.search('distr')).map((h) => h.id), ['site-2']);
    assert.ok((await repo.search('C17')).some((h) => h.id === 'org-1'));
    const ewc = await repo.search('030305');
    assert.deepEqual(ewc.map((h) => [h.kind, h.id, h.site_id]), [['flow', 'flow-1', 'site-1']]);
    assert.ok((await repo.search('muhlenweg')).some((h) => h.id === 'site-1'), 'ü folded to u');
    assert.deepEqual(await repo.search('"; DROP TABLE sites; --'), [], 'hostile input is just text');
  });

  test('lists sites in a bounding box through the R*Tree', async () => {
    const rhineland = await repo.listSites({ bbox: [5, 50, 10, 53] });
    assert.deepEqual(rhineland.items.map((s) => s.id), ['site-1']);
    const both = await repo.listSites({ bbox: [0, 40, 20, 60] });
    assert.equal(both.total, 2);
    const moved = await repo.updateSite('site-2', { lat: 51, lon: 7 });
    assert.equal(moved.lat, 51);
    assert.equal((await repo.listSites({ bbox: [5, 50, 10, 53] })).total, 2, 'index follows updates');
  });

  test('pages lists with a total', async () => {
    const page = await repo.listSites({ limit: 1, offset: 1 });
    assert.equal(page.total, 2);
    assert.equal(page.items.length, 1);
    assert.equal(page.items[0]!.organization_name.length > 0, true);
  });
});

describe('import', () => {
  test('is all or nothing: a failing record rolls back the whole document', async () => {
    const repo = await freshRepo();
    try {
      const doc = { organizations: [org], sites: [site], flows: [flow, { ...flow, id: 'flow-2', site_id: 'missing-site' }] };
      await assert.rejects(repo.importDocument(doc), ValidationError);
      assert.deepEqual(await repo.counts(), { organizations: 0, sites: 0, flows: 0, supply: 0, demand: 0 });
      assert.equal((await repo.changeLog()).length, 0);
      assert.equal(await repo.integrityCheck(), 'ok');
    } finally {
      await repo.close();
    }
  });

  test('re-importing the same document changes nothing', async () => {
    const repo = await freshRepo();
    try {
      const doc = { organizations: [org], sites: [site], flows: [flow] };
      assert.equal((await repo.importDocument(doc)).created, 3);
      const again = await repo.importDocument(doc);
      assert.deepEqual([again.created, again.updated, again.unchanged], [0, 0, 3]);
      assert.deepEqual(await repo.exportDocument(), doc);
    } finally {
      await repo.close();
    }
  });
});
