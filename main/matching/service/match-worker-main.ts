/**
 * The long-lived matching worker: it holds the portfolio's Matcher (flow table and spatial index)
 * between runs, so a click on "Run matching" does not start a thread, load the engine, build the
 * index and warm up again, and a changed flow is re-matched on the index that is already there.
 *
 * A run's matches leave the worker in their stored form (match-rows.ts: packed here, on the
 * worker's core, in transferable buffers), and before the plan is solved, so the main thread stores
 * them while the worker plans. Both are CPU-bound on a large portfolio; the API, the UI's live
 * values and ingestion keep answering on the main thread meanwhile.
 */
import { parentPort } from 'node:worker_threads';
import { hotmapsProfileSource } from '../../data/profile-source.ts';
import { packRows, transferablesOf } from '../../db/match-rows.ts';
import { resolveConfig } from '../config.ts';
import { heatSeries, Matcher } from '../engine.ts';
import type { MatchFlow } from '../input.ts';
import { planInput, type PlanMatch } from '../plan-input.ts';
import type { Ranked } from '../pipeline.ts';
import type { PricingConstants } from '../../db/match-codec.ts';
import { bestMatches } from '../preview.ts';
import { OverAllocationError } from '../../plan/model.ts';
import { highsRuntime } from '../../plan/highs.ts';
import { solvePlan } from '../../plan/solve.ts';
import type { WorkerReply, WorkerRequest } from './match-worker-protocol.ts';
import { makePlan } from './regional-plan.ts';
import { buildRun, recordsAt } from './run-build.ts';

const PROFILES = hotmapsProfileSource();

/** The portfolio the matcher holds: each flow's id and its content as JSON (to find what changed). */
let matcher: Matcher | undefined;
let held = new Map<string, string>();

/** A flow's content, to compare with the held one. */
const fingerprint = (f: MatchFlow): string => JSON.stringify(f);

function load(flows: MatchFlow[]): void {
  matcher = new Matcher({ flows, profiles: PROFILES });
  held = new Map(flows.map((f) => [f.id, fingerprint(f)]));
}

/**
 * Brings the held matcher to `flows`: unchanged flows stay, changed and new ones are upserted,
 * missing ones removed (the table's positions do not change results, engine table.ts). When most
 * of the portfolio changed, building afresh is quicker than patching.
 */
function sync(flows: MatchFlow[]): { changed: number; rebuilt: boolean } {
  if (!matcher) {
    load(flows);
    return { changed: flows.length, rebuilt: true };
  }
  const next = new Map<string, string>();
  const changed: MatchFlow[] = [];
  for (const f of flows) {
    const print = fingerprint(f);
    next.set(f.id, print);
    if (held.get(f.id) !== print) changed.push(f);
  }
  const removed = [...held.keys()].filter((id) => !next.has(id));
  if (changed.length + removed.length > flows.length / 4) {
    load(flows);
    return { changed: changed.length + removed.length, rebuilt: true };
  }
  for (const id of removed) matcher.remove(id);
  for (const f of changed) matcher.upsert(f);
  held = next;
  return { changed: changed.length + removed.length, rebuilt: false };
}

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(message, transfer);
}

/**
 * Builds a ranked run's rows (run-build.ts) and sends them; returns what the plan needs. A function
 * of its own so that nothing of the rows or records is still referenced while the worker plans.
 */
function sendRun(seq: number, ranked: Ranked, pricing: PricingConstants, held: ReadonlyMap<string, number>, engineRecords: boolean): { planMatches: PlanMatch[]; count: number; pairOrder: Int32Array } {
  const run = buildRun(matcher!.table, ranked, { pricing, held, engineRecords });
  reply({ kind: 'matches', seq, rows: run.rows, stats: run.stats, ...(run.records ? { matches: run.records } : {}) }, transferablesOf(run.rows));
  return { planMatches: run.planMatches, count: run.rows.count, pairOrder: run.pairOrder };
}

/** The last run's ranking, kept when asked (`keepRecords`) for `records` requests; the next other request forgets it. */
let lastRun: { ranked: Ranked; pairOrder: Int32Array } | undefined;

