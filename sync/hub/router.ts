/**
 * The hub's tRPC API (the wire contract is sync/PROTOCOL.md; keep the two in step).
 *
 * Every procedure but auth.signIn and auth.acceptInvite needs a valid token (401 UNAUTHORIZED
 * otherwise); every workspace procedure needs a membership (403 FORBIDDEN); writing needs a role
 * above viewer, and membership admin needs the owner role. Authentication and the rate limit run
 * BEFORE input validation, so an anonymous caller learns nothing from the shape of its input.
 */
import { initTRPC, TRPCError } from '@trpc/server';
import { z, ZodError } from 'zod';
import { parseTimestamp } from '../protocol/hlc.ts';
import { asChangeMessage, changeMessageSchema, clientIdSchema, type ChangeMessage } from '../protocol/messages.ts';
import type { HubFeed } from './feed.ts';
import { ABSOLUTE_MAX_MESSAGES_PER_PUSH, type HubLimits, type RateLimiter } from './limits.ts';
import { ROLES, type Role } from './schema.ts';
import { HubConflictError, HubForbiddenError, HubNotFoundError, type HubSession, type HubStore, type HubUser } from './store.ts';

export interface HubContext {
  store: HubStore;
  feed: HubFeed;
  limits: HubLimits;
  rate: RateLimiter;
  signInRate: RateLimiter;
  /** The bearer token the request carried (the Authorization header, on HTTP and on the WebSocket upgrade). */
  token: string | undefined;
  /** The caller's network address (behind a trusted proxy: the client's, as the proxy says). */
  address: string;
}

/**
 * A token's session, looked up once per request by the rate limit and used by `authed`; with
 * the user's role in the workspace the input names (null: not a member), read by the same query,
 * for `member` (undefined: the input named no workspace).
 */
type Resolved = { session: HubSession | undefined; membership: { workspace: string; role: Role | null } | undefined };

/** The `workspace` the raw input names, if any: only to read the role with the session (validated later). */
async function workspaceNamed(getRawInput: () => Promise<unknown>): Promise<string | undefined> {
  const raw = await getRawInput().catch(() => undefined);
  const workspace = typeof raw === 'object' && raw !== null ? (raw as { workspace?: unknown }).workspace : undefined;
  return typeof workspace === 'string' && workspace.length >= 1 && workspace.length <= 100 ? workspace : undefined;
}

