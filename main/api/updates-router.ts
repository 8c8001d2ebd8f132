/**
 * Application updates as the renderer sees them: the state of the update policy (desktop only)
 * and the "restart to update" and channel actions. The browser host and development builds have
 * no updater: status says so, and the actions are refused.
 */
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { RestartAnswer, UpdateState } from '../updates/policy.ts';
import { procedure, router } from './trpc.ts';

/** What the API needs of the update policy (main/updates/policy.ts implements it). */
export interface UpdatesPort {
  state(): UpdateState;
  check(): Promise<UpdateState>;
  restartToUpdate(): RestartAnswer;
  setChannel(channel: 'stable' | 'beta'): Promise<UpdateState>;
}

/** Where the chosen channel is kept (the desktop shell reads it at start). */
export const UPDATE_CHANNEL_SETTING = 'updates.channel';

export type UpdatesStatus = (UpdateState & { enabled: true }) | { enabled: false; reason: string };

function port(updates: UpdatesPort | undefined): UpdatesPort {
  if (!updates) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'updates are only available in the installed desktop application' });
  return updates;
}

export const updatesRouter = router({
  status: procedure.query(({ ctx }): UpdatesStatus =>
    ctx.updates ? { enabled: true, ...ctx.updates.state() } : { enabled: false, reason: 'updates are only available in the installed desktop application' },
  ),
  check: procedure.mutation(({ ctx }) => port(ctx.updates).check()),
  /** Refused with a reason (and done later by itself) while a recording or a sync runs. */
  restart: procedure.mutation(({ ctx }) => port(ctx.updates).restartToUpdate()),
  setChannel: procedure.input(z.strictObject({ channel: z.enum(['stable', 'beta']) })).mutation(async ({ ctx, input }) => {
    const state = await port(ctx.updates).setChannel(input.channel);
    await ctx.repo.setSetting(UPDATE_CHANNEL_SETTING, input.channel);
    return state;
  }),
});
