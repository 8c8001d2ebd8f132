/**
 * Create / update / delete of one kind of entity, validated and change-logged. The three synced
 * entities of the foundation (organization, site, flow) differ only in their schema, their row
 * mapping and their references, so one generic store serves all three.
 */
import { sql, type Selectable } from 'kysely';
import type { z } from 'zod';
import { changedFields, tableOf, type LoggedWriter, type SyncedEntity } from './change-log.ts';
import { ConflictError, NotFoundError, StillReferencedError, ValidationError, type FieldProblem } from './errors.ts';
import { stripMeta, type RecordMeta } from './records.ts';
import type { Database } from './schema.ts';

type Tables = 'organizations' | 'sites' | 'flows' | 'devices' | 'points';

/** Rows per multi-row INSERT: well under SQLite's bound-parameter limit at ~25 columns a row. */
const BULK_CHUNK = 200;

export interface EntitySpec<E extends { id: string }, R extends E & RecordMeta, T extends Tables> {
  entity: SyncedEntity;
  table: T;
  schema: z.ZodType<E>;
  /** Builds the row; throws ValidationError for problems the schema cannot see (units, ...). */
  toRow(entity: E): Omit<Database[T], keyof RecordMeta>;
  fromRow(row: Selectable<Database[T]>): R;
  /** References this entity makes: field name -> [table, id]. */
  references(entity: E): { field: string; table: Tables; id: string; label: string }[];
  /** Records that reference this one and block its deletion. */
  dependents: { table: Tables; column: string; label: string }[];
}

export function zodProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? (issue as { keys?: string[] }).keys : undefined;
    const field = issue.path.map(String).join('.');
    if (keys?.length) {
      return { field, message: `unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}` };
    }
    return { field, message: issue.message };
  });
}

export function validateEntity<E>(schema: z.ZodType<E>, value: unknown, what: string): E {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(what, zodProblems(result.error));
  return result.data;
}

export class EntityStore<E extends { id: string }, R extends E & RecordMeta, T extends Tables> {
  readonly spec: EntitySpec<E, R, T>;
  constructor(spec: EntitySpec<E, R, T>) {
    this.spec = spec;
  }

  async find(w: Pick<LoggedWriter, 'tx'>, id: string): Promise<R | undefined> {
    const row = await w.tx
      .selectFrom(this.spec.table as Tables)
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? this.spec.fromRow(row as Selectable<Database[T]>) : undefined;
  }

