/**
 * Validation of a parsed `turash-exchange` document: top-level keys, format and version, every
 * record against the entity schemas, duplicate ids and references. It collects every problem
 * rather than stopping at the first, because a facilitator fixing a spreadsheet wants the whole
 * list in one go.
 *
 * Problems are found as JSON paths (`['flows', 3, 'quality', 'temperature_c', 'min']`); the
 * readers (JSON, CSV) turn a path into a file line with their own `locate`.
 */
import type { ZodError, ZodType } from 'zod';
import { ID_PATTERN, flowSchema, organizationSchema, siteSchema } from '../domain/entities.ts';
import {
  EXCHANGE_FORMAT,
  EXCHANGE_VERSION,
  TABLES,
  TOP_LEVEL_KEYS,
  type ExchangeDocument,
  type ImportProblem,
  type ImportResult,
  type JsonPath,
  type KnownIds,
  type TableName,
} from './format.ts';

type ZodIssue = ZodError['issues'][number];

/** A problem before it is placed in a file. */
export interface PathProblem {
  path: JsonPath;
  record?: string;
  field?: string;
  reason: string;
  /** For a duplicate id: where the id was first used. */
  firstPath?: JsonPath;
  /** A reference to a record that is not there (as opposed to a record that is malformed). */
  dangling?: true;
}

const SCHEMAS: Record<TableName, ZodType> = {
  organizations: organizationSchema,
  sites: siteSchema,
  flows: flowSchema,
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const usableId = (rec: unknown): string | undefined =>
  isRecord(rec) && typeof rec.id === 'string' && ID_PATTERN.test(rec.id) ? rec.id : undefined;

export function checkDocument(raw: unknown, known?: KnownIds): { doc?: ExchangeDocument; problems: PathProblem[] } {
  const problems: PathProblem[] = [];
  if (!isRecord(raw)) {
    problems.push({ path: [], reason: `the document must be an object with the keys ${TOP_LEVEL_KEYS.join(', ')}` });
    return { problems };
  }
  for (const key of Object.keys(raw)) {
    if (!(TOP_LEVEL_KEYS as readonly string[]).includes(key)) {
      problems.push({ path: [key], field: key, reason: `unknown key "${key}" (a document has only ${TOP_LEVEL_KEYS.join(', ')})` });
    }
  }
  if (raw.format !== EXCHANGE_FORMAT) {
    problems.push({
      path: ['format'],
      field: 'format',
      reason: raw.format === undefined ? `is required and must be "${EXCHANGE_FORMAT}"` : `must be "${EXCHANGE_FORMAT}", not ${JSON.stringify(raw.format)}`,
    });
  }
  if (raw.version !== EXCHANGE_VERSION) {
    problems.push({
      path: ['version'],
      field: 'version',
      reason:
        raw.version === undefined
          ? `is required and must be ${EXCHANGE_VERSION}`
          : typeof raw.version === 'number'
            ? `version ${raw.version} is not supported: this version of Turash Field reads version ${EXCHANGE_VERSION}`
            : `must be the number ${EXCHANGE_VERSION}, not ${JSON.stringify(raw.version)}`,
    });
  }

  const rawTables: Record<TableName, unknown[]> = { organizations: [], sites: [], flows: [] };
  for (const table of TABLES) {
    const value = raw[table];
    if (value === undefined) continue;
    if (!Array.isArray(value)) problems.push({ path: [table], field: table, reason: 'must be a list (JSON array) of records' });
    else rawTables[table] = value;
  }

  const parsed: Record<TableName, unknown[]> = { organizations: [], sites: [], flows: [] };
  const idsInDoc: Record<TableName, Map<string, number>> = { organizations: new Map(), sites: new Map(), flows: new Map() };
  for (const table of TABLES) {
    rawTables[table].forEach((rec, index) => {
      const id = usableId(rec);
      const record = id ?? `${table}[${index}]`;
      const result = SCHEMAS[table].safeParse(rec, { reportInput: true });
      if (result.success) parsed[table].push(result.data);
      else for (const issue of result.error.issues) problems.push(...issueProblems(issue, [table, index], record));
      if (id === undefined) return;
      const first = idsInDoc[table].get(id);
      if (first === undefined) idsInDoc[table].set(id, index);
      else problems.push({ path: [table, index, 'id'], record, field: 'id', reason: `duplicate id "${id}"`, firstPath: [table, first, 'id'] });
    });
  }

  checkReferences(rawTables.sites, 'sites', 'organization_id', 'organization', idsInDoc.organizations, known?.organizationIds, problems);
  checkReferences(rawTables.flows, 'flows', 'site_id', 'site', idsInDoc.sites, known?.siteIds, problems);

  if (problems.length > 0) return { problems };
  return {
    doc: {
      format: EXCHANGE_FORMAT,
      version: EXCHANGE_VERSION,
      organizations: parsed.organizations as ExchangeDocument['organizations'],
      sites: parsed.sites as ExchangeDocument['sites'],
      flows: parsed.flows as ExchangeDocument['flows'],
    },
    problems,
  };
}

function checkReferences(
  records: unknown[],
  table: TableName,
  key: string,
  targetName: string,
  inDoc: ReadonlyMap<string, number>,
  known: ReadonlySet<string> | undefined,
  problems: PathProblem[],
): void {
  records.forEach((rec, index) => {
    if (!isRecord(rec)) return;
    const target = rec[key];
    // A malformed reference is already reported by the schema; don't report it twice.
    if (typeof target !== 'string' || !ID_PATTERN.test(target)) return;
    if (inDoc.has(target) || known?.has(target)) return;
    problems.push({
      path: [table, index, key],
      record: usableId(rec) ?? `${table}[${index}]`,
      field: key,
      dangling: true,
      reason: known
        ? `refers to ${targetName} "${target}", which is neither in this import nor in the database`
        : `refers to ${targetName} "${target}", which is not in this import`,
    });
  });
}

function issueProblems(issue: ZodIssue, base: JsonPath, record: string): PathProblem[] {
  const at = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      path: [...base, ...at, key],
      record,
      field: [...at, key].join('.'),
      reason: `unknown key "${key}"`,
    }));
  }
  // zod's own text for a missing key ("expected string, received undefined") reads like a type error.
  const missing = issue.code === 'invalid_type' && issue.input === undefined;
  return [
    {
      path: [...base, ...at],
      record,
      ...(at.length > 0 ? { field: at.join('.') } : {}),
      reason: missing ? 'is required' : issue.message,
    },
  ];
}

