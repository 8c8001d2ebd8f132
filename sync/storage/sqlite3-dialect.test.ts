/**
 * The sqlite3 Kysely dialect itself, on real SQLite files in a temporary folder: how it hands out
 * its connection (one caller at a time, first come first served, and never stuck after a failure
 * or after the database closed) and what raw-SQL writes report (the rows they changed), which
 * callers such as the hub's push use to decide whether to look again.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Kysely, sql, type Driver } from 'kysely';
import { Sqlite3Dialect } from './sqlite3-dialect.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-sqlite3-dialect-'));
after(() => rmSync(folder, { recursive: true, force: true }));

let files = 0;
const freshFile = () => join(folder, `db-${++files}.db`);

/** Settles to 'pending' if `promise` has not settled once everything already queued has run. */
async function stateOf(promise: Promise<unknown>): Promise<'resolved' | 'rejected' | 'pending'> {
  const pending = Symbol('pending');
  // setImmediate runs after the microtasks and I/O callbacks already due: a settled promise has
  // settled by then, an acquire waiting in the queue has not.
  const tick = new Promise<typeof pending>((resolve) => setImmediate(() => resolve(pending)));
  try {
    return (await Promise.race([promise, tick])) === pending ? 'pending' : 'resolved';
  } catch {
    return 'rejected';
  }
}

async function openDriver(options: { readOnly?: boolean; filename?: string } = {}): Promise<Driver> {
  const driver = new Sqlite3Dialect({ filename: options.filename ?? freshFile(), readOnly: options.readOnly }).createDriver();
  await driver.init();
  return driver;
}

describe('handing out the connection', () => {
  test('one caller at a time, first come first served', async () => {
    const driver = await openDriver();
    const first = await driver.acquireConnection();
    const second = driver.acquireConnection();
    const third = driver.acquireConnection();
    assert.equal(await stateOf(second), 'pending', 'the second caller waits while the first holds the connection');
    await driver.releaseConnection(first);
    const handed = await second;
    assert.equal(handed, first, 'the one connection goes to the caller that waited longest');
    assert.equal(await stateOf(third), 'pending', 'the third still waits');
    await driver.releaseConnection(handed);
    await driver.releaseConnection(await third);
    await driver.destroy();
  });

  test('a failed acquire after destroy must not leave the mutex locked: every later acquire fails at once', async () => {
    const driver = await openDriver();
    await driver.destroy();
    // The first version of this driver took its lock before it found the database closed and
    // never gave it back: the failed acquire left every later caller waiting forever.
    for (let i = 0; i < 3; i++) {
      const acquire = driver.acquireConnection();
      assert.equal(await stateOf(acquire), 'rejected', `acquire ${i + 1} after destroy fails instead of waiting`);
      await assert.rejects(acquire, /database is closed/);
    }
  });

  test('callers waiting when the database closes are told so, and the holder\'s late release changes nothing', async () => {
    const driver = await openDriver();
    const held = await driver.acquireConnection();
    // Outcomes taken at once: a waiter rejected during destroy() is never an unhandled rejection.
    const waiting = [driver.acquireConnection(), driver.acquireConnection()].map((w) => w.then(() => 'served', (error: Error) => error.message));
    assert.equal(await stateOf(waiting[0]!), 'pending');
    await driver.destroy();
    assert.deepEqual(await Promise.all(waiting), ['database is closed', 'database is closed']);
    await driver.releaseConnection(held);
    await assert.rejects(driver.acquireConnection(), /database is closed/, 'a released connection of a closed database is never handed out again');
  });

  test('a failed statement or transaction gives the connection back to the next caller', async () => {
    const db = new Kysely<unknown>({ dialect: new Sqlite3Dialect({ filename: freshFile() }) });
    try {
      await sql`CREATE TABLE t (id INTEGER PRIMARY KEY)`.execute(db);
      await assert.rejects(sql`SELECT * FROM no_such_table`.execute(db), /no such table/);
      await assert.rejects(
        db.transaction().execute(async (tx) => {
          await sql`INSERT INTO t (id) VALUES (1)`.execute(tx);
          await sql`INSERT INTO t (id) VALUES (1)`.execute(tx);
        }),
        /UNIQUE constraint failed/,
      );
      const after = sql<{ n: number }>`SELECT count(*) AS n FROM t`.execute(db);
      assert.notEqual(await stateOf(after), 'rejected');
      assert.deepEqual((await after).rows, [{ n: 0 }], 'the failed transaction was rolled back and the next caller was served');
    } finally {
      await db.destroy();
    }
  });

  test('a read-only driver hands out its several connections, each to one caller', async () => {
    const filename = freshFile();
    const writer = new Kysely<unknown>({ dialect: new Sqlite3Dialect({ filename }) });
    await sql`CREATE TABLE t (id INTEGER PRIMARY KEY)`.execute(writer);
    const driver = new Sqlite3Dialect({ filename, readOnly: true, connections: 2 }).createDriver();
    await driver.init();
    const a = await driver.acquireConnection();
    const b = await driver.acquireConnection();
    assert.notEqual(a, b);
    const c = driver.acquireConnection();
    assert.equal(await stateOf(c), 'pending', 'both connections are held');
    await driver.releaseConnection(b);
    assert.equal(await c, b);
    await driver.releaseConnection(a);
    await driver.releaseConnection(b);
    await driver.destroy();
    await writer.destroy();
    assert.throws(() => new Sqlite3Dialect({ filename, connections: 2 }).createDriver(), /1 unless read-only/);
  });
});

