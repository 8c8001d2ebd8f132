/**
 * Store-and-forward of connector samples into the local SQLite file (field.md "Ingestion and
 * precision").
 *
 * Acknowledgement: the promise of `write()` resolves only once the transaction holding its samples
 * has COMMITTED (WAL, synchronous=FULL: database.ts). A resolved write survives the app being
 * killed, the laptop sleeping or the power going; an unresolved one may be lost and the caller
 * (the connector service) must treat it as not recorded.
 *
 * Batching: writes are queued and committed together, every `flushIntervalMs` after the first
 * queued sample or as soon as `flushSamples` are waiting, whichever comes first. One transaction
 * per batch, never one per sample: that is what makes 50,000 samples/s possible.
 *
 * Backpressure: the queue is bounded (`maxQueue` samples). A write that would overflow it is
 * refused at once with a RecorderOverloadedError (nothing of it stored, counted in `overflowed`);
 * a caller that awaits each write before sending the next never sees it. Refusing rather than
 * blocking keeps memory bounded when the disk stalls and tells the caller exactly what was not
 * recorded, so it can mark a gap.
 */
import type { Sample } from '../../connectors/types.ts';
import type { MeasurementRow, MeasurementStore } from '../db/measurements.ts';

export interface RecorderOptions {
  /** Commit at the latest this long after the first queued sample. */
  flushIntervalMs?: number;
  /** Commit at once when this many samples are queued. */
  flushSamples?: number;
  /** Most samples waiting (queued + being committed) before writes are refused. */
  maxQueue?: number;
  /** A source timestamp further than this ahead of `now()` is rejected (a clock gone wrong). */
  maxFutureMs?: number;
  now?: () => number;
  /** After each commit: the points that got new samples (drives the measured evaluation). */
  onCommitted?: (info: { pointIds: string[]; inserted: number }) => void;
}

/** A sample the recorder refused, with the reason in words. */
export interface RejectedSample {
  /** Index in the array given to write(). */
  index: number;
  pointId: string;
  sourceMs: number;
  reason: string;
}

export interface WriteResult {
  /** Samples newly stored (committed). */
  stored: number;
  /** Samples already stored for the same point and source timestamp (ignored, not errors). */
  duplicates: number;
  rejected: RejectedSample[];
}

export interface RecorderCounters {
  written: number;
  duplicates: number;
  rejected: number;
  overflowed: number;
  batches: number;
  failedBatches: number;
  /** ms since the epoch of the last commit, null before the first. */
  lastCommitMs: number | null;
  /** How long the last commit took, ms. */
  lastCommitDurationMs: number | null;
  /** Samples waiting, including those of the commit in progress. */
  queueDepth: number;
}

export class RecorderOverloadedError extends Error {
  constructor(queued: number, incoming: number, max: number) {
    super(`recorder queue full (${queued} samples waiting, limit ${max}): the disk cannot keep up; ${incoming} samples not stored`);
    this.name = 'RecorderOverloadedError';
  }
}

export class RecorderClosedError extends Error {
  constructor() {
    super('the recorder is closed; samples not stored');
    this.name = 'RecorderClosedError';
  }
}

interface Pending {
  rows: MeasurementRow[];
  result: WriteResult;
  resolve: (result: WriteResult) => void;
  reject: (error: Error) => void;
}

const DEFAULTS = { flushIntervalMs: 100, flushSamples: 5_000, maxQueue: 500_000, maxFutureMs: 10 * 60_000 };

const keyOf = (pointId: string, ts: number) => `${pointId}\u0000${ts}`;

type Store = Pick<MeasurementStore, 'commitBatch' | 'existingPoints'> & Partial<Pick<MeasurementStore, 'checkpoint'>>;

/** Quiet this long after a commit: the store may checkpoint its WAL (MeasurementStore.checkpoint). */
const IDLE_CHECKPOINT_MS = 250;