/** Places path problems in a file: `locate` maps a JSON path to a line. */
export function placeProblems(
  problems: PathProblem[],
  locate: Locate | undefined,
  file: string | undefined,
): ImportProblem[] {
  return problems.map((p) => {
    const line = locate?.(p.path);
    let reason = p.reason;
    if (p.firstPath) {
      const firstLine = locate?.(p.firstPath);
      reason += firstLine !== undefined ? ` (first used on line ${firstLine})` : ` (first used by ${p.firstPath[0]}[${p.firstPath[1]}])`;
    }
    return {
      ...(file !== undefined ? { file } : {}),
      ...(line !== undefined ? { line } : {}),
      ...(p.record !== undefined ? { record: p.record } : {}),
      ...(p.field !== undefined ? { field: p.field } : {}),
      reason,
    };
  });
}

/** Maps a JSON path (`['flows', 3, 'quantity', 'amount']`) to the line it is on, when the document came from a file. */
export type Locate = (path: JsonPath) => number | undefined;

/**
 * Validates a parsed document; returns the whole valid document (strings trimmed as the schemas
 * say) or every problem. `known`: ids already in the database, which references may point to.
 */
export function validateDocument(raw: unknown, locate?: Locate, known?: KnownIds): ImportResult {
  const { doc, problems } = checkDocument(raw, known);
  if (doc) return { ok: true, doc };
  return { ok: false, problems: placeProblems(problems, locate, undefined) };
}
