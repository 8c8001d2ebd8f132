/**
 * The ingestion service of the Core: the Recorder, the measured evaluation it triggers, series
 * queries for charts, and retention pruning.
 *
 * When the measured rule is evaluated: after a committed batch, for each flow whose points got new
 * samples, at most once per `ingest.measured_eval_interval_s` (default 60 s) per flow, one
 * evaluation at a time in the background (never inside the write path, so it cannot slow the
 * acknowledgement). A flow already measured from meters is refreshed at most once a day, so a
 * running recording does not write the flow (change log, sync, re-match) every minute.
 */
import { MeasurementStore, type AggregatePoint, type MeasurementRow } from '../db/measurements.ts';
import type { Repository } from '../db/repository.ts';
import { evaluateMeasured, type MeasuredEvaluation, type MeasuredOptions } from './measured.ts';
import { Recorder, type RecorderOptions } from './recorder.ts';
import { readIngestSettings } from './settings.ts';

const DAY = 24 * 3600_000;
const REFRESH_MEASURED_MS = DAY;
/** Point -> flow links are re-read after this (a point may be bound to a flow while recording). */
const LINK_CACHE_MS = 10_000;

export interface IngestServiceOptions {
  recorder?: Omit<RecorderOptions, 'onCommitted'>;
  /** After a flow became (or stayed) measured; the core re-matches through the repository's change events instead. */
  onFlowMeasured?: (flowId: string) => void | Promise<void>;
  /** Evaluate the measured rule after commits (default true). */
  autoEvaluate?: boolean;
  /** Prune raw samples this often (default hourly; 0: only when prune() is called). */
  pruneIntervalMs?: number;
  now?: () => number;
  /** Record on the Repository's connection instead of a writer connection of its own. */
  sharedConnection?: boolean;
}

export interface Series {
  pointId: string;
  resolution: 'raw' | 'minute' | 'hour';
  /** [ts_ms, value] for raw; for aggregates ts is the bucket start and value the average. */
  points: { ts: number; value: number | null; min?: number | null; max?: number | null; quality?: string }[];
}

export class IngestService {
  readonly recorder: Recorder;
  /** The recorder's own connection, opened on the first write. */
  #writer: Promise<MeasurementStore> | undefined;
  readonly #repo: Repository;
  readonly #options: IngestServiceOptions;
  readonly #now: () => number;
  readonly #lastEvaluated = new Map<string, number>();
  readonly #pendingFlows = new Set<string>();
  #links = new Map<string, string | null>();
  #linksReadAt = 0;
  #evaluating: Promise<void> | undefined;
  readonly #background = new Set<Promise<void>>();
  #pruneTimer: NodeJS.Timeout | undefined;
  #closed = false;
  /** The last evaluation per flow and the last background error, for status displays. */
  readonly evaluations = new Map<string, MeasuredEvaluation>();
  lastError: string | undefined;

