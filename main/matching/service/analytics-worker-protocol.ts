/** What the main thread gives a graph analytics worker (analytics-worker-main.ts) and what it answers. */
import type { SuggestionOptions } from './analytics.ts';

export interface AnalyticsWorkerData {
  /** The database file (never ':memory:': another thread cannot open it). */
  path: string;
  options: SuggestionOptions;
  /**
   * Tests only: [released, reached]. The worker sets `reached` to 1, then waits until `released`
   * is not 0 before it computes, so a test can hold a computation open deterministically.
   */
  gate?: Int32Array;
}

/** The only message to a running worker: stop at the next step (the core closes). */
export interface AnalyticsWorkerStop {
  kind: 'stop';
}

export type AnalyticsWorkerReply = { kind: 'done'; value: unknown } | { kind: 'error'; message: string };
