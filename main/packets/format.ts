/**
 * How a packet writes numbers (en-GB grouping, like the UI and the command line). The tests format
 * the engine's stored numbers with these same functions and look for the result in the PDF text,
 * so "the packet shows the engine's number" is checked to the last printed digit.
 */
const grouped = (digits: number) => new Intl.NumberFormat('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const whole = grouped(0);
const one = grouped(1);
const two = grouped(2);
const three = grouped(3);

/** Whole euros with the euro sign: €1,549,300 and -€253,306. */
export function eur(value: number): string {
  const text = `€${whole.format(Math.abs(value))}`;
  return Math.round(value) < 0 ? `-${text}` : text;
}

/** A fraction as a percentage with one decimal (0.6103 -> "61.0 %"); null -> `none`. */
export function pct(fraction: number | null, none = 'n/a'): string {
  return fraction === null ? none : `${one.format(fraction * 100)} %`;
}

export const score = (value: number) => three.format(value);
export const km = (value: number) => `${two.format(value)} km`;
export const years = (value: number | null, none = 'n/a') => (value === null ? none : `${two.format(value)} years`);
export const tonnes = (value: number) => one.format(value);
/** A quantity: one decimal below 100, whole numbers above (2,909 MWh/yr, 13.5 m3/h). */
export const quantity = (value: number, unit: string) => `${Math.abs(value) < 100 ? one.format(value) : whole.format(value)} ${unit}`;
export const hours = (value: number) => whole.format(value);
/** A number with a fixed count of decimals (temperatures, W/m, COP). */
export const decimal = (value: number, digits: number) => grouped(digits).format(value);
/** Power in MW with two decimals (0.84 MW, 12.00 MW). */
export const mw = (value: number) => two.format(value);
/** A levelised cost in ct/kWh, two decimals. */
export const ctPerKwh = (value: number) => two.format(value);
/** A plan share as a percentage with one decimal (1 -> "100.0 %"). */
export const share = (fraction: number) => `${one.format(fraction * 100)} %`;
export const change = (fraction: number) => `${fraction > 0 ? '+' : ''}${whole.format(fraction * 100)} %`;

/** ISO date (YYYY-MM-DD) of a time, in UTC. */
export const isoDate = (time: Date | string) => new Date(time).toISOString().slice(0, 10);
/** ISO time to the minute, UTC: 2026-11-25 01:17 UTC. */
export const isoMinute = (time: Date | string) => `${new Date(time).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * Text the built-in PDF fonts cannot show (they are WinAnsi: Latin-1 plus €, dashes and quotes)
 * is spelled out or replaced, so a name like "CO₂-Abscheidung ≥ 95 %" prints as "CO2-Abscheidung
 * >= 95 %" instead of garbage. Umlauts, ß, €, °, ³ are in the set and pass unchanged.
 */
const SPELLED: Record<string, string> = { '₂': '2', '₃': '3', '≥': '>=', '≤': '<=', '→': '->', '−': '-', '…': '...', '×': 'x', '·': '.' };
export function winAnsi(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFC')) {
    const code = ch.codePointAt(0)!;
    if (code < 0x100 || '€‚ƒ„†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ'.includes(ch)) out += ch;
    else out += SPELLED[ch] ?? '?';
  }
  return out;
}
