/**
 * Matching procedures: run a full re-match (a job with progress events), list and filter the
 * stored matches, explain one, and move it through its lifecycle.
 */
import { z } from 'zod';
import { MATCH_ROUTES, MATCH_STATUSES } from '../domain/field-entities.ts';
import { transitionRequestSchema } from '../domain/match-lifecycle.ts';
import { FLOW_TYPES } from '../domain/entities.ts';
import { DEFAULT_CONFIG, SCORE_COMPONENTS } from '../matching/config.ts';
import { procedure, router } from './trpc.ts';

const weight = z.number().min(0).max(1);
export const matchQuerySchema = z.strictObject({
  weights: z.strictObject(Object.fromEntries(SCORE_COMPONENTS.map((c) => [c, weight.optional()])) as Record<(typeof SCORE_COMPONENTS)[number], z.ZodOptional<typeof weight>>).optional(),
  max_km: z.number().positive().max(1000).optional(),
  min_temporal_hours_per_week: z.number().min(0).max(168).optional(),
  top_n: z.int().min(1).max(100).optional(),
  max_per_partner: z.int().min(1).max(100).optional(),
  min_annual_value_eur: z.number().min(0).optional(),
  min_trust: z.number().min(0).max(1).optional(),
  include_unprofitable: z.boolean().optional(),
  fallback: z.boolean().optional(),
});

const id = z.string().min(1).max(300);

export const matchingRouter = router({
  /** The engine's defaults, for the weights panel. */
  defaults: procedure.query(() => ({
    weights: DEFAULT_CONFIG.weights,
    top_n: DEFAULT_CONFIG.top_n,
    max_per_partner: DEFAULT_CONFIG.max_per_partner,
    min_temporal_hours_per_week: DEFAULT_CONFIG.min_temporal_hours_per_week,
    min_annual_value_eur: DEFAULT_CONFIG.filters.min_annual_value_eur,
  })),
  /** A full re-match and the regional plan (objective npv unless asked: co2, energy). */
  run: procedure
    .input(matchQuerySchema.extend({ objective: z.enum(['npv', 'co2', 'energy']).optional() }).optional())
    .mutation(({ ctx, input }) => {
      const { objective, ...query } = input ?? {};
      return { jobId: ctx.matching.start(query, objective ?? 'npv') };
    }),
  /** The regional plan of the last run: objective, bound, gap, totals (plan members only), by type; null before the first run. */
  plan: procedure.query(({ ctx }) => ctx.repo.plan.summary()),
  watch: procedure.input(z.strictObject({ jobId: z.uuid() })).subscription(async function* ({ ctx, input, signal }) {
    yield* ctx.matching.jobs.watch(input.jobId, signal);
  }),
  /** Ends a running re-match: nothing of it is stored and its watchers get `cancelled`; false when it had already ended. */
  cancel: procedure.input(z.strictObject({ id: z.uuid() })).mutation(({ ctx, input }) => ({ cancelled: ctx.matching.cancel(input.id) })),
});

/** The list filter (matches.list, page, lines, export). */
const listFilter = {
  type: z.enum(FLOW_TYPES).optional(),
  min_score: z.number().min(0).max(1).optional(),
  route: z.enum(MATCH_ROUTES).optional(),
  status: z.enum(MATCH_STATUSES).optional(),
  max_km: z.number().positive().optional(),
  flow_id: id.optional(),
  site_id: id.optional(),
  order: z.enum(['score', 'npv', 'distance']).optional(),
  /** true: plan members only; false: alternatives outside the plan. */
  in_plan: z.boolean().optional(),
};

/** The map draws at most this many lines of the filtered list (its first ones in the list's order). */
export const MAX_MAP_LINES = 5000;

export const matchesRouter = router({
  /** Full records (scores, economics, explanation): a flow's or a site's few matches. The match list's pages are `page`. */
  list: procedure
    .input(
      z
        .strictObject({
          offset: z.int().min(0).optional(),
          limit: z.int().min(1).max(5000).optional(),
          ...listFilter,
        })
        .optional(),
    )
    .query(({ ctx, input }) => ctx.repo.matches.list(input)),
  /** One page of the match list in light rows: 100 rows, or 40 groups of the matches competing for one flow (match-pages.ts). */
  page: procedure
    .input(
      z
        .strictObject({
          ...listFilter,
          group: z.enum(['supply', 'demand', 'none']).optional(),
          page: z.int().min(0).optional(),
          size: z.int().min(1).max(500).optional(),
          around_id: id.optional(),
        })
        .optional(),
    )
    .query(({ ctx, input }) => ctx.repo.matches.page(input ?? {})),
  /** The map's lines of the filtered list: its first MAX_MAP_LINES (or `limit`), with both sites' ids and no names. */
  lines: procedure
    .input(z.strictObject({ ...listFilter, limit: z.int().min(1).max(MAX_MAP_LINES).optional() }).optional())
    .query(({ ctx, input }) => {
      const { limit, ...filter } = input ?? {};
      return ctx.repo.matches.lines(filter, limit ?? MAX_MAP_LINES);
    }),
  /** The whole filtered list for the CSV export, 5,000 light rows at a time with the export's economics. */
  export: procedure
    .input(z.strictObject({ ...listFilter, offset: z.int().min(0).optional(), limit: z.int().min(1).max(5000).optional() }).optional())
    .query(({ ctx, input }) => {
      const { offset, limit, ...filter } = input ?? {};
      return ctx.repo.matches.exportRows(filter, offset ?? 0, limit ?? 5000);
    }),
  /** One match with everything that explains it, and its audit trail. */
  get: procedure.input(z.strictObject({ id })).query(({ ctx, input }) => ctx.repo.matches.get(input.id)),
  summary: procedure.query(({ ctx }) => ctx.repo.matches.counts()),
  /** A heat, steam or cooling match hour by hour (8,760 values of MW: available after the exchanger, demand, delivered); null for other types. */
  hourly: procedure.input(z.strictObject({ id })).query(({ ctx, input }) => ctx.matching.hourly(input.id)),
  transition: procedure
    .input(transitionRequestSchema.extend({ id }))
    .mutation(async ({ ctx, input }) => {
      const { id: matchId, ...request } = input;
      // a reservation (or a contract, or going live) holds the match's allocation: refused when it would over-allocate a flow
      if (request.to === 'reserved' || request.to === 'contracted' || request.to === 'live') await ctx.matching.checkHold(matchId);
      return ctx.repo.matches.transition(matchId, request, ctx.actor);
    }),
});
