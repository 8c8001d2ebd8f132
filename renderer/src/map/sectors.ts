/**
 * Sector colours for the map and the lists: the most frequent sectors of the portfolio get a
 * colour each (Tableau 10, colour-blind aware), the rest are "Other".
 */
import type { MapSite } from '../api.ts';

export const SECTOR_PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#59a14f', '#b07aa1', '#edc948', '#76b7b2', '#9c755f', '#ff9da7'];
export const OTHER_COLOR = '#8d99a6';
export const OTHER_LABEL = 'Other / unknown';

export interface SectorLegend {
  entries: { sector: string; color: string; count: number }[];
  other: number;
  colorOf(sector: string | null | undefined): string;
}

export function sectorLegend(sites: readonly MapSite[]): SectorLegend {
  const counts = new Map<string, number>();
  for (const s of sites) if (s.sector) counts.set(s.sector, (counts.get(s.sector) ?? 0) + 1);
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, SECTOR_PALETTE.length);
  const entries = top.map(([sector, count], i) => ({ sector, count, color: SECTOR_PALETTE[i]! }));
  const byName = new Map(entries.map((e) => [e.sector, e.color]));
  const other = sites.length - entries.reduce((n, e) => n + e.count, 0);
  return { entries, other, colorOf: (sector) => (sector && byName.get(sector)) || OTHER_COLOR };
}
