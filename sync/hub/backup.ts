/**
 * Online backup and restore of a SQLite hub (`turash hub backup | restore`, docs/hub-backup.md).
 *
 * Backup uses SQLite's online backup API (sqlite3's Database#backup) from its own connection: the
 * whole database is copied in one step, which in WAL mode is one read transaction. The running hub
 * keeps writing meanwhile (WAL readers never block its writer), and the copy is the database as of
 * one committed instant: a push is in it entirely or not at all. The copy is written beside the
 * target under a temporary name, checked (integrity_check, the hub's migration table), switched to
 * a single self-contained file (journal_mode DELETE) and only then renamed into place.
 *
 * Restore checks the file the same way, refuses an existing target unless forced, and refuses a
 * target that another connection holds open (a running hub: its caches would no longer match its
 * file). Laptops that synced after the backup repair the difference themselves: their merkle check
 * sees what the restored hub lacks and pushes it again (sync/client/client.ts).
 *
 * PostgreSQL hubs are backed up with pg_dump and restored with pg_restore (POSTGRES_ADVICE).
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import sqlite3 from 'sqlite3';
import { isPostgresUrl, redactUrl } from './database.ts';
import { hubMigrations } from './migrations.ts';

/** A problem the operator can fix (wrong file, existing target, hub running): no stack needed. */
export class HubBackupError extends Error {
  override name = 'HubBackupError';
}

export const POSTGRES_ADVICE = (database: string): string =>
  [
    `${redactUrl(database)} is a PostgreSQL hub: back it up with PostgreSQL's own tools, while the hub runs:`,
    `  pg_dump --format=custom --file=hub.dump '${redactUrl(database)}'`,
    'and restore into an empty database, with the hubs stopped:',
    `  pg_restore --clean --if-exists --no-owner --dbname='${redactUrl(database)}' hub.dump`,
    'See docs/hub-backup.md.',
  ].join('\n');

/** What a hub database file holds, as the backup and restore report it. */
export interface HubFileSummary {
  file: string;
  bytes: number;
  migrations: string[];
  users: number;
  workspaces: number;
  messages: number;
}

/** Kysely's Migrator records each applied migration here (sync/hub/database.ts). */
const MIGRATION_TABLE = 'kysely_migration';

/** The parts of sqlite3's Backup object used here (its typings do not declare it). */
interface Sqlite3Backup {
  step(pages: number, callback: (error: (Error & { errno?: number }) | null, done: boolean) => void): Sqlite3Backup;
  finish(callback?: (error: Error | null) => void): void;
  readonly completed: boolean;
  readonly failed: boolean;
}
type BackupCapable = sqlite3.Database & { backup(filename: string, callback: (error: Error | null) => void): Sqlite3Backup };

function open(file: string, mode: number): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, mode, (error) => (error ? reject(error) : resolve(db)));
  });
}

function close(db: sqlite3.Database): Promise<void> {
  return new Promise((resolve, reject) => db.close((error) => (error ? reject(error) : resolve())));
}

function all<T>(db: sqlite3.Database, sql: string): Promise<T[]> {
  return new Promise((resolve, reject) => db.all(sql, (error: Error | null, rows: T[]) => (error ? reject(error) : resolve(rows))));
}

function exec(db: sqlite3.Database, sql: string): Promise<void> {
  return new Promise((resolve, reject) => db.exec(sql, (error) => (error ? reject(error) : resolve())));
}

const isBusy = (error: unknown): boolean => {
  const errno = (error as { errno?: number }).errno;
  return errno === sqlite3.BUSY || errno === sqlite3.LOCKED;
};

