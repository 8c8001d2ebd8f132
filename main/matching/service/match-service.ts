/**
 * Matching over the local graph. The engine runs in one long-lived worker thread that holds the
 * portfolio's index between runs (match-worker-main.ts): a full re-match sends it the flows (it
 * keeps what did not change), stores the matches while the worker plans, and commits matches and
 * plan together; a changed flow is re-matched incrementally on the index the worker holds, so an
 * edit or a new measurement updates its matches in milliseconds. A run can be cancelled until it
 * commits: nothing of it is stored then.
 */
import type { Repository } from '../../db/repository.ts';
import { resolveConfig, type MatchQuery } from '../config.ts';
import { toMatchFlow, type MatchFlow } from '../input.ts';
import type { EngineMatch } from '../match.ts';
import type { MatchStats } from '../pipeline.ts';
import { Jobs } from '../../portfolio/jobs.ts';
import type { FlowInContext } from '../../db/repository.ts';
import { measuredWeekOf } from '../../ingest/measured-week.ts';
import type { PlanObjectiveName, PlanSummary } from '../../db/plan-store.ts';
import type { PlanRun } from './regional-plan.ts';
import { ValidationError } from '../../db/errors.ts';
import type { MatchRecord } from '../../db/matches.ts';
import type { PricingConstants } from '../../db/match-codec.ts';
import { annuityFactor } from '../finance.ts';
import type { MatchRows } from '../../db/match-rows.ts';
import { CancelledError, MatchWorkerClient, WorkerCallError } from './match-worker-client.ts';

/** The constants the store needs to price a match's sensitivity table again on reading (match-codec.ts). */
function pricingOf(query: MatchQuery): PricingConstants {
  const c = resolveConfig(query);
  return { annuity: annuityFactor(c.economics.discount_rate, c.economics.horizon_years), maintenance_rate: c.economics.maintenance_rate };
}

/** What a stored re-match was: a full run, or one flow (edited, synced, measured, deleted). */
export type SavedRun = { kind: 'full' } | { kind: 'flow'; flowId: string };

/** The engine-shaped view of a stored match (its stored numbers; for re-using them in a plan check). */
function asEngineMatch(r: MatchRecord): EngineMatch {
  return {
    ...(r.detail as object),
    id: r.id,
    supply_flow_id: r.supply.flow_id,
    demand_flow_id: r.demand.flow_id,
    type: r.type,
    score: r.score,
    distance_km: r.distance_km,
    economics: r.economics,
  } as unknown as EngineMatch;
}

export interface MatchRunProgress {
  phase: 'loading' | 'matching' | 'saving' | 'planning';
  done: number;
  total: number;
  /**
   * The run's best matches, sent once as soon as the run is ranked (before the rest is built,
   * stored and planned): the first results a user sees. They are the first rows of the stored
   * list ordered by score, and are stored with the rest when the run commits.
   */
  preview?: MatchPreviewRow[];
}

/** One of a run's first results, with the names a person recognises. */
export interface MatchPreviewRow {
  id: string;
  type: EngineMatch['type'];
  score: number;
  distance_km: number;
  route: EngineMatch['route'];
  npv_eur: number;
  annual_value_eur: number;
  delivered_per_year: { amount: number; unit: string };
  supply: PreviewSide;
  demand: PreviewSide;
}

export interface PreviewSide {
  flow_id: string;
  flow_name: string;
  site_id: string;
  site_name: string;
  organization_name: string;
}

/** How many of a run's best matches the UI is shown before the run ends. */
export const PREVIEW_ROWS = 25;

export interface MatchRunSummary {
  /** The engine's statistics (none when the flow was deleted). */
  stats: MatchStats | undefined;
  created: number;
  updated: number;
  /** Matches the run found again exactly as stored (not rewritten). */
  unchanged: number;
  removed: number;
  /** The regional plan of a full run (none for an incremental one). */
  plan?: PlanSummary | undefined;
}

/** Where the worker entry is; the Electron bundle passes its own built file. */
export const DEFAULT_WORKER_URL = new URL('./match-worker.mjs', import.meta.url);

/** What a full run gives its caller beyond the summary: the stored rows, the plan, and the engine's records when asked for. */
export interface FullRun extends MatchRunSummary {
  /** The worker's portfolio was current, so the flows were not read from the database again. */
  portfolioReused: boolean;
  rows: MatchRows;
  planRun: PlanRun;
  /** The engine's own records (only with `engineRecords`: `turash match --json`, `turash plan --json`). */
  matches: EngineMatch[];
}

