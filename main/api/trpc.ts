/**
 * tRPC setup shared by every router: the context, and an error formatter that turns the store's
 * errors into the codes and field lists the renderer shows next to the inputs.
 */
import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { ConflictError, NotFoundError, StillReferencedError, ValidationError, type FieldProblem } from '../db/errors.ts';
import { zodProblems } from '../db/entity-store.ts';
import type { Repository } from '../db/repository.ts';
import type { ImportJobs } from '../portfolio/import-jobs.ts';
import type { MatchService } from '../matching/service/match-service.ts';
import type { RematchQueue } from '../matching/service/rematch-queue.ts';
import type { PacketService } from '../packets/service.ts';
import type { MatchAlerts } from '../workflow/alerts.ts';
import type { FieldService } from '../field/service.ts';
import type { SyncService } from '../sync/service.ts';
import type { UpdatesPort } from './updates-router.ts';

export interface ApiContext {
  repo: Repository;
  imports: ImportJobs;
  matching: MatchService;
  /** Flows re-matched in the background after they changed; absent where no core follows changes. */
  rematches?: RematchQueue | undefined;
  /** Partner packets (main/packets); absent where the core was not opened with one. */
  packets?: PacketService | undefined;
  /** New high-scoring match alerts; absent where no core runs them. */
  alerts?: MatchAlerts | undefined;
  /** Field connectivity (devices, live values, recordings); absent where no field service runs. */
  field?: FieldService | undefined;
  /** Sync with a hub (main/sync); absent where the core was not opened with one. */
  sync?: SyncService | undefined;
  /** The desktop app's update policy; absent in the browser host and in development. */
  updates?: UpdatesPort | undefined;
  /** Who is acting, for the audit trail ("local user" on a laptop without a hub account). */
  actor: string;
}

function fieldsOf(error: unknown): FieldProblem[] | undefined {
  if (error instanceof ValidationError) return error.problems;
  if (error instanceof ZodError) return zodProblems(error);
  return undefined;
}

const t = initTRPC.context<ApiContext>().create({
  errorFormatter({ shape, error }) {
    return { ...shape, data: { ...shape.data, fields: fieldsOf(error.cause) ?? null, stack: undefined } };
  },
});

/** Maps the store's errors to tRPC codes, keeping the message (it names what and where). */
const storeErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const cause = result.error.cause;
  const as = (code: TRPCError['code']) => new TRPCError({ code, message: cause!.message, cause });
  if (cause instanceof ValidationError) throw as('BAD_REQUEST');
  if (cause instanceof NotFoundError) throw as('NOT_FOUND');
  if (cause instanceof ConflictError) throw as('CONFLICT');
  if (cause instanceof StillReferencedError) throw as('PRECONDITION_FAILED');
  return result;
});

export const router = t.router;
export const procedure = t.procedure.use(storeErrors);
export const createCallerFactory = t.createCallerFactory;
