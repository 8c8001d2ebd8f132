/**
 * Importing a file into the local graph: detect its format, parse and validate all of it, and
 * only then write it in one transaction. A file with any problem changes nothing; the report
 * lists every problem (file, line, record, field, reason) so the user can fix them in one go.
 */
import { basename } from 'node:path';
import { canonicalQuantity } from '../db/entities.ts';
import { ValidationError } from '../db/errors.ts';
import type { ImportProgress, ImportSummary, Repository } from '../db/repository.ts';
import { detectFormat } from '../interchange/detect.ts';
import { parseExchangeCsv } from '../interchange/csv.ts';
import { parseExchangeJson, validateDocument, type ExchangeDocument, type ImportProblem } from '../interchange/document.ts';
import { parseHotmapsCsv } from '../interchange/hotmaps.ts';

export interface ImportInput {
  name: string;
  text: string;
}

export interface SkippedRecord {
  line: number;
  id: string;
  reason: string;
}

export type ImportReport =
  | { ok: true; format: string; files: string[]; summary: ImportSummary; skipped: SkippedRecord[] }
  | { ok: false; format: string; files: string[]; problems: ImportProblem[] };

type Parsed = { format: string; doc?: ExchangeDocument; problems: ImportProblem[]; skipped: SkippedRecord[] };

function parseFiles(files: ImportInput[], known: { organizationIds: Set<string>; siteIds: Set<string> }): Parsed {
  const formats = files.map((f) => detectFormat(f.name, f.text));
  const unknown = files.filter((_, i) => formats[i] === 'unknown');
  if (unknown.length) {
    return {
      format: 'unknown',
      skipped: [],
      problems: unknown.map((f) => ({
        file: f.name,
        reason: 'not a Turash exchange file (JSON or CSV) nor a Hotmaps Industrial Database CSV: check the header row or the "format" key',
      })),
    };
  }
  const format = formats[0]!;
  if (formats.some((f) => f !== format)) {
    return { format: 'mixed', skipped: [], problems: [{ reason: `import one format at a time (got ${[...new Set(formats)].join(', ')})` }] };
  }
  if (format === 'exchange-csv') {
    const result = parseExchangeCsv(files.map((f) => ({ name: f.name, text: f.text })), known);
    return result.ok ? { format, doc: result.doc, problems: [], skipped: [] } : { format, problems: result.problems, skipped: [] };
  }
  if (files.length > 1) return { format, skipped: [], problems: [{ reason: `a ${format} import takes one file, got ${files.length}` }] };
  const file = files[0]!;
  if (format === 'hotmaps-csv') {
    const result = parseHotmapsCsv(file.text);
    if (result.problems.length) return { format, problems: result.problems.map((p) => ({ file: file.name, ...p })), skipped: [] };
    const skipped = result.skipped.map((s) => ({ line: s.line, id: s.site_id, reason: s.reason }));
    const checked = validateDocument(result.doc, undefined, known);
    return checked.ok
      ? { format, doc: checked.doc, problems: [], skipped }
      : { format, problems: checked.problems.map((p) => ({ file: file.name, ...p })), skipped };
  }
  const result = parseExchangeJson(file.text, file.name, known);
  return result.ok ? { format, doc: result.doc, problems: [], skipped: [] } : { format, problems: result.problems, skipped: [] };
}

/** Problems only the store can see: quantities whose unit cannot express the flow's type. */
function storeProblems(doc: ExchangeDocument, file: string | undefined): ImportProblem[] {
  const problems: ImportProblem[] = [];
  for (const flow of doc.flows) {
    try {
      canonicalQuantity(flow);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      for (const p of error.problems) problems.push({ file, record: `flow ${flow.id}`, field: p.field, reason: p.message });
    }
  }
  return problems;
}

export async function importFiles(repo: Repository, files: ImportInput[], onProgress?: ImportProgress): Promise<ImportReport> {
  const names = files.map((f) => basename(f.name));
  const parsed = parseFiles(files, await repo.knownIds());
  const problems = parsed.doc ? storeProblems(parsed.doc, names.length === 1 ? names[0] : undefined) : parsed.problems;
  if (!parsed.doc || problems.length) return { ok: false, format: parsed.format, files: names, problems };
  const summary = await repo.importDocument(parsed.doc, onProgress);
  return { ok: true, format: parsed.format, files: names, summary, skipped: parsed.skipped };
}
