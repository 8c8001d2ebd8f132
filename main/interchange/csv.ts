/**
 * The exchange document as three CSV files (organizations, sites, flows) for spreadsheets:
 * comma-separated, RFC 4180 quoting, UTF-8, header row first, CRLF line ends on export.
 * Cell encodings are in csv-cells.ts, columns in csv-columns.ts; docs/interchange.md explains both.
 * Cells are written by csv-write.ts (formula guard: text from other members never runs as a
 * spreadsheet formula) and the guard is removed on import, so export then import round trips.
 */
import { decodeCell, encodeCell } from './csv-cells.ts';
import { CSV_COLUMNS, REQUIRED_COLUMNS, columnOf, detectTable } from './csv-columns.ts';
import { CsvSyntaxError, readCsvRows } from './csv-read.ts';
import { csvDocument, unguardCsvCell } from './csv-write.ts';
import {
  EXCHANGE_FORMAT,
  EXCHANGE_VERSION,
  TABLES,
  type ExchangeDocument,
  type ImportProblem,
  type ImportResult,
  type KnownIds,
  type TableName,
} from './format.ts';
import { checkDocument, type PathProblem } from './validate.ts';

export interface CsvFile {
  name: string;
  text: string;
}

export type ExchangeCsv = Record<TableName, string>;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Leaves of a record by dotted path; arrays are leaves (one cell each). */
function flatten(value: Record<string, unknown>, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    if (isPlainObject(v)) flatten(v, path, out);
    else out.set(path, v);
  }
  return out;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (!isPlainObject(node[key])) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

export function documentToCsv(doc: ExchangeDocument): ExchangeCsv {
  const out = {} as ExchangeCsv;
  for (const table of TABLES) {
    const columns = CSV_COLUMNS[table];
    const rows = (doc[table] as unknown as Record<string, unknown>[]).map((record) => {
      const flat = flatten(record);
      for (const key of flat.keys()) {
        // A key without a column would be silently lost: a programming error, not a user's.
        if (!columnOf(table, key)) throw new Error(`CSV export: the ${table} table has no column for "${key}"`);
      }
      return columns.map((c) => (flat.has(c.name) ? encodeCell(c.kind, flat.get(c.name), c.name) : ''));
    });
    out[table] = csvDocument(
      columns.map((c) => c.name),
      rows,
    );
  }
  return out;
}

/** One file's rows, turned into raw records (not yet validated). */
interface TableFile {
  table: TableName;
  file: string;
  records: Record<string, unknown>[];
  lines: number[];
  /** Per record: columns whose cell could not be read, so the schema does not report them again. */
  badColumns: Set<string>[];
  /** 1-based position of each column in this file's header. */
  columnNumbers: Map<string, number>;
}

function suggestColumn(table: TableName, name: string): string {
  const match = CSV_COLUMNS[table].find((c) => c.name.endsWith(`.${name}`) || c.name.toLowerCase() === name.toLowerCase());
  return match ? ` (did you mean "${match.name}"?)` : '';
}

function readTableFile(file: CsvFile, problems: ImportProblem[]): TableFile | undefined {
  const at = { file: file.name };
  let rows;
  try {
    rows = readCsvRows(file.text, ',');
  } catch (err) {
    if (!(err instanceof CsvSyntaxError)) throw err;
    problems.push({ ...at, ...(err.line !== undefined ? { line: err.line } : {}), reason: `CSV syntax error: ${err.message}` });
    return undefined;
  }
  const headerRow = rows[0];
  if (!headerRow) {
    problems.push({ ...at, line: 1, reason: 'the file is empty: a header row with the column names is required' });
    return undefined;
  }
  const header = headerRow.cells.map((h) => h.trim());
  const table = detectTable(header, file.name);
  if (!table) {
    problems.push({
      ...at,
      line: headerRow.line,
      reason: `cannot tell which table this file holds from its header (${header.slice(0, 6).join(', ')}${header.length > 6 ? ', ...' : ''}): name it organizations.csv, sites.csv or flows.csv, or check the column names`,
    });
    return undefined;
  }

  let fatal = false;
  const seen = new Map<string, number>();
  header.forEach((name, i) => {
    if (name === '') {
      problems.push({ ...at, line: headerRow.line, column: i + 1, reason: `column ${i + 1} has no name in the header` });
      fatal = true;
    } else if (seen.has(name)) {
      problems.push({ ...at, line: headerRow.line, column: i + 1, field: name, reason: `column "${name}" appears twice in the header` });
      fatal = true;
    } else if (!columnOf(table, name)) {
      problems.push({ ...at, line: headerRow.line, column: i + 1, field: name, reason: `unknown column "${name}" for the ${table} table${suggestColumn(table, name)}` });
    }
    seen.set(name, i);
  });
  for (const required of REQUIRED_COLUMNS[table]) {
    if (!seen.has(required)) {
      problems.push({ ...at, line: headerRow.line, field: required, reason: `the ${table} table needs a "${required}" column` });
      fatal = true;
    }
  }
  if (fatal) return undefined;

  const columnNumbers = new Map([...seen].map(([name, i]) => [name, i + 1]));
  const result: TableFile = { table, file: file.name, records: [], lines: [], badColumns: [], columnNumbers };
  const idIndex = seen.get('id');
  for (const row of rows.slice(1)) {
    const id = idIndex !== undefined ? row.cells[idIndex]?.trim() : undefined;
    const where = { ...at, line: row.line, ...(id ? { record: id } : {}) };
    const extra = row.cells.slice(header.length);
    if (row.cells.length < header.length || extra.some((c) => c.trim() !== '')) {
      problems.push({ ...where, reason: `the row has ${row.cells.length} cells but the header has ${header.length} columns` });
      continue;
    }
    const record: Record<string, unknown> = {};
    const bad = new Set<string>();
    header.forEach((name, i) => {
      const column = columnOf(table, name);
      // A leading ' that the export added so a spreadsheet shows `=...` as text is not part of the value.
      const cell = unguardCsvCell(row.cells[i]!);
      // A blank cell is an absent key; whitespace alone is blank to anyone looking at a spreadsheet.
      if (!column || cell.trim() === '') return;
      const decoded = decodeCell(column.kind, cell);
      if (decoded.ok) setPath(record, name, decoded.value);
      else {
        bad.add(name);
        problems.push({ ...where, column: i + 1, field: name, reason: decoded.reason });
      }
    });
    result.records.push(record);
    result.lines.push(row.line);
    result.badColumns.push(bad);
  }
  return result;
}

