/**
 * A ranked full run (Matcher.rankAll) turned into what the worker sends and plans with, chunk by
 * chunk: each chunk's match records are built, packed into the stored rows (match-rows.ts), and
 * reduced to what the plan and the statistics read, then dropped. The worker thus never holds
 * every record of a large run (236,551 records were ~2 GB of heap, and the collector's work on
 * them cost more than building them). The result is the one `matchAll` + `packRows` +
 * `makePlan(matches)` gave: same rows in the same order (compareMatches), same statistics, same
 * plan input (tested in run-build.test.ts).
 */
import type { PricingConstants } from '../../db/match-codec.ts';
import { RowPacker, type MatchRows } from '../../db/match-rows.ts';
import type { EngineMatch } from '../match.ts';
import { buildChunk, keptPositions, makeStats, outputOrder, type MatchStats, type MatchTally, type Ranked } from '../pipeline.ts';
import { planMatchOf, type PlanMatch } from '../plan-input.ts';
import type { FlowTable } from '../table.ts';

/** Records built at a time: few, so they die young (a chunk larger than the young generation is promoted and left to full collections). */
export const RUN_CHUNK = 64;

export interface BuiltRun {
  rows: MatchRows;
  stats: MatchStats;
  /** The plan's projections of the profitable and the held matches, in output order (makePlan's input). */
  planMatches: PlanMatch[];
  /** Every record in output order, only when asked for (`engineRecords`: they cost what this module saves). */
  records?: EngineMatch[];
  /** Positions in the ranking's pair store of the matches in output order: `recordsAt` builds their records again, chunk by chunk. */
  pairOrder: Int32Array;
}

export interface BuildOptions {
  pricing?: PricingConstants;
  /** Matches whose allocation is held, by id: they are plan candidates whatever their NPV. */
  held?: ReadonlyMap<string, unknown>;
  engineRecords?: boolean;
  chunk?: number;
}

export function buildRun(table: FlowTable, r: Ranked, options: BuildOptions = {}): BuiltRun {
  const t0 = performance.now();
  const positions = keptPositions(r);
  const n = positions.length;
  const chunk = options.chunk ?? RUN_CHUNK;
  const held = options.held;
  const packer = new RowPacker(options.pricing);
  const tallies: MatchTally[] = new Array(n);
  const forPlan: (PlanMatch | undefined)[] = new Array(n);
  const records: EngineMatch[] | undefined = options.engineRecords ? new Array(n) : undefined;
  for (let from = 0; from < n; from += chunk) {
    const to = Math.min(n, from + chunk);
    const built = buildChunk(table, r, positions, from, to);
    for (let k = 0; k < built.length; k++) {
      const m = built[k]!;
      const i = from + k;
      packer.add(m);
      tallies[i] = { type: m.type, route: m.route, route_reasons: m.route_reasons, relaxed: m.relaxed };
      // planInput's own rule: a candidate is profitable or held
      if (m.economics.npv_eur > 0 || held?.has(m.id)) forPlan[i] = planMatchOf(m);
      if (records) records[i] = m;
    }
  }
  const order = outputOrder(Float64Array.from(packer.score), packer.supply_flow_id, packer.demand_flow_id);
  const rows = packer.finish(order);
  const planMatches: PlanMatch[] = [];
  const ordered: MatchTally[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const j = order[i]!;
    ordered[i] = tallies[j]!;
    const p = forPlan[j];
    if (p !== undefined) planMatches.push(p);
  }
  const ms = performance.now() - t0;
  const timings = { candidates: r.timings.candidates, ranking: r.timings.ranking, fallback: r.timings.fallback, materialise: ms, total: r.timings.candidates + r.timings.ranking + r.timings.fallback + ms };
  const stats = makeStats('indexed', table, r.ctx, r.counters, r.counters.eligible, ordered, timings, r.hungry);
  const pairOrder = Int32Array.from(order, (j) => positions[j]!);
  const out: BuiltRun = { rows, stats, planMatches, pairOrder };
  if (records) out.records = Array.from(order, (j) => records[j]!);
  return out;
}

/**
 * Records `from` .. `from + count` of a built run in output order (`pairOrder`), built again from
 * its ranking: the same records (buildMatch is deterministic on an unchanged table), a chunk at a
 * time, for output that streams (`turash match --json`).
 */
export function recordsAt(table: FlowTable, r: Ranked, pairOrder: Int32Array, from: number, count: number): EngineMatch[] {
  const start = Math.max(0, Math.min(from, pairOrder.length));
  return buildChunk(table, r, pairOrder, start, Math.min(pairOrder.length, start + Math.max(0, count)));
}
