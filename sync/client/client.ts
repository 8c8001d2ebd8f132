/**
 * The sync client: moves change messages between a local `Replica` and a hub workspace.
 *
 * One round (`syncOnce`): push the outbox in batches (each batch acknowledged locally only after
 * the hub confirmed it), pull pages from the replica's cursor (each page applied and the cursor
 * stored in one local transaction), then compare merkle tries; when they differ although both
 * sides are caught up, re-push what the replica holds from the first differing minute and re-pull
 * from the start (both idempotent). Any interruption leaves a state from which the next round
 * simply continues.
 *
 * Live (`start`): a WebSocket subscription signals new messages on the hub; local changes are
 * announced with `notifyLocalChange`. Rounds never overlap. When the hub cannot be reached the
 * status turns offline and the client retries with exponential backoff and jitter.
 */
import { EventEmitter } from 'node:events';
import { TRPCClientError } from '@trpc/client';
import { diff } from '../protocol/merkle.ts';
import { hubHttp, hubLive, type HubAddress, type HubApi, type HubLive } from './hub-link.ts';
import type { Replica } from './replica.ts';

export type SyncState = 'idle' | 'syncing' | 'online' | 'offline' | 'error' | 'stopped';

export interface SyncStatus {
  state: SyncState;
  /** Local changes the hub has not acknowledged yet. */
  pending: number;
  /** End of the last successful round (ISO time). */
  lastSync: string | null;
  lastError: string | null;
  /** Whether the live subscription is connected. */
  live: boolean;
}

export interface RoundReport {
  pushed: number;
  pulled: number;
  applied: number;
  problems: number;
  /** True when the merkle check found a difference and the round repaired it. */
  repaired: boolean;
  cursor: number;
}

export interface SyncClientOptions {
  /** Messages per push (the hub's default limit is 10,000). */
  pushBatch?: number;
  /** Messages per pull page. */
  pullLimit?: number;
  /** Backoff after a failed round: base and cap in ms. */
  backoff?: { baseMs: number; maxMs: number };
  /** Delay before pushing after a local change (coalesces a burst of edits). */
  debounceMs?: number;
  random?: () => number;
}

