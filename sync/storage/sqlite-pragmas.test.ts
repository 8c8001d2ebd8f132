/**
 * The pragmas of sqlite-pragmas.ts as SQLite reports them back, on a real file: the writer's
 * durability and integrity settings, the reader's refusal to write, the bulk writer's checkpoint.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Kysely, sql } from 'kysely';
import { BUSY_TIMEOUT_MS, configureReader, configureWriter, setWalCheckpointPages } from './sqlite-pragmas.ts';
import { Sqlite3Dialect } from './sqlite3-dialect.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-pragmas-'));
after(() => rmSync(folder, { recursive: true, force: true }));

const pragma = async (db: Kysely<unknown>, name: string) => {
  const { rows } = await sql.raw<Record<string, unknown>>(`PRAGMA ${name}`).execute(db);
  return Object.values(rows[0] ?? {})[0];
};

test('the writer: WAL, synchronous FULL, foreign keys on, busy timeout; a reader beside it cannot write', async () => {
  const filename = join(folder, 'file.db');
  const writer = new Kysely<unknown>({ dialect: new Sqlite3Dialect({ filename, onOpen: configureWriter }) });
  const reader = new Kysely<unknown>({ dialect: new Sqlite3Dialect({ filename, readOnly: true, onOpen: configureReader }) });
  try {
    assert.equal(await pragma(writer, 'journal_mode'), 'wal');
    assert.equal(await pragma(writer, 'synchronous'), 2, 'FULL');
    assert.equal(await pragma(writer, 'foreign_keys'), 1);
    assert.equal(await pragma(writer, 'busy_timeout'), BUSY_TIMEOUT_MS);
    await sql`CREATE TABLE t (id INTEGER PRIMARY KEY)`.execute(writer);
    await sql`INSERT INTO t (id) VALUES (1)`.execute(writer);

    assert.equal(await pragma(reader, 'query_only'), 1);
    assert.equal(await pragma(reader, 'busy_timeout'), BUSY_TIMEOUT_MS);
    assert.equal(await pragma(reader, 'journal_mode'), 'wal', 'the file stays in WAL mode');
    assert.deepEqual((await sql<{ id: number }>`SELECT id FROM t`.execute(reader)).rows, [{ id: 1 }]);
    await assert.rejects(sql`INSERT INTO t (id) VALUES (2)`.execute(reader), /readonly|read-only|query_only/i);
  } finally {
    await reader.destroy();
    await writer.destroy();
  }
});

test('a bulk writer checkpoints every N pages and bounds the WAL file at twice that', async () => {
  const db = new Kysely<unknown>({ dialect: new Sqlite3Dialect({ filename: join(folder, 'bulk.db'), onOpen: configureWriter }) });
  try {
    await setWalCheckpointPages(db, 4000);
    assert.equal(await pragma(db, 'wal_autocheckpoint'), 4000);
    assert.equal(await pragma(db, 'journal_size_limit'), 4000 * 4096 * 2);
    await assert.rejects(setWalCheckpointPages(db, 0), /whole number from 1, got 0/);
  } finally {
    await db.destroy();
  }
});
