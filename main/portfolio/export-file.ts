/**
 * Exporting the portfolio as a turash-exchange v1 document (JSON) or as its three CSV tables.
 * Files are written to a temporary name and renamed, so an interrupted export never leaves a
 * truncated file where a good one was.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Repository } from '../db/repository.ts';
import { documentToCsv } from '../interchange/csv.ts';
import type { ExchangeDocument } from '../interchange/document.ts';

export interface ExportResult {
  files: string[];
  organizations: number;
  sites: number;
  flows: number;
}

function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.partial`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

export async function exportDocument(repo: Repository): Promise<ExchangeDocument> {
  return { format: 'turash-exchange', version: 1, ...(await repo.exportDocument()) };
}

export async function exportPortfolio(repo: Repository, out: string, format: 'json' | 'csv'): Promise<ExportResult> {
  const doc = await exportDocument(repo);
  const counts = { organizations: doc.organizations.length, sites: doc.sites.length, flows: doc.flows.length };
  if (format === 'json') {
    writeAtomically(out, `${JSON.stringify(doc, null, 2)}\n`);
    return { files: [out], ...counts };
  }
  mkdirSync(out, { recursive: true });
  const tables = documentToCsv(doc);
  const files = (['organizations', 'sites', 'flows'] as const).map((table) => {
    const path = join(out, `${table}.csv`);
    writeAtomically(path, tables[table]);
    return path;
  });
  return { files, ...counts };
}
