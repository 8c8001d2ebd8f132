/**
 * The sync API the UI uses: sign in to a hub, pick a workspace, the status (a subscription that
 * the header keeps open, so it is always current), sync now, sign out (here or everywhere), a record's history and the
 * sync problems. A hub that refuses or cannot be reached is a PRECONDITION_FAILED with the hub's
 * reason; a missing sync service (a core opened without one) likewise.
 */
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { SyncService, SyncView } from '../sync/service.ts';
import { procedure, router, type ApiContext } from './trpc.ts';

function syncOf(ctx: ApiContext): SyncService {
  if (!ctx.sync) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'sync is not available in this mode' });
  return ctx.sync;
}

/** Errors of the hub (refused, unreachable) are the user's to act on: keep their message. */
async function hubCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof TRPCError) throw error;
    throw new TRPCError({ code: 'PRECONDITION_FAILED', message: error instanceof Error ? error.message : String(error), cause: error });
  }
}

/** Turns an event emitter into an async iterable that ends when the subscription is aborted. */
async function* events<T>(subscribe: (push: (value: T) => void) => () => void, signal: AbortSignal | undefined): AsyncGenerator<T> {
  const queue: T[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = subscribe((value) => {
    queue.push(value);
    wake?.();
  });
  const aborted = new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
  try {
    while (!signal?.aborted) {
      if (queue.length === 0) await Promise.race([new Promise<void>((resolve) => (wake = resolve)), aborted]);
      wake = undefined;
      // Only the latest status matters; changes are all passed on.
      while (queue.length) yield queue.shift()!;
    }
  } finally {
    unsubscribe();
  }
}

const entity = z.enum(['organization', 'site', 'flow']);

export const syncRouter = router({
  status: procedure.query(({ ctx }) => syncOf(ctx).view()),
  /** The status now and on every change. Opening it (a UI is there) resumes saved live sync. */
  watch: procedure.subscription(async function* ({ ctx, signal }) {
    const sync = syncOf(ctx);
    void sync.resume().catch(() => undefined);
    yield await sync.view();
    yield* events<SyncView>((push) => {
      sync.on('view', push);
      return () => sync.off('view', push);
    }, signal);
  }),
  /** Records changed by hub messages, so open views reload without a page reload. */
  changes: procedure.subscription(async function* ({ ctx, signal }) {
    const sync = syncOf(ctx);
    yield* events<{ dataset: string; row: string }[]>((push) => {
      sync.on('changed', push);
      return () => sync.off('changed', push);
    }, signal);
  }),
  signIn: procedure
    .input(z.strictObject({ hub: z.url({ protocol: /^https?$/ }).max(500), email: z.string().trim().min(3).max(254), password: z.string().min(1).max(200) }))
    .mutation(({ ctx, input }) => hubCall(() => syncOf(ctx).signIn(input))),
  selectWorkspace: procedure.input(z.strictObject({ workspace: z.string().min(1).max(100) })).mutation(({ ctx, input }) => hubCall(() => syncOf(ctx).selectWorkspace(input.workspace))),
  syncNow: procedure.mutation(({ ctx }) => hubCall(() => syncOf(ctx).syncNow())),
  signOut: procedure.mutation(({ ctx }) => syncOf(ctx).signOut()),
  /** Ends the user's sessions on every laptop (a lost or stolen one), then signs this one out. */
  signOutEverywhere: procedure.mutation(({ ctx }) => hubCall(() => syncOf(ctx).signOut({ everywhere: true }))),
  /** Who changed which field of a record, when; local and remote changes, newest first. */
  history: procedure.input(z.strictObject({ entity, id: z.string().min(1).max(200) })).query(({ ctx, input }) => syncOf(ctx).history(input.entity, input.id)),
  problems: procedure.query(({ ctx }) => syncOf(ctx).problems()),
});
