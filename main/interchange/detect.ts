/**
 * Which reader a dropped file needs, from its content first and its name second (a renamed
 * file keeps its content).
 */
import { detectTable } from './csv-columns.ts';
import { readCsvHeader } from './csv-read.ts';
import { isHotmapsCsv } from './hotmaps.ts';
import { stripBom } from './text-lines.ts';

export type ImportFormat = 'exchange-json' | 'exchange-csv' | 'hotmaps-csv' | 'unknown';

export function detectFormat(fileName: string, text: string): ImportFormat {
  const body = stripBom(text).trimStart();
  // Any object-shaped or .json file goes to the JSON reader, even a broken one, so that the user
  // gets its syntax error with a line number rather than "unknown format".
  if (body.startsWith('{') || (/\.json$/i.test(fileName) && !body.startsWith('['))) return 'exchange-json';
  if (isHotmapsCsv(body)) return 'hotmaps-csv';
  const header = readCsvHeader(body, ',');
  // An exchange table always has an id column; one more known column tells it from any CSV with "id".
  if (header?.includes('id') && detectTable(header, fileName) !== undefined && header.length >= 2) return 'exchange-csv';
  return 'unknown';
}
