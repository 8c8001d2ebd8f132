/**
 * Matching over the local graph: a full re-match runs the engine in a worker thread and stores
 * the result; a changed flow is re-matched incrementally on a kept Matcher, so an edit or a new
 * measurement updates its matches in milliseconds without a full run.
 */
import { Worker } from 'node:worker_threads';
import type { Repository } from '../db/repository.ts';
import { resolveConfig, type MatchQuery } from '../matching/config.ts';
import { Matcher } from '../matching/engine.ts';
import { toMatchFlow, type MatchFlow } from '../matching/input.ts';
import type { EngineMatch } from '../matching/match.ts';
import type { EngineResult, MatchStats } from '../matching/pipeline.ts';
import { Jobs } from './jobs.ts';

export interface MatchRunProgress {
  phase: 'loading' | 'matching' | 'saving';
  done: number;
  total: number;
}

export interface MatchRunSummary {
  /** The engine's statistics (none when the flow was deleted). */
  stats: MatchStats | undefined;
  created: number;
  updated: number;
  removed: number;
}

/** Where the worker entry is; the Electron bundle passes its own built file. */
export const DEFAULT_WORKER_URL = new URL('./match-worker.mjs', import.meta.url);

function runInWorker(workerUrl: URL, flows: MatchFlow[], query: MatchQuery): Promise<EngineResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerUrl, { workerData: { flows, query } });
    worker.once('message', (message: { ok: true; result: EngineResult } | { ok: false; message: string }) => {
      if (message.ok) resolve(message.result);
      else reject(new Error(`matching failed: ${message.message}`));
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the matching worker stopped with exit code ${code}`));
    });
  });
}

export class MatchService {
  readonly #repo: Repository;
  readonly #workerUrl: URL;
  readonly jobs = new Jobs<MatchRunProgress, MatchRunSummary>({ phase: 'loading', done: 0, total: 0 });
  #matcher: Matcher | undefined;
  #query: MatchQuery = {};
  /** Called after every stored run, full or incremental (the workflow announces new high-scoring matches). */
  readonly afterSave = new Set<() => void>();

  constructor(repo: Repository, workerUrl: URL = DEFAULT_WORKER_URL) {
    this.#repo = repo;
    this.#workerUrl = workerUrl;
  }

  async #loadFlows(): Promise<MatchFlow[]> {
    return (await this.#repo.flowsInContext()).map((row) => toMatchFlow(row.flow, row.site, row.organization));
  }

  /** Full re-match of the portfolio with `query` (weights, limits ...), stored as the current result. */
  async runAll(query: MatchQuery = {}, progress?: (p: MatchRunProgress) => void): Promise<MatchRunSummary & { matches: EngineMatch[] }> {
    progress?.({ phase: 'loading', done: 0, total: 1 });
    const flows = await this.#loadFlows();
    progress?.({ phase: 'matching', done: 0, total: flows.length });
    const result = await runInWorker(this.#workerUrl, flows, query);
    progress?.({ phase: 'saving', done: 0, total: result.matches.length });
    const saved = await this.#repo.matches.saveRun(result.matches, {}, (done, total) => progress?.({ phase: 'saving', done, total }));
    this.#matcher = new Matcher({ flows });
    this.#query = query;
    for (const listener of this.afterSave) listener();
    return { stats: result.stats, ...saved, matches: result.matches };
  }

  /** Starts a full re-match as a job (the UI follows it with `matching.watch`). */
  start(query: MatchQuery = {}): string {
    return this.jobs.start(async (progress) => {
      const { matches: _matches, ...summary } = await this.runAll(query, progress);
      return summary;
    });
  }

  /**
   * Re-matches one flow after it changed (edited, measured, deleted) with the query of the last
   * full run, and stores the matches that involve it.
   */
  async rematchFlow(flowId: string, query?: MatchQuery): Promise<MatchRunSummary & { matches: EngineMatch[] }> {
    if (!this.#matcher) this.#matcher = new Matcher({ flows: await this.#loadFlows() });
    const [row] = await this.#repo.flowsInContext(flowId);
    if (!row) {
      // Deleted: its matches went with it (ON DELETE CASCADE); forget it in the kept index too.
      this.#matcher.remove(flowId);
      return { stats: undefined, created: 0, updated: 0, removed: 0, matches: [] };
    }
    this.#matcher.upsert(toMatchFlow(row.flow, row.site, row.organization));
    const result = this.#matcher.matchFlow(flowId, resolveConfig(query ?? this.#query));
    const saved = await this.#repo.matches.saveRun(result.matches, { flowId });
    for (const listener of this.afterSave) listener();
    return { stats: result.stats, ...saved, matches: result.matches };
  }

  /**
   * Forgets the kept index: after a bulk change (an import) the next incremental re-match rebuilds
   * it from the database instead of working on flows that changed underneath it.
   */
  invalidate(): void {
    this.#matcher = undefined;
  }

  /** Whether matching has run in this database (incremental updates only make sense then). */
  async hasRun(): Promise<boolean> {
    return (await this.#repo.matches.counts()).total > 0 || this.#matcher !== undefined;
  }
}
