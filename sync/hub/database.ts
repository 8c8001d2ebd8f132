/**
 * Opens the hub's storage: embedded SQLite (a file path) through the project's sqlite3 Kysely
 * driver, or PostgreSQL (a postgres:// URL) through Kysely's PostgresDialect and `pg`. Both get the
 * same migrations; everything above this file is dialect-neutral.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import { Sqlite3Dialect, type Sqlite3Connection } from '../storage/sqlite3-dialect.ts';
import { hubMigrations } from './migrations.ts';
import type { HubDatabase } from './schema.ts';

export type HubDb = Kysely<HubDatabase>;
export type HubDialect = 'sqlite' | 'postgres';

export function isPostgresUrl(database: string): boolean {
  return /^postgres(ql)?:\/\//i.test(database);
}

async function configureSqlite(connection: Sqlite3Connection): Promise<void> {
  // WAL so `turash hub grant` can write beside a running hub; FULL so an acknowledged push
  // survives power loss.
  await connection.exec(`
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = FULL;
    PRAGMA foreign_keys = ON;
    PRAGMA busy_timeout = 5000;
  `);
}

/** A URL without its password, for messages and logs. */
export function redactUrl(database: string): string {
  return isPostgresUrl(database) ? database.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@') : database;
}

export async function openHubDatabase(database: string): Promise<{ db: HubDb; dialect: HubDialect }> {
  const dialect: HubDialect = isPostgresUrl(database) ? 'postgres' : 'sqlite';
  let db: HubDb;
  if (dialect === 'postgres') {
    const pool = new pg.Pool({ connectionString: database, max: 10 });
    // An idle client losing its server must not crash the hub process; the next query reports it.
    pool.on('error', () => {});
    db = new Kysely<HubDatabase>({ dialect: new PostgresDialect({ pool }) });
  } else {
    if (database !== ':memory:') mkdirSync(dirname(database), { recursive: true });
    db = new Kysely<HubDatabase>({ dialect: new Sqlite3Dialect({ filename: database, onOpen: configureSqlite }) });
  }
  try {
    const { error } = await new Migrator({ db, provider: hubMigrations }).migrateToLatest();
    if (error) throw error;
  } catch (error) {
    await db.destroy();
    throw new Error(`cannot open the hub database ${redactUrl(database)}: ${(error as Error).message}`);
  }
  return { db, dialect };
}
