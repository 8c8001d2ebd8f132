/**
 * The laptop's replica behind the sync client's `Replica` port: the outbox of staged local
 * messages, applying hub pages (one transaction per page, cursor included), the merkle trie over
 * the shared messages, and the replica's identity (node id, actor) and connection state.
 */
import { EventEmitter } from 'node:events';
import { sql, type Transaction } from 'kysely';
import type { ApplyOutcome, Replica } from '../../sync/client/replica.ts';
import { emptyTrie, insertAll, type MerkleTrie } from '../../sync/protocol/merkle.ts';
import type { ChangeMessage } from '../../sync/protocol/messages.ts';
import { loadNode, saveClock } from '../db/change-log.ts';
import type { Repository } from '../db/repository.ts';
import type { Database } from '../db/schema.ts';
import { applyRemote, type ApplyResult } from './apply.ts';
import { markPushed, mergeCells, recordMessages } from './cells.ts';
import { NODE_DATASET } from './datasets.ts';
import { recordHistory, type HistoryEntry } from './history.ts';
import { stageLocalChanges } from './stage.ts';

type Tx = Transaction<Database>;

export interface SyncProblem {
  dataset: string;
  row: string;
  at: string;
  message: string;
}

export interface ReplicaEvents {
  /** A hub page was applied; `result.changed` lists the records written or removed. */
  applied: [result: ApplyResult];
}

export class LocalReplica extends EventEmitter<ReplicaEvents> implements Replica {
  readonly repo: Repository;
  #trie: { rowid: number; trie: MerkleTrie } | undefined;

  constructor(repo: Repository) {
    super();
    this.repo = repo;
  }

