/**
 * The match lifecycle of domain.md 2.5 as a state machine:
 *
 *   suggested -> negotiating -> reserved -> contracted -> live
 *   any open state -> failed | cancelled (terminal, with a structured reason)
 *
 * A reservation holds until `reserved_until`; releasing or letting it lapse goes back to
 * negotiating. Every transition names the version of the match the user saw, so two facilitators
 * moving the same match at once cannot silently overwrite each other.
 */
import { z } from 'zod';
import { MATCH_STATUSES, type MatchStatus } from './field-entities.ts';

export const CLOSE_REASONS = ['economics', 'technical', 'regulatory', 'partner_declined', 'timing', 'data_quality', 'other'] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];

export const TERMINAL_STATUSES: readonly MatchStatus[] = ['failed', 'cancelled'];

/** Allowed next states. Going back one step is allowed where real negotiations go back. */
export const TRANSITIONS: Readonly<Record<MatchStatus, readonly MatchStatus[]>> = {
  suggested: ['negotiating', 'failed', 'cancelled'],
  negotiating: ['reserved', 'suggested', 'failed', 'cancelled'],
  reserved: ['contracted', 'negotiating', 'failed', 'cancelled'],
  contracted: ['live', 'failed', 'cancelled'],
  live: ['failed', 'cancelled'],
  failed: [],
  cancelled: [],
};

export const transitionRequestSchema = z.strictObject({
  to: z.enum(MATCH_STATUSES),
  /** The version of the match the user acted on. */
  version: z.int().min(1),
  /** Required for `reserved`: until when the supply is held for this partner. */
  reserved_until: z.iso.datetime({ offset: true }).optional(),
  /** Required for `failed` and `cancelled`. */
  reason: z.enum(CLOSE_REASONS).optional(),
  note: z.string().trim().max(10_000).optional(),
});
export type TransitionRequest = z.infer<typeof transitionRequestSchema>;

export interface LifecycleState {
  status: MatchStatus;
  version: number;
  reserved_until: string | null;
  status_reason: string | null;
}

export class LifecycleError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = 'LifecycleError';
    this.field = field;
  }
}

/** The state after a transition, or a LifecycleError naming what is wrong. Version checks are the caller's (store's). */
export function applyTransition(current: LifecycleState, request: TransitionRequest, now: Date): LifecycleState {
  const allowed = TRANSITIONS[current.status];
  if (!allowed.includes(request.to)) {
    const options = allowed.length ? `it can go to ${allowed.join(', ')}` : 'it is closed';
    throw new LifecycleError('to', `a ${current.status} match cannot become ${request.to}: ${options}`);
  }
  let reservedUntil: string | null = null;
  if (request.to === 'reserved') {
    if (!request.reserved_until) throw new LifecycleError('reserved_until', 'a reservation needs an end date (reserved_until)');
    if (Date.parse(request.reserved_until) <= now.getTime()) {
      throw new LifecycleError('reserved_until', `reserved_until ${request.reserved_until} is not in the future`);
    }
    reservedUntil = new Date(request.reserved_until).toISOString();
  }
  let reason: string | null = null;
  if (TERMINAL_STATUSES.includes(request.to)) {
    if (!request.reason) throw new LifecycleError('reason', `closing a match as ${request.to} needs a reason (${CLOSE_REASONS.join(', ')})`);
    reason = request.reason;
  }
  return { status: request.to, version: current.version + 1, reserved_until: reservedUntil, status_reason: reason };
}

/** A reservation whose end has passed no longer holds: the match is back in negotiation. */
export function isReservationLapsed(state: Pick<LifecycleState, 'status' | 'reserved_until'>, now: Date): boolean {
  return state.status === 'reserved' && state.reserved_until !== null && Date.parse(state.reserved_until) <= now.getTime();
}
