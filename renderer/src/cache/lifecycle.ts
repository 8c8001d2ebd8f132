/**
 * A lifecycle step (matches.transition) in the cache: the match shows its new status at once where
 * only a version conflict can refuse the move, and the answer (or the refusal, rolled back)
 * replaces it. Afterwards only what depends on the match's status is refetched: the status counts,
 * the lists filtered by the old or the new status, the reminders when a reservation starts or
 * ends, the alert pages when the match closes, the impact report and the suggestions (both only
 * while they are shown). The unfiltered list, the map and every other match are patched in place,
 * never refetched: the step changes one row of them.
 */
import type { QueryClient, QueryKey } from '@tanstack/react-query';
import { TERMINAL, type MatchListFilter, type MatchRecord, type MatchStatus, type MatchWithEvents } from '../matching/model.ts';
import { keys } from './keys.ts';

/** The fields a lifecycle step changes on a match (domain/match-lifecycle.ts applyTransition). */
export type LifecycleFields = Pick<MatchRecord, 'status' | 'version' | 'reserved_until' | 'status_reason' | 'updated_at'>;

export interface TransitionRequest {
  to: MatchStatus;
  version: number;
  reserved_until?: string | undefined;
  reason?: string | undefined;
}

/** What a step replaced in the cache, to put back when the core refuses it. */
export interface Snapshot {
  entries: [QueryKey, unknown][];
}

/**
 * Moves that hold an allocation (reserved, contracted, live) can be refused by the regional plan's
 * check (a flow would be promised more than it has): they are shown when the core has answered.
 * The others can only fail on a version conflict, which rolls them back.
 */
const CHECKED_BY_THE_CORE: ReadonlySet<MatchStatus> = new Set(['reserved', 'contracted', 'live']);

export function showsBeforeAnswer(to: MatchStatus): boolean {
  return !CHECKED_BY_THE_CORE.has(to);
}

/** The lifecycle fields the core will store for `request` (the same rules as applyTransition). */
export function expectedFields(current: Pick<MatchRecord, 'version'>, request: TransitionRequest, now = new Date()): LifecycleFields {
  return {
    status: request.to,
    version: current.version + 1,
    reserved_until: request.to === 'reserved' ? (request.reserved_until ?? null) : null,
    status_reason: TERMINAL.has(request.to) ? (request.reason ?? null) : null,
    updated_at: now.toISOString(),
  };
}

function lifecycleOf(m: LifecycleFields): LifecycleFields {
  return { status: m.status, version: m.version, reserved_until: m.reserved_until, status_reason: m.status_reason, updated_at: m.updated_at };
}

type ListPage = { items: MatchRecord[] } & Record<string, unknown>;

function isListPage(data: unknown): data is ListPage {
  return typeof data === 'object' && data !== null && Array.isArray((data as { items?: unknown }).items);
}

function filterOf(key: QueryKey): MatchListFilter | undefined {
  const f = key[2];
  return typeof f === 'object' && f !== null ? (f as MatchListFilter) : undefined;
}

/**
 * Writes `fields` into the match's detail and into every cached list row of it (the map draws the
 * rows of the list). Returns what was there before. Lists filtered by status are left to
 * `refreshAfterTransition`: the match enters or leaves them.
 */
export function patchMatch(queryClient: QueryClient, id: string, fields: LifecycleFields, detail?: MatchWithEvents): Snapshot {
  const entries: [QueryKey, unknown][] = [];
  const getKey = keys.matches.get(id);
  const current = queryClient.getQueryData<MatchWithEvents>(getKey);
  entries.push([getKey, current]);
  if (detail) queryClient.setQueryData(getKey, detail);
  else if (current) queryClient.setQueryData(getKey, { ...current, ...fields });
  for (const [key, data] of queryClient.getQueriesData({ queryKey: keys.matches.lists })) {
    if (!isListPage(data) || filterOf(key)?.status !== undefined) continue;
    const index = data.items.findIndex((m) => m.id === id);
    if (index < 0) continue;
    entries.push([key, data]);
    const items = data.items.slice();
    items[index] = { ...items[index]!, ...fields };
    queryClient.setQueryData(key, { ...data, items });
  }
  return { entries };
}

/**
 * Shows the move before the core answers where that is safe (see showsBeforeAnswer); null when the
 * match is shown as it is until the answer. In-flight reads of the match are cancelled so an older
 * answer cannot overwrite the new status.
 */
export async function showTransition(queryClient: QueryClient, match: Pick<MatchRecord, 'id' | 'version'>, request: TransitionRequest): Promise<Snapshot | null> {
  if (!showsBeforeAnswer(request.to)) return null;
  await queryClient.cancelQueries({ queryKey: keys.matches.get(match.id) });
  return patchMatch(queryClient, match.id, expectedFields(match, request));
}

/** Puts back what `showTransition` replaced (the core refused the move). */
export function rollback(queryClient: QueryClient, snapshot: Snapshot | null): void {
  for (const [key, data] of snapshot?.entries ?? []) queryClient.setQueryData(key, data);
}

/** The core's answer replaces the shown move; then what depends on the status is refreshed. */
export function settleTransition(queryClient: QueryClient, from: MatchStatus, updated: MatchWithEvents): void {
  patchMatch(queryClient, updated.id, lifecycleOf(updated), updated);
  refreshAfterTransition(queryClient, from, updated.status as MatchStatus, updated.id);
}

/**
 * Refetches (when shown) or marks stale what a move from `from` to `to` changes besides the match
 * itself. Everything else, the sites, the map, the unfiltered lists, the plan, stays as it is.
 */
export function refreshAfterTransition(queryClient: QueryClient, from: MatchStatus, to: MatchStatus, id: string): void {
  const touched = (s: MatchStatus) => s === from || s === to;
  void queryClient.invalidateQueries({ queryKey: keys.matches.summary });
  void queryClient.invalidateQueries({
    queryKey: keys.matches.lists,
    predicate: (q) => {
      const status = filterOf(q.queryKey)?.status;
      return status !== undefined && touched(status);
    },
  });
  // Reminders list the reservations; the impact report the contracted and live exchanges and the plan members' status.
  if (touched('reserved')) void queryClient.invalidateQueries({ queryKey: keys.workflow.reminders });
  void queryClient.invalidateQueries({ queryKey: keys.workflow.impact });
  // Alert pages leave closed matches out; the suggestions' network and cascades too.
  if (TERMINAL.has(to)) void queryClient.invalidateQueries({ queryKey: keys.workflow.alertMatches });
  void queryClient.invalidateQueries({ queryKey: keys.analytics });
  // Meters and verification belong to contracted and live exchanges.
  if (touched('contracted') || touched('live')) void queryClient.invalidateQueries({ queryKey: keys.matchWorkflow(id) });
}