  #tx<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.repo.write((w) => work(w.tx));
  }

  async nodeId(): Promise<string> {
    return this.#tx(async (tx) => (await loadNode(tx)).nodeId);
  }

  async actor(): Promise<string> {
    return this.#tx(async (tx) => (await loadNode(tx)).actor);
  }

  /**
   * Names the person working on this replica (the signed-in hub user): local changes from now on
   * carry it, and a `node` message tells other replicas who this node is.
   */
  async setActor(actor: string): Promise<void> {
    await this.#tx(async (tx) => {
      const node = await loadNode(tx);
      await tx.updateTable('sync_node').set({ actor }).where('id', '=', 1).execute();
      const message: ChangeMessage = { timestamp: node.clock.send(), dataset: NODE_DATASET, row: node.nodeId, column: 'actor', value: JSON.stringify(actor) };
      await saveClock(tx, node);
      await mergeCells(tx, [message]);
      await recordMessages(tx, [message], 0);
    });
  }

  async outbox(limit: number, after?: string): Promise<ChangeMessage[]> {
    return this.#tx(async (tx) => {
      await stageLocalChanges(tx);
      return this.#unpushed(tx, limit, after);
    });
  }

  async #unpushed(tx: Tx, limit: number, after: string | undefined): Promise<ChangeMessage[]> {
    // One JSON text instead of a row object per message (the sqlite3 driver's row objects cost
    // more than JSON.parse on a 10,000-message batch); the index sync_messages_unpushed gives
    // the order.
    const { rows } = await sql<{ batch: string }>`SELECT json_group_array(json_array(timestamp, dataset, row, "column", value)) AS batch FROM (
        SELECT timestamp, dataset, row, "column", value FROM sync_messages
        WHERE pushed = 0 AND timestamp > ${after ?? ''} ORDER BY timestamp LIMIT ${limit})`.execute(tx);
    const tuples = JSON.parse(rows[0]?.batch ?? '[]') as [string, string, string, string, string][];
    // Timestamp order is the contract (`after` is the last one): not left to how SQLite feeds
    // the aggregate.
    tuples.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    return tuples.map(([timestamp, dataset, row, column, value]) => ({ timestamp, dataset, row, column, value }));
  }

  async acknowledge(timestamps: string[], cursor?: number): Promise<void> {
    await this.#tx(async (tx) => {
      await markPushed(tx, timestamps);
      if (cursor !== undefined) await setState(tx, 'cursor', cursor);
    });
  }

  async apply(messages: ChangeMessage[], cursor: number): Promise<ApplyOutcome> {
    const now = new Date().toISOString();
    const result = await this.#tx(async (tx) => {
      const applied = await applyRemote(tx, messages, now);
      await setState(tx, 'cursor', cursor);
      return applied;
    });
    if (result.changed.length > 0 || result.applied > 0) this.emit('applied', result);
    return { applied: result.applied, problems: result.problems };
  }

  async cursor(): Promise<number> {
    return (await this.state<number>('cursor')) ?? 0;
  }

  async resetCursor(): Promise<void> {
    await this.setState('cursor', 0);
  }

  async pending(): Promise<number> {
    return this.#tx(async (tx) => {
      await stageLocalChanges(tx);
      const row = await tx
        .selectFrom('sync_messages')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('pushed', '=', 0)
        .executeTakeFirstOrThrow();
      return row.n;
    });
  }

  /** Changes kept on this laptop because their organization is private. */
  async held(): Promise<number> {
    return this.#tx(async (tx) => {
      const { n } = await tx
        .selectFrom('sync_fields')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where((eb) => eb.not(eb.exists(eb.selectFrom('sync_messages').select('timestamp').whereRef('sync_messages.timestamp', '=', 'sync_fields.timestamp'))))
        .executeTakeFirstOrThrow();
      return n;
    });
  }

  /**
   * The trie over the shared messages, kept up to date incrementally: rows of sync_messages are
   * only ever added (rowid grows), so only rows after the last one seen are inserted. Rebuilding
   * over 100,000 timestamps on every live round would dominate its latency.
   */
  async merkle(): Promise<MerkleTrie> {
    return this.#tx(async (tx) => {
      const state = (this.#trie ??= { rowid: 0, trie: emptyTrie() });
      // The new timestamps as ONE text (newline-separated; a timestamp holds none): after a pull
      // of 100,000 messages, a row object per timestamp cost more than the trie itself. The
      // trie is an XOR, so the order they come in does not matter; max(rowid) is where to resume.
      const { rows } = await sql<{ last: number | null; timestamps: string | null }>`SELECT max(rowid) AS last, group_concat(timestamp, char(10)) AS timestamps
        FROM sync_messages WHERE rowid > ${state.rowid}`.execute(tx);
      const { last, timestamps } = rows[0] ?? { last: null, timestamps: null };
      if (last !== null && timestamps) {
        // One copy of the trie per call, not one per new row (insert() clones the whole trie).
        // A copy is still taken, as callers may hold the trie returned before.
        state.trie = insertAll(state.trie, timestamps.split('\n'));
        state.rowid = last;
      }
      return state.trie;
    });
  }

  async requeueSince(millis: number): Promise<number> {
    const since = new Date(millis).toISOString();
    return this.#tx(async (tx) => {
      const [result] = await tx.updateTable('sync_messages').set({ pushed: 0 }).where('timestamp', '>=', since).where('pushed', '=', 1).execute();
      return Number(result?.numUpdatedRows ?? 0);
    });
  }

  async problems(): Promise<SyncProblem[]> {
    return this.#tx((tx) => tx.selectFrom('sync_problems').selectAll().orderBy('at', 'desc').orderBy('dataset').orderBy('row').execute());
  }

  async history(entity: string, id: string): Promise<HistoryEntry[]> {
    return this.#tx((tx) => recordHistory(tx, entity, id));
  }

  async state<T>(key: string): Promise<T | undefined> {
    return this.#tx(async (tx) => {
      const row = await tx.selectFrom('sync_state').select('value').where('key', '=', key).executeTakeFirst();
      return row ? (JSON.parse(row.value) as T) : undefined;
    });
  }

  async setState(key: string, value: unknown): Promise<void> {
    await this.#tx((tx) => setState(tx, key, value));
  }

  /** Every synced field as `dataset/row/column = value`, sorted: what convergence compares. */
  async cellsDump(options: { sharedOnly?: boolean } = {}): Promise<string[]> {
    return this.#tx(async (tx) => {
      let q = tx.selectFrom('sync_fields').select(['dataset', 'row', 'column', 'value', 'timestamp']);
      if (options.sharedOnly) q = q.where((eb) => eb.exists(eb.selectFrom('sync_messages').select('timestamp').whereRef('sync_messages.timestamp', '=', 'sync_fields.timestamp')));
      const rows = await q.orderBy('dataset').orderBy('row').orderBy('column').execute();
      return rows.map((r) => `${r.dataset}/${r.row}/${r.column} = ${r.value} @ ${r.timestamp}`);
    });
  }
}

async function setState(tx: Tx, key: string, value: unknown): Promise<void> {
  if (value === undefined) {
    await tx.deleteFrom('sync_state').where('key', '=', key).execute();
    return;
  }
  const text = JSON.stringify(value);
  await tx
    .insertInto('sync_state')
    .values({ key, value: text })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: text }))
    .execute();
}