/** `messages[3].timestamp: not an HLC timestamp ...; ...`: what and where, for people and logs. */
export function describeZodError(error: ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((issue) => {
      const path = issue.path.reduce<string>(
        (text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${String(part)}` : String(part)),
        '',
      );
      return `${path || 'input'}: ${issue.message}`;
    })
    .join('; ')
    .concat(error.issues.length > 10 ? `; and ${error.issues.length - 10} more problems` : '');
}

const t = initTRPC.context<HubContext>().create({
  errorFormatter({ shape, error }) {
    const zod = error.cause instanceof ZodError ? error.cause : undefined;
    return {
      ...shape,
      // An internal failure (a database error, a bug) may carry SQL or paths: the client gets a
      // plain message, the hub's log the details (startHub's onError).
      message: zod ? describeZodError(zod) : error.code === 'INTERNAL_SERVER_ERROR' ? 'internal error in the hub (details are in the hub\'s log); try again' : shape.message,
      data: { ...shape.data, stack: undefined },
    };
  },
});

/** Procedures that take a password or an invite instead of a token: the small per-address bucket. */
const PASSWORD_PATHS = new Set(['auth.signIn', 'auth.acceptInvite']);

/**
 * The request rate, keyed on who is asking: the signed-in USER (all their tokens share one
 * allowance, so signing in again buys nothing), else the address (so made-up tokens share the
 * address's allowance instead of each getting a fresh one).
 */
const limited = t.middleware(async ({ ctx, next, path, getRawInput }) => {
  if (PASSWORD_PATHS.has(path)) {
    if (!ctx.signInRate.take(ctx.address)) {
      throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: `too many sign-in attempts from ${ctx.address}: retry in ${ctx.signInRate.retryAfter(ctx.address)} s` });
    }
    return next({ ctx: { session: undefined, membership: undefined } as Resolved });
  }
  const workspace = ctx.token ? await workspaceNamed(getRawInput) : undefined;
  const found = ctx.token ? await ctx.store.sessionOf(ctx.token, workspace) : undefined;
  const session = found?.session;
  const membership = session && workspace !== undefined ? { workspace, role: found!.role } : undefined;
  const key = session ? `user:${session.id}` : `address:${ctx.address}`;
  if (!ctx.rate.take(key)) {
    const who = session ? session.email : `requests without a valid token from ${ctx.address}`;
    throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: `rate limit: too many requests (${who}); retry in ${ctx.rate.retryAfter(key)} s` });
  }
  return next({ ctx: { session, membership } as Resolved });
});

/** Maps the store's errors to codes, keeping their message. */
const storeErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const cause = result.error.cause;
  if (cause instanceof HubConflictError) throw new TRPCError({ code: 'CONFLICT', message: cause.message, cause });
  if (cause instanceof HubNotFoundError) throw new TRPCError({ code: 'NOT_FOUND', message: cause.message, cause });
  if (cause instanceof HubForbiddenError) throw new TRPCError({ code: 'FORBIDDEN', message: cause.message, cause });
  return result;
});

const publicProcedure = t.procedure.use(limited).use(storeErrors);

/** The words a laptop shows when its token stops working (sync/client turns it into a status). */
export const SESSION_ENDED = 'your session ended (expired, signed out or revoked): sign in again';

const authed = publicProcedure.use(async ({ ctx, next }) => {
  const session = ctx.session;
  if (!session) {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: ctx.token ? SESSION_ENDED : 'no token: sign in first (Authorization: Bearer <token>)' });
  }
  const user: HubUser = { id: session.id, email: session.email };
  return next({ ctx: { user, session, token: ctx.token! } });
});

const workspaceId = z.string().min(1).max(100);

/** Opens a workspace procedure: a member with at least `minimum`'s rights. */
function member(minimum: 'read' | 'write' | 'admin') {
  return authed.input(z.object({ workspace: workspaceId })).use(async ({ ctx, input, next }) => {
    // Read with the session when the raw input named this workspace (always, for a valid input).
    const role = ctx.membership?.workspace === input.workspace ? (ctx.membership.role ?? undefined) : await ctx.store.roleOf(ctx.user.id, input.workspace);
    if (!role) throw new TRPCError({ code: 'FORBIDDEN', message: `${ctx.user.email} is not a member of workspace ${input.workspace}` });
    if (minimum === 'write' && role === 'viewer') throw new TRPCError({ code: 'FORBIDDEN', message: `${ctx.user.email} is a viewer of workspace ${input.workspace} and cannot push changes` });
    if (minimum === 'admin' && role !== 'owner') throw new TRPCError({ code: 'FORBIDDEN', message: `only an owner of workspace ${input.workspace} manages its members (${ctx.user.email} is ${role})` });
    return next({ ctx: { role } });
  });
}

const pushInput = z.object({ client: clientIdSchema, messages: z.array(changeMessageSchema).max(ABSOLUTE_MAX_MESSAGES_PER_PUSH) });

/**
 * The push input, checked with the same rules as `pushInput` (the client id and the array length
 * by zod, every message by `asChangeMessage`, which checks the schema's rules directly): zod's
 * per-message machinery cost more than storing the batch. Whenever anything fails, the input is
 * parsed by `pushInput` itself, so a refused push gets exactly zod's error (400, "messages[3].
 * timestamp: ...") and nothing is stored.
 */
function parsePushInput(input: unknown): z.output<typeof pushInput> {
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const { client, messages } = input as { client?: unknown; messages?: unknown };
    const id = clientIdSchema.safeParse(client);
    if (id.success && Array.isArray(messages) && messages.length <= ABSOLUTE_MAX_MESSAGES_PER_PUSH) {
      const checked: ChangeMessage[] = [];
      for (const message of messages as unknown[]) {
        const ok = asChangeMessage(message);
        if (!ok) break;
        checked.push(ok);
      }
      if (checked.length === messages.length) return { client: id.data, messages: checked };
    }
  }
  return pushInput.parse(input);
}

const email = z.string().trim().min(3).max(254).email('not an email address');
const password = z.string().min(10, 'a password has at least 10 characters').max(200);
const role = z.enum(ROLES as [Role, ...Role[]]);

/** A new sign-in session for the user, with what the laptop needs to show and to sync. */
async function signedInAs(ctx: { store: HubStore }, user: HubUser) {
  await ctx.store.recordSignIn(user.id);
  const token = await ctx.store.createSession(user.id, 'sign-in');
  return { token, expiresAt: (await ctx.store.expiryOf(token))!, user, workspaces: await ctx.store.workspacesOf(user.id) };
}

/** 429 while the account (existing or not) is backing off after failed sign-ins. */
async function refuseWhileBackingOff(ctx: { store: HubStore }, email: string): Promise<void> {
  const wait = await ctx.store.signInWait(email);
  if (wait > 0) throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: `too many failed sign-ins for ${email.trim().toLowerCase()}: retry in ${wait} s` });
}

/**
 * Refuses a push whose messages were written (by their timestamps) more than the allowed window
 * ahead of the hub's clock: such a timestamp would win every later edit of its field.
 */
function refuseFuture(messages: ChangeMessage[], maxAheadMs: number): void {
  const now = Date.now();
  for (let index = 0; index < messages.length; index++) {
    const timestamp = messages[index]!.timestamp;
    let millis: number;
    try {
      ({ millis } = parseTimestamp(timestamp));
    } catch (error) {
      throw new TRPCError({ code: 'BAD_REQUEST', message: `messages[${index}].timestamp: ${(error as Error).message}; nothing of this push was stored` });
    }
    if (millis > now + maxAheadMs) {
      const seconds = Math.round((millis - now) / 1000);
      throw new TRPCError({
        code: 'BAD_REQUEST',
        message: `messages[${index}].timestamp: ${messages[index]!.timestamp} is ${seconds} s ahead of the hub's clock (at most ${maxAheadMs / 1000} s are allowed): check the laptop's clock; nothing of this push was stored`,
      });
    }
  }
}

export const hubRouter = t.router({
  auth: t.router({
    /** Per address (signInRate) and per account (backoff after failures, in the database). */
    signIn: publicProcedure.input(z.object({ email, password: z.string().min(1).max(200) }).strict()).mutation(async ({ ctx, input }) => {
      await refuseWhileBackingOff(ctx, input.email);
      const user = await ctx.store.checkPassword(input.email, input.password);
      if (!user) {
        await ctx.store.recordSignInFailure(input.email, ctx.limits.signInBackoff);
        throw new TRPCError({ code: 'UNAUTHORIZED', message: 'wrong email or password' });
      }
      await ctx.store.clearSignInFailures(input.email);
      return signedInAs(ctx, user);
    }),
    /**
     * An invite (members.grant) exchanged for the first password and a session. Single use, and
     * never for an account that has a password (409).
     */
    acceptInvite: publicProcedure.input(z.object({ token: z.string().min(1).max(200), password }).strict()).mutation(async ({ ctx, input }) => {
      const user = await ctx.store.acceptInvite(input.token, input.password);
      if (!user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'the invite is not valid (used already, expired or unknown): ask the workspace owner for a new one' });
      return signedInAs(ctx, user);
    }),
    signOut: authed.mutation(async ({ ctx }) => {
      await ctx.store.deleteSession(ctx.token);
      return { signedOut: true };
    }),
    /** Ends every session of the caller, on every laptop, this one included. */
    signOutEverywhere: authed.mutation(async ({ ctx }) => ({ sessionsEnded: await ctx.store.deleteSessionsOf(ctx.user.id) })),
    /** Needs the current password; ends the caller's other sessions (this one keeps working). */
    setPassword: authed.input(z.object({ currentPassword: z.string().min(1).max(200), password }).strict()).mutation(async ({ ctx, input }) => {
      await refuseWhileBackingOff(ctx, ctx.user.email);
      if (!(await ctx.store.checkPassword(ctx.user.email, input.currentPassword))) {
        await ctx.store.recordSignInFailure(ctx.user.email, ctx.limits.signInBackoff);
        throw new TRPCError({ code: 'FORBIDDEN', message: 'the current password is wrong: the password was not changed' });
      }
      await ctx.store.changePassword(ctx.user.id, input.password, ctx.token);
      return { changed: true };
    }),
  }),

  me: authed.query(async ({ ctx }) => ({ user: ctx.user, workspaces: await ctx.store.workspacesOf(ctx.user.id) })),

  workspaces: t.router({
    list: authed.query(({ ctx }) => ctx.store.workspacesOf(ctx.user.id)),
    create: authed.input(z.object({ name: z.string().trim().min(1).max(100) }).strict()).mutation(async ({ ctx, input }) => {
      const { workspace, created } = await ctx.store.ensureWorkspace(input.name, ctx.user.id);
      if (!created) throw new TRPCError({ code: 'CONFLICT', message: `a workspace named "${input.name}" exists already` });
      await ctx.store.grant(workspace.id, ctx.user.id, 'owner');
      return { ...workspace, role: 'owner' as Role };
    }),
  }),

  members: t.router({
    list: member('read').query(({ ctx, input }) => ctx.store.members(input.workspace)),
    /** Grants a role (adds the member, or changes their role). A user without a password gets an invite. */
    grant: member('admin')
      .input(z.object({ email, role }))
      .mutation(async ({ ctx, input }) => {
        const { user, created } = await ctx.store.ensureUser(input.email);
        await ctx.store.grant(input.workspace, user.id, input.role);
        // Someone with no password yet: the owner passes this invite on; the invitee exchanges it
        // once for a session by choosing a password (auth.acceptInvite).
        const hasPassword = !!(await ctx.store.findUserByEmail(user.email))?.password_hash;
        const inviteToken = hasPassword ? null : await ctx.store.createSession(user.id, 'invite');
        return { email: user.email, role: input.role, created, inviteToken };
      }),
    revoke: member('admin')
      .input(z.object({ email }))
      .mutation(async ({ ctx, input }) => {
        const user = await ctx.store.findUserByEmail(input.email);
        const revoked = user ? await ctx.store.revoke(input.workspace, user.id) : false;
        if (!revoked) throw new TRPCError({ code: 'NOT_FOUND', message: `${input.email} is not a member of workspace ${input.workspace}` });
        return { email: user!.email, revoked };
      }),
  }),

  sync: t.router({
    push: member('write')
      .input(parsePushInput)
      .mutation(({ ctx, input }) => {
        if (input.messages.length > ctx.limits.maxMessagesPerPush) {
          throw new TRPCError({ code: 'PAYLOAD_TOO_LARGE', message: `messages: ${input.messages.length} in one push; the limit is ${ctx.limits.maxMessagesPerPush}: split the batch` });
        }
        refuseFuture(input.messages, ctx.limits.maxClockAheadMs);
        return ctx.store.push(input.workspace, input.client, ctx.user.id, input.messages);
      }),
    pull: member('read')
      .input(z.object({ since: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(ABSOLUTE_MAX_MESSAGES_PER_PUSH).default(1000) }))
      .query(({ ctx, input }) => ctx.store.pull(input.workspace, input.since, Math.min(input.limit, ctx.limits.maxPullLimit), ctx.limits.maxPullBytes)),
    merkle: member('read').query(({ ctx, input }) => ctx.store.merkle(input.workspace)),
    /**
     * Signals new messages: first the current head, then `{ head }` after every push that stored
     * something (from any hub instance on the same PostgreSQL). Pull with your cursor on a signal.
     */
    live: member('read').subscription(async function* ({ ctx, input, signal }) {
      const queue: number[] = [];
      let wake: (() => void) | undefined;
      const unsubscribe = ctx.feed.subscribe(input.workspace, (head) => {
        queue.push(head);
        wake?.();
      });
      const aborted = new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
      try {
        yield { workspace: input.workspace, head: await ctx.store.head(input.workspace) };
        while (!signal?.aborted) {
          if (queue.length === 0) await Promise.race([new Promise<void>((resolve) => (wake = resolve)), aborted]);
          wake = undefined;
          // Signals only say "there is more up to head": coalesce a burst into the latest one.
          const head = queue.length ? Math.max(...queue.splice(0)) : undefined;
          if (head === undefined) continue;
          // A subscription outlives the check that opened it: signing out or losing the
          // membership ends it at the next signal.
          const { session: user, role } = await ctx.store.sessionOf(ctx.token, input.workspace);
          if (!user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'the token is not valid any more (signed out or revoked)' });
          if (!role) throw new TRPCError({ code: 'FORBIDDEN', message: `${user.email} is not a member of workspace ${input.workspace} any more` });
          yield { workspace: input.workspace, head };
        }
      } finally {
        unsubscribe();
      }
    }),
  }),
});

export type HubRouter = typeof hubRouter;
