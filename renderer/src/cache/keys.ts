/**
 * The query keys of the renderer's cache, in one place, so that a change can refresh exactly the
 * queries it affects (cache/lifecycle.ts, cache/flows.ts) instead of whole families of them.
 *
 * The shapes are the ones the components used before this module existed: ['matches', 'list',
 * filter], ['matches', 'get', id], ['sites', 'get', id] ... A key here is a prefix of every key of
 * its family, as TanStack Query matches keys by prefix.
 */
import type { MatchListFilter } from '../matching/model.ts';

export const keys = {
  sites: {
    all: ['sites'] as const,
    /** Every site, compactly: the map and the site list. */
    map: ['sites', 'map'] as const,
    get: (id: string) => ['sites', 'get', id] as const,
  },
  flows: {
    get: (id: string) => ['flows', 'get', id] as const,
  },
  matches: {
    all: ['matches'] as const,
    lists: ['matches', 'list'] as const,
    list: (filter: MatchListFilter) => ['matches', 'list', filter] as const,
    get: (id: string) => ['matches', 'get', id] as const,
    hourly: (id: string) => ['matches', 'hourly', id] as const,
    summary: ['matches', 'summary'] as const,
  },
  /** The regional plan of the last run (matching.plan). */
  plan: ['matching', 'plan'] as const,
  analytics: ['analytics'] as const,
  search: ['search'] as const,
  metaInfo: ['meta', 'info'] as const,
  workflow: {
    all: ['workflow'] as const,
    reminders: ['workflow', 'reminders'] as const,
    alerts: ['workflow', 'alerts'] as const,
    alertMatches: ['workflow', 'alerts', 'matches'] as const,
    impact: ['workflow', 'impact'] as const,
  },
  /** One match's notes, packets, meters and verification (workflow/MatchWorkflow.tsx). */
  matchWorkflow: (id: string) => ['match-workflow', id] as const,
} as const;
