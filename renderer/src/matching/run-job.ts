/**
 * A full re-match as the UI follows it: `matching.run` starts the job, `matching.watch` reports
 * its phases (loading, matching, saving, planning) and its end, `matching.cancel` stops it.
 *
 * Cancelling (main/api/matching-router.ts): `matching.cancel({ id })` with the job id that
 * `matching.run` returned answers `{ cancelled: boolean }` (false: the job had already ended), and
 * the job then ends as cancelled with nothing stored; its watch reports that end as an event whose
 * kind (or state) is 'cancelled'.
 */
import { client } from '../api.ts';
import type { MatchJobEvent, MatchRunResult } from './model.ts';

export type RunEnd = { kind: 'done'; result: MatchRunResult } | { kind: 'failed'; message: string } | { kind: 'cancelled' };
export type RunProgressEvent = Extract<MatchJobEvent, { kind: 'progress' }>;

/** What one watch event means for the UI: progress, or how the job ended. */
export function readEvent(event: unknown): { progress: RunProgressEvent } | { end: RunEnd } {
  const e = event as { kind?: string; state?: string; message?: string; result?: MatchRunResult };
  if (e.kind === 'cancelled' || e.state === 'cancelled') return { end: { kind: 'cancelled' } };
  if (e.kind === 'progress') return { progress: event as RunProgressEvent };
  if (e.kind === 'done') return { end: { kind: 'done', result: e.result as MatchRunResult } };
  return { end: { kind: 'failed', message: e.message ?? 'the matching job ended without saying why' } };
}

/** Asks the core to stop the job (sent on its own, api.ts: a Cancel must not wait for a read batched with it). */
export function cancelRun(jobId: string): Promise<{ cancelled: boolean }> {
  return client.matching.cancel.mutate({ id: jobId }, { context: { alone: true } });
}
