/**
 * Runs one full match and the regional plan off the main thread: both are CPU-bound (seconds on a
 * large portfolio), and the API, the UI's live values and ingestion must keep answering meanwhile.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { hotmapsProfileSource } from '../data/profile-source.ts';
import type { PlanObjectiveName } from '../db/plan-store.ts';
import { resolveConfig, type MatchQuery } from '../matching/config.ts';
import { Matcher } from '../matching/engine.ts';
import type { MatchFlow } from '../matching/input.ts';
import { makePlan } from './regional-plan.ts';

const { flows, query, held, objective } = workerData as { flows: MatchFlow[]; query: MatchQuery; held: [string, number][]; objective: PlanObjectiveName };
try {
  const config = resolveConfig(query);
  const matcher = new Matcher({ flows, profiles: hotmapsProfileSource() });
  const result = matcher.matchAll(config);
  const plan = await makePlan(matcher, result.matches, config, { objective, held: new Map(held) });
  parentPort!.postMessage({ ok: true, result, plan });
} catch (error) {
  parentPort!.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
}