function forgetRun(): void {
  lastRun?.ranked.release();
  lastRun = undefined;
}

async function handle(request: WorkerRequest): Promise<void> {
  const { seq } = request;
  if (request.kind === 'records') {
    if (!lastRun) return reply({ kind: 'error', seq, message: 'the matching worker kept no run to read records of (ask the run with keepRecords, and read them before anything else)' });
    return reply({ kind: 'done', seq, value: recordsAt(matcher!.table, lastRun.ranked, lastRun.pairOrder, request.from, request.count) });
  }
  forgetRun();
  if (request.kind === 'load') {
    load(request.flows);
    // the plan's solver (WebAssembly) loads once per thread: now rather than inside the first run
    await highsRuntime();
    return reply({ kind: 'done', seq });
  }
  if (request.kind === 'run') {
    if (request.flows !== undefined) sync(request.flows);
    else if (!matcher) return reply({ kind: 'error', seq, message: 'the matching worker holds no portfolio', needsFlows: true });
    reply({ kind: 'progress', seq, phase: 'matching', done: 0, total: matcher!.table.byId.size });
    const config = resolveConfig(request.query);
    const held = new Map(request.held);
    // One ranking; the records are built from it chunk by chunk (run-build.ts), never all at once.
    const ranked = matcher!.rankAll(config);
    // ranked: the first results on screen while the rest is built
    if (request.preview) reply({ kind: 'preview', seq, matches: bestMatches(matcher!.table, ranked, request.preview) });
    const { planMatches, count, pairOrder } = sendRun(seq, ranked, request.pricing, held, request.engineRecords);
    if (request.keepRecords) lastRun = { ranked, pairOrder };
    else ranked.release();
    reply({ kind: 'progress', seq, phase: 'planning', done: 0, total: count });
    const plan = await makePlan(matcher!, planMatches, config, { objective: request.objective, held });
    return reply({ kind: 'plan', seq, plan });
  }
  // the rest works on the held portfolio
  if (!matcher) return reply({ kind: 'error', seq, message: 'the matching worker holds no portfolio', needsFlows: true });
  if (request.kind === 'flow') {
    if (request.flow === null) {
      matcher.remove(request.flowId);
      held.delete(request.flowId);
      return reply({ kind: 'done', seq });
    }
    matcher.upsert(request.flow);
    held.set(request.flowId, fingerprint(request.flow));
    const result = matcher.matchFlow(request.flowId, resolveConfig(request.query));
    const rows = packRows(result.matches, request.pricing);
    reply({ kind: 'matches', seq, rows, stats: result.stats, ...(request.engineRecords ? { matches: result.matches } : {}) }, transferablesOf(rows));
    return reply({ kind: 'done', seq });
  }
  if (request.kind === 'hourly') {
    const series = heatSeries(matcher, request.supplyId, request.demandId, request.distanceKm, resolveConfig(request.query));
    if (series === null) return reply({ kind: 'done', seq, value: null });
    const value = { available: Array.from(series.available), demand: Array.from(series.demand), delivered: Array.from(series.delivered), loss_mw: series.loss_mw, delivered_mwh_per_year: series.delivered_mwh_per_year, unit: 'MW' as const };
    return reply({ kind: 'done', seq, value });
  }
  // 'hold': the held matches alone must fit (domain.md 5.1)
  const heldShares = new Map(request.held);
  const input = planInput(matcher, request.matches, resolveConfig(request.query), heldShares);
  try {
    await solvePlan(input.flows, input.candidates.filter((c) => c.held !== undefined), { objective: 'npv', timeLimitSec: 5 });
  } catch (error) {
    if (error instanceof OverAllocationError) return reply({ kind: 'error', seq, message: error.message, overAllocation: true });
    throw error;
  }
  return reply({ kind: 'done', seq });
}

// One request at a time, in order (the service sends one at a time; a queue keeps it true anyway).
let queue = Promise.resolve();
parentPort!.on('message', (request: WorkerRequest) => {
  queue = queue.then(() =>
    handle(request).catch((error: unknown) => reply({ kind: 'error', seq: request.seq, message: error instanceof Error ? error.message : String(error) })),
  );
});
