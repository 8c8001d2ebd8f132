/**
 * The chunked build of a run (run-build.ts) against the way a run was built before it: every
 * record at once (matchAll), packed (packRows) and planned from the records (makePlan). Same rows
 * byte for byte, same statistics, same plan input and the same plan, on a fixed synthetic
 * portfolio with hourly heat, held matches included, with chunks small enough to split it many
 * times.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hotmapsProfileSource } from '../../data/profile-source.ts';
import { packRows } from '../../db/match-rows.ts';
import { resolveConfig } from '../config.ts';
import { Matcher } from '../engine.ts';
import { planInput } from '../plan-input.ts';
import { syntheticPortfolio } from '../synthetic.ts';
import { makePlan } from './regional-plan.ts';
import { buildRun } from './run-build.ts';

const config = resolveConfig({ now: Date.UTC(2025, 0, 1) });
const flows = syntheticPortfolio({ flows: 1500, seed: 7, heatProfiles: true });
const matcher = new Matcher({ flows, profiles: hotmapsProfileSource() });
const before = matcher.matchAll(config);
// held: a profitable match, and the worst one (held whatever its NPV)
const held = new Map<string, number>([
  [before.matches[3]!.id, 0.5],
  [before.matches.at(-1)!.id, 0.25],
]);
const ranked = matcher.rankAll(config);
const run = buildRun(matcher.table, ranked, { held, engineRecords: true, chunk: 97 });
ranked.release();

const withoutTimings = (s: object) => ({ ...s, timings_ms: undefined });

describe('a run built chunk by chunk', () => {
  test('has matches of every kind to compare (hourly heat, other types, several chunks)', () => {
    assert.ok(before.matches.length > 97 * 5, `${before.matches.length} matches`);
    assert.ok(before.matches.some((m) => m.economics.heat !== null));
    assert.ok(before.matches.some((m) => m.economics.heat === null));
  });

  test('stores the same rows, byte for byte, in the same order', () => {
    assert.deepEqual(run.rows, packRows(before.matches));
  });

  test('gives the same records and statistics as matchAll', () => {
    assert.deepEqual(run.records, before.matches);
    assert.deepEqual(withoutTimings(run.stats), withoutTimings(before.stats));
  });

  test('gives the plan the same input', () => {
    const a = planInput(matcher, run.planMatches, config, held);
    const b = planInput(matcher, before.matches, config, held);
    const shape = (c: (typeof a.candidates)[number]) => ({ ...c, hourly: c.hourly?.().demandTake });
    assert.deepEqual(a.candidates.map(shape), b.candidates.map(shape));
    assert.deepEqual(a.flows, b.flows);
  });

  test('makes the same plan', async () => {
    const now = new Date('2026-12-08T00:00:00Z');
    const a = await makePlan(matcher, run.planMatches, config, { held, now, timeLimitSec: 60 });
    const b = await makePlan(matcher, before.matches, config, { held, now, timeLimitSec: 60 });
    assert.equal(a.summary.status, 'optimal', 'solved to the optimum, so the plan does not depend on the time');
    assert.deepEqual(a.members, b.members);
    assert.deepEqual({ ...a.summary, solve_ms: 0 }, { ...b.summary, solve_ms: 0 });
  });
});
