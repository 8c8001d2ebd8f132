/**
 * The write path of the local graph. Every insert, update and delete of a synced entity goes
 * through a `LoggedWriter`, which writes the row and appends the change to `change_log` in the same
 * transaction: a change is either stored and logged, or neither. The sync (main/sync) turns the log
 * into change messages; nothing outside main/db gets hold of the Kysely handle, so no write can
 * bypass it.
 *
 * A local change is stamped at write time with this replica's hybrid logical clock (HLC), so edits
 * made offline order correctly against other laptops' when they are shipped later: the entry's
 * fields, sorted by name, take consecutive clock ticks starting at `hlc` (see `fieldStamps`).
 */
import type { Transaction } from 'kysely';
import { HybridLogicalClock, formatTimestamp, makeNodeId, parseTimestamp } from '../../sync/protocol/hlc.ts';
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

/** Who and when of a change applied from the hub (remote changes keep the sender's clock). */
export interface RemoteStamp {
  hlc: string;
  actor: string;
}

/** The timestamp `index` ticks after `first` (counter carries into the millisecond). */
export function tickAfter(first: string, index: number): string {
  if (index === 0) return first;
  const { millis, counter, node } = parseTimestamp(first);
  const total = counter + index;
  return formatTimestamp({ millis: millis + Math.floor(total / 0x10000), counter: total % 0x10000, node });
}

/** The HLC of each field of a logged upsert: fields sorted by name, consecutive ticks from `hlc`. */
export function fieldStamps(hlc: string, fields: Record<string, unknown>): [field: string, timestamp: string][] {
  return Object.keys(fields)
    .sort()
    .map((field, i) => [field, tickAfter(hlc, i)]);
}

/** This replica's identity and clock, read once per write transaction from `sync_node`. */
export interface NodeState {
  nodeId: string;
  actor: string;
  clock: HybridLogicalClock;
}

/** Local writes never fail on clock drift: a clock set back keeps counting from the last stamp. */
const LOCAL_DRIFT_MS = Number.MAX_SAFE_INTEGER;

export async function loadNode(tx: Transaction<Database>): Promise<NodeState> {
  let row = await tx.selectFrom('sync_node').selectAll().where('id', '=', 1).executeTakeFirst();
  if (!row) {
    const nodeId = makeNodeId();
    row = { id: 1, node_id: nodeId, clock: formatTimestamp({ millis: 0, counter: 0, node: nodeId }), actor: 'local user' };
    await tx.insertInto('sync_node').values(row).execute();
  }
  return { nodeId: row.node_id, actor: row.actor, clock: new HybridLogicalClock(row.node_id, { last: row.clock, maxDriftMs: LOCAL_DRIFT_MS }) };
}

export async function saveClock(tx: Transaction<Database>, node: NodeState): Promise<void> {
  await tx.updateTable('sync_node').set({ clock: node.clock.last }).where('id', '=', 1).execute();
}

export class LoggedWriter implements ChangeSink {
  readonly tx: Transaction<Database>;
  readonly #now: string;
  readonly #origin: 'local' | 'remote';
  readonly #remote: RemoteStamp | undefined;
  #node: NodeState | undefined;
  /** How many local changes this writer logged (the repository tells the sync after commit). */
  loggedLocal = 0;

  /** `remote` (with origin 'remote') is the stamp of the hub message being applied. */
  constructor(tx: Transaction<Database>, now: string, origin: 'local' | 'remote' = 'local', remote?: RemoteStamp) {
    this.tx = tx;
    this.#now = now;
    this.#origin = origin;
    this.#remote = remote;
  }

  get now(): string {
    return this.#now;
  }

  /**
   * The stamp of the next entry: a remote change keeps its sender's; a local one takes `ticks`
   * consecutive ticks of this replica's clock (one per field), saved in the same transaction.
   */
  async #stamp(ticks: number): Promise<{ hlc: string | null; actor: string; shipped: number }> {
    if (this.#origin === 'remote') return { hlc: this.#remote?.hlc ?? null, actor: this.#remote?.actor ?? 'remote', shipped: 1 };
    this.#node ??= await loadNode(this.tx);
    this.loggedLocal += 1;
    const node = this.#node;
    const hlc = node.clock.send();
    if (ticks > 1) node.clock = new HybridLogicalClock(node.nodeId, { last: tickAfter(hlc, ticks - 1), maxDriftMs: LOCAL_DRIFT_MS });
    return { hlc, actor: node.actor, shipped: 0 };
  }

  /** Persists the clock after local stamps (once per logged statement, not per entry). */
  async #saveClock(): Promise<void> {
    if (this.#node) await saveClock(this.tx, this.#node);
  }

  async logUpsert(entity: SyncedEntity, id: string, fields: Record<string, unknown>): Promise<void> {
    const stamp = await this.#stamp(Math.max(1, Object.keys(fields).length));
    await this.tx
      .insertInto('change_log')
      .values({ at: this.#now, entity, entity_id: id, op: 'upsert', fields: JSON.stringify(fields), origin: this.#origin, ...stamp })
      .execute();
    await this.#saveClock();
  }

  async logUpserts(entity: SyncedEntity, changes: [string, Record<string, unknown>][]): Promise<void> {
    if (changes.length === 0) return;
    const values = [];
    for (const [id, fields] of changes) {
      const stamp = await this.#stamp(Math.max(1, Object.keys(fields).length));
      values.push({ at: this.#now, entity, entity_id: id, op: 'upsert' as const, fields: JSON.stringify(fields), origin: this.#origin, ...stamp });
    }
    await this.tx.insertInto('change_log').values(values).execute();
    await this.#saveClock();
  }

  async logDelete(entity: SyncedEntity, id: string): Promise<void> {
    const stamp = await this.#stamp(1);
    await this.tx
      .insertInto('change_log')
      .values({ at: this.#now, entity, entity_id: id, op: 'delete', fields: null, origin: this.#origin, ...stamp })
      .execute();
    await this.#saveClock();
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
