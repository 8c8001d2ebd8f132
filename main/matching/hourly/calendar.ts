/**
 * The hourly year of the heat model (domain.md 5.2): 8,760 hours, hour 0 = 1 January 00:00-01:00.
 *
 * Decision: the year starts on a Monday and has no 29 February, the calendar of 2018 (the year of
 * the Hotmaps industrial profiles). A weekly schedule (Monday 00-01 = index 0 of the 168-hour mask)
 * and the months of a flow are laid on that calendar; the residential profiles (weather year 2010)
 * are used as they are, hour for hour.
 */
export const HOURS_PER_YEAR = 8760;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** Month (0 = January) of every hour of the year. */
export const MONTH_OF_HOUR: Uint8Array = (() => {
  const out = new Uint8Array(HOURS_PER_YEAR);
  let h = 0;
  DAYS_IN_MONTH.forEach((days, month) => {
    out.fill(month, h, h + days * 24);
    h += days * 24;
  });
  return out;
})();

/** Hour of the week (0..167, Monday 00-01 first) of every hour of the year. */
export const WEEK_HOUR_OF_HOUR: Uint8Array = (() => {
  const out = new Uint8Array(HOURS_PER_YEAR);
  for (let h = 0; h < HOURS_PER_YEAR; h++) out[h] = h % 168;
  return out;
})();

/** 1 for the hours a weekly mask and a month mask leave available (absent masks: always). */
export function availabilityOfYear(week?: readonly boolean[], months?: readonly boolean[]): Uint8Array {
  const out = new Uint8Array(HOURS_PER_YEAR);
  for (let h = 0; h < HOURS_PER_YEAR; h++) {
    const w = week === undefined || week[WEEK_HOUR_OF_HOUR[h]!] === true;
    const m = months === undefined || months[MONTH_OF_HOUR[h]!] === true;
    out[h] = w && m ? 1 : 0;
  }
  return out;
}
