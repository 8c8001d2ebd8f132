/**
 * The reference implementation: the same pipeline as the engine, with every supply paired with
 * every demand flow of the portfolio (no index). Quadratic; it exists to prove the index returns
 * exactly the same matches (tests and `benchMatch`).
 */
import { resolveConfig, type MatchingConfig } from './config.ts';
import type { MatchInput } from './input.ts';
import { fullMatch, rankAll, type CandidateSource, type EngineResult, type Ranked } from './pipeline.ts';
import { FlowTable } from './table.ts';

/** Every demand for a supply, every supply for a demand: no index at all. */
export function naiveSource(table: FlowTable): CandidateSource {
  const demands = table.flows.filter((f) => !f.supply).map((f) => f.idx);
  const supplies = table.flows.filter((f) => f.supply).map((f) => f.idx);
  return { forSupply: () => demands, forDemand: () => supplies };
}

/** Ranking only (no match records), for the benchmark. */
export function rankAllNaive(table: FlowTable, config: MatchingConfig = resolveConfig()): Ranked {
  return rankAll(table, config, naiveSource(table));
}

export function matchAllNaive(source: MatchInput | FlowTable, config: MatchingConfig = resolveConfig()): EngineResult {
  const table = source instanceof FlowTable ? source : new FlowTable(source);
  return fullMatch(table, config, naiveSource(table), 'naive');
}
