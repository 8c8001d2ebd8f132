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
 * to one Kysely caller at a time (first come, first served): a transaction is never interleaved
 * with another caller's statements. A read-only driver may hold several connections (readers in
 * WAL mode do not block each other), each still given to one caller at a time.
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
  /** Read-only: its transactions are read transactions (one snapshot in WAL mode). */
  readOnly?: boolean;
  /** Connections to hand out (default 1); more than one only when read-only (one writer at a time). */
  connections?: number;
  /** Runs before the connection closes (the hub closes its read connection with its writer). */
  onDestroy?: () => Promise<void>;
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

class Sqlite3Driver implements Driver {
  readonly #options: Sqlite3DialectOptions;
  #connections: Sqlite3Connection[] = [];
  /** Connections no caller holds. */
  #free: Sqlite3Connection[] = [];
  /** Callers waiting for a connection, first come first served (undefined: the database closed). */
  #waiting: ((connection: Sqlite3Connection | undefined) => void)[] = [];
  #closed = false;

  constructor(options: Sqlite3DialectOptions) {
    const connections = options.connections ?? 1;
    if (!Number.isInteger(connections) || connections < 1 || (connections > 1 && !options.readOnly)) {
      throw new Error(`sqlite3 dialect: connections ${connections}: a whole number, at least 1, and 1 unless read-only (SQLite has one writer)`);
    }
    this.#options = options;
  }

  async init(): Promise<void> {
    const mode = this.#options.readOnly
      ? sqlite3.OPEN_READONLY
      : sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE | sqlite3.OPEN_FULLMUTEX;
    for (let i = 0; i < (this.#options.connections ?? 1); i++) {
      const db = await new Promise<sqlite3.Database>((resolve, reject) => {
        const handle = new sqlite3.Database(this.#options.filename, mode, (error) =>
          error ? reject(new Error(`cannot open database ${this.#options.filename}: ${error.message}`)) : resolve(handle),
        );
      });
      const connection = new Sqlite3Connection(db);
      this.#connections.push(connection);
      await this.#options.onOpen?.(connection);
      this.#free.push(connection);
    }
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#closed) throw new Error('database is closed');
    const free = this.#free.shift();
    if (free) return free;
    const handed = await new Promise<Sqlite3Connection | undefined>((resolve) => this.#waiting.push(resolve));
    if (!handed) throw new Error('database is closed');
    return handed;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    // IMMEDIATE takes the write lock up front, so a transaction cannot fail half-way with
    // SQLITE_BUSY when it upgrades from reading to writing. A read-only connection cannot take
    // it: its transaction is a plain (deferred) read transaction, one snapshot from its first read.
    await connection.executeQuery(CompiledQuery.raw(this.#options.readOnly ? 'begin' : 'begin immediate'));
  }
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }
  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    if (this.#closed) return;
    const next = this.#waiting.shift();
    if (next) next(connection as Sqlite3Connection);
    else this.#free.push(connection as Sqlite3Connection);
  }
  async destroy(): Promise<void> {
    await this.#options.onDestroy?.();
    this.#closed = true;
    // Nobody waits forever for a connection of a closed database.
    for (const waiter of this.#waiting.splice(0)) waiter(undefined);
    const connections = this.#connections.splice(0);
    this.#free = [];
    await Promise.all(connections.map((c) => c.close()));
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

const WRITE_VERBS = new Set(['insert', 'update', 'delete', 'replace']);
const STATEMENT_VERBS = new Set(['select', 'values', ...WRITE_VERBS]);
const WORD = /[A-Za-z_][A-Za-z0-9_$]*/y;

/** The end of a quoted string or name starting at `start` (a doubled quote stands for itself). */
function endOfQuoted(text: string, start: number, quote: string): number {
  for (let i = start + 1; ; i += 2) {
    i = text.indexOf(quote, i);
    if (i < 0) return text.length;
    if (text[i + 1] !== quote) return i + 1;
  }
}

/**
 * The words of a statement outside parentheses, comments, string literals and quoted names, in
 * lower case: enough to tell what the statement is ("with ... as delete ..." is a DELETE) and
 * whether it has a RETURNING clause, without mistaking 'returning customer' or a leading
 * comment for one. Not a parser: SQLite has one; this only has to classify what it will run.
 */
function* topLevelWords(text: string): Generator<string> {
  let depth = 0;
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '-' && next === '-') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end + 1;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      i = endOfQuoted(text, i, c);
    } else if (c === '[') {
      const end = text.indexOf(']', i);
      i = end < 0 ? text.length : end + 1;
    } else if (c === '(' || c === ')') {
      depth += c === '(' ? 1 : -1;
      i += 1;
    } else {
      WORD.lastIndex = i;
      const word = WORD.exec(text);
      if (!word) {
        i += 1;
        continue;
      }
      i += word[0].length;
      if (depth === 0) yield word[0].toLowerCase();
    }
  }
}

/**
 * An INSERT, UPDATE, DELETE or REPLACE (after any WITH clause) without RETURNING. A SELECT (the
 * common case) is known from its first word; only a write is read to its end.
 */
function isWriteWithoutRows(text: string): boolean {
  const words = topLevelWords(text);
  // next(), not for...of with break: a break would close the generator before the RETURNING scan.
  const nextWord = () => {
    const step = words.next();
    return step.done ? undefined : step.value;
  };
  let verb = nextWord();
  // After WITH come the common tables' names, AS and MATERIALIZED; their bodies are in parentheses.
  if (verb === 'with') while (verb !== undefined && !STATEMENT_VERBS.has(verb)) verb = nextWord();
  if (verb === undefined || !WRITE_VERBS.has(verb)) return false;
  for (let word = nextWord(); word !== undefined; word = nextWord()) if (word === 'returning') return false;
  return true;
}

export class Sqlite3Connection implements DatabaseConnection {
  readonly #db: sqlite3.Database;
  constructor(db: sqlite3.Database) {
    this.#db = db;
  }

  executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const parameters = compiled.parameters.map(toParameter);
    const node = compiled.query as { kind?: string; returning?: unknown };
    // Raw SQL returns rows unless it is one INSERT, UPDATE, DELETE or REPLACE without RETURNING:
    // that runs as a statement, so its caller learns how many rows it changed without asking changes().
    const rawChange = node.kind === 'RawNode' && isWriteWithoutRows(compiled.sql);
    const returnsRows = SelectQueryNode.is(compiled.query) || (node.kind === 'RawNode' && !rawChange) || node.returning !== undefined;
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
