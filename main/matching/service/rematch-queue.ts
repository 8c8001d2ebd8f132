/**
 * Re-matches changed flows in the background, one batch at a time. The core feeds it the
 * repository's `flowsChanged` events (main/db/repository-events.ts): an edit answers as soon as it
 * is stored, and its matches follow a moment later. Flows that change while a batch runs (a burst
 * of edits, a sync applying page after page) gather into the next batch, each flow once, so a burst
 * costs one re-match per flow, not one per write; batches never overlap.
 *
 * A batch runs only once matching has run in the database (before that there is nothing to keep
 * up to date: the first full run matches every flow). A failed re-match is logged and the batch
 * goes on; it is never thrown at the writer, who has long had its answer.
 */

import type { Repository } from '../../db/repository.ts';

/** What the queue needs of the match service (match-service.ts). */
export interface Rematcher {
  hasRun(): Promise<boolean>;
  rematchFlow(flowId: string): Promise<unknown>;
}

/**
 * The core's one subscription to changed flows (main/db/repository-events.ts), made once by
 * openCore. Edits, synced changes and flows that became measured are re-matched in the background;
 * an import is a bulk change: the worker's held portfolio is dropped (the next re-match reloads it
 * from the database) and the imported flows wait for the next full run, as a new portfolio does.
 */
export function followFlowChanges(repo: Repository, matching: Rematcher & { invalidate(): void }, options: RematchQueueOptions = {}): RematchQueue {
  const rematches = new RematchQueue(matching, options);
  repo.events.on('flowsChanged', ({ flowIds, origin }) => {
    if (origin === 'import') matching.invalidate();
    else rematches.add(flowIds);
  });
  return rematches;
}

export interface RematchQueueOptions {
  /** How long the first change of a batch waits for others to join it (ms; default 25). */
  gatherMs?: number;
  /** Where failures are reported (default console.error). */
  log?: (message: string, error: unknown) => void;
}

export interface RematchQueueStats {
  /** Batches run (each one `hasRun` check and its flows re-matched one after another). */
  batches: number;
  /** Flows re-matched (or attempted). */
  flows: number;
  failures: number;
}

export class RematchQueue {
  readonly #matching: Rematcher;
  readonly #gatherMs: number;
  readonly #log: (message: string, error: unknown) => void;
  /** Flows waiting for the next batch. */
  #pending = new Set<string>();
  /** The flows of the batch running now. */
  #running = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #drain: Promise<void> | undefined;
  #waiters: { ids: ReadonlySet<string> | undefined; resolve: () => void }[] = [];
  #closed = false;
  readonly stats: RematchQueueStats = { batches: 0, flows: 0, failures: 0 };

  constructor(matching: Rematcher, options: RematchQueueOptions = {}) {
    this.#matching = matching;
    this.#gatherMs = options.gatherMs ?? 25;
    this.#log = options.log ?? ((message, error) => console.error(`[turash] ${message}`, error));
  }

  /** Queues flows for re-matching (ignored once the queue is closed). */
  add(flowIds: Iterable<string>): void {
    if (this.#closed) return;
    for (const id of flowIds) this.#pending.add(id);
    if (this.#pending.size === 0 || this.#drain || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#start();
    }, this.#gatherMs);
  }

  #start(): void {
    if (this.#drain) return;
    this.#drain = this.#run().finally(() => {
      this.#drain = undefined;
      // A change may have arrived after the last batch ended and before this ran: it is not left behind.
      if (this.#pending.size > 0) this.#start();
      else this.#wake();
    });
  }

  async #run(): Promise<void> {
    while (this.#pending.size > 0) {
      this.#running = this.#pending;
      this.#pending = new Set();
      this.stats.batches += 1;
      try {
        if (await this.#matching.hasRun()) {
          for (const flowId of this.#running) {
            this.stats.flows += 1;
            try {
              await this.#matching.rematchFlow(flowId);
            } catch (error) {
              this.stats.failures += 1;
              this.#log(`re-matching flow "${flowId}" after its change failed; its matches stay as they were until the next change or run:`, error);
            }
          }
        }
      } catch (error) {
        this.stats.failures += 1;
        this.#log(`re-matching ${this.#running.size} changed flow(s) failed: could not tell whether matching has run:`, error);
      }
      this.#running = new Set();
      this.#wake();
    }
  }

  /** Resolves the waiters whose flows are neither waiting nor being re-matched. */
  #wake(): void {
    const busy = this.#timer !== undefined || this.#drain !== undefined;
    this.#waiters = this.#waiters.filter((w) => {
      const done = w.ids ? ![...w.ids].some((id) => this.#pending.has(id) || this.#running.has(id)) : !busy && this.#pending.size === 0;
      if (done) w.resolve();
      return !done;
    });
  }

  /** Whether nothing is waiting or running. */
  get isIdle(): boolean {
    return this.#timer === undefined && this.#drain === undefined && this.#pending.size === 0;
  }

  /** Resolves when every change queued so far, and any queued meanwhile, has been re-matched. */
  idle(): Promise<void> {
    if (this.isIdle) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ ids: undefined, resolve }));
  }

  /** Resolves when `flowIds` are re-matched (at once when none of them is queued): what a flow save waits for before its matches are read again. */
  settled(flowIds: Iterable<string>): Promise<void> {
    const ids = new Set(flowIds);
    if (![...ids].some((id) => this.#pending.has(id) || this.#running.has(id))) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ ids, resolve }));
  }

  /**
   * Stops taking changes and re-matches what is queued now, without the gathering wait (the core
   * calls this before it closes the database, so a change made just before is not left unmatched).
   */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#start();
    }
    while (this.#drain) await this.#drain;
  }
}