export interface RunOptions {
  progress?: (p: MatchRunProgress) => void;
  signal?: AbortSignal;
  /** Also return the engine's full records (they cost a copy of every match across threads). */
  engineRecords?: boolean;
  /** Keep the run in the worker so its records can be read afterwards chunk by chunk (`records`): bounded memory for `--json`. */
  streamRecords?: boolean;
  /** Report the run's best matches (`progress` with `preview`) as soon as it is ranked: the UI's first results. */
  preview?: boolean;
  /** Called when the run passes its last cancel check and commits (a job then refuses a cancel). */
  committing?: () => void;
}

export class MatchService {
  readonly #repo: Repository;
  readonly #worker: MatchWorkerClient;
  readonly jobs = new Jobs<MatchRunProgress, MatchRunSummary>({ phase: 'loading', done: 0, total: 0 });
  #query: MatchQuery = {};
  /** The warm-up in flight (or done): a run clicked meanwhile waits for it instead of reading the portfolio a second time. */
  #warming: Promise<void> | undefined;
  /** Called after every stored run, full or incremental (the workflow digests new high-scoring matches). */
  readonly afterSave = new Set<(run: SavedRun) => void>();

  constructor(repo: Repository, workerUrl: URL = DEFAULT_WORKER_URL) {
    this.#repo = repo;
    this.#worker = new MatchWorkerClient(workerUrl);
  }

  async #loadFlows(flowId?: string): Promise<MatchFlow[]> {
    const flows: MatchFlow[] = [];
    for (const row of await this.#repo.flowsInContext(flowId)) flows.push(await this.#matchFlowOf(row));
    return flows;
  }

