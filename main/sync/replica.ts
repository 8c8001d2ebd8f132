/**
 * The laptop's replica behind the sync client's `Replica` port: the outbox of staged local
 * messages, applying hub pages (one transaction per page, cursor included), the merkle trie over
 * the shared messages, and the replica's identity (node id, actor) and connection state.
 */
import { EventEmitter } from 'node:events';
import { sql, type Transaction } from 'kysely';
import type { ApplyOutcome, Replica } from '../../sync/client/replica.ts';
import { emptyTrie, insertAll, type MerkleTrie } from '../../sync/protocol/merkle.ts';
import { asChangeMessage, changeMessageSchema, type ChangeMessage, type PulledMessage } from '../../sync/protocol/messages.ts';
import { loadNode, saveClock } from '../db/change-log.ts';
import type { Repository } from '../db/repository.ts';
import type { Database } from '../db/schema.ts';
import { applyRemote, settleLocalChanges, type ApplyResult } from './apply.ts';
import { anyDue, countAside, horizonOf } from './aside.ts';
import { markPushed, mergeCells, recordMessages } from './cells.ts';
import { NODE_DATASET } from './datasets.ts';
import { recordHistory, type HistoryEntry } from './history.ts';
import { recordProblem, type ProblemKind } from './problems.ts';

type Tx = Transaction<Database>;

export interface SyncProblem {
  dataset: string;
  row: string;
  /** record: not applicable as merged; message: a change skipped; held: waits for this clock; private: a remote change to a private record ignored. */
  kind: ProblemKind;
  at: string;
  message: string;
}

export interface ReplicaEvents {
  /** A hub page was applied; `result.changed` lists the records written or removed. */
  applied: [result: ApplyResult];
}

export class LocalReplica extends EventEmitter<ReplicaEvents> implements Replica {
  readonly repo: Repository;
  /** This laptop's clock (ms): which messages are too far ahead to apply or push (tests set it). */
  now: () => number;
  #trie: { rowid: number; asideRowid: number; trie: MerkleTrie } | undefined;

