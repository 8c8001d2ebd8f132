/**
 * The facilitator's workflow: notes, packets sent, reservation reminders and extensions, meter
 * bindings and verification (M&V), the impact dashboard with its CSV, and new-match alerts.
 */
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { METER_ROLES } from '../db/workflow-schema.ts';
import { impactCsvExport, impactReport, verifyExchange } from '../workflow/service.ts';
import { procedure, router, type ApiContext } from './trpc.ts';

const id = z.string().min(1).max(300);
const period = {
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
};
const periodOf = (input: { from?: string | undefined; to?: string | undefined } | undefined) => ({
  fromMs: input?.from ? Date.parse(input.from) : undefined,
  toMs: input?.to ? Date.parse(input.to) : undefined,
});

function alertsOf(ctx: ApiContext) {
  if (!ctx.alerts) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'match alerts do not run in this host' });
  return ctx.alerts;
}

export const workflowRouter = router({
  notes: router({
    list: procedure.input(z.strictObject({ matchId: id })).query(({ ctx, input }) => ctx.repo.workflow.listNotes(input.matchId)),
    add: procedure
      .input(z.strictObject({ matchId: id, text: z.string().max(10_000) }))
      .mutation(({ ctx, input }) => ctx.repo.workflow.addNote(input.matchId, input.text, ctx.actor)),
  }),
  packets: router({
    /** Packets sent, for one match or all. */
    list: procedure.input(z.strictObject({ matchId: id.optional() }).optional()).query(({ ctx, input }) => ctx.repo.workflow.listPacketSends(input?.matchId)),
    recordSent: procedure
      .input(
        z.strictObject({
          matchId: id,
          organization_id: id,
          recipient: z.string().max(500),
          sent_at: z.iso.datetime({ offset: true }).optional(),
          note: z.string().max(10_000).optional(),
          files: z
            .array(
              z.strictObject({
                name: z.string().min(1).max(300),
                path: z.string().max(4096).optional(),
                organization_id: id.optional(),
                bytes: z.int().min(0).optional(),
              }),
            )
            .max(50),
        }),
      )
      .mutation(({ ctx, input }) => {
        const { matchId, ...send } = input;
        return ctx.repo.workflow.recordPacketSend(matchId, send, ctx.actor);
      }),
  }),
  reservations: router({
    /** Reservations ending within `within_days` (default 7) and lapsed ones, soonest first. */
    reminders: procedure
      .input(z.strictObject({ within_days: z.number().min(0).max(3650).optional() }).optional())
      .query(({ ctx, input }) => ctx.repo.workflow.reservationReminders(input?.within_days ?? 7)),
    extend: procedure
      .input(z.strictObject({ matchId: id, version: z.int().min(1), reserved_until: z.iso.datetime({ offset: true }), note: z.string().max(10_000).optional() }))
      .mutation(async ({ ctx, input }) => {
        await ctx.repo.workflow.extendReservation(input.matchId, input, ctx.actor);
        return ctx.repo.matches.get(input.matchId);
      }),
  }),
  meters: router({
    list: procedure.input(z.strictObject({ matchId: id })).query(({ ctx, input }) => ctx.repo.workflow.listMeters(input.matchId)),
    /** Meter points of the two sites, to pick from. */
    candidates: procedure.input(z.strictObject({ matchId: id })).query(({ ctx, input }) => ctx.repo.workflow.candidatePoints(input.matchId)),
    bind: procedure
      .input(z.strictObject({ matchId: id, pointId: id, role: z.enum(METER_ROLES) }))
      .mutation(({ ctx, input }) => ctx.repo.workflow.bindMeter(input.matchId, input.pointId, input.role, ctx.actor)),
    unbind: procedure.input(z.strictObject({ matchId: id, pointId: id })).mutation(({ ctx, input }) => ctx.repo.workflow.unbindMeter(input.matchId, input.pointId, ctx.actor)),
    verify: procedure.input(z.strictObject({ matchId: id, ...period })).query(({ ctx, input }) => verifyExchange(ctx.repo, input.matchId, periodOf(input))),
  }),
  impact: router({
    /** Contracted and live figures, measured where bound, and the potential: the regional plan's totals (null before any plan). */
    report: procedure.input(z.strictObject(period).optional()).query(({ ctx, input }) => impactReport(ctx.repo, periodOf(input))),
    /** One row per contracted or live exchange, then one `potential` row per plan member (at its allocation). */
    csv: procedure.input(z.strictObject(period).optional()).query(async ({ ctx, input }) => ({
      filename: `turash-impact-${new Date().toISOString().slice(0, 10)}.csv`,
      text: (await impactCsvExport(ctx.repo, periodOf(input))).csv,
    })),
  }),
  alerts: router({
    /** Digests of new high-scoring matches, newest first ("37 new matches scoring >= 0.8, 5 of them in your region"). */
    list: procedure
      .input(z.strictObject({ unseen_only: z.boolean().optional(), limit: z.int().min(1).max(500).optional() }).optional())
      .query(({ ctx, input }) => ctx.repo.workflow.alerts.list({ unseenOnly: input?.unseen_only ?? false, limit: input?.limit ?? 100 })),
    /** The matches behind one digest that are still stored, best first. */
    matches: procedure
      .input(z.strictObject({ digestId: z.int().min(1), offset: z.int().min(0).optional(), limit: z.int().min(1).max(500).optional() }))
      .query(({ ctx, input }) => ctx.repo.workflow.alerts.matches(input.digestId, { offset: input.offset ?? 0, limit: input.limit ?? 50 })),
    /** Marks digests as seen (all of them without ids). */
    markSeen: procedure
      .input(z.strictObject({ digestIds: z.array(z.int().min(1)).max(1000).optional() }).optional())
      .mutation(({ ctx, input }) => ctx.repo.workflow.alerts.markSeen(input?.digestIds)),
    threshold: procedure.query(({ ctx }) => alertsOf(ctx).threshold()),
    setThreshold: procedure.input(z.strictObject({ threshold: z.number().min(0).max(1) })).mutation(async ({ ctx, input }) => {
      await alertsOf(ctx).setThreshold(input.threshold);
      return input.threshold;
    }),
    /** The region digests count matches in (a bounding box; null: none set). */
    region: procedure.query(({ ctx }) => alertsOf(ctx).region()),
    setRegion: procedure
      .input(z.strictObject({ region: z.strictObject({ min_lat: z.number(), min_lon: z.number(), max_lat: z.number(), max_lon: z.number() }).nullable() }))
      .mutation(async ({ ctx, input }) => {
        await alertsOf(ctx).setRegion(input.region);
        return input.region;
      }),
    /** Digests as re-matches make them (with the best few matches behind each). */
    watch: procedure.subscription(async function* ({ ctx, signal }) {
      yield* alertsOf(ctx).watch(signal);
    }),
  }),
});