  /**
   * Sends the worker the portfolio as the database has it now. The generation is read first: a
   * change made while the flows are read makes it older than the database, so the next run reads again.
   */
  async #sendPortfolio(): Promise<void> {
    const generation = await this.#repo.matchingInput.generation();
    await this.#worker.call({ kind: 'load', flows: await this.#loadFlows() });
    this.#worker.loadedAt(generation);
  }

  /** The preview's matches with the flow, site and organization names a person recognises (a few indexed reads each). */
  async #previewRows(matches: EngineMatch[]): Promise<MatchPreviewRow[]> {
    const labels = new Map<string, Promise<PreviewSide>>();
    const side = (flowId: string): Promise<PreviewSide> => {
      let label = labels.get(flowId);
      if (!label) {
        label = (async () => {
          const flow = await this.#repo.getFlow(flowId);
          const site = await this.#repo.getSite(flow.site_id);
          const organization = await this.#repo.getOrganization(site.organization_id);
          return { flow_id: flowId, flow_name: flow.name, site_id: site.id, site_name: site.name, organization_name: organization.name };
        })();
        labels.set(flowId, label);
      }
      return label;
    };
    return Promise.all(
      matches.map(async (m) => ({
        id: m.id,
        type: m.type,
        score: m.score,
        distance_km: m.distance_km,
        route: m.route,
        npv_eur: m.economics.npv_eur,
        annual_value_eur: m.economics.annual_value_eur,
        delivered_per_year: m.economics.delivered_per_year,
        supply: await side(m.supply_flow_id),
        demand: await side(m.demand_flow_id),
      })),
    );
  }

  /**
   * The engine's view of a stored flow. temporal.profile "measured": the hour-of-week means of the
   * flow's meters (docs/ingest.md); only those flows are looked up (a few indexed reads each).
   */
  async #matchFlowOf(row: FlowInContext): Promise<MatchFlow> {
    const week = row.flow.temporal?.profile === 'measured' ? await measuredWeekOf(this.#repo, row.flow) : undefined;
    return toMatchFlow(row.flow, row.site, row.organization, week);
  }

  /** A call that works on the worker's held portfolio: the portfolio is sent first when it holds none. */
  async #onHeld<T>(call: Parameters<MatchWorkerClient['call']>[0]): Promise<T> {
    if (!this.#worker.holdsFlows) await this.#sendPortfolio();
    try {
      return (await this.#worker.call(call)) as T;
    } catch (error) {
      if (!(error instanceof WorkerCallError && error.needsFlows)) throw error;
      await this.#sendPortfolio();
      return (await this.#worker.call(call)) as T;
    }
  }

  /**
   * Full re-match of the portfolio with `query` (weights, limits ...) and the regional plan with
   * `objective` (reserved, contracted and live matches keep their allocation), stored as the
   * current result. The matches are written while the worker plans; both commit together.
   */
  async runAll(query: MatchQuery = {}, progress?: (p: MatchRunProgress) => void, objective: PlanObjectiveName = 'npv', options: Omit<RunOptions, 'progress'> = {}): Promise<FullRun> {
    const signal = options.signal;
    let latest: MatchRunProgress = { phase: 'loading', done: 0, total: 1 };
    const report = (p: MatchRunProgress) => {
      latest = p;
      progress?.(p);
    };
    const cancelled = () => {
      if (signal?.aborted) throw new CancelledError();
    };
    report({ phase: 'loading', done: 0, total: 1 });
    // The worker's portfolio is current when nothing the engine reads changed since it was sent
    // (a re-run with other weights, the first click after the warm-up): then it is not read again.
    await this.#warming;
    const generation = await this.#repo.matchingInput.generation();
    const flows = this.#worker.holdsGeneration(generation) ? undefined : await this.#loadFlows();
    const held = await this.#repo.plan.heldShares();
    cancelled();
    const onAbort = () => void this.#worker.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      report({ phase: 'matching', done: 0, total: flows?.length ?? 0 });
      let rowsArrived!: (value: { rows: MatchRows; stats: MatchStats | undefined; matches: EngineMatch[] }) => void;
      const rowsReady = new Promise<{ rows: MatchRows; stats: MatchStats | undefined; matches: EngineMatch[] }>((resolve) => (rowsArrived = resolve));
      let planRun: PlanRun | undefined;
      const preview = options.preview ? PREVIEW_ROWS : 0;
      // the named preview is reported before the run ends (a progress event after `done` would reopen the job)
      let previewReported: Promise<void> = Promise.resolve();
      const worker = this.#worker.call(
        { kind: 'run', flows, query, held: [...held], objective, pricing: pricingOf(query), engineRecords: options.engineRecords === true, keepRecords: options.streamRecords === true, preview },
        {
          preview: (best) => {
            previewReported = this.#previewRows(best).then(
              // the phase goes on as it is: the first results arrive while the rest is built and stored
              (rows) => progress?.({ ...latest, preview: rows }),
              (error: unknown) => console.warn(`[turash] the run's first results could not be named: ${error instanceof Error ? error.message : String(error)}`),
            );
          },
          matches: (rows, stats, matches) => rowsArrived({ rows, stats, matches: matches ?? [] }),
          plan: (plan) => (planRun = plan),
        },
      );
      if (flows) this.#worker.loadedAt(generation);
      // the worker's failure (or a cancel) must also end the wait for its rows
      const first = await Promise.race([rowsReady, worker.then(() => undefined)]);
      if (!first) throw new Error('the matching worker ended its run without matches');
      const { rows, stats, matches } = first;
      cancelled();
      const saved = await this.#repo.matches.saveRowsWith(rows, { onProgress: (done, total) => report({ phase: 'saving', done, total }), ...(signal ? { signal } : {}) }, async (tx) => {
        // the worker planned meanwhile; the matches wait for their plan, then both commit
        report({ phase: 'planning', done: 0, total: 1 });
        await worker;
        cancelled();
        // the last point a cancel can stop the run: from here it commits, and a cancel says it could not stop it
        options.committing?.();
        await this.#repo.plan.save(planRun!.summary, planRun!.members, tx);
      });
      await previewReported;
      this.#query = query;
      for (const listener of this.afterSave) listener({ kind: 'full' });
      return { stats, ...saved, plan: planRun!.summary, planRun: planRun!, rows, matches, portfolioReused: flows === undefined };
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Starts a full re-match and plan as a job (the UI follows it with `matching.watch`, ends it with `matching.cancel`). */
  start(query: MatchQuery = {}, objective: PlanObjectiveName = 'npv'): string {
    return this.jobs.start(async (progress, signal, control) => {
      const { matches: _matches, planRun: _plan, rows: _rows, portfolioReused: _reused, ...summary } = await this.runAll(query, progress, objective, { signal, preview: true, committing: control.committing });
      return summary;
    });
  }

  /** Ends a running job: true when it was running (nothing of it is stored), false when it had ended. */
  cancel(jobId: string): boolean {
    return this.jobs.cancel(jobId);
  }

  /** The hour-by-hour exchange of a stored heat, steam or cooling match (null for other types). */
  async hourly(matchId: string): Promise<{ available: number[]; demand: number[]; delivered: number[]; loss_mw: number; delivered_mwh_per_year: number; unit: 'MW' } | null> {
    const m = await this.#repo.matches.get(matchId);
    return this.#onHeld({ kind: 'hourly', supplyId: m.supply.flow_id, demandId: m.demand.flow_id, distanceKm: m.distance_km, query: this.#query });
  }

  /**
   * Before a match starts holding its allocation (reserved, contracted or live): throws naming both
   * flows when the held matches, this one included, would allocate a flow more than it has
   * (domain.md 5.1). A match keeps the share the plan gave it, or its whole stand-alone quantity.
   */
  async checkHold(matchId: string): Promise<void> {
    const held = await this.#repo.plan.heldShares();
    if (held.has(matchId)) return; // already holding: moving on (reserved -> contracted) changes nothing
    const target = await this.#repo.matches.get(matchId);
    held.set(matchId, target.plan?.share ?? 1);
    const engineMatches: EngineMatch[] = [];
    for (const id of held.keys()) {
      const record = id === matchId ? target : await this.#repo.matches.get(id);
      engineMatches.push(asEngineMatch(record));
    }
    try {
      await this.#onHeld({ kind: 'hold', matches: engineMatches, held: [...held], query: this.#query });
    } catch (error) {
      if (error instanceof WorkerCallError && error.overAllocation) throw new ValidationError(`match "${matchId}"`, [{ field: 'to', message: `cannot hold this exchange: ${error.message}` }]);
      throw error;
    }
  }

  /**
   * Re-matches one flow after it changed (edited, measured, deleted) with the query of the last
   * full run, and stores the matches that involve it.
   */
  async rematchFlow(flowId: string, query?: MatchQuery): Promise<MatchRunSummary & { matches: EngineMatch[] }> {
    const [row] = await this.#repo.flowsInContext(flowId);
    const q = query ?? this.#query;
    if (!row) {
      // Deleted: its matches went with it (ON DELETE CASCADE); forget it in the held index too.
      if (this.#worker.holdsFlows) await this.#worker.call({ kind: 'flow', flowId, flow: null, query: q, pricing: pricingOf(q) });
      return { stats: undefined, created: 0, updated: 0, unchanged: 0, removed: 0, matches: [] };
    }
    const flow = await this.#matchFlowOf(row);
    let rows!: MatchRows;
    let stats: MatchStats | undefined;
    let matches: EngineMatch[] = [];
    const call = { kind: 'flow' as const, flowId, flow, query: q, pricing: pricingOf(q), engineRecords: true };
    const handlers = {
      matches: (r: MatchRows, s: MatchStats | undefined, m?: EngineMatch[]) => {
        rows = r;
        stats = s;
        matches = m ?? [];
      },
    };
    if (!this.#worker.holdsFlows) await this.#sendPortfolio();
    await this.#worker.call(call, handlers);
    const saved = await this.#repo.matches.saveRows(rows, { flowId });
    for (const listener of this.afterSave) listener({ kind: 'flow', flowId });
    return { stats, ...saved, matches };
  }

  /**
   * Forgets the held portfolio: after a bulk change (an import) the next incremental re-match
   * sends the worker the portfolio from the database instead of working on flows that changed
   * underneath it.
   */
  invalidate(): void {
    this.#worker.forgetFlows();
  }

  /** Whether matching has run in this database (incremental updates only make sense then). */
  async hasRun(): Promise<boolean> {
    return (await this.#repo.matches.counts()).total > 0 || this.#worker.holdsFlows;
  }

  /**
   * Starts the worker and hands it the portfolio in the background (the app and `turash serve`
   * call this when they open), so the first "Run matching" finds the engine loaded and the index
   * built instead of starting them cold. A failure is only logged: the first run then loads as
   * before.
   */
  warmUp(): Promise<void> {
    this.#warming ??= (async () => {
      try {
        if (this.#worker.holdsFlows) return;
        await this.#sendPortfolio();
      } catch (error) {
        if (error instanceof CancelledError) return; // closed or cancelled meanwhile
        console.warn(`[turash] the matching worker could not be started ahead of the first run: ${error instanceof Error ? error.message : String(error)}`);
      }
    })();
    return this.#warming;
  }

  /**
   * The engine's records of the last full run (asked with `streamRecords`), in output order, `chunk`
   * at a time, built in the worker as they are read: what `turash match --json` writes, without
   * either thread holding every record. Read them before anything else asks the worker.
   */
  async *records(chunk = 2000): AsyncGenerator<EngineMatch[]> {
    for (let from = 0; ; from += chunk) {
      const part = (await this.#worker.call({ kind: 'records', from, count: chunk })) as EngineMatch[];
      if (part.length > 0) yield part;
      if (part.length < chunk) return;
    }
  }

  /** Ends the worker (the core closes it with the database). */
  close(): Promise<void> {
    return this.#worker.close();
  }
}