  async #checkReferences(w: LoggedWriter, entity: E): Promise<void> {
    const problems: FieldProblem[] = [];
    for (const ref of this.spec.references(entity)) {
      const found = await w.tx.selectFrom(ref.table).select('id').where('id', '=', ref.id).executeTakeFirst();
      if (!found) problems.push({ field: ref.field, message: `${ref.label} "${ref.id}" does not exist` });
    }
    if (problems.length) throw new ValidationError(`${this.spec.entity} "${entity.id}"`, problems);
  }

  /** Inserts a new record; an existing id is an error (use upsert to replace). */
  async create(w: LoggedWriter, input: unknown): Promise<R> {
    const entity = validateEntity(this.spec.schema, input, `new ${this.spec.entity}`);
    if (await this.find(w, entity.id)) {
      throw new ValidationError(`new ${this.spec.entity}`, [{ field: 'id', message: `"${entity.id}" is already used` }]);
    }
    return this.#insert(w, entity);
  }

  async #insert(w: LoggedWriter, entity: E): Promise<R> {
    await this.#checkReferences(w, entity);
    const row = { ...this.spec.toRow(entity), version: 1, created_at: w.now, updated_at: w.now };
    await w.tx.insertInto(this.spec.table as Tables).values(row as never).execute();
    await w.logUpsert(this.spec.entity, entity.id, entity as Record<string, unknown>);
    return (await this.find(w, entity.id))!;
  }

  /**
   * Merges `patch` into the stored entity (top-level keys replace; a null removes an optional key),
   * validates the result as a whole and writes it. `expectedVersion` guards against lost updates.
   */
  async update(w: LoggedWriter, id: string, patch: Record<string, unknown>, expectedVersion?: number): Promise<R> {
    const current = await this.find(w, id);
    if (!current) throw new NotFoundError(this.spec.entity, id);
    if (expectedVersion !== undefined && current.version !== expectedVersion) {
      throw new ConflictError(this.spec.entity, id, expectedVersion, current.version);
    }
    if ('id' in patch && patch.id !== id) {
      throw new ValidationError(`${this.spec.entity} "${id}"`, [{ field: 'id', message: 'an id cannot be changed' }]);
    }
    const before = stripMeta(current) as Record<string, unknown>;
    const merged = Object.fromEntries(
      Object.entries({ ...before, ...patch }).filter(([, value]) => value !== null && value !== undefined),
    );
    const entity = validateEntity(this.spec.schema, merged, `${this.spec.entity} "${id}"`);
    return this.#replace(w, current, entity);
  }

  async #replace(w: LoggedWriter, current: R, entity: E): Promise<R> {
    const changed = changedFields(stripMeta(current) as Record<string, unknown>, entity as Record<string, unknown>);
    if (Object.keys(changed).length === 0) return current;
    await this.#checkReferences(w, entity);
    const row = { ...this.spec.toRow(entity), version: current.version + 1, updated_at: w.now };
    await w.tx
      .updateTable(this.spec.table as Tables)
      .set(row as never)
      .where('id', '=', entity.id)
      .execute();
    await w.logUpsert(this.spec.entity, entity.id, changed);
    return (await this.find(w, entity.id))!;
  }

  /** Insert or replace whole (import). Returns whether anything changed. */
  async upsert(w: LoggedWriter, entity: E): Promise<'created' | 'updated' | 'unchanged'> {
    const current = await this.find(w, entity.id);
    if (!current) {
      await this.#insert(w, entity);
      return 'created';
    }
    const after = await this.#replace(w, current, entity);
    return after.version === current.version ? 'unchanged' : 'updated';
  }

  /**
   * Bulk insert-or-replace for imports: existing records and references are looked up in chunks
   * and new rows inserted many per statement, instead of four round trips per record. Same
   * validation, versions and change log as `upsert`.
   */
  async upsertMany(w: LoggedWriter, entities: E[], onEach?: () => void): Promise<Record<'created' | 'updated' | 'unchanged', number>> {
    const counts = { created: 0, updated: 0, unchanged: 0 };
    for (let start = 0; start < entities.length; start += BULK_CHUNK) {
      const chunk = entities.slice(start, start + BULK_CHUNK);
      const existing = new Map<string, R>();
      const rows = await w.tx
        .selectFrom(this.spec.table as Tables)
        .selectAll()
        .where('id', 'in', chunk.map((e) => e.id))
        .execute();
      for (const row of rows) existing.set(row.id, this.spec.fromRow(row as Selectable<Database[T]>));
      await this.#checkReferencesMany(w, chunk);
      const fresh = chunk.filter((e) => !existing.has(e.id));
      if (fresh.length) {
        const values = fresh.map((e) => ({ ...this.spec.toRow(e), version: 1, created_at: w.now, updated_at: w.now }));
        await w.tx.insertInto(this.spec.table as Tables).values(values as never).execute();
        await w.logUpserts(this.spec.entity, fresh.map((e) => [e.id, e as Record<string, unknown>]));
        counts.created += fresh.length;
      }
      for (const entity of chunk) {
        const current = existing.get(entity.id);
        if (current) {
          const after = await this.#replace(w, current, entity);
          counts[after.version === current.version ? 'unchanged' : 'updated'] += 1;
        }
        onEach?.();
      }
    }
    return counts;
  }

  async #checkReferencesMany(w: LoggedWriter, entities: E[]): Promise<void> {
    const wanted = new Map<Tables, Set<string>>();
    for (const entity of entities) {
      for (const ref of this.spec.references(entity)) {
        if (!wanted.has(ref.table)) wanted.set(ref.table, new Set());
        wanted.get(ref.table)!.add(ref.id);
      }
    }
    const found = new Map<Tables, Set<string>>();
    for (const [table, ids] of wanted) {
      const rows = await w.tx.selectFrom(table).select('id').where('id', 'in', [...ids]).execute();
      found.set(table, new Set(rows.map((r) => r.id)));
    }
    for (const entity of entities) {
      const problems = this.spec
        .references(entity)
        .filter((ref) => !found.get(ref.table)?.has(ref.id))
        .map((ref) => ({ field: ref.field, message: `${ref.label} "${ref.id}" does not exist` }));
      if (problems.length) throw new ValidationError(`${this.spec.entity} "${entity.id}"`, problems);
    }
  }

  async delete(w: LoggedWriter, id: string, expectedVersion?: number): Promise<void> {
    const current = await this.find(w, id);
    if (!current) throw new NotFoundError(this.spec.entity, id);
    if (expectedVersion !== undefined && current.version !== expectedVersion) {
      throw new ConflictError(this.spec.entity, id, expectedVersion, current.version);
    }
    for (const dependent of this.spec.dependents) {
      const { count } = await w.tx
        .selectFrom(dependent.table)
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where(sql<boolean>`${sql.ref(dependent.column)} = ${id}`)
        .executeTakeFirstOrThrow();
      if (count > 0) {
        throw new StillReferencedError(
          `${this.spec.entity} "${id}" still has ${count} ${dependent.label}${count > 1 ? 's' : ''}; delete or move ${count > 1 ? 'them' : 'it'} first`,
        );
      }
    }
    await w.tx
      .deleteFrom(tableOf(this.spec.entity) as Tables)
      .where('id', '=', id)
      .execute();
    await w.logDelete(this.spec.entity, id);
  }
}
