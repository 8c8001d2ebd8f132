/**
 * The port between the sync client and a local replica. The client only moves messages; the
 * replica (main/sync's LocalReplica on the laptop, an in-memory one in tests of the protocol)
 * decides what leaves the laptop and how received messages become records.
 *
 * The two resumability rules live in this contract:
 * - `acknowledge` is called only after the hub confirmed a push, so an interrupted push is simply
 *   pushed again (the hub ignores timestamps it already stores);
 * - `apply` stores the new cursor in the same transaction as the messages, so an interrupted pull
 *   resumes from the last committed page and never applies a page twice.
 * - `acknowledge` with a cursor stores it in the same transaction as the acknowledgement: the
 *   client passes one only when the push's sequence numbers directly follow the replica's cursor
 *   (nothing between them that this replica has not applied, and everything in the push is its
 *   own), so its own messages are not pulled back just to be found known.
 */
import type { ChangeMessage, PulledMessage } from '../protocol/messages.ts';
import type { MerkleTrie } from '../protocol/merkle.ts';

export interface ApplyOutcome {
  /** Messages that won last-writer-wins (changed a field or deleted a record). */
  applied: number;
  /** Records whose merged state could not be applied (kept, shown as sync problems). */
  problems: number;
}

export interface Replica {
  /** This replica's node id (the last 16 hex of its HLC timestamps). */
  nodeId(): Promise<string>;
  /**
   * The oldest local messages the hub has not acknowledged yet (shareable ones only), in
   * timestamp order; with `after`, only those with a later timestamp (the client reads the next
   * batch while the previous one is still on its way, not yet acknowledged).
   */
  outbox(limit: number, after?: string): Promise<ChangeMessage[]>;
  /**
   * Marks messages as stored by the hub; with `cursor`, stores that pull cursor in the same
   * transaction (the hub's sequence numbers up to it are this push and what was applied before).
   */
  acknowledge(timestamps: string[], cursor?: number): Promise<void>;
  /**
   * Applies a page of hub messages and stores `cursor` in the same transaction. Must not fail
   * because of what a message holds (a page the replica cannot use would stop its sync for
   * good): a message it cannot apply becomes a problem, and the cursor moves on.
   */
  apply(messages: PulledMessage[], cursor: number): Promise<ApplyOutcome>;
  /**
   * Applies what the replica held back until now (messages stamped ahead of its clock), if it
   * holds any; called once per round, as no page may come to trigger it. Optional.
   */
  applyDue?(): Promise<ApplyOutcome>;
  /** The hub cursor of the last applied page (0 before the first pull). */
  cursor(): Promise<number>;
  /** Forgets the cursor so the next pull starts over (merkle repair; applying is idempotent). */
  resetCursor(): Promise<void>;
  /** Local changes not yet acknowledged by the hub. */
  pending(): Promise<number>;
  /** The merkle trie over every message this replica shares with the hub. */
  merkle(): Promise<MerkleTrie>;
  /** Marks this replica's own shared messages from `millis` on as not pushed, so they are pushed again
   *  (never other replicas' messages: the hub refuses a node id claimed by another user). */
  requeueSince(millis: number): Promise<number>;
}