describe('raw-SQL writes report the rows they changed', () => {
  async function withTable(work: (db: Kysely<unknown>) => Promise<void>): Promise<void> {
    const db = new Kysely<unknown>({ dialect: new Sqlite3Dialect({ filename: freshFile() }) });
    try {
      await sql`CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT)`.execute(db);
      await sql`INSERT INTO t (id, note) VALUES (1, 'a'), (2, 'b'), (3, 'c')`.execute(db);
      await work(db);
    } finally {
      await db.destroy();
    }
  }
  const affected = async (db: Kysely<unknown>, query: ReturnType<typeof sql>) => (await query.execute(db)).numAffectedRows;

  test('UPDATE, INSERT and DELETE through sql`...`.execute()', () =>
    withTable(async (db) => {
      assert.equal(await affected(db, sql`UPDATE t SET note = 'x' WHERE id >= 2`), 2n);
      assert.equal(await affected(db, sql`UPDATE t SET note = 'y' WHERE id > 100`), 0n, 'no row matched: 0, not undefined');
      assert.equal(await affected(db, sql`INSERT INTO t (id, note) VALUES (4, 'd'), (5, 'e')`), 2n);
      assert.equal(await affected(db, sql`INSERT INTO t (id, note) SELECT id + 10, note FROM t WHERE id <= 3`), 3n);
      assert.equal(await affected(db, sql`INSERT INTO t (id) VALUES (1) ON CONFLICT (id) DO NOTHING`), 0n, 'a skipped conflict changes nothing');
      assert.equal(await affected(db, sql`DELETE FROM t WHERE id > 10`), 3n);
      assert.equal(await affected(db, sql.raw(`delete from t where id = 5`)), 1n, 'lower case, through sql.raw');
      const insert = await sql`INSERT INTO t (note) VALUES ('auto')`.execute(db);
      assert.equal(insert.insertId, 5n, 'the new rowid (after 1 to 4)');
    }));

  test('REPLACE, a leading comment, a WITH clause: still writes that report their rows', () =>
    withTable(async (db) => {
      assert.equal(await affected(db, sql`REPLACE INTO t (id, note) VALUES (1, 'r')`), 1n);
      assert.equal(await affected(db, sql`-- the note of every row
        UPDATE t SET note = 'c'`), 3n);
      assert.equal(await affected(db, sql`/* clear */ DELETE FROM t WHERE id = 3`), 1n);
      assert.equal(await affected(db, sql`WITH gone(id) AS (SELECT 2) DELETE FROM t WHERE id IN (SELECT id FROM gone)`), 1n);
      assert.equal(await affected(db, sql`WITH RECURSIVE n(x) AS (SELECT 20 UNION ALL SELECT x + 1 FROM n WHERE x < 24) INSERT INTO t (id) SELECT x FROM n`), 5n);
    }));

  test('a value that merely contains the word "returning" is still a write', () =>
    withTable(async (db) => {
      assert.equal(await affected(db, sql`UPDATE t SET note = 'returning customer' WHERE id = 1`), 1n);
      assert.equal(await affected(db, sql`DELETE FROM t WHERE note <> 'returning customer' -- not returning anything`), 2n);
      await sql`ALTER TABLE t ADD COLUMN "returning" INTEGER`.execute(db);
      assert.equal(await affected(db, sql`UPDATE t SET "returning" = 1`), 1n, 'nor a column of that name');
    }));

  test('RETURNING and SELECT give rows', () =>
    withTable(async (db) => {
      const returned = await sql<{ id: number }>`UPDATE t SET note = 'z' WHERE id <= 2 RETURNING id`.execute(db);
      assert.deepEqual(returned.rows.map((r) => r.id).sort(), [1, 2]);
      const deleted = await sql<{ id: number }>`-- gone
        DELETE FROM t WHERE id = 3 RETURNING id`.execute(db);
      assert.deepEqual(deleted.rows, [{ id: 3 }]);
      const selected = await sql<{ n: number }>`WITH c AS (SELECT count(*) AS n FROM t) SELECT n FROM c`.execute(db);
      assert.deepEqual(selected.rows, [{ n: 2 }]);
      const pragma = await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(db);
      assert.equal(pragma.rows.length, 1, 'a pragma that answers gives its row');
      const plan = await sql`EXPLAIN QUERY PLAN UPDATE t SET note = 'p' WHERE id = 1`.execute(db);
      assert.ok(plan.rows.length > 0, 'the plan of a write is rows, not a write');
    }));

  test('the query builder\'s writes report their rows as before', () =>
    withTable(async (db) => {
      const typed = db as unknown as Kysely<{ t: { id: number; note: string | null } }>;
      const updated = await typed.updateTable('t').set({ note: 'q' }).where('id', '<', 3).executeTakeFirst();
      assert.equal(updated.numUpdatedRows, 2n);
      const deleted = await typed.deleteFrom('t').where('id', '=', 3).executeTakeFirst();
      assert.equal(deleted.numDeletedRows, 1n);
    }));
});
