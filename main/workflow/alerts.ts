/**
 * New high-scoring matches, as a person can read them: after a stored re-match the core makes
 * one digest ("37 new matches scoring >= 0.8, 5 of them in your region", main/db/alert-digests.ts)
 * and emits it on `watch`. The renderer shows it as one desktop notification (when the user
 * allowed them) and always in the in-app list, where a digest opens its matches.
 *
 * A full run digests at once. Re-matches of single flows (an edit, a new measurement, and above
 * all a sync that applies page after page of a partner's edits) are debounced: the digest is made
 * when no re-match came for `quietMs`, or at the latest `maxWaitMs` after the first one, so a
 * burst makes one digest, not one per page or per flow.
 */
import { EventEmitter, on } from 'node:events';
import { checkRegion, type AlertDigest, type AlertRegion, type MatchAlert } from '../db/alert-digests.ts';
import type { Repository } from '../db/repository.ts';

/** Default score at or above which a new match is worth an alert (a settings key can change it). */
export const DEFAULT_ALERT_THRESHOLD = 0.8;
export const ALERT_THRESHOLD_SETTING = 'workflow.alert_threshold';
/** The user's region (a bounding box): the digest counts the new matches with a site inside it. */
export const ALERT_REGION_SETTING = 'workflow.alert_region';

/** Quiet time after the last single-flow re-match before the digest is made. */
export const DEFAULT_QUIET_MS = 2_000;
/** The longest a digest waits during a steady stream of re-matches. */
export const DEFAULT_MAX_WAIT_MS = 15_000;

export interface AlertBatch {
  at: string;
  digest: AlertDigest;
  /** The best few matches behind it (a notification names the first). */
  top: MatchAlert[];
}

export interface AlertOptions {
  quietMs?: number;
  maxWaitMs?: number;
}

/** What a stored re-match was (main/matching/service/match-service.ts SavedRun). */
export type RematchKind = { kind: 'full' } | { kind: 'flow'; flowId?: string };

export class MatchAlerts {
  readonly #repo: Repository;
  readonly #events = new EventEmitter();
  readonly #quietMs: number;
  readonly #maxWaitMs: number;
  #chain: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #firstPendingAt = 0;

  constructor(repo: Repository, options: AlertOptions = {}) {
    this.#repo = repo;
    this.#quietMs = options.quietMs ?? DEFAULT_QUIET_MS;
    this.#maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
    this.#events.setMaxListeners(100);
  }

  async threshold(): Promise<number> {
    return (await this.#repo.getSetting(ALERT_THRESHOLD_SETTING)) ?? DEFAULT_ALERT_THRESHOLD;
  }

  /**
   * Changes the threshold. Matches already above the new one are recorded silently: lowering the
   * bar is not news, only matches that appear (or rise) afterwards are.
   */
  async setThreshold(value: number): Promise<void> {
    if (!(value >= 0 && value <= 1)) throw new RangeError(`the alert threshold is a score from 0 to 1, got ${value}`);
    await this.#chain;
    await this.#repo.setSetting(ALERT_THRESHOLD_SETTING, value);
    await this.#repo.workflow.alerts.record(value, new Date(), { silent: true });
  }

  /** The user's region, or null when none is set (then digests leave out the "in your region" clause). */
  async region(): Promise<AlertRegion | null> {
    // A damaged setting is no region (the registry warns), not a failed digest.
    return (await this.#repo.getSetting(ALERT_REGION_SETTING)) ?? null;
  }

  async setRegion(region: AlertRegion | null): Promise<void> {
    await this.#repo.setSetting(ALERT_REGION_SETTING, region === null ? null : checkRegion(region));
  }

  /** Called after every stored re-match: a full run digests now, a single flow's after the quiet time. */
  after(run: RematchKind): void {
    if (run.kind === 'full') {
      void this.check().catch((error: unknown) => console.error('match alerts:', error));
      return;
    }
    const now = Date.now();
    if (this.#timer === undefined) this.#firstPendingAt = now;
    else clearTimeout(this.#timer);
    const wait = Math.max(0, Math.min(this.#quietMs, this.#firstPendingAt + this.#maxWaitMs - now));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.check().catch((error: unknown) => console.error('match alerts:', error));
    }, wait);
  }

  /** Whether a debounced digest is waiting for its quiet time. */
  get pending(): boolean {
    return this.#timer !== undefined;
  }

  /**
   * Digests the new matches above the threshold now (a waiting debounced digest is included) and
   * announces it. Checks run one after another (two re-matches finishing together must not
   * announce the same match twice).
   */
  check(now = new Date()): Promise<AlertDigest | null> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const run = this.#chain.then(async () => {
      const digest = await this.#repo.workflow.alerts.record(await this.threshold(), now, { region: await this.region() });
      if (digest) {
        const top = (await this.#repo.workflow.alerts.matches(digest.id, { limit: 5 })).items;
        this.#events.emit('alerts', { at: digest.at, digest, top } satisfies AlertBatch);
      }
      return digest;
    });
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /** Resolves when the checks started so far have finished; a waiting debounced digest is made first (the core awaits this before closing the database). */
  idle(): Promise<void> {
    if (this.#timer !== undefined) void this.check().catch((error: unknown) => console.error('match alerts:', error));
    return this.#chain.then(() => undefined);
  }

  /** Digests as they are made, until `signal` aborts. */
  async *watch(signal?: AbortSignal): AsyncGenerator<AlertBatch> {
    for await (const [batch] of on(this.#events, 'alerts', signal ? { signal } : {}) as AsyncIterable<[AlertBatch]>) yield batch;
  }
}
