/**
 * The one CSV writer of the app: every CSV file it writes (the exchange tables, the impact table,
 * the renderer's match list) goes through csvCell, so every cell is quoted (RFC 4180) and guarded
 * against CSV formula injection the same way.
 *
 * Why a guard: names and other text arrive from other members through sync and from imports. A
 * spreadsheet runs a cell starting with = + - @ (or a tab or carriage return, which some skip
 * before a formula) as a formula: `=cmd|' /C calc'!A0`, `=HYPERLINK(...)`. Such a cell is written
 * with a leading ' (OWASP), which spreadsheets show as text. Plain numbers (-12.5, 1e-7) stay
 * numbers: a spreadsheet cannot run them, and a negative figure must not become text.
 *
 * The guard is reversible, so export then import gives back the same text: a value that already
 * starts with quotes followed by a formula character ('=x) gets one more quote (''=x), and
 * unguardCsvCell removes exactly one. A value starting with ' and anything else ('quoted) is left as
 * it is both ways.
 *
 * This module imports nothing: the renderer uses it too (a layer rule allows only this file).
 */

/** The characters a spreadsheet may start a formula with (OWASP "CSV Injection"). */
const FORMULA_START = /^'*[=+\-@\t\r]/;
/** What a guarded cell looks like: the added quote, then what was guarded. */
const GUARDED = /^'(?='*[=+\-@\t\r])/;
/** A plain decimal number as String(number) writes it: left alone by the guard. */
const PLAIN_NUMBER = /^-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export type CsvValue = string | number | boolean | null | undefined;

/** The text a spreadsheet will not run as a formula (before quoting). */
export function guardCsvText(text: string): string {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

/** The inverse of guardCsvText, for import: `'=SUM(A1)` reads back as `=SUM(A1)`. */
export function unguardCsvCell(cell: string): string {
  return GUARDED.test(cell) ? cell.slice(1) : cell;
}

/** One cell: null and undefined are blank; numbers as String(number) (not finite: blank). */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = guardCsvText(String(value));
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(values: readonly CsvValue[]): string {
  return values.map(csvCell).join(',');
}

/** A whole file: header row first, comma-separated, CRLF after every row (RFC 4180). */
export function csvDocument(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return [header, ...rows].map(csvRow).join('\r\n') + '\r\n';
}