  constructor(repo: Repository, options: { now?: () => number } = {}) {
    super();
    this.repo = repo;
    this.now = options.now ?? Date.now;
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
      await settleLocalChanges(tx, new Date(this.now()).toISOString());
      return this.#unpushed(tx, limit, after);
    });
  }

  /**
   * The outbox: what the hub will take. Messages stamped more than 60 s ahead of this clock (the
   * computer's clock was wrong when they were written) wait until it reaches them: the hub refuses
   * them, and one refused message would fail every push. A message the protocol refuses (the
   * hub would refuse the whole batch for it) leaves the shared log: it stays on this laptop, in
   * its cells, and is reported as a problem of its record.
   */
  async #unpushed(tx: Tx, limit: number, after: string | undefined): Promise<ChangeMessage[]> {
    const horizon = horizonOf(this.now());
    for (;;) {
      // One JSON text instead of a row object per message (the sqlite3 driver's row objects cost
      // more than JSON.parse on a 10,000-message batch); the index sync_messages_unpushed gives
      // the order.
      const { rows } = await sql<{ batch: string }>`SELECT json_group_array(json_array(timestamp, dataset, row, "column", value)) AS batch FROM (
          SELECT timestamp, dataset, row, "column", value FROM sync_messages
          WHERE pushed = 0 AND timestamp > ${after ?? ''} AND substr(timestamp, 1, 24) <= ${horizon} ORDER BY timestamp LIMIT ${limit})`.execute(tx);
      const tuples = JSON.parse(rows[0]?.batch ?? '[]') as [string, string, string, string, string][];
      // Timestamp order is the contract (`after` is the last one): not left to how SQLite feeds
      // the aggregate.
      tuples.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
      const messages: ChangeMessage[] = [];
      const unfit: ChangeMessage[] = [];
      for (const [timestamp, dataset, row, column, value] of tuples) {
        const message = { timestamp, dataset, row, column, value };
        if (asChangeMessage(message)) messages.push(message);
        else unfit.push(message);
      }
      if (unfit.length === 0) return messages;
      const now = new Date(this.now()).toISOString();
      for (const m of unfit) {
        const issue = changeMessageSchema.safeParse(m).error?.issues[0];
        const why = issue ? `${issue.path.join('.')}: ${issue.message}` : 'not a change message';
        await recordProblem(tx, 'message', m.dataset, m.row, `a change made here cannot be shared (${why}); it stays on this laptop`, now);
      }
      await sql`DELETE FROM sync_messages WHERE timestamp IN (SELECT value FROM json_each(${JSON.stringify(unfit.map((m) => m.timestamp))}))`.execute(tx);
      // The trie counted them: rebuilt on the next call.
      this.#trie = undefined;
      // Read again: the batch is full again without them.
    }
  }

  async acknowledge(timestamps: string[], cursor?: number): Promise<void> {
    await this.#tx(async (tx) => {
      await markPushed(tx, timestamps);
      if (cursor !== undefined) await setState(tx, 'cursor', cursor);
    });
  }

  /** `messages` as the hub handed them over: anything that is not a valid message becomes a problem. */
  async apply(messages: readonly PulledMessage[], cursor: number): Promise<ApplyOutcome> {
    const now = new Date(this.now()).toISOString();
    const result = await this.#tx(async (tx) => {
      const applied = await applyRemote(tx, messages, now);
      await setState(tx, 'cursor', cursor);
      return applied;
    });
    if (result.changed.length > 0 || result.applied > 0) this.emit('applied', result);
    return { applied: result.applied, problems: result.problems };
  }

  /**
   * Applies the held messages this clock has reached (see aside.ts), when there are any: a round
   * asks even when the hub has nothing new, so a quiet workspace does not keep them waiting.
   */
  async applyDue(): Promise<ApplyOutcome> {
    const now = new Date(this.now()).toISOString();
    const result = await this.#tx(async (tx) => ((await anyDue(tx, horizonOf(Date.parse(now)))) ? applyRemote(tx, [], now) : undefined));
    if (!result) return { applied: 0, problems: 0 };
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
      await settleLocalChanges(tx, new Date(this.now()).toISOString());
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

  /** Received messages held aside because they are ahead of this laptop's clock. */
  async waiting(): Promise<number> {
    return this.#tx((tx) => countAside(tx, 'held'));
  }

  /**
   * The trie over the messages the hub holds for this replica: the shared log, plus the received
   * messages kept aside as private here or refused (the hub has them too). Kept up to date
   * incrementally: rows of sync_messages are only ever added (rowid grows; the rare removal of
   * an unshareable local message resets the trie), so only rows after the last one seen are
   * inserted. Rebuilding over 100,000 timestamps on every live round would dominate its latency.
   * Held rows of sync_aside are removed when applied, but they are never counted there (they
   * are in the shared log), and a counted row is never removed, so its rowids only grow too.
   */
  async merkle(): Promise<MerkleTrie> {
    return this.#tx(async (tx) => {
      const state = (this.#trie ??= { rowid: 0, asideRowid: 0, trie: emptyTrie() });
      const { rows: asideRows } = await sql<{ last: number | null; timestamps: string | null }>`SELECT max(rowid) AS last, group_concat(timestamp, char(10)) AS timestamps
        FROM sync_aside WHERE rowid > ${state.asideRowid} AND kind <> 'held'`.execute(tx);
      const extra = asideRows[0];
      if (extra && extra.last !== null && extra.timestamps) {
        state.trie = insertAll(state.trie, extra.timestamps.split('\n'));
        state.asideRowid = extra.last;
      }
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

  /**
   * Only this replica's own messages (its node id ends their timestamps): the hub ties a node id
   * to the user who first pushed it and refuses another user's push under it, so re-pushing a
   * colleague's messages to a hub restored from a backup would stop this laptop's sync (or, on a
   * hub that lost the claim too, attribute them to the wrong person). Each laptop re-pushes its own.
   */
  async requeueSince(millis: number): Promise<number> {
    const since = new Date(millis).toISOString();
    return this.#tx(async (tx) => {
      const { nodeId } = await loadNode(tx);
      const [result] = await tx
        .updateTable('sync_messages')
        .set({ pushed: 0 })
        .where('timestamp', '>=', since)
        .where('pushed', '=', 1)
        .where('timestamp', 'like', `%-${nodeId}`)
        .execute();
      return Number(result?.numUpdatedRows ?? 0);
    });
  }

  async problems(): Promise<SyncProblem[]> {
    return this.#tx((tx) => tx.selectFrom('sync_problems').selectAll().orderBy('at', 'desc').orderBy('dataset').orderBy('row').orderBy('kind').execute());
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
