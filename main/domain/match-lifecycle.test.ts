import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MATCH_STATUSES } from './field-entities.ts';
import { applyTransition, isReservationLapsed, LifecycleError, TRANSITIONS, type LifecycleState } from './match-lifecycle.ts';

const now = new Date('2026-11-24T12:00:00Z');
const at = (status: LifecycleState['status'], version = 1): LifecycleState => ({ status, version, reserved_until: null, status_reason: null });

test('the happy path from suggested to live bumps the version at every step', () => {
  let state = at('suggested');
  state = applyTransition(state, { to: 'negotiating', version: 1 }, now);
  state = applyTransition(state, { to: 'reserved', version: 2, reserved_until: '2026-12-24T12:00:00Z' }, now);
  assert.equal(state.reserved_until, '2026-12-24T12:00:00.000Z');
  state = applyTransition(state, { to: 'contracted', version: 3 }, now);
  assert.equal(state.reserved_until, null, 'a contract ends the reservation');
  state = applyTransition(state, { to: 'live', version: 4 }, now);
  assert.deepEqual(state, { status: 'live', version: 5, reserved_until: null, status_reason: null });
});

test('skipping a step, reopening a closed match and unknown moves are refused, naming the options', () => {
  assert.throws(() => applyTransition(at('suggested'), { to: 'live', version: 1 }, now), /a suggested match cannot become live: it can go to negotiating, failed, cancelled/);
  for (const closed of ['failed', 'cancelled'] as const) {
    for (const to of MATCH_STATUSES) {
      assert.throws(() => applyTransition(at(closed), { to, version: 1, reason: 'other' }, now), /it is closed/);
    }
  }
});

test('every allowed transition is accepted with the data it needs', () => {
  for (const [from, targets] of Object.entries(TRANSITIONS)) {
    for (const to of targets) {
      const next = applyTransition(at(from as LifecycleState['status']), { to, version: 1, reserved_until: '2027-01-01T00:00:00Z', reason: 'economics' }, now);
      assert.equal(next.status, to);
    }
  }
});

test('a reservation needs a future end date; closing needs a reason', () => {
  const negotiating = at('negotiating');
  assert.throws(() => applyTransition(negotiating, { to: 'reserved', version: 1 }, now), (e: unknown) => e instanceof LifecycleError && e.field === 'reserved_until');
  assert.throws(() => applyTransition(negotiating, { to: 'reserved', version: 1, reserved_until: '2026-11-01T00:00:00Z' }, now), /not in the future/);
  assert.throws(() => applyTransition(negotiating, { to: 'failed', version: 1 }, now), (e: unknown) => e instanceof LifecycleError && e.field === 'reason');
  assert.equal(applyTransition(negotiating, { to: 'cancelled', version: 1, reason: 'partner_declined' }, now).status_reason, 'partner_declined');
});

test('a reservation lapses at its end', () => {
  const reserved = { status: 'reserved' as const, reserved_until: '2026-11-24T12:00:00.000Z' };
  assert.equal(isReservationLapsed(reserved, new Date('2026-11-24T11:59:59Z')), false);
  assert.equal(isReservationLapsed(reserved, now), true);
  assert.equal(isReservationLapsed({ status: 'negotiating', reserved_until: null }, now), false);
});
