/**
 * Where the matching benchmark puts its synthetic flows: around the real Hotmaps industrial sites
 * (../shared/data in this repository's workspace, or --hotmaps), else around the real sites of
 * the shipped demo portfolio.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadDemoPortfolio } from '../interchange/demo.ts';
import { parseHotmapsCsv } from '../interchange/hotmaps.ts';

export const DEFAULT_HOTMAPS = fileURLToPath(new URL('../../../shared/data/hotmaps-industrial-sites.csv', import.meta.url));

export interface BenchAnchors {
  sites: { lat: number; lon: number; country: string }[];
  source: string;
}

export function loadBenchAnchors(path = DEFAULT_HOTMAPS): BenchAnchors {
  if (existsSync(path)) {
    const { doc } = parseHotmapsCsv(readFileSync(path, 'utf8'));
    return { sites: doc.sites.map((s) => ({ lat: s.lat, lon: s.lon, country: s.country })), source: `${doc.sites.length} Hotmaps sites (${path})` };
  }
  const demo = loadDemoPortfolio();
  const real = demo.sites.filter((s) => !s.id.startsWith('demo-'));
  return { sites: real.map((s) => ({ lat: s.lat, lon: s.lon, country: s.country })), source: `${real.length} real sites of the demo portfolio (no Hotmaps file at ${path})` };
}
