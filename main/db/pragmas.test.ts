/**
 * The laptop's database is opened with the shared pragmas (sync/storage/sqlite-pragmas.ts), as
 * SQLite reports them back on a real file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { sql } from 'kysely';
import { BUSY_TIMEOUT_MS } from '../../sync/storage/sqlite-pragmas.ts';
import { openDatabase, type Db } from './database.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-laptop-pragmas-'));
after(() => rmSync(folder, { recursive: true, force: true }));

const pragma = async (db: Db, name: string) => Object.values((await sql.raw<Record<string, unknown>>(`PRAGMA ${name}`).execute(db)).rows[0] ?? {})[0];

test('the laptop database: WAL, synchronous FULL, foreign keys on, the shared busy timeout', async () => {
  const db = await openDatabase(join(folder, 'laptop.db'));
  try {
    for (const [name, expected] of [['journal_mode', 'wal'], ['synchronous', 2], ['foreign_keys', 1], ['busy_timeout', BUSY_TIMEOUT_MS]] as const) {
      assert.equal(await pragma(db, name), expected, name);
    }
  } finally {
    await db.destroy();
  }
});
