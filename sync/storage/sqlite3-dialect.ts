/**
 * A Kysely dialect for the asynchronous `sqlite3` package.
 *
 * Shared by the app's database (main/db/database.ts) and the hub's embedded SQLite
 * (sync/hub/database.ts), so both run on one tested driver. It lives here, outside main/, because
 * the hub must not depend on the app (layer rule sync-protocol-and-hub-independent-of-main) while
 * the app may depend on sync/; it knows nothing of either's tables.
 *
 * Kysely ships a dialect for better-sqlite3 only; `sqlite3` is chosen here because it is N-API
 * (one native build loads in Node and in Electron, no electron-rebuild) and does not block the
 * event loop. SQLite allows one writer at a time, so the driver hands out its single connection
 * to one Kysely caller at a time (a FIFO mutex): a transaction is never interleaved with another
 * caller's statements.
 */
import sqlite3 from 'sqlite3';
import {
  CompiledQuery,
  SelectQueryNode,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
} from 'kysely';

export interface Sqlite3DialectOptions {
  /** File path, or ':memory:'. */
  filename: string;
  /** Runs once on the fresh connection (pragmas). */
  onOpen?: (connection: Sqlite3Connection) => Promise<void>;
  readOnly?: boolean;
}

export class Sqlite3Dialect implements Dialect {
  readonly #options: Sqlite3DialectOptions;
  constructor(options: Sqlite3DialectOptions) {
    this.#options = options;
  }
  createDriver(): Driver {
    return new Sqlite3Driver(this.#options);
  }
  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }
  createAdapter(): DialectAdapter {
    return new SqliteAdapter();
  }
  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}

class Mutex {
  #tail: Promise<void> = Promise.resolve();
  #release: (() => void) | undefined;
  async lock(): Promise<void> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    this.#release = release;
  }
  unlock(): void {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }
}

class Sqlite3Driver implements Driver {
  readonly #options: Sqlite3DialectOptions;
  readonly #mutex = new Mutex();
  #connection: Sqlite3Connection | undefined;

  constructor(options: Sqlite3DialectOptions) {
    this.#options = options;
  }

  async init(): Promise<void> {
    const mode = this.#options.readOnly
      ? sqlite3.OPEN_READONLY
      : sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE | sqlite3.OPEN_FULLMUTEX;
    const db = await new Promise<sqlite3.Database>((resolve, reject) => {
      const handle = new sqlite3.Database(this.#options.filename, mode, (error) =>
        error ? reject(new Error(`cannot open database ${this.#options.filename}: ${error.message}`)) : resolve(handle),
      );
    });
    this.#connection = new Sqlite3Connection(db);
    await this.#options.onOpen?.(this.#connection);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#mutex.lock();
    if (!this.#connection) throw new Error('database is closed');
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    // IMMEDIATE takes the write lock up front, so a transaction cannot fail half-way with
    // SQLITE_BUSY when it upgrades from reading to writing.
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }
  async releaseConnection(): Promise<void> {
    this.#mutex.unlock();
  }
  async destroy(): Promise<void> {
    const connection = this.#connection;
    this.#connection = undefined;
    await connection?.close();
  }
}

type Parameter = string | number | bigint | Buffer | null;

function toParameter(value: unknown): Parameter {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') return value;
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Date) return value.toISOString();
  throw new TypeError(`cannot bind a ${typeof value} to an SQL parameter`);
}

export class Sqlite3Connection implements DatabaseConnection {
  readonly #db: sqlite3.Database;
  constructor(db: sqlite3.Database) {
    this.#db = db;
  }

  executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const parameters = compiled.parameters.map(toParameter);
    const node = compiled.query as { kind?: string; returning?: unknown };
    const returnsRows = SelectQueryNode.is(compiled.query) || node.kind === 'RawNode' || node.returning !== undefined;
    if (returnsRows) {
      return new Promise((resolve, reject) => {
        this.#db.all(compiled.sql, parameters, (error, rows) =>
          error ? reject(error) : resolve({ rows: rows as R[] }),
        );
      });
    }
    return new Promise((resolve, reject) => {
      this.#db.run(compiled.sql, parameters, function (this: sqlite3.RunResult, error: Error | null) {
        if (error) return reject(error);
        resolve({ rows: [], numAffectedRows: BigInt(this.changes), insertId: BigInt(this.lastID) });
      });
    });
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported by the sqlite3 dialect');
  }

  /** Runs several statements separated by semicolons (migrations, pragmas). */
  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => this.#db.exec(sql, (error) => (error ? reject(error) : resolve())));
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.#db.close((error) => (error ? reject(error) : resolve())));
  }
}
