/**
 * Opens the hub's storage: embedded SQLite (a file path) through the project's sqlite3 Kysely
 * driver, or PostgreSQL (a postgres:// URL) through Kysely's PostgresDialect and `pg`. Both get the
 * same migrations; everything above this file is dialect-neutral.
 *
 * SQLite gets read-only connections beside the writer (`readerOf`): in WAL mode readers never
 * wait for the writer, so sessions, pulls and merkle tries are not queued behind pushes and their
 * fsyncs on the one writing connection (with 200 laptops, requests waited ~640 ms there). Each
 * statement on them reads one committed snapshot; a read transaction keeps one snapshot across
 * statements. PostgreSQL's pool already reads in parallel: its reader is the pool itself.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { Sqlite3Dialect } from '../storage/sqlite3-dialect.ts';
import { configureReader, configureWriter } from '../storage/sqlite-pragmas.ts';
import { hubMigrations } from './migrations.ts';
import type { HubDatabase } from './schema.ts';

export type HubDb = Kysely<HubDatabase>;
export type HubDialect = 'sqlite' | 'postgres';

export function isPostgresUrl(database: string): boolean {
  return /^postgres(ql)?:\/\//i.test(database);
}

/** A URL without its password, for messages and logs. */
export function redactUrl(database: string): string {
  return isPostgresUrl(database) ? database.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@') : database;
}

/**
 * Read connections of a SQLite hub: node's sqlite3 runs statements on libuv's 4 worker threads,
 * one of them the writer's; three readers use the rest. One reader was busy all the time with
 * 200 laptops (mostly session lookups): under `turash bench hub --pace stress` pull p95 was 3.3 s
 * with one, 0.5 s with three, for a third more messages acknowledged per second.
 */
const SQLITE_READ_CONNECTIONS = 3;

const readers = new WeakMap<HubDb, HubDb>();

/**
 * The connection for reads that need not see the caller's own open transaction: the SQLite
 * hub's read-only connection, or `db` itself (PostgreSQL, ':memory:', a database opened
 * elsewhere). Destroying `db` destroys it too.
 */
export function readerOf(db: HubDb): HubDb {
  return readers.get(db) ?? db;
}

export async function openHubDatabase(database: string): Promise<{ db: HubDb; dialect: HubDialect }> {
  const dialect: HubDialect = isPostgresUrl(database) ? 'postgres' : 'sqlite';
  let db: HubDb;
  let reader: HubDb | undefined;
  if (dialect === 'postgres') {
    const pool = new pg.Pool({ connectionString: database, max: 10 });
    // An idle client losing its server must not crash the hub process; the next query reports it.
    pool.on('error', () => {});
    db = new Kysely<HubDatabase>({ dialect: new PostgresDialect({ pool }) });
  } else {
    if (database !== ':memory:') mkdirSync(dirname(database), { recursive: true });
    db = new Kysely<HubDatabase>({
      dialect: new Sqlite3Dialect({
        filename: database,
        onOpen: configureWriter,
        // One database to its users: closing the writer (the hub, a test's fault injection)
        // closes the reader first.
        onDestroy: async () => reader?.destroy(),
      }),
    });
  }
  try {
    const { error } = await new Migrator({ db, provider: hubMigrations }).migrateToLatest();
    if (error) throw error;
    // Opened after the migrations: the tables exist, and the file is in WAL mode.
    if (dialect === 'sqlite' && database !== ':memory:') {
      reader = new Kysely<HubDatabase>({ dialect: new Sqlite3Dialect({ filename: database, readOnly: true, connections: SQLITE_READ_CONNECTIONS, onOpen: configureReader }) });
      await sql`select 1`.execute(reader);
      readers.set(db, reader);
    }
  } catch (error) {
    await db.destroy();
    throw new Error(`cannot open the hub database ${redactUrl(database)}: ${(error as Error).message}`);
  }
  return { db, dialect };
}