export class Recorder {
  readonly #openStore: () => Store | Promise<Store>;
  #store: Store | Promise<Store> | undefined;
  readonly #options: Required<Omit<RecorderOptions, 'onCommitted'>> & Pick<RecorderOptions, 'onCommitted'>;
  /** Points known to exist (a miss is looked up again: the point may have been created since). */
  readonly #knownPoints = new Set<string>();
  #queue: Pending[] = [];
  #queuedSamples = 0;
  #inFlightSamples = 0;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #checkpointing: Promise<void> | undefined;
  #flushing: Promise<void> | undefined;
  readonly #intakes = new Set<Promise<void>>();
  #intakeSamples = 0;
  #closed = false;
  readonly #counters: Omit<RecorderCounters, 'queueDepth'> = {
    written: 0,
    duplicates: 0,
    rejected: 0,
    overflowed: 0,
    batches: 0,
    failedBatches: 0,
    lastCommitMs: null,
    lastCommitDurationMs: null,
  };

  /**
   * `store` may be a function that opens it (a writer connection, opened on the first write so a
   * command that never records never opens it); writes wait for it.
   */
  constructor(store: Store | (() => Store | Promise<Store>), options: RecorderOptions = {}) {
    this.#openStore = typeof store === 'function' ? store : () => store;
    this.#options = { ...DEFAULTS, now: Date.now, ...options };
    for (const key of ['flushIntervalMs', 'flushSamples', 'maxQueue', 'maxFutureMs'] as const) {
      const v = this.#options[key];
      if (!Number.isFinite(v) || v <= 0) throw new Error(`recorder option ${key} must be a positive number, got ${v}`);
    }
  }

  counters(): RecorderCounters {
    return { ...this.#counters, queueDepth: this.#queuedSamples + this.#inFlightSamples + this.#intakeSamples };
  }

  /**
   * Validates and queues samples; resolves once they are committed (see the file comment).
   * `pointIdMap` maps the connector's ids (protocol addresses) to points.id; unmapped ids are
   * taken as point ids. Invalid samples are rejected with a reason each; the rest are stored.
   */
  async write(samples: Sample[], pointIdMap?: ReadonlyMap<string, string> | Record<string, string>): Promise<WriteResult> {
    if (this.#closed) throw new RecorderClosedError();
    const lookup = pointIdMap instanceof Map ? (id: string) => pointIdMap.get(id) : pointIdMap ? (id: string) => (pointIdMap as Record<string, string>)[id] : () => undefined;
    const depth = this.#queuedSamples + this.#inFlightSamples + this.#intakeSamples;
    if (depth + samples.length > this.#options.maxQueue) {
      this.#counters.overflowed += samples.length;
      throw new RecorderOverloadedError(depth, samples.length, this.#options.maxQueue);
    }
    // Reserved until queued, so concurrent writes cannot overshoot the bound together.
    this.#intakeSamples += samples.length;
    let reserved = samples.length;
    try {
      return await this.#intake(samples, lookup, () => {
        this.#intakeSamples -= reserved;
        reserved = 0;
      });
    } finally {
      this.#intakeSamples -= reserved;
    }
  }

  async #intake(samples: Sample[], lookup: (id: string) => string | undefined, release: () => void): Promise<WriteResult> {
    const ids = samples.map((s) => lookup(s.pointId) ?? s.pointId);
    // Writes still validating count as "called before flush()": flush and close wait for them.
    const intake = this.#learnPoints(ids);
    this.#intakes.add(intake);
    try {
      await intake;
    } finally {
      this.#intakes.delete(intake);
    }
    const result: WriteResult = { stored: 0, duplicates: 0, rejected: [] };
    const rows: MeasurementRow[] = [];
    const seen = new Set<string>();
    const futureLimit = this.#options.now() + this.#options.maxFutureMs;
    samples.forEach((s, index) => {
      const pointId = ids[index]!;
      const reason = this.#problem(s, pointId, futureLimit);
      if (reason) {
        result.rejected.push({ index, pointId: s.pointId, sourceMs: s.sourceMs, reason });
        return;
      }
      const key = keyOf(pointId, s.sourceMs);
      if (seen.has(key)) {
        result.duplicates += 1;
        return;
      }
      seen.add(key);
      rows.push({ point_id: pointId, ts_ms: s.sourceMs, received_ms: Math.round(s.receivedMs), value: s.value, quality: s.quality, status: s.status ?? null });
    });
    this.#counters.rejected += result.rejected.length;
    this.#counters.duplicates += result.duplicates;
    release();
    if (rows.length === 0) return result;
    return new Promise<WriteResult>((resolve, reject) => {
      this.#queue.push({ rows, result, resolve, reject });
      this.#queuedSamples += rows.length;
      this.#schedule();
    });
  }

  /** Commits everything queued so far; resolves when it is committed. */
  async flush(): Promise<void> {
    // allSettled: a write whose point lookup failed rejects to its own caller, not here.
    while (this.#intakes.size > 0) await Promise.allSettled([...this.#intakes]);
    while (this.#queue.length > 0 || this.#flushing) {
      if (this.#flushing) await this.#flushing;
      else await this.#startFlush();
    }
  }

  /** Flushes, then refuses further writes. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    await this.#checkpointing; // the caller closes the store next
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#immediate = undefined;
  }

  #storeNow(): Store | Promise<Store> {
    this.#store ??= this.#openStore();
    return this.#store;
  }

  #problem(s: Sample, pointId: string, futureLimit: number): string | undefined {
    if (!this.#knownPoints.has(pointId)) return `unknown point "${pointId}": create the point (or map the connector's id to one) before recording`;
    if (!Number.isInteger(s.sourceMs) || s.sourceMs < 0) return `source timestamp ${String(s.sourceMs)} is not a whole number of ms since 1970`;
    if (s.sourceMs > futureLimit) {
      return `source timestamp ${new Date(s.sourceMs).toISOString()} is ${Math.round((s.sourceMs - futureLimit + this.#options.maxFutureMs) / 1000)} s in the future (device clock wrong?)`;
    }
    if (!Number.isFinite(s.receivedMs)) return `received time ${String(s.receivedMs)} is not a number`;
    if (s.value !== null && (typeof s.value !== 'number' || !Number.isFinite(s.value))) return `value ${String(s.value)} is not a finite number`;
    if (s.quality !== 'good' && s.quality !== 'uncertain' && s.quality !== 'bad') return `quality "${String(s.quality)}" is not good, uncertain or bad`;
    if (s.value === null && s.quality === 'good') return 'a good sample needs a value';
    return undefined;
  }

  async #learnPoints(ids: string[]): Promise<void> {
    const unknown = [...new Set(ids)].filter((id) => !this.#knownPoints.has(id));
    if (unknown.length === 0) return;
    for (const id of await (await this.#storeNow()).existingPoints(unknown)) this.#knownPoints.add(id);
  }

  #schedule(): void {
    if (this.#flushing) return; // the running flush looks at the queue again when it ends
    if (this.#queuedSamples >= this.#options.flushSamples) {
      // Full: commit on the next turn of the event loop, not at once. Why: writes issued in the
      // same turn (the callers whose previous writes were just acknowledged sending their next
      // ones) then join this batch instead of waiting a whole commit for the next one. A batch
      // costs about the same SQLite work per point whatever its size (one aggregate row per point
      // and bucket, one hot leaf page per point), so bigger batches cost less per sample: 8,000 vs
      // 5,000 samples of 1,000 points, about 20 % less. The delay is one loop turn, not a timer.
      this.#immediate ??= setImmediate(() => {
        this.#immediate = undefined;
        void this.#startFlush();
      });
      return;
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      void this.#startFlush();
    }, this.#options.flushIntervalMs);
  }

  #startFlush(): Promise<void> {
    if (this.#flushing) return this.#flushing;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#immediate = undefined;
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return Promise.resolve();
    const count = this.#queuedSamples;
    this.#queuedSamples = 0;
    this.#inFlightSamples = count;
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    this.#flushing = this.#commit(batch).finally(() => {
      this.#inFlightSamples = 0;
      this.#flushing = undefined;
      if (this.#queue.length > 0) this.#schedule();
      else this.#scheduleIdleCheckpoint();
    });
    return this.#flushing;
  }

  #scheduleIdleCheckpoint(): void {
    if (this.#closed || this.#idleTimer) return;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      if (this.#flushing || this.#queue.length > 0 || this.#checkpointing) return;
      // A failed checkpoint loses nothing (the pages stay in the WAL); the next one retries.
      this.#checkpointing = Promise.resolve(this.#storeNow())
        .then((store) => store.checkpoint?.())
        .catch(() => undefined)
        .finally(() => (this.#checkpointing = undefined));
    }, IDLE_CHECKPOINT_MS);
    this.#idleTimer.unref();
  }

  async #commit(batch: Pending[]): Promise<void> {
    const started = Date.now();
    let inserted;
    let rowCount = 0;
    try {
      // Rows repeated across two writes of the same batch: the second is a duplicate too.
      const rows = batch.flatMap((p) => p.rows);
      rowCount = rows.length;
      ({ inserted } = await (await this.#storeNow()).commitBatch(rows));
    } catch (error) {
      this.#counters.failedBatches += 1;
      const failure = new Error(`recording failed, ${batch.reduce((n, p) => n + p.rows.length, 0)} samples not stored: ${(error as Error).message}`);
      for (const p of batch) p.reject(failure);
      return;
    }
    const now = Date.now();
    this.#counters.batches += 1;
    this.#counters.lastCommitMs = now;
    this.#counters.lastCommitDurationMs = now - started;
    const pointIds = new Set<string>();
    // Every row went in (the normal case): no key of the batch can be a duplicate, since a repeated
    // key would have been ignored and left the count short. Then there is no need to build and
    // probe a string key per sample on the main thread, where it would delay API calls.
    const stored = inserted.length === rowCount ? undefined : new Set(inserted.map((r) => keyOf(r.point_id, r.ts_ms)));
    for (const p of batch) {
      let duplicates = 0;
      if (!stored) {
        p.result.stored += p.rows.length;
        for (const row of p.rows) pointIds.add(row.point_id);
      } else for (const row of p.rows) {
        // delete: a key claimed by an earlier write of the same batch is this write's duplicate
        if (stored.delete(keyOf(row.point_id, row.ts_ms))) {
          p.result.stored += 1;
          pointIds.add(row.point_id);
        } else duplicates += 1;
      }
      p.result.duplicates += duplicates;
      this.#counters.written += p.result.stored;
      this.#counters.duplicates += duplicates;
      p.resolve(p.result);
    }
    if (pointIds.size > 0) this.#options.onCommitted?.({ pointIds: [...pointIds], inserted: inserted.length });
  }
}
