/**
 * When a flow is available: weekly hours and months of the year (domain.md sections 1, 2.1 and 2.3).
 *
 * A weekly schedule is a 168-flag mask, index = dayIndex * 24 + hour with Monday = 0, so overlaps
 * between two flows are plain element-wise ANDs. A missing `weekly` or `months` means "always"
 * (the domain default); an empty list means "never", which keeps `compressWeekly` an exact inverse.
 */

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Day = (typeof DAYS)[number];
export const HOURS_PER_WEEK = 168;
/** domain.md 2.3: weekly hours are scaled to a year with 52.14 weeks (365 / 7, rounded). */
export const WEEKS_PER_YEAR = 52.14;
/** domain.md 2.3: operating hours per year assumed when no schedule is given. */
export const DEFAULT_OPERATING_HOURS = 8000;

export interface WeeklyInterval {
  /** `mon`..`sun`, a range `mon-fri` (may wrap: `fri-mon`), or a comma list of those. */
  days: string;
  /** First hour, 0..23. */
  from: number;
  /** Hour after the last one, 1..24 (exclusive). */
  to: number;
}

/** The schedule part of a flow's `temporal` (start and end dates do not change hours per year). */
export interface Schedule {
  weekly?: readonly WeeklyInterval[] | undefined;
  months?: readonly number[] | undefined;
}

/** Parses a day spec into day indices (Monday = 0); throws naming the bad part. */
export function parseDays(spec: string): number[] {
  const days = new Set<number>();
  for (const part of spec.split(',')) {
    const ends = part.trim().split('-');
    if (ends.length > 2) throw new Error(`bad day range "${part}" in "${spec}": use one "-", like mon-fri`);
    const [first, last = first] = ends.map((name) => {
      const index = DAYS.indexOf(name.toLowerCase() as Day);
      if (index < 0) throw new Error(name === '' ? `empty day in "${spec}"` : `unknown day "${name}" in "${spec}"`);
      return index;
    }) as [number, number?];
    // A range runs forward and wraps past Sunday: fri-mon is fri, sat, sun, mon.
    for (let d = first; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === last) break;
    }
  }
  return [...days].sort((a, b) => a - b);
}

function checkInterval({ days, from, to }: WeeklyInterval): void {
  const where = `in interval ${days} ${from}-${to}`;
  if (!Number.isInteger(from) || from < 0 || from > 23) throw new Error(`"from" ${from} is not an hour 0..23 ${where}`);
  if (!Number.isInteger(to) || to < 1 || to > 24) throw new Error(`"to" ${to} is not an hour 1..24 ${where}`);
  // Overnight shifts are two intervals (22-24 and 0-6 of the next day), as in the exchange format.
  if (from >= to) throw new Error(`"from" ${from} must be before "to" ${to} (to is exclusive) ${where}`);
}

export function weeklyMask(weekly?: readonly WeeklyInterval[]): boolean[] {
  if (weekly === undefined) return new Array<boolean>(HOURS_PER_WEEK).fill(true);
  const mask = new Array<boolean>(HOURS_PER_WEEK).fill(false);
  for (const interval of weekly) {
    checkInterval(interval);
    for (const day of parseDays(interval.days)) {
      for (let hour = interval.from; hour < interval.to; hour++) mask[day * 24 + hour] = true;
    }
  }
  return mask;
}

/** Months 1..12 to a 12-flag mask, January at index 0. */
export function monthMask(months?: readonly number[]): boolean[] {
  if (months === undefined) return new Array<boolean>(12).fill(true);
  const mask = new Array<boolean>(12).fill(false);
  for (const month of months) {
    if (!Number.isInteger(month) || month < 1 || month > 12) throw new Error(`unknown month ${month} (months are 1..12)`);
    mask[month - 1] = true;
  }
  return mask;
}

function checkLength(mask: readonly boolean[], length: number, what: string): void {
  if (mask.length !== length) throw new Error(`a ${what} mask has ${length} flags, got ${mask.length}`);
}

const count = (mask: readonly boolean[]): number => mask.reduce((n, on) => (on ? n + 1 : n), 0);

export function weeklyHours(mask: readonly boolean[]): number {
  checkLength(mask, HOURS_PER_WEEK, 'weekly');
  return count(mask);
}

export function overlapHours(maskA: readonly boolean[], maskB: readonly boolean[]): number {
  checkLength(maskA, HOURS_PER_WEEK, 'weekly');
  checkLength(maskB, HOURS_PER_WEEK, 'weekly');
  return count(maskA.map((on, i) => on && maskB[i] === true));
}

export function overlapMonths(a: readonly boolean[], b: readonly boolean[]): number {
  checkLength(a, 12, 'month');
  checkLength(b, 12, 'month');
  return count(a.map((on, i) => on && b[i] === true));
}

const stated = (s?: Schedule): boolean => s?.weekly !== undefined || s?.months !== undefined;

/**
 * Available hours per year of one flow: weekly hours * 52.14 * months / 12 when it states a
 * schedule, else the 8000 h default (a plant that says nothing is assumed to run like one).
 */
export function hoursPerYear(temporal?: Schedule): number {
  if (!stated(temporal)) return DEFAULT_OPERATING_HOURS;
  return (weeklyHours(weeklyMask(temporal?.weekly)) * WEEKS_PER_YEAR * count(monthMask(temporal?.months))) / 12;
}

/**
 * Hours per year two flows are available together (domain.md 2.3): overlapping weekly hours * 52.14
 * * overlapping months / 12 when either states a schedule; 8000 when neither does.
 */
export function sharedHoursPerYear(a?: Schedule, b?: Schedule): number {
  if (!stated(a) && !stated(b)) return DEFAULT_OPERATING_HOURS;
  const hours = overlapHours(weeklyMask(a?.weekly), weeklyMask(b?.weekly));
  return (hours * WEEKS_PER_YEAR * overlapMonths(monthMask(a?.months), monthMask(b?.months))) / 12;
}

/** Day indices to a spec: consecutive days become a range (mon-fri), others a comma list. */
function daySpec(days: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < days.length; ) {
    let j = i;
    while (j + 1 < days.length && days[j + 1] === days[j]! + 1) j++;
    parts.push(i === j ? DAYS[days[i]!]! : `${DAYS[days[i]!]}-${DAYS[days[j]!]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/**
 * A 168-flag mask back to a short interval list, for display and export: each day's runs of hours
 * are grouped by (from, to), so a regular schedule such as mon-fri 6-22 comes back as one interval.
 * Ranges never wrap past Sunday (the week reads from Monday). `weeklyMask(compressWeekly(m))`
 * equals `m` for every mask; an all-false mask gives [] (never available).
 */
export function compressWeekly(mask: readonly boolean[]): WeeklyInterval[] {
  checkLength(mask, HOURS_PER_WEEK, 'weekly');
  const daysByRun = new Map<string, { from: number; to: number; days: number[] }>();
  for (let day = 0; day < 7; day++) {
    for (let hour = 0; hour < 24; ) {
      if (!mask[day * 24 + hour]) {
        hour++;
        continue;
      }
      const from = hour;
      while (hour < 24 && mask[day * 24 + hour]) hour++;
      const key = `${from}-${hour}`;
      const run = daysByRun.get(key) ?? { from, to: hour, days: [] };
      run.days.push(day);
      daysByRun.set(key, run);
    }
  }
  // Runs were met day by day, hour by hour, so the map's order already reads like a timetable.
  return [...daysByRun.values()].map(({ days, from, to }) => ({ days: daySpec(days), from, to }));
}
