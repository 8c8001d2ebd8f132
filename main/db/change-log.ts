/**
 * The write path of the local graph. Every insert, update and delete of a synced entity goes
 * through a `LoggedWriter`, which writes the row and appends the change to `change_log` in the same
 * transaction: a change is either stored and logged, or neither. The sync client (sync/client)
 * ships the log; nothing outside main/db gets hold of the Kysely handle, so no write can bypass it.
 */
import type { Transaction } from 'kysely';
import type { Database } from './schema.ts';

export type SyncedEntity = 'organization' | 'site' | 'flow' | 'device' | 'point' | 'match';

const TABLE: Record<SyncedEntity, 'organizations' | 'sites' | 'flows' | 'devices' | 'points' | 'matches'> = {
  organization: 'organizations',
  site: 'sites',
  flow: 'flows',
  device: 'devices',
  point: 'points',
  match: 'matches',
};

export function tableOf(entity: SyncedEntity) {
  return TABLE[entity];
}

export interface ChangeSink {
  logUpsert(entity: SyncedEntity, id: string, fields: Record<string, unknown>): Promise<void>;
  logDelete(entity: SyncedEntity, id: string): Promise<void>;
}

export class LoggedWriter implements ChangeSink {
  readonly tx: Transaction<Database>;
  readonly #now: string;
  readonly #origin: 'local' | 'remote';

  constructor(tx: Transaction<Database>, now: string, origin: 'local' | 'remote' = 'local') {
    this.tx = tx;
    this.#now = now;
    this.#origin = origin;
  }

  get now(): string {
    return this.#now;
  }

  async logUpsert(entity: SyncedEntity, id: string, fields: Record<string, unknown>): Promise<void> {
    await this.tx
      .insertInto('change_log')
      .values({ at: this.#now, entity, entity_id: id, op: 'upsert', fields: JSON.stringify(fields), origin: this.#origin })
      .execute();
  }

  async logUpserts(entity: SyncedEntity, changes: [string, Record<string, unknown>][]): Promise<void> {
    if (changes.length === 0) return;
    await this.tx
      .insertInto('change_log')
      .values(
        changes.map(([id, fields]) => ({ at: this.#now, entity, entity_id: id, op: 'upsert' as const, fields: JSON.stringify(fields), origin: this.#origin })),
      )
      .execute();
  }

  async logDelete(entity: SyncedEntity, id: string): Promise<void> {
    await this.tx
      .insertInto('change_log')
      .values({ at: this.#now, entity, entity_id: id, op: 'delete', fields: null, origin: this.#origin })
      .execute();
  }
}

/** Top-level fields whose value differs (deep, by JSON) between two versions of an entity. */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, unknown> {
  const changed: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) changed[key] = after[key] ?? null;
  }
  return changed;
}