/** The column a problem's path falls in: the longest column name that is a prefix of the path. */
function columnForPath(table: TableName, path: string): string | undefined {
  let best: string | undefined;
  for (const c of CSV_COLUMNS[table]) {
    if ((path === c.name || path.startsWith(`${c.name}.`)) && (!best || c.name.length > best.length)) best = c.name;
  }
  return best;
}

function placeCsvProblem(p: PathProblem, files: Partial<Record<TableName, TableFile>>): ImportProblem | undefined {
  const [table, index, ...rest] = p.path as [TableName, number, ...(string | number)[]];
  const tf = files[table];
  if (!tf || typeof index !== 'number') return { reason: p.reason };
  const path = rest.join('.');
  const column = path ? columnForPath(table, path) : undefined;
  if (column && tf.badColumns[index]?.has(column)) return undefined;
  let reason = p.reason;
  if (column && path !== column) reason += ` (at ${path.slice(column.length + 1)})`;
  if (p.firstPath && typeof p.firstPath[1] === 'number') reason += ` (first used on line ${tf.lines[p.firstPath[1]]})`;
  const columnNumber = column !== undefined ? tf.columnNumbers.get(column) : undefined;
  return {
    file: tf.file,
    line: tf.lines[index]!,
    ...(columnNumber !== undefined ? { column: columnNumber } : {}),
    ...(p.record !== undefined ? { record: p.record } : {}),
    ...(column !== undefined ? { field: column } : p.field !== undefined ? { field: p.field } : {}),
    reason,
  };
}

/**
 * Reads the exchange tables from CSV files (any subset of the three, each table at most once).
 * Returns the whole valid document or every problem, each with its file and line.
 */
export function parseExchangeCsv(files: CsvFile[], known?: KnownIds): ImportResult {
  const problems: ImportProblem[] = [];
  const tables: Partial<Record<TableName, TableFile>> = {};
  let incomplete = false;
  for (const file of files) {
    const tf = readTableFile(file, problems);
    if (!tf) {
      incomplete = true;
      continue;
    }
    const earlier = tables[tf.table];
    if (earlier) {
      problems.push({ file: file.name, line: 1, reason: `a second file with the ${tf.table} table (the first is ${earlier.file}): put all ${tf.table} in one file` });
      continue;
    }
    tables[tf.table] = tf;
  }

  const raw = {
    format: EXCHANGE_FORMAT,
    version: EXCHANGE_VERSION,
    organizations: tables.organizations?.records ?? [],
    sites: tables.sites?.records ?? [],
    flows: tables.flows?.records ?? [],
  };
  const checked = checkDocument(raw, known);
  for (const p of checked.problems) {
    // A file that could not be read would make every reference into it look dangling.
    if (incomplete && p.dangling) continue;
    const placed = placeCsvProblem(p, tables);
    if (placed) problems.push(placed);
  }
  if (problems.length === 0 && checked.doc) return { ok: true, doc: checked.doc };

  const order = new Map(files.map((f, i) => [f.name, i]));
  problems.sort((a, b) => (order.get(a.file ?? '') ?? 0) - (order.get(b.file ?? '') ?? 0) || (a.line ?? 0) - (b.line ?? 0));
  return { ok: false, problems };
}