/** Copies the whole database behind `source` to `file` with the online backup API. */
async function copyDatabase(source: sqlite3.Database, file: string): Promise<void> {
  const backup = await new Promise<Sqlite3Backup>((resolve, reject) => {
    const b = (source as BackupCapable).backup(file, (error) => (error ? reject(error) : resolve(b)));
  });
  try {
    // All pages in one step: one read transaction, so the copy is one committed state. A writer
    // holding the lock at the very start (BUSY) only delays it; sqlite3 keeps the backup open.
    for (let attempt = 0; ; attempt++) {
      try {
        const done = await new Promise<boolean>((resolve, reject) => backup.step(-1, (error, finished) => (error ? reject(error) : resolve(finished))));
        if (done || backup.completed) return;
      } catch (error) {
        if (!isBusy(error) || attempt >= 200) throw error;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
  } finally {
    await new Promise<void>((resolve) => backup.finish(() => resolve()));
  }
}

/**
 * Checks that `file` is a sound hub database: SQLite's integrity_check passes and the hub's
 * migration table lists only migrations this version knows (a newer hub's file is refused).
 */
export async function checkHubFile(file: string, what = 'the file', options: { integrity?: boolean } = {}): Promise<HubFileSummary> {
  if (!existsSync(file)) throw new HubBackupError(`${what} ${file} does not exist`);
  if (statSync(file).isDirectory()) throw new HubBackupError(`${what} ${file} is a folder, not a hub database`);
  let db: sqlite3.Database;
  try {
    db = await open(file, sqlite3.OPEN_READONLY);
  } catch (error) {
    throw new HubBackupError(`${what} ${file} cannot be opened as a SQLite database: ${(error as Error).message}`);
  }
  try {
    let integrity: { integrity_check: string }[];
    try {
      // Without the full check (a running hub's file), reading the schema still proves it is SQLite.
      integrity = options.integrity === false ? (await all(db, 'SELECT count(*) FROM sqlite_master'), []) : await all<{ integrity_check: string }>(db, 'PRAGMA integrity_check');
    } catch (error) {
      throw new HubBackupError(`${what} ${file} is not a SQLite database (${(error as Error).message.replace(/^SQLITE_\w+: /, '')})`);
    }
    const problems = integrity.map((r) => r.integrity_check).filter((r) => r !== 'ok');
    if (problems.length) throw new HubBackupError(`${what} ${file} is damaged (SQLite integrity_check: ${problems.slice(0, 3).join('; ')})`);
    const tables = new Set((await all<{ name: string }>(db, "SELECT name FROM sqlite_master WHERE type = 'table'")).map((r) => r.name));
    if (!tables.has(MIGRATION_TABLE)) {
      throw new HubBackupError(`${what} ${file} is not a hub database (it has no ${MIGRATION_TABLE} table${tables.has('flows') ? '; it looks like a laptop\'s database' : ''})`);
    }
    const known = new Set(Object.keys(await hubMigrations.getMigrations()));
    const migrations = (await all<{ name: string }>(db, `SELECT name FROM ${MIGRATION_TABLE} ORDER BY name`)).map((r) => r.name);
    const unknown = migrations.filter((m) => !known.has(m));
    if (unknown.length) throw new HubBackupError(`${what} ${file} was written by a newer hub (migrations ${unknown.join(', ')} are unknown to this turash): update turash first`);
    if (migrations.length === 0 || !['users', 'workspaces', 'messages'].every((t) => tables.has(t))) {
      throw new HubBackupError(`${what} ${file} is not a hub database (its hub tables are missing)`);
    }
    const count = async (table: string) => (await all<{ n: number }>(db, `SELECT count(*) AS n FROM ${table}`))[0]!.n;
    return { file, bytes: statSync(file).size, migrations, users: await count('users'), workspaces: await count('workspaces'), messages: await count('messages') };
  } finally {
    await close(db);
  }
}

/** Copies `from` (open) to `target` through a checked temporary file next to it. */
async function writeChecked(from: sqlite3.Database, target: string): Promise<HubFileSummary> {
  const partial = `${target}.partial-${process.pid}`;
  const remove = () => {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${partial}${suffix}`, { force: true });
  };
  remove();
  try {
    await copyDatabase(from, partial);
    // The copy carries the source's WAL flag; one plain file is what an operator moves around.
    const copy = await open(partial, sqlite3.OPEN_READWRITE);
    try {
      await exec(copy, 'PRAGMA journal_mode = DELETE');
    } finally {
      await close(copy);
    }
    await checkHubFile(partial, 'the copy');
    // A -wal left by an earlier database of this name would be replayed into the new one.
    for (const suffix of ['-wal', '-shm', '-journal']) rmSync(`${target}${suffix}`, { force: true });
    renameSync(partial, target);
  } catch (error) {
    remove();
    throw error;
  }
  return { ...(await checkHubFile(target, 'the copy')), file: target };
}

/** `turash hub backup`: an online copy of the SQLite hub `database` in `file`. */
export async function backupHub(database: string, file: string, options: { force?: boolean } = {}): Promise<HubFileSummary> {
  if (isPostgresUrl(database)) throw new HubBackupError(POSTGRES_ADVICE(database));
  if (existsSync(file) && !options.force) throw new HubBackupError(`${file} already exists: choose another name, or add --force to replace it`);
  // The full integrity check runs on the copy: reading all of a live hub's file twice is not needed.
  await checkHubFile(database, 'the hub database', { integrity: false });
  mkdirSync(dirname(resolve(file)), { recursive: true });
  const source = await open(database, sqlite3.OPEN_READONLY);
  try {
    return await writeChecked(source, file);
  } finally {
    await close(source);
  }
}

/** Throws when another connection (a running hub, `turash hub grant`) has `target` open. */
async function refuseIfInUse(target: string): Promise<void> {
  let db: sqlite3.Database;
  try {
    db = await open(target, sqlite3.OPEN_READWRITE);
  } catch {
    return; // not a database we can open: nothing uses it as one
  }
  try {
    // Leaving WAL mode needs every other connection closed: SQLite answers "database is locked"
    // (or stays in WAL) while a hub has the file open. No waiting: busy_timeout stays 0.
    let mode: string | undefined;
    try {
      mode = (await all<{ journal_mode: string }>(db, 'PRAGMA journal_mode = DELETE'))[0]?.journal_mode;
    } catch (error) {
      if (isBusy(error)) mode = 'busy';
      else return; // not a SQLite database at all: it is replaced as a file
    }
    if (mode !== 'delete') throw new HubBackupError(`${target} is in use (a running hub or \`turash hub\` command has it open): stop the hub first, then restore`);
  } finally {
    await close(db);
  }
}

/** `turash hub restore`: `file` (a backup) becomes the SQLite hub database `target`. */
export async function restoreHub(file: string, target: string, options: { force?: boolean } = {}): Promise<HubFileSummary> {
  if (isPostgresUrl(target)) throw new HubBackupError(POSTGRES_ADVICE(target));
  await checkHubFile(file, 'the backup');
  mkdirSync(dirname(resolve(target)), { recursive: true });
  if (existsSync(target)) {
    if (!options.force) throw new HubBackupError(`${target} already exists: add --force to replace it with the backup (stop the hub that uses it first)`);
    await refuseIfInUse(target);
  }
  const source = await open(file, sqlite3.OPEN_READONLY);
  try {
    return await writeChecked(source, target);
  } finally {
    await close(source);
  }
}
