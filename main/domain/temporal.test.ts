import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DAY_SPEC_PATTERN, temporalSchema } from './entities.ts';
import { mulberry32 } from './random.ts';
import {
  DEFAULT_OPERATING_HOURS,
  WEEKS_PER_YEAR,
  compressWeekly,
  hoursPerYear,
  monthMask,
  overlapHours,
  overlapMonths,
  parseDays,
  sharedHoursPerYear,
  weeklyHours,
  weeklyMask,
} from './temporal.ts';

const MON = 0;
const FRI = 4;
const SAT = 5;
const SUN = 6;
const at = (day: number, hour: number) => day * 24 + hour;
const onHours = (mask: boolean[]) => mask.flatMap((on, i) => (on ? [i] : []));
const close = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${actual} != ${expected}`);

test('constants are those of domain.md 2.3', () => {
  assert.equal(WEEKS_PER_YEAR, 52.14);
  assert.equal(DEFAULT_OPERATING_HOURS, 8000);
});

test('no weekly schedule means all 168 hours', () => {
  const mask = weeklyMask();
  assert.equal(mask.length, 168);
  assert.ok(mask.every((on) => on));
});

test('an empty weekly list means never (the inverse of compressWeekly of an all-false mask)', () => {
  const mask = weeklyMask([]);
  assert.equal(mask.length, 168);
  assert.ok(mask.every((on) => !on));
});

test('mon-fri 6-22 is 80 hours, Monday 06:00 first and Friday 21:00 last', () => {
  const mask = weeklyMask([{ days: 'mon-fri', from: 6, to: 22 }]);
  assert.equal(weeklyHours(mask), 80);
  assert.equal(mask[at(MON, 5)], false);
  assert.equal(mask[at(MON, 6)], true);
  assert.equal(mask[at(FRI, 21)], true);
  assert.equal(mask[at(FRI, 22)], false, 'to is exclusive');
  assert.equal(mask[at(SAT, 10)], false);
});

test('a single day and the full day 0-24', () => {
  assert.deepEqual(onHours(weeklyMask([{ days: 'sun', from: 0, to: 24 }])), [...Array(24).keys()].map((h) => at(SUN, h)));
  assert.deepEqual(onHours(weeklyMask([{ days: 'wed', from: 23, to: 24 }])), [at(2, 23)]);
});

test('a wrapping range fri-mon is fri, sat, sun, mon', () => {
  assert.deepEqual(parseDays('fri-mon'), [MON, FRI, SAT, SUN]);
  const mask = weeklyMask([{ days: 'fri-mon', from: 8, to: 9 }]);
  assert.deepEqual(onHours(mask), [at(MON, 8), at(FRI, 8), at(SAT, 8), at(SUN, 8)]);
});

test('day lists combine ranges and single days; a same-day range is one day', () => {
  assert.deepEqual(parseDays('mon,wed-thu,sun'), [0, 2, 3, 6]);
  assert.deepEqual(parseDays('tue-tue'), [1]);
  assert.deepEqual(parseDays('mon-sun'), [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(parseDays('sat-fri'), [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(parseDays('Mon-FRI'), [0, 1, 2, 3, 4], 'case does not matter');
});

test('overlapping intervals are a union, not counted twice', () => {
  const mask = weeklyMask([
    { days: 'mon-fri', from: 6, to: 14 },
    { days: 'mon-fri', from: 10, to: 22 },
    { days: 'wed', from: 0, to: 24 },
  ]);
  // mon-fri 6-22 = 80 h, plus wednesday's 0-6 and 22-24 = 8 h
  assert.equal(weeklyHours(mask), 88);
});

test('bad day specs throw naming the bad part', () => {
  assert.throws(() => weeklyMask([{ days: 'mun-fri', from: 6, to: 22 }]), { message: 'unknown day "mun" in "mun-fri"' });
  assert.throws(() => parseDays('mon,tues'), { message: 'unknown day "tues" in "mon,tues"' });
  assert.throws(() => parseDays('mon,,fri'), { message: 'empty day in "mon,,fri"' });
  assert.throws(() => parseDays(''), { message: 'empty day in ""' });
  assert.throws(() => parseDays('mon-'), { message: 'empty day in "mon-"' });
  assert.throws(() => parseDays('mon-wed-fri'), /bad day range "mon-wed-fri"/);
});

test('bad hours throw naming the interval', () => {
  assert.throws(() => weeklyMask([{ days: 'mon', from: 22, to: 6 }]), {
    message: '"from" 22 must be before "to" 6 (to is exclusive) in interval mon 22-6',
  });
  assert.throws(() => weeklyMask([{ days: 'mon', from: 8, to: 8 }]), /"from" 8 must be before "to" 8/);
  assert.throws(() => weeklyMask([{ days: 'tue', from: -1, to: 6 }]), /"from" -1 is not an hour 0..23 in interval tue -1-6/);
  assert.throws(() => weeklyMask([{ days: 'tue', from: 24, to: 24 }]), /"from" 24 is not an hour 0..23/);
  assert.throws(() => weeklyMask([{ days: 'tue', from: 6, to: 25 }]), /"to" 25 is not an hour 1..24/);
  assert.throws(() => weeklyMask([{ days: 'tue', from: 6.5, to: 12 }]), /"from" 6.5 is not an hour/);
  assert.throws(() => weeklyMask([{ days: 'tue', from: 6, to: 12.5 }]), /"to" 12.5 is not an hour/);
});

test('monthMask: undefined is all, January is index 0, duplicates are harmless', () => {
  assert.deepEqual(monthMask(), Array(12).fill(true));
  const winter = monthMask([1, 2, 12]);
  assert.deepEqual(onHours(winter), [0, 1, 11]);
  assert.deepEqual(monthMask([3, 3]), monthMask([3]));
  assert.deepEqual(monthMask([]), Array(12).fill(false));
});

test('monthMask rejects months outside 1..12 naming them', () => {
  assert.throws(() => monthMask([0]), { message: 'unknown month 0 (months are 1..12)' });
  assert.throws(() => monthMask([1, 13]), { message: 'unknown month 13 (months are 1..12)' });
  assert.throws(() => monthMask([2.5]), { message: 'unknown month 2.5 (months are 1..12)' });
});

test('overlapHours and overlapMonths count hours and months both flows share', () => {
  const dayShift = weeklyMask([{ days: 'mon-fri', from: 6, to: 22 }]);
  const nights = weeklyMask([{ days: 'mon-sun', from: 0, to: 8 }]);
  // mon-fri 6-8 = 10 h
  assert.equal(overlapHours(dayShift, nights), 10);
  assert.equal(overlapHours(nights, dayShift), 10);
  assert.equal(overlapHours(dayShift, weeklyMask()), 80);
  assert.equal(overlapHours(dayShift, weeklyMask([{ days: 'sat-sun', from: 0, to: 24 }])), 0);
  assert.equal(overlapMonths(monthMask([1, 2, 3, 10, 11, 12]), monthMask([3, 4, 5, 10])), 2);
  assert.equal(overlapMonths(monthMask(), monthMask([6])), 1);
});

test('mask counts reject masks of the wrong length', () => {
  assert.throws(() => weeklyHours(Array(24).fill(true)), /a weekly mask has 168 flags, got 24/);
  assert.throws(() => overlapHours(weeklyMask(), Array(167).fill(true)), /got 167/);
  assert.throws(() => overlapMonths(monthMask(), Array(11).fill(true)), /a month mask has 12 flags, got 11/);
  assert.throws(() => compressWeekly(Array(169).fill(false)), /got 169/);
});

test('hoursPerYear: 8000 without a schedule, weekly x 52.14 x months/12 with one', () => {
  assert.equal(hoursPerYear(), 8000);
  assert.equal(hoursPerYear({}), 8000);
  assert.equal(hoursPerYear({ weekly: undefined, months: undefined }), 8000);
  // mon-fri 6-22 all year: 80 h x 52.14 = 4171.2 h
  close(hoursPerYear({ weekly: [{ days: 'mon-fri', from: 6, to: 22 }] }), 4171.2);
  // months only: 168 h x 52.14 x 6/12 = 4379.76 h
  close(hoursPerYear({ months: [10, 11, 12, 1, 2, 3] }), 4379.76);
  // both: 80 x 52.14 x 3/12 = 1042.8 h
  close(hoursPerYear({ weekly: [{ days: 'mon-fri', from: 6, to: 22 }], months: [1, 2, 3] }), 1042.8);
  // a 24/7 schedule stated explicitly is 8759.52 h, not the 8000 h default
  close(hoursPerYear({ weekly: [{ days: 'mon-sun', from: 0, to: 24 }] }), 8759.52);
});

test('sharedHoursPerYear: 8000 when neither flow states a schedule, overlap otherwise', () => {
  assert.equal(sharedHoursPerYear(), 8000);
  assert.equal(sharedHoursPerYear({}, {}), 8000);
  const supply = { weekly: [{ days: 'mon-fri', from: 6, to: 22 }] };
  const demand = { weekly: [{ days: 'mon-sun', from: 0, to: 8 }], months: [1, 2, 3, 4, 5, 6] };
  // overlap 10 h/week (see above) x 52.14 x 6/12 = 260.7 h
  close(sharedHoursPerYear(supply, demand), 260.7);
  // one schedule: it alone bounds the overlap, 80 x 52.14
  close(sharedHoursPerYear(supply, undefined), 4171.2);
});

test('compressWeekly gives short, readable intervals', () => {
  assert.deepEqual(compressWeekly(weeklyMask()), [{ days: 'mon-sun', from: 0, to: 24 }]);
  assert.deepEqual(compressWeekly(weeklyMask([])), []);
  assert.deepEqual(compressWeekly(weeklyMask([{ days: 'mon-fri', from: 6, to: 22 }])), [
    { days: 'mon-fri', from: 6, to: 22 },
  ]);
  assert.deepEqual(compressWeekly(weeklyMask([{ days: 'fri-mon', from: 8, to: 17 }])), [
    { days: 'mon,fri-sun', from: 8, to: 17 },
  ]);
  // two shifts with a lunch break and a Saturday morning
  assert.deepEqual(
    compressWeekly(
      weeklyMask([
        { days: 'mon-fri', from: 7, to: 12 },
        { days: 'mon-fri', from: 13, to: 17 },
        { days: 'sat', from: 7, to: 12 },
      ]),
    ),
    [
      { days: 'mon-sat', from: 7, to: 12 },
      { days: 'mon-fri', from: 13, to: 17 },
    ],
  );
  assert.deepEqual(compressWeekly(weeklyMask([{ days: 'mon,wed,fri', from: 0, to: 1 }])), [
    { days: 'mon,wed,fri', from: 0, to: 1 },
  ]);
});

/** Seeded, so a failing property names a reproducible seed. */
const random = mulberry32;

test('property: weeklyMask(compressWeekly(m)) equals m, and the intervals are valid exchange data', () => {
  for (let seed = 1; seed <= 500; seed++) {
    const next = random(seed);
    // vary density and make runs likely, as real schedules have
    const density = next();
    const mask: boolean[] = [];
    for (let i = 0; i < 168; i++) mask.push(i > 0 && next() < 0.7 ? mask[i - 1]! : next() < density);
    const intervals = compressWeekly(mask);
    assert.deepEqual(weeklyMask(intervals), mask, `seed ${seed}`);
    for (const w of intervals) assert.match(w.days, DAY_SPEC_PATTERN, `seed ${seed}`);
    // A week with no hour at all is not a schedule the exchange format accepts (weekly needs at
    // least one interval; a flow that never runs is paused instead).
    const parsed = temporalSchema.safeParse({ weekly: intervals });
    assert.equal(parsed.success, intervals.length > 0, `seed ${seed}: ${parsed.error?.message}`);
    // one interval per distinct run shape at most, never more than one per run
    const runs = mask.filter((on, i) => on && (i % 24 === 0 || !mask[i - 1])).length;
    assert.ok(intervals.length <= runs, `seed ${seed}: ${intervals.length} intervals for ${runs} runs`);
  }
});

test('property: compressWeekly(weeklyMask(w)) describes the same hours as random interval lists', () => {
  const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
  for (let seed = 1; seed <= 300; seed++) {
    const next = random(seed);
    const pick = (n: number) => Math.floor(next() * n);
    const weekly = Array.from({ length: 1 + pick(4) }, () => {
      const from = pick(24);
      return { days: `${days[pick(7)]}-${days[pick(7)]},${days[pick(7)]}`, from, to: from + 1 + pick(24 - from) };
    });
    const mask = weeklyMask(weekly);
    assert.deepEqual(weeklyMask(compressWeekly(mask)), mask, `seed ${seed}`);
    assert.equal(weeklyHours(mask), weeklyHours(weeklyMask(compressWeekly(mask))), `seed ${seed}`);
  }
});
