/**
 * Opens the local graph: one SQLite file, WAL, foreign keys on, migrations applied.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, sql } from 'kysely';
import { MIGRATIONS, type Migration } from './migrations.ts';
import type { Database } from './schema.ts';
import { Sqlite3Dialect } from '../../sync/storage/sqlite3-dialect.ts';
import { configureReader, configureWriter } from '../../sync/storage/sqlite-pragmas.ts';

export type Db = Kysely<Database>;

export const SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

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
  const db = new Kysely<Database>({ dialect: new Sqlite3Dialect({ filename, onOpen: configureWriter }) });
  try {
    await migrate(db, MIGRATIONS);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}

/** Read-only connections beside the writer (repository.ts says which queries use them). */
export const READ_CONNECTIONS = 2;

/**
 * Opens read-only connections to a database the writer (`openDatabase`) has opened and migrated.
 * In WAL mode a reader sees every transaction committed before its own began and never waits for
 * the writer, so a list or a report answers while a re-match writes for tens of seconds. An
 * in-memory database has no second connection to it: there the writer answers reads too.
 */
export async function openReader(filename: string, writer: Db): Promise<Db> {
  if (filename === ':memory:') return writer;
  const reader = new Kysely<Database>({ dialect: new Sqlite3Dialect({ filename, readOnly: true, connections: READ_CONNECTIONS, onOpen: configureReader }) });
  try {
    await sql`SELECT 1`.execute(reader);
  } catch (error) {
    await reader.destroy();
    throw error;
  }
  return reader;
}