/** Exponential backoff with "equal jitter": half fixed, half random, capped. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** A message for people: what failed and what to do. */
export function describeError(error: unknown): string {
  if (error instanceof TRPCClientError) {
    const code = (error.data as { code?: string } | undefined)?.code;
    if (code === 'UNAUTHORIZED') return `the hub refused the token: ${error.message}`;
    if (code === 'FORBIDDEN') return `the hub refused access: ${error.message}`;
    if (!code) return `the hub cannot be reached (${error.message})`;
    return `the hub answered ${code}: ${error.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Errors a retry will not fix (bad token, no membership): stop retrying, show them. */
function isFatal(error: unknown): boolean {
  const code = error instanceof TRPCClientError ? (error.data as { code?: string } | undefined)?.code : undefined;
  return code === 'UNAUTHORIZED' || code === 'FORBIDDEN' || code === 'NOT_FOUND';
}

export interface SyncClientEvents {
  status: [status: SyncStatus];
  round: [report: RoundReport];
}

export class SyncClient extends EventEmitter<SyncClientEvents> {
  readonly replica: Replica;
  readonly workspace: string;
  readonly #address: HubAddress;
  readonly #api: HubApi;
  readonly #options: Required<SyncClientOptions>;
  #status: SyncStatus = { state: 'idle', pending: 0, lastSync: null, lastError: null, live: false };
  #round: Promise<RoundReport> | undefined;
  #again = false;
  #running = false;
  /**
   * The hub refused us for good (token ended, no access): automatic rounds stop, so the status
   * stays "error" with its reason instead of flickering back to "syncing" on the next local edit
   * or hub signal. An explicit `syncOnce` (after signing in again) that succeeds clears it.
   */
  #refused = false;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;
  #live: HubLive | undefined;
  #subscription: { unsubscribe(): void } | undefined;
  #liveTimer: NodeJS.Timeout | undefined;
  #liveAttempt = 0;
  /** The minutes from which a merkle repair was made (see #round_). */
  readonly #repairedFrom = new Set<number>();

  constructor(replica: Replica, address: HubAddress & { workspace: string }, options: SyncClientOptions = {}) {
    super();
    this.replica = replica;
    this.workspace = address.workspace;
    this.#address = address;
    this.#api = hubHttp(address);
    this.#options = {
      pushBatch: options.pushBatch ?? 5000,
      pullLimit: options.pullLimit ?? 5000,
      backoff: options.backoff ?? { baseMs: 500, maxMs: 60_000 },
      debounceMs: options.debounceMs ?? 20,
      random: options.random ?? Math.random,
    };
  }

  get status(): SyncStatus {
    return this.#status;
  }

  #setStatus(patch: Partial<SyncStatus>): void {
    this.#status = { ...this.#status, ...patch };
    this.emit('status', this.#status);
  }

  /**
   * Pushes the outbox in batches, pipelined: while the hub stores batch k, the replica reads batch
   * k+1 (the outbox after k's last timestamp) and marks batch k-1 pushed. A batch is still marked
   * pushed only after the hub acknowledged it, and batches go to the hub one at a time, in order,
   * so an interrupted push leaves exactly the unacknowledged batches to push again.
   */
  async #push(): Promise<number> {
    const client = await this.replica.nodeId();
    // A push reserves as many sequence numbers as it carries messages, right after the hub's head
    // (store.ts). When the push's head is the replica's cursor plus the batch, the numbers between
    // the cursor and that head are exactly this batch: nothing anyone else pushed, nothing this
    // replica lacks. The cursor then moves with the acknowledgement (same transaction) instead of
    // pulling the replica's own messages back. Any other push in between breaks the chain, and
    // the pull that follows reads everything from the cursor as before.
    let follows: number | undefined = await this.replica.cursor();
    let pushed = 0;
    let batch = await this.replica.outbox(this.#options.pushBatch);
    let acknowledging: Promise<void> = Promise.resolve();
    try {
      for (;;) {
        if (batch.length === 0) {
          // An empty first read (without `after`) means nothing to push.
          if (pushed === 0) return pushed;
          // Everything read so far is acknowledged: ask once more without `after`, so a message
          // staged meanwhile with an older timestamp (a subtree just shared) is not left behind.
          await acknowledging;
          batch = await this.replica.outbox(this.#options.pushBatch);
          if (batch.length === 0) return pushed;
        }
        const sending = this.#api.sync.push.mutate({ workspace: this.workspace, client, messages: batch });
        const next = this.replica.outbox(this.#options.pushBatch, batch[batch.length - 1]!.timestamp);
        // If the push fails, the read ahead is dropped (nothing was changed by it).
        next.catch(() => undefined);
        const result = await sending;
        // Only now: an interrupted push is pushed again, and the hub skips what it already has.
        await acknowledging;
        const sent = batch;
        follows = follows !== undefined && result.head === follows + sent.length ? result.head : undefined;
        acknowledging = this.replica.acknowledge(
          sent.map((m) => m.timestamp),
          follows,
        );
        // Observed here so a failure is not an unhandled rejection while the next read is
        // awaited; it is still thrown by the next `await acknowledging`.
        acknowledging.catch(() => undefined);
        pushed += sent.length;
        batch = await next;
      }
    } finally {
      // Never leave an acknowledgement running behind the caller (nor its failure unobserved).
      await acknowledging;
    }
  }

  async #pull(): Promise<{ pulled: number; applied: number; problems: number; cursor: number }> {
    let cursor = await this.replica.cursor();
    let pulled = 0;
    let applied = 0;
    let problems = 0;
    const fetch = (since: number) => {
      const request = this.#api.sync.pull.query({ workspace: this.workspace, since, limit: this.#options.pullLimit });
      // A page read ahead and then not used (the apply failed) must not be an unhandled rejection.
      request.catch(() => undefined);
      return request;
    };
    let request = fetch(cursor);
    for (;;) {
      const page = await request;
      // Read the next page while this one is applied: reading changes nothing, and the cursor
      // still advances only with the applied page (stored in the same local transaction).
      if (!page.done) request = fetch(page.cursor);
      if (page.messages.length > 0 || page.cursor !== cursor) {
        // The change and who pushed it (the hub's record; absent from older hubs). The replica
        // checks every message itself: the hub's answer is not trusted to be well-formed.
        const messages = page.messages.map(({ timestamp, dataset, row, column, value, user }) =>
          user === undefined ? { timestamp, dataset, row, column, value } : { timestamp, dataset, row, column, value, user },
        );
        const outcome = await this.replica.apply(messages, page.cursor);
        pulled += messages.length;
        applied += outcome.applied;
        problems = outcome.problems;
        cursor = page.cursor;
      }
      if (page.done) return { pulled, applied, problems, cursor };
    }
  }

  async #round_(): Promise<RoundReport> {
    let pushed = await this.#push();
    let pull = await this.#pull();
    // Messages held because they were ahead of this clock are applied once it reaches them.
    const due = await this.replica.applyDue?.();
    if (due) pull = { ...pull, applied: pull.applied + due.applied };
    let repaired = false;
    for (let check = 0; check < 3; check++) {
      const [hub, mine] = await Promise.all([this.#api.sync.merkle.query({ workspace: this.workspace }), this.replica.merkle()]);
      const from = diff(hub.merkle, mine);
      if (from === null) break;
      if (hub.head > pull.cursor) {
        // Someone pushed meanwhile: catch up before calling it a divergence.
        const more = await this.#pull();
        pull = { ...more, pulled: pull.pulled + more.pulled, applied: pull.applied + more.applied };
        continue;
      }
      // A real divergence (a hub restored from a backup, a lost page): send again what we hold
      // from that minute on, and read the workspace again from the start. Once per minute per
      // client: a difference a repair cannot remove (a message the hub stored before it checked
      // timestamps in full, which no replica can place in its trie) would otherwise make every
      // round re-read the whole workspace.
      if (this.#repairedFrom.has(from)) break;
      this.#repairedFrom.add(from);
      repaired = true;
      await this.replica.requeueSince(from);
      pushed += await this.#push();
      await this.replica.resetCursor();
      const again = await this.#pull();
      pull = { ...again, pulled: pull.pulled + again.pulled, applied: pull.applied + again.applied };
    }
    return { pushed, pulled: pull.pulled, applied: pull.applied, problems: pull.problems, repaired, cursor: pull.cursor };
  }

  /** One full round; concurrent calls share the round in progress (and queue one more). */
  syncOnce(): Promise<RoundReport> {
    if (this.#round) {
      this.#again = true;
      return this.#round;
    }
    this.#setStatus({ state: 'syncing' });
    this.#round = this.#round_()
      .then(async (report) => {
        this.#attempt = 0;
        this.#refused = false;
        this.#setStatus({ state: this.#running ? 'online' : 'idle', lastSync: new Date().toISOString(), lastError: null, pending: await this.replica.pending() });
        this.emit('round', report);
        return report;
      })
      .catch(async (error: unknown) => {
        if (isFatal(error)) this.#refuse();
        this.#setStatus({ state: isFatal(error) ? 'error' : 'offline', lastError: describeError(error), pending: await this.replica.pending().catch(() => this.#status.pending) });
        throw error;
      })
      .finally(() => {
        this.#round = undefined;
        if (this.#again && this.#running && !this.#refused) {
          this.#again = false;
          this.#schedule(0);
        }
      });
    return this.#round;
  }

  #refuse(): void {
    this.#refused = true;
    this.#again = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(delayMs: number): void {
    if (!this.#running || this.#refused) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.syncOnce().catch((error: unknown) => {
        if (isFatal(error)) return; // shown in the status; retrying cannot help
        const { baseMs, maxMs } = this.#options.backoff;
        this.#schedule(backoffDelay(this.#attempt++, baseMs, maxMs, this.#options.random));
      });
    }, delayMs);
  }

  /** A local write happened: push soon (a burst of edits becomes one round). */
  notifyLocalChange(): void {
    if (!this.#running) return;
    if (this.#round) {
      this.#again = true;
      return;
    }
    this.#schedule(this.#options.debounceMs);
  }

  #connectLive(): void {
    if (!this.#running) return;
    const reconnect = () => {
      if (!this.#running) return;
      this.#setStatus({ live: false });
      this.#subscription?.unsubscribe();
      this.#subscription = undefined;
      const old = this.#live;
      this.#live = undefined;
      void old?.close();
      if (this.#liveTimer) clearTimeout(this.#liveTimer);
      const { baseMs, maxMs } = this.#options.backoff;
      this.#liveTimer = setTimeout(() => this.#connectLive(), backoffDelay(this.#liveAttempt++, baseMs, maxMs, this.#options.random));
    };
    const live = hubLive(this.#address, reconnect);
    this.#live = live;
    this.#subscription = live.api.sync.live.subscribe(
      { workspace: this.workspace },
      {
        onData: (signal) => {
          this.#liveAttempt = 0;
          this.#setStatus({ live: true });
          // a signal arriving while the replica closes finds no database: nothing to sync then
          this.replica.cursor().then(
            (cursor) => {
              if (signal.head > cursor) this.#schedule(0);
            },
            () => undefined,
          );
        },
        onError: () => reconnect(),
      },
    );
  }

  /** Starts live sync: a round now, then on every hub signal and local change. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#setStatus({ state: 'syncing' });
    this.#schedule(0);
    this.#connectLive();
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#liveTimer) clearTimeout(this.#liveTimer);
    this.#subscription?.unsubscribe();
    await this.#live?.close();
    this.#live = undefined;
    await this.#round?.catch(() => undefined);
    this.#setStatus({ state: 'stopped', live: false });
  }
}
