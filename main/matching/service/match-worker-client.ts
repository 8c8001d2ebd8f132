/**
 * The main thread's handle on the long-lived matching worker (match-worker-main.ts): starts it on
 * first use, sends one request at a time, routes its replies, and cancels by ending the thread
 * (a run is CPU-bound and cannot be interrupted from outside; the next request starts a fresh
 * worker, which then needs the portfolio again).
 */
import { Worker } from 'node:worker_threads';
import type { MatchRows } from '../../db/match-rows.ts';
import type { EngineMatch } from '../match.ts';
import type { MatchStats } from '../pipeline.ts';
import type { WorkerPhase, WorkerReply, WorkerRequest } from './match-worker-protocol.ts';
import type { PlanRun } from './regional-plan.ts';

/** Distributes over the union: a request without its sequence number. */
type Unsequenced<T> = T extends unknown ? Omit<T, 'seq'> : never;
export type WorkerCall = Unsequenced<WorkerRequest>;

export interface CallHandlers {
  progress?: (phase: WorkerPhase, done: number, total: number) => void;
  matches?: (rows: MatchRows, stats: MatchStats | undefined, matches?: EngineMatch[]) => void;
  plan?: (plan: PlanRun) => void;
  preview?: (matches: EngineMatch[]) => void;
}

export class WorkerCallError extends Error {
  readonly overAllocation: boolean;
  readonly needsFlows: boolean;
  constructor(reply: Extract<WorkerReply, { kind: 'error' }>) {
    super(reply.message);
    this.name = 'WorkerCallError';
    this.overAllocation = reply.overAllocation === true;
    this.needsFlows = reply.needsFlows === true;
  }
}

export class CancelledError extends Error {
  constructor() {
    super('the matching run was cancelled; nothing of it was stored');
    this.name = 'CancelledError';
  }
}

interface Pending {
  handlers: CallHandlers;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

export class MatchWorkerClient {
  readonly #url: URL;
  #worker: Worker | undefined;
  #seq = 0;
  #closed = false;
  readonly #pending = new Map<number, Pending>();
  /** Whether the running worker holds the portfolio (false after a start, a cancel or an import). */
  get holdsFlows(): boolean {
    return this.#holds;
  }
  #holds = false;
  /** The matching input's generation (main/db/matching-input.ts) the held portfolio was read at, when known. */
  #generation: number | undefined;

  /** Whether the worker holds the portfolio exactly as the database had it at `generation`. */
  holdsGeneration(generation: number): boolean {
    return this.#holds && this.#generation === generation;
  }

  /** The portfolio just sent (`load`, or `run` with flows) was read from the database at `generation`. */
  loadedAt(generation: number | undefined): void {
    this.#generation = generation;
  }

  #forget(): void {
    this.#holds = false;
    this.#generation = undefined;
  }

  constructor(url: URL) {
    this.#url = url;
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(this.#url);
    // An idle worker must not keep a command-line process alive.
    worker.unref();
    worker.on('message', (message: WorkerReply) => this.#route(message));
    worker.on('error', (error) => this.#fail(worker, error));
    worker.on('exit', (code) => this.#fail(worker, new Error(`the matching worker stopped with exit code ${code}`)));
    this.#worker = worker;
    this.#forget();
    return worker;
  }

  #route(message: WorkerReply): void {
    const pending = this.#pending.get(message.seq);
    if (!pending) return;
    if (message.kind === 'progress') pending.handlers.progress?.(message.phase, message.done, message.total);
    else if (message.kind === 'preview') pending.handlers.preview?.(message.matches);
    else if (message.kind === 'matches') pending.handlers.matches?.(message.rows, message.stats, message.matches);
    else if (message.kind === 'plan') {
      pending.handlers.plan?.(message.plan);
      this.#settle(message.seq).resolve(undefined);
    } else if (message.kind === 'done') {
      this.#settle(message.seq).resolve(message.value);
    } else this.#settle(message.seq).reject(new WorkerCallError(message));
  }

  #settle(seq: number): Pending {
    const pending = this.#pending.get(seq)!;
    this.#pending.delete(seq);
    if (this.#pending.size === 0) this.#worker?.unref();
    return pending;
  }

  /** The worker died or was ended: every open call fails with `error`. */
  #fail(worker: Worker, error: Error): void {
    if (this.#worker !== worker) return;
    this.#worker = undefined;
    this.#forget();
    for (const [, pending] of this.#pending) pending.reject(error);
    this.#pending.clear();
  }

  /**
   * Sends `call` and resolves when the worker answers `done` (its value) or, for a run, `plan`.
   * While a call is open the worker keeps the process alive.
   */
  call(call: WorkerCall, handlers: CallHandlers = {}): Promise<unknown> {
    if (this.#closed) return Promise.reject(new CancelledError());
    const worker = this.#start();
    const seq = ++this.#seq;
    return new Promise((resolve, reject) => {
      this.#pending.set(seq, { handlers, resolve, reject });
      worker.ref();
      worker.postMessage({ ...call, seq } as WorkerRequest);
      // a run without flows works on what is held; a load or a run with flows leaves them held
      if (call.kind === 'load' || (call.kind === 'run' && call.flows !== undefined)) {
        this.#holds = true;
        this.#generation = undefined; // the caller says which generation with loadedAt
      }
    });
  }

  /** Ends the worker now: open calls fail with CancelledError; the next call starts a new one. */
  async cancel(): Promise<void> {
    const worker = this.#worker;
    if (!worker) return;
    this.#worker = undefined;
    this.#forget();
    for (const [, pending] of this.#pending) pending.reject(new CancelledError());
    this.#pending.clear();
    await worker.terminate();
  }

  /** Forgets the held portfolio (after a bulk change): the next call that needs it sends it again. */
  forgetFlows(): void {
    this.#forget();
  }

  /** Ends the worker for good; calls still open, and any made later, fail with CancelledError. */
  close(): Promise<void> {
    this.#closed = true;
    return this.cancel();
  }
}
