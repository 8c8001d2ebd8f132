/**
 * The main thread's side of the graph analytics workers (analytics-worker-main.ts): one worker
 * thread per computation, so the API's thread stays free while every match is read and the graph
 * built (~15 s on 50,000 flows). A computation happens once per data generation (analytics.ts
 * keeps the answers), so starting a thread for it costs little, and its memory is freed with it.
 */
import { Worker } from 'node:worker_threads';
import type { SuggestionOptions } from './analytics.ts';
import type { AnalyticsWorkerData, AnalyticsWorkerReply, AnalyticsWorkerStop } from './analytics-worker-protocol.ts';

/** The development entry (registers tsx); the Electron bundle passes its built file (main/app/main.ts). */
export const DEFAULT_ANALYTICS_WORKER_URL = new URL('./analytics-worker.mjs', import.meta.url);

export interface AnalyticsWorkersOptions {
  /** Tests only: every computation waits on this gate (analytics-worker-protocol.ts). */
  gate?: Int32Array;
}

interface Running {
  /** Fails the caller (the core closes). */
  reject(error: Error): void;
  exited: Promise<void>;
}

export class AnalyticsWorkers {
  readonly #url: URL;
  readonly #gate: Int32Array | undefined;
  readonly #running = new Map<Worker, Running>();
  #closed = false;

  constructor(url: URL = DEFAULT_ANALYTICS_WORKER_URL, options: AnalyticsWorkersOptions = {}) {
    this.#url = url;
    this.#gate = options.gate;
  }

  /** The suggestions over the database file at `path`, computed in a worker thread of their own. */
  compute(path: string, options: SuggestionOptions): Promise<unknown> {
    if (this.#closed) return Promise.reject(new Error(`the suggestions for ${path} were not computed: the application is closing`));
    const workerData: AnalyticsWorkerData = { path, options, ...(this.#gate ? { gate: this.#gate } : {}) };
    return new Promise((resolve, reject) => {
      const worker = new Worker(this.#url, { workerData });
      let exited!: () => void;
      this.#running.set(worker, { reject, exited: new Promise((done) => (exited = done)) });
      // the first of answer, error or exit settles; what follows is a no-op
      worker.on('message', (message: AnalyticsWorkerReply) => {
        if (message.kind === 'done') resolve(message.value);
        else reject(new Error(`the suggestions (graph analytics) over ${path} failed: ${message.message}`));
      });
      worker.on('error', (error) => reject(new Error(`the suggestions (graph analytics) over ${path} failed in their worker: ${error.message}`)));
      worker.on('exit', (code) => {
        this.#running.delete(worker);
        exited();
        reject(new Error(`the graph analytics worker for ${path} stopped (exit code ${code}) before it answered`));
      });
    });
  }

  /**
   * Fails every running computation now and refuses later ones; resolves when their workers have
   * closed their connections and ended. Not terminated: a thread ended with an open sqlite3
   * database aborts the process (analytics-worker-main.ts); asked to stop, a worker ends after the
   * read it is in.
   */
  async close(): Promise<void> {
    this.#closed = true;
    const running = [...this.#running];
    for (const [worker, { reject }] of running) {
      reject(new Error('the suggestions were not computed: the application closed first'));
      worker.postMessage({ kind: 'stop' } satisfies AnalyticsWorkerStop);
    }
    await Promise.all(running.map(([, { exited }]) => exited));
  }
}
