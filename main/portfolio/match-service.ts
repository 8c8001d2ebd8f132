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
import { hotmapsProfileSource } from '../data/profile-source.ts';
import type { FlowInContext } from '../db/repository.ts';
import { measuredWeekOf } from '../ingest/measured-week.ts';
import type { PlanObjectiveName, PlanSummary } from '../db/plan-store.ts';
import type { PlanRun } from './regional-plan.ts';
import { heatSeries } from '../matching/engine.ts';
import { planInput } from '../matching/plan-input.ts';
import { OverAllocationError } from '../plan/model.ts';
import { solvePlan } from '../plan/solve.ts';
import { ValidationError } from '../db/errors.ts';
import type { MatchRecord } from '../db/matches.ts';
import type { PricingConstants } from '../db/match-codec.ts';
import { annuityFactor } from '../matching/finance.ts';

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

/** The bundled Hotmaps profiles (loaded on first use). */
const PROFILES = hotmapsProfileSource();

export interface MatchRunProgress {
  phase: 'loading' | 'matching' | 'saving' | 'planning';
  done: number;
  total: number;
}

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

function runInWorker(workerUrl: URL, flows: MatchFlow[], query: MatchQuery, held: Map<string, number>, objective: PlanObjectiveName): Promise<{ result: EngineResult; plan: PlanRun }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerUrl, { workerData: { flows, query, held: [...held], objective } });
    worker.once('message', (message: { ok: true; result: EngineResult; plan: PlanRun } | { ok: false; message: string }) => {
      if (message.ok) resolve({ result: message.result, plan: message.plan });
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
  /** Called after every stored run, full or incremental (the workflow digests new high-scoring matches). */
  readonly afterSave = new Set<(run: SavedRun) => void>();

  constructor(repo: Repository, workerUrl: URL = DEFAULT_WORKER_URL) {
    this.#repo = repo;
    this.#workerUrl = workerUrl;
  }

  async #loadFlows(flowId?: string): Promise<MatchFlow[]> {
    const flows: MatchFlow[] = [];
    for (const row of await this.#repo.flowsInContext(flowId)) flows.push(await this.#matchFlowOf(row));
    return flows;
  }

  /**
   * The engine's view of a stored flow. temporal.profile "measured": the hour-of-week means of the
   * flow's meters (docs/ingest.md); only those flows are looked up (a few indexed reads each).
   */
  async #matchFlowOf(row: FlowInContext): Promise<MatchFlow> {
    const week = row.flow.temporal?.profile === 'measured' ? await measuredWeekOf(this.#repo, row.flow) : undefined;
    return toMatchFlow(row.flow, row.site, row.organization, week);
  }

  /**
   * Full re-match of the portfolio with `query` (weights, limits ...) and the regional plan with
   * `objective` (reserved, contracted and live matches keep their allocation), stored as the
   * current result.
   */
  async runAll(query: MatchQuery = {}, progress?: (p: MatchRunProgress) => void, objective: PlanObjectiveName = 'npv'): Promise<MatchRunSummary & { matches: EngineMatch[]; planRun: PlanRun }> {
    progress?.({ phase: 'loading', done: 0, total: 1 });
    const flows = await this.#loadFlows();
    const held = await this.#repo.plan.heldShares();
    progress?.({ phase: 'matching', done: 0, total: flows.length });
    const { result, plan } = await runInWorker(this.#workerUrl, flows, query, held, objective);
    progress?.({ phase: 'saving', done: 0, total: result.matches.length });
    const saved = await this.#repo.matches.saveRun(result.matches, {}, (done, total) => progress?.({ phase: 'saving', done, total }), pricingOf(query));
    progress?.({ phase: 'planning', done: 0, total: plan.members.length });
    await this.#repo.plan.save(plan.summary, plan.members);
    this.#matcher = new Matcher({ flows, profiles: PROFILES });
    this.#query = query;
    for (const listener of this.afterSave) listener({ kind: 'full' });
    return { stats: result.stats, ...saved, plan: plan.summary, matches: result.matches, planRun: plan };
  }

  /** Starts a full re-match and plan as a job (the UI follows it with `matching.watch`). */
  start(query: MatchQuery = {}, objective: PlanObjectiveName = 'npv'): string {
    return this.jobs.start(async (progress) => {
      const { matches: _matches, planRun: _plan, ...summary } = await this.runAll(query, progress, objective);
      return summary;
    });
  }

  async #kept(): Promise<Matcher> {
    this.#matcher ??= new Matcher({ flows: await this.#loadFlows(), profiles: PROFILES });
    return this.#matcher;
  }

  /** The hour-by-hour exchange of a stored heat, steam or cooling match (null for other types). */
  async hourly(matchId: string): Promise<{ available: number[]; demand: number[]; delivered: number[]; loss_mw: number; delivered_mwh_per_year: number; unit: 'MW' } | null> {
    const m = await this.#repo.matches.get(matchId);
    const series = heatSeries(await this.#kept(), m.supply.flow_id, m.demand.flow_id, m.distance_km, resolveConfig(this.#query));
    if (series === null) return null;
    return {
      available: Array.from(series.available),
      demand: Array.from(series.demand),
      delivered: Array.from(series.delivered),
      loss_mw: series.loss_mw,
      delivered_mwh_per_year: series.delivered_mwh_per_year,
      unit: 'MW',
    };
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
    const matcher = await this.#kept();
    const config = resolveConfig(this.#query);
    const engineMatches: EngineMatch[] = [];
    for (const id of held.keys()) {
      const record = id === matchId ? target : await this.#repo.matches.get(id);
      engineMatches.push(asEngineMatch(record));
    }
    const input = planInput(matcher, engineMatches, config, held);
    try {
      await solvePlan(input.flows, input.candidates.filter((c) => c.held !== undefined), { objective: 'npv', timeLimitSec: 5 });
    } catch (error) {
      if (error instanceof OverAllocationError) throw new ValidationError(`match "${matchId}"`, [{ field: 'to', message: `cannot hold this exchange: ${error.message}` }]);
      throw error;
    }
  }

  /**
   * Re-matches one flow after it changed (edited, measured, deleted) with the query of the last
   * full run, and stores the matches that involve it.
   */
  async rematchFlow(flowId: string, query?: MatchQuery): Promise<MatchRunSummary & { matches: EngineMatch[] }> {
    if (!this.#matcher) this.#matcher = new Matcher({ flows: await this.#loadFlows(), profiles: PROFILES });
    const [row] = await this.#repo.flowsInContext(flowId);
    if (!row) {
      // Deleted: its matches went with it (ON DELETE CASCADE); forget it in the kept index too.
      this.#matcher.remove(flowId);
      return { stats: undefined, created: 0, updated: 0, unchanged: 0, removed: 0, matches: [] };
    }
    this.#matcher.upsert(await this.#matchFlowOf(row));
    const result = this.#matcher.matchFlow(flowId, resolveConfig(query ?? this.#query));
    const saved = await this.#repo.matches.saveRun(result.matches, { flowId }, undefined, pricingOf(query ?? this.#query));
    for (const listener of this.afterSave) listener({ kind: 'flow', flowId });
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
