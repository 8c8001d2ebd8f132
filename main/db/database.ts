/**
 * Opens the local graph: one SQLite file, WAL, foreign keys on, migrations applied.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, sql } from 'kysely';
import { MIGRATIONS, type Migration } from './migrations.ts';
import type { Database } from './schema.ts';
import { Sqlite3Dialect, type Sqlite3Connection } from '../../sync/storage/sqlite3-dialect.ts';

export type Db = Kysely<Database>;

export const SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

async function configure(connection: Sqlite3Connection): Promise<void> {
  // WAL: readers never block the writer and a crash never leaves a half-written page.
  // synchronous=FULL: a committed transaction survives power loss, which is what "acknowledged"
  // means to a user. foreign_keys is off by default in SQLite and must be set per connection.
  await connection.exec(`
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = FULL;
    PRAGMA foreign_keys = ON;
    PRAGMA busy_timeout = 5000;
  `);
}

async function migrate(db: Db, migrations: Migration[]): Promise<void> {
  const { rows } = await sql<{ user_version: number }>`PRAGMA user_version`.execute(db);
  const current = rows[0]?.user_version ?? 0;
  if (current > SCHEMA_VERSION) {
    throw new Error(
      `the database was written by a newer Turash Field (schema ${current}, this version knows ${SCHEMA_VERSION}); update the application`,
    );
  }
  for (const migration of migrations.filter((m) => m.version > current).sort((a, b) => a.version - b.version)) {
    await db.transaction().execute(async (tx) => {
      for (const statement of migration.statements) await sql.raw(statement).execute(tx);
      await sql.raw(`PRAGMA user_version = ${migration.version}`).execute(tx);
    });
  }
}

export async function openDatabase(filename: string): Promise<Db> {
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
  const db = new Kysely<Database>({ dialect: new Sqlite3Dialect({ filename, onOpen: configure }) });
  try {
    await migrate(db, MIGRATIONS);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}
