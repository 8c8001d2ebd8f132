/**
 * CSV records with the line each starts on, for both the exchange CSV and the Hotmaps file.
 *
 * csv-parse's own line counter drifts on CRLF files with line breaks inside quoted cells, so the
 * start line of each record is counted here from the raw text csv-parse hands back.
 */
import { CsvError, parse } from 'csv-parse/sync';
import { countLineBreaks, stripBom } from './text-lines.ts';

export interface CsvRow {
  /** Line on which the record starts (1-based; the header is line 1). */
  line: number;
  cells: string[];
}

export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'CsvSyntaxError';
  }
}

const QUOTE_MESSAGES: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted cell is never closed (a missing ")',
  CSV_INVALID_CLOSING_QUOTE: 'text after a closing quote: a " inside a quoted cell must be doubled ("")',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'text after a closing quote: a " inside a quoted cell must be doubled ("")',
  INVALID_OPENING_QUOTE: 'a " in the middle of an unquoted cell: quote the whole cell and double the "',
};

/**
 * All records, blank lines (and rows of empty cells, which spreadsheets leave behind) dropped.
 * Rows may have any number of cells; the caller compares them with the header.
 */
export function readCsvRows(text: string, delimiter: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let line = 1;
  try {
    parse(stripBom(text), {
      delimiter,
      raw: true,
      relax_column_count: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      // Counting as records arrive means an error later on still knows where the last good record ended.
      // With `raw: true` csv-parse passes { record, raw } here, which its typings do not say.
      on_record: (value: unknown) => {
        const { record, raw } = value as { record: string[]; raw: string };
        if (record.some((cell) => cell.trim() !== '')) rows.push({ line, cells: record });
        line += countLineBreaks(raw);
        return null;
      },
    });
  } catch (err) {
    if (err instanceof CsvError) {
      // An unclosed quote is only noticed at the end of the file; the record it opened starts after the last good one.
      const at = err.code === 'CSV_QUOTE_NOT_CLOSED' ? line : (err as CsvError & { lines?: number }).lines;
      throw new CsvSyntaxError(at, QUOTE_MESSAGES[err.code] ?? err.message);
    }
    throw err;
  }
  return rows;
}

/**
 * The header row alone, without reading the rest of a possibly large file (format detection runs
 * on every dropped file). Undefined when the first line is not readable CSV.
 */
export function readCsvHeader(text: string, delimiter: string): string[] | undefined {
  const body = stripBom(text);
  let inQuotes = false;
  let end = body.length;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (c === '\n' || c === '\r')) {
      end = i;
      break;
    }
  }
  try {
    return readCsvRows(body.slice(0, end), delimiter)[0]?.cells.map((h) => h.trim());
  } catch {
    return undefined;
  }
}
