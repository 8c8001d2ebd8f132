/**
 * Where the matching benchmark puts its synthetic flows: around the real Hotmaps industrial sites
 * of the file shipped in main/data/hotmaps (or the one given with --hotmaps). The file is part of
 * the repository, so a missing one is an error, not a reason to measure something else.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseHotmapsCsv } from '../interchange/hotmaps.ts';

export const DEFAULT_HOTMAPS = fileURLToPath(new URL('../data/hotmaps/hotmaps-industrial-sites.csv', import.meta.url));

export interface BenchAnchors {
  sites: { lat: number; lon: number; country: string }[];
  source: string;
}

export function loadBenchAnchors(path = DEFAULT_HOTMAPS): BenchAnchors {
  if (!existsSync(path)) throw new Error(`the Hotmaps file is missing: ${path}`);
  const { doc } = parseHotmapsCsv(readFileSync(path, 'utf8'));
  return { sites: doc.sites.map((s) => ({ lat: s.lat, lon: s.lon, country: s.country })), source: `${doc.sites.length} Hotmaps sites (${path})` };
}
