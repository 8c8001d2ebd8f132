/**
 * New high-scoring matches: after every stored re-match (a full run, an edited flow, a synced
 * change, a new measurement) the core checks for matches at or above the threshold that never
 * crossed it before and emits them as one `alerts` event. The renderer shows them with the
 * Notification API (when the user allowed it) and always in an in-app list.
 */
import { EventEmitter, on } from 'node:events';
import type { Repository } from '../db/repository.ts';
import type { MatchAlert } from '../db/workflow.ts';

/** Default score at or above which a new match is worth an alert (a settings key can change it). */
export const DEFAULT_ALERT_THRESHOLD = 0.8;
export const ALERT_THRESHOLD_SETTING = 'workflow.alert_threshold';

export interface AlertBatch {
  at: string;
  alerts: MatchAlert[];
}

export class MatchAlerts {
  readonly #repo: Repository;
  readonly #events = new EventEmitter();
  #chain: Promise<unknown> = Promise.resolve();

  constructor(repo: Repository) {
    this.#repo = repo;
    this.#events.setMaxListeners(100);
  }

  async threshold(): Promise<number> {
    const stored = await this.#repo.getSetting<number>(ALERT_THRESHOLD_SETTING);
    return typeof stored === 'number' && stored >= 0 && stored <= 1 ? stored : DEFAULT_ALERT_THRESHOLD;
  }

  /**
   * Changes the threshold. Matches already above the new one are recorded silently: lowering the
   * bar is not news, only matches that appear (or rise) afterwards are.
   */
  async setThreshold(value: number, now = new Date()): Promise<void> {
    if (!(value >= 0 && value <= 1)) throw new RangeError(`the alert threshold is a score from 0 to 1, got ${value}`);
    await this.#chain;
    await this.#repo.setSetting(ALERT_THRESHOLD_SETTING, value);
    await this.#repo.workflow.recordNewHighScores(value, now, { silent: true });
  }

  /**
   * Records and announces the new matches above the threshold. Checks run one after another (two
   * re-matches finishing together must not announce the same match twice).
   */
  check(now = new Date()): Promise<MatchAlert[]> {
    const run = this.#chain.then(async () => {
      const ids = await this.#repo.workflow.recordNewHighScores(await this.threshold(), now);
      if (ids.length === 0) return [];
      const wanted = new Set(ids);
      const alerts = (await this.#repo.workflow.listAlerts({ unseenOnly: true, limit: 500 })).filter((a) => wanted.has(a.match_id));
      if (alerts.length) this.#events.emit('alerts', { at: now.toISOString(), alerts } satisfies AlertBatch);
      return alerts;
    });
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /** Resolves when the checks started so far have finished (the core awaits it before closing the database). */
  idle(): Promise<void> {
    return this.#chain.then(() => undefined);
  }

  /** Batches of new alerts as they happen, until `signal` aborts. */
  async *watch(signal?: AbortSignal): AsyncGenerator<AlertBatch> {
    for await (const [batch] of on(this.#events, 'alerts', signal ? { signal } : {}) as AsyncIterable<[AlertBatch]>) yield batch;
  }
}
