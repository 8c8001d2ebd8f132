/**
 * The `turash-exchange` v1 document (domain.md section 4) and the shape of import problems: the
 * types and constants every reader and writer in this folder shares. (document.ts is the public
 * face that adds validation and JSON; this file exists so those can import it without a cycle.)
 */
import type { Flow, Organization, Site } from '../domain/entities.ts';

export const EXCHANGE_FORMAT = 'turash-exchange';
export const EXCHANGE_VERSION = 1;
export const TABLES = ['organizations', 'sites', 'flows'] as const;
export type TableName = (typeof TABLES)[number];
export const TOP_LEVEL_KEYS = ['format', 'version', ...TABLES] as const;

export interface ExchangeDocument {
  format: typeof EXCHANGE_FORMAT;
  version: typeof EXCHANGE_VERSION;
  organizations: Organization[];
  sites: Site[];
  flows: Flow[];
}

/** What an import reports for one thing wrong. Everything but `reason` is optional. */
export interface ImportProblem {
  file?: string;
  /** 1-based line in the file (in CSV the header is line 1). */
  line?: number;
  /** 1-based column: the character for a JSON syntax error, the CSV column (whose name is in `field`) for CSV. */
  column?: number;
  /** The record's id, or `table[index]` (0-based) when it has no usable id. */
  record?: string;
  /** Dotted path inside the record (`quality.temperature_c.min`), or the CSV column, or a top-level key. */
  field?: string;
  reason: string;
}

export type ImportResult = { ok: true; doc: ExchangeDocument } | { ok: false; problems: ImportProblem[] };

/** Ids already in the user's database, which references in an imported document may point to. */
export interface KnownIds {
  organizationIds: ReadonlySet<string>;
  siteIds: ReadonlySet<string>;
}

export type JsonPath = (string | number)[];

export function emptyDocument(): ExchangeDocument {
  return { format: EXCHANGE_FORMAT, version: EXCHANGE_VERSION, organizations: [], sites: [], flows: [] };
}

/** One problem per line, for logs and the command line. */
export function formatProblem(p: ImportProblem): string {
  const where = [p.file, p.line !== undefined ? `line ${p.line}` : undefined, p.column !== undefined ? `column ${p.column}` : undefined]
    .filter(Boolean)
    .join(':');
  const what = [p.record, p.field].filter(Boolean).join(' ');
  return [where, what, p.reason].filter(Boolean).join(': ');
}