  constructor(repo: Repository, options: IngestServiceOptions = {}) {
    this.#repo = repo;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    // The recorder writes on its own connection (MeasurementStore.openWriter: API reads do not
    // queue behind batches); an in-memory database has only the one.
    const shared = repo.path === ':memory:' || options.sharedConnection === true;
    this.recorder = new Recorder(shared ? repo.measurements : () => (this.#writer ??= MeasurementStore.openWriter(repo.path)), {
      now: this.#now,
      ...options.recorder,
      onCommitted: ({ pointIds }) => {
        if (options.autoEvaluate === false) return;
        const work = this.#afterCommit(pointIds);
        this.#background.add(work);
        void work.finally(() => this.#background.delete(work));
      },
    });
    const every = options.pruneIntervalMs ?? 3600_000;
    if (every > 0) {
      this.#pruneTimer = setInterval(() => void this.prune().catch((e: Error) => (this.lastError = `pruning failed: ${e.message}`)), every);
      this.#pruneTimer.unref();
    }
  }

  /** Evaluates the measured rule for a flow now; options default to the settings. */
  async evaluateMeasured(flowId: string, options: Partial<MeasuredOptions> = {}): Promise<MeasuredEvaluation> {
    const evaluation = await evaluateMeasured({ repo: this.#repo, onFlowMeasured: this.#options.onFlowMeasured }, flowId, { now: this.#now(), ...options });
    this.evaluations.set(flowId, evaluation);
    this.#lastEvaluated.set(flowId, this.#now());
    return evaluation;
  }

  /** A point's series over [fromMs, toMs), at the finest resolution that fits in `maxPoints`. */
  async series(pointId: string, fromMs: number, toMs: number, maxPoints = 2000): Promise<Series> {
    const m = this.#repo.measurements;
    const span = toMs - fromMs;
    if (span / 60_000 > maxPoints) return { pointId, resolution: 'hour', points: (await m.aggregates(pointId, 'hour', fromMs, toMs)).map(agg) };
    if ((await m.rawCount(pointId, fromMs, toMs)) > maxPoints) {
      return { pointId, resolution: 'minute', points: (await m.aggregates(pointId, 'minute', fromMs, toMs)).map(agg) };
    }
    return { pointId, resolution: 'raw', points: (await m.raw(pointId, fromMs, toMs, maxPoints)).map(raw) };
  }

  /** Deletes raw samples (and minute buckets) older than the retention settings. */
  async prune(): Promise<{ raw: number; minutes: number }> {
    const s = await readIngestSettings(this.#repo);
    const now = this.#now();
    return this.#repo.measurements.prune(now - s.rawRetentionDays * DAY, s.minuteRetentionDays > 0 ? now - s.minuteRetentionDays * DAY : undefined);
  }

  /** Resolves when the evaluations triggered by commits so far have run. */
  async idle(): Promise<void> {
    while (this.#background.size > 0 || this.#evaluating) {
      await Promise.allSettled([...this.#background]);
      await this.#evaluating;
    }
  }

  /** Flushes the recorder and waits for a running evaluation; stops the timers. */
  async close(): Promise<void> {
    if (this.#pruneTimer) clearInterval(this.#pruneTimer);
    await this.recorder.close();
    this.#closed = true;
    await this.idle();
    await (await this.#writer?.catch(() => undefined))?.close();
  }

  async #afterCommit(pointIds: string[]): Promise<void> {
    try {
      const now = this.#now();
      if (now - this.#linksReadAt > LINK_CACHE_MS || pointIds.some((id) => !this.#links.has(id))) {
        this.#links = await this.#repo.measurements.flowsOfPoints([...new Set([...this.#links.keys(), ...pointIds])]);
        this.#linksReadAt = now;
      }
      const settings = await readIngestSettings(this.#repo);
      for (const id of pointIds) {
        const flowId = this.#links.get(id);
        if (!flowId) continue;
        const last = this.#lastEvaluated.get(flowId) ?? -Infinity;
        if (now - last >= settings.measuredEvalIntervalS * 1000) this.#pendingFlows.add(flowId);
      }
      this.#drain();
    } catch (error) {
      this.lastError = `measured evaluation failed: ${(error as Error).message}`;
    }
  }

  #drain(): void {
    if (this.#evaluating || this.#pendingFlows.size === 0 || this.#closed) return;
    const [flowId] = this.#pendingFlows;
    this.#pendingFlows.delete(flowId!);
    this.#evaluating = this.#evaluateInBackground(flowId!).finally(() => {
      this.#evaluating = undefined;
      this.#drain();
    });
  }

  async #evaluateInBackground(flowId: string): Promise<void> {
    try {
      const flow = await this.#repo.getFlow(flowId);
      const recordedAt = flow.provenance?.kind === 'meter' && flow.precision === 'measured' ? Date.parse(flow.provenance.recorded_at ?? '') : NaN;
      if (this.#now() - recordedAt < REFRESH_MEASURED_MS) {
        this.#lastEvaluated.set(flowId, this.#now());
        return;
      }
      await this.evaluateMeasured(flowId);
    } catch (error) {
      this.lastError = `measured evaluation of flow "${flowId}" failed: ${(error as Error).message}`;
      this.#lastEvaluated.set(flowId, this.#now());
    }
  }
}

const agg = (b: AggregatePoint) => ({ ts: b.bucket_ms, value: b.avg, min: b.min, max: b.max });
const raw = (r: MeasurementRow) => ({ ts: r.ts_ms, value: r.value, quality: r.quality });
