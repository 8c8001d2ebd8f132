/**
 * The messages between the match service (main thread) and its long-lived matching worker
 * (match-worker-main.ts). Every request carries a sequence number its replies repeat.
 */
import type { PricingConstants } from '../../db/match-codec.ts';
import type { MatchRows } from '../../db/match-rows.ts';
import type { PlanObjectiveName } from '../../db/plan-store.ts';
import type { MatchQuery } from '../config.ts';
import type { MatchFlow } from '../input.ts';
import type { EngineMatch } from '../match.ts';
import type { MatchStats } from '../pipeline.ts';
import type { PlanRun } from './regional-plan.ts';

export type WorkerPhase = 'loading' | 'matching' | 'saving' | 'planning';

export type WorkerRequest =
  /**
   * A full re-match and plan of `flows` (the whole portfolio: the worker keeps what did not change),
   * or of the held portfolio when `flows` is absent (the database has not changed since it was
   * sent); `preview`: post the best N first.
   */
  | { kind: 'run'; seq: number; flows?: MatchFlow[]; query: MatchQuery; held: [string, number][]; objective: PlanObjectiveName; pricing: PricingConstants; engineRecords: boolean; keepRecords?: boolean; preview?: number }
  /** The worker holds no portfolio (first use, after an import, after a cancel): here it is. */
  | { kind: 'load'; seq: number; flows: MatchFlow[] }
  /** One flow changed (`flow`) or was deleted (null): re-match it incrementally. */
  | { kind: 'flow'; seq: number; flowId: string; flow: MatchFlow | null; query: MatchQuery; pricing: PricingConstants; engineRecords?: boolean }
  /**
   * Records `from` .. `from + count` of the last run (asked with `keepRecords`), in output order;
   * fewer at the end. Read chunk by chunk (`turash match --json`), so no thread holds them all.
   * Any other request forgets that run.
   */
  | { kind: 'records'; seq: number; from: number; count: number }
  /** The hour-by-hour exchange of a pair. */
  | { kind: 'hourly'; seq: number; supplyId: string; demandId: string; distanceKm: number; query: MatchQuery }
  /** Whether the held matches fit together (plan over held candidates only). */
  | { kind: 'hold'; seq: number; matches: EngineMatch[]; held: [string, number][]; query: MatchQuery };

export type WorkerReply =
  | { kind: 'progress'; seq: number; phase: WorkerPhase; done: number; total: number }
  /** A run's best matches, as soon as the run is ranked (before every record is built): what the user sees first. */
  | { kind: 'preview'; seq: number; matches: EngineMatch[] }
  /** A run's or a flow's matches in stored form (their buffers transferred); the engine's records when asked for. */
  | { kind: 'matches'; seq: number; rows: MatchRows; stats: MatchStats | undefined; matches?: EngineMatch[] }
  | { kind: 'plan'; seq: number; plan: PlanRun }
  | { kind: 'done'; seq: number; value?: unknown }
  /** `needsFlows`: the worker holds no portfolio; send `load` and ask again. */
  | { kind: 'error'; seq: number; message: string; overAllocation?: boolean; needsFlows?: boolean };
