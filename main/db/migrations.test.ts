/**
 * The migration list after the split into one file per migration: every file is listed once, in
 * version order, under its own number; released migrations are byte for byte what databases in
 * the field were migrated with (their user_version says so, and migrate() trusts it); a database
 * at the current schema sees no new migration when it is opened again.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { sql } from 'kysely';
import { openDatabase, SCHEMA_VERSION } from './database.ts';
import { MIGRATIONS, type Migration } from './migrations.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-migrations-'));
after(() => rmSync(folder, { recursive: true, force: true }));

const MIGRATIONS_DIR = join(import.meta.dirname, 'migrations');
const FILE_NAME = /^(\d{4})-[a-z0-9]+(?:-[a-z0-9]+)*\.ts$/;

/**
 * sha256 of each released migration's statements (JSON of the array), taken from the single
 * migrations.ts before the split (commit c63f271). A changed statement here would leave every
 * existing database without it: add a new migration instead.
 */
const RELEASED: Record<number, string> = {
  1: '74dfdba47a82a44534157a0ac6c697a990fdd3dd64289c36f60f9306fa4c2435',
  2: '9b4112362d505890272abae2e01d7400f45ad1062cd2145bbbffda219fa78aa6',
  3: '69208de8169e60d0bebc4d5d7e2e677f9fd3a4e2a6f98be42ea01a51e6cc515e',
  4: '4ef92f2f5fa49b150ca6405eae8dba4be24ae34bb7d161021b00ca33bcd292de',
  5: '2b8143677ca1aef7c0d7ece6d66e9a496fef117edcbf8d4101980e9d51986862',
  6: '953441b518a46c98911fb95cf30592b3263b6cf805f5a0b64a66fb8409628938',
  7: '231e581585dcae5accb524b03a08429bd0e6d07447f3c351d3feebfca3712da5',
  8: '76ba49a94766929d84d373bb32f1fb16d931d9443cacc55d4bf00b7054bcf85e',
};

const hashOf = (m: Migration) => createHash('sha256').update(JSON.stringify(m.statements)).digest('hex');

test('the list holds versions 1..N in order, without gaps or repeats', () => {
  assert.deepEqual(
    MIGRATIONS.map((m) => m.version),
    MIGRATIONS.map((_, i) => i + 1),
  );
  assert.equal(SCHEMA_VERSION, MIGRATIONS.length);
  for (const m of MIGRATIONS) {
    assert.ok(m.name.trim(), `migration ${m.version} has a name`);
    assert.ok(m.statements.length > 0, `migration ${m.version} has statements`);
  }
});

test('every file in migrations/ is one migration, named for its number, and listed', async () => {
  const files = readdirSync(MIGRATIONS_DIR).filter((f) => f !== 'migration.ts' && !f.endsWith('.test.ts'));
  for (const file of files) assert.match(file, FILE_NAME, `migrations/${file}: named NNNN-what-it-does.ts`);
  assert.equal(files.length, MIGRATIONS.length, `files in migrations/ (${files.join(', ')}) and the list in migrations.ts`);
  for (const file of files) {
    const { migration } = (await import(join(MIGRATIONS_DIR, file))) as { migration: Migration };
    assert.equal(migration.version, Number(FILE_NAME.exec(file)![1]), `migrations/${file}: its version is its number`);
    assert.ok(MIGRATIONS.includes(migration), `migrations/${file} is listed in migrations.ts`);
  }
});

test('released migrations are unchanged since the split (an existing database must see no new ones)', () => {
  for (const [version, hash] of Object.entries(RELEASED)) {
    const m = MIGRATIONS.find((x) => x.version === Number(version));
    assert.ok(m, `migration ${version} is still listed`);
    assert.equal(hashOf(m), hash, `migration ${version} (${m.name}) was edited after its release`);
  }
});

test('a database at the current schema is opened again without migrating', async () => {
  const path = join(folder, 'current.db');
  const schemaOf = async (db: Awaited<ReturnType<typeof openDatabase>>) => {
    const { rows } = await sql<{ type: string; name: string; sql: string | null }>`SELECT type, name, sql FROM sqlite_master ORDER BY type, name`.execute(db);
    const version = await sql<{ user_version: number }>`PRAGMA user_version`.execute(db);
    return { version: version.rows[0]?.user_version, rows };
  };
  const first = await openDatabase(path);
  const before = await schemaOf(first);
  await first.destroy();
  assert.equal(before.version, SCHEMA_VERSION);
  const again = await openDatabase(path);
  assert.deepEqual(await schemaOf(again), before);
  await again.destroy();
});
