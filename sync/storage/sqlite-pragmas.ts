/**
 * Every PRAGMA the project's SQLite files are opened with, in one place: the laptop's database
 * (main/db/database.ts, its measurement writer in main/db/measurements.ts) and the hub's embedded
 * store (sync/hub/database.ts) use these functions and set none of their own. Here, beside the
 * driver, because the hub must not depend on main/ (layer rule).
 *
 * Connection pragmas are per connection (foreign_keys, synchronous, busy_timeout, query_only) or
 * per file (journal_mode), so each connection runs its list when it opens (the dialect's onOpen).
 */
import type { QueryExecutorProvider } from 'kysely';
import { sql } from 'kysely';
import type { Sqlite3Connection } from './sqlite3-dialect.ts';

/** How long a statement waits for another connection's write lock (or a checkpoint) before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * The one writing connection of a file.
 * - journal_mode=WAL: readers never block the writer (and a second process, `turash hub grant`
 *   beside a running hub, can write), and a crash never leaves a half-written page.
 * - synchronous=FULL: a committed transaction survives power loss, which is what "acknowledged"
 *   (a saved edit, a push the hub answered) means to a user.
 * - foreign_keys=ON: off by default in SQLite, and it must be set on every connection.
 * - cache_size 64 MiB (SQLite's default is 2 MiB): a full re-match writes ~240,000 rows into five
 *   indexes in one transaction; with the default cache, index pages were spilled to the WAL and
 *   written again many times over (the store took 3x as long as SQLite's own insert).
 */
export const WRITER_CACHE_KIB = 65_536;

export async function configureWriter(connection: Sqlite3Connection): Promise<void> {
  await connection.exec(`
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = FULL;
    PRAGMA foreign_keys = ON;
    PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS};
    PRAGMA cache_size = -${WRITER_CACHE_KIB};
  `);
}

/**
 * A read-only connection beside the writer. The writer set WAL (a property of the file), so this
 * one only waits out a checkpoint (busy_timeout); query_only makes a write on it an error even
 * where the file could be opened for writing.
 */
export async function configureReader(connection: Sqlite3Connection): Promise<void> {
  await connection.exec(`
    PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS};
    PRAGMA query_only = ON;
  `);
}

/**
 * A bulk writer's checkpoint threshold (main/db/measurements.ts says why it differs from SQLite's
 * 1,000 pages): checkpoint every `pages` pages of WAL, and truncate the WAL file back to twice
 * that (at 4 KiB pages) after a checkpoint, so the file on disk stays bounded.
 */
export async function setWalCheckpointPages(db: QueryExecutorProvider, pages: number): Promise<void> {
  if (!Number.isInteger(pages) || pages < 1) throw new RangeError(`WAL checkpoint pages: a whole number from 1, got ${pages}`);
  await sql.raw(`PRAGMA wal_autocheckpoint = ${pages}`).execute(db);
  await sql.raw(`PRAGMA journal_size_limit = ${pages * 4096 * 2}`).execute(db);
}
