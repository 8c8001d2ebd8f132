/**
 * The left panel: every site of the portfolio, filterable by text, country and sector, in pages
 * of 100. Filters also apply to the map, so list and map always show the same sites.
 */
import { useEffect, useMemo, useState } from 'react';
import type { MapSite } from '../api.ts';
import { formatCount } from '../format.ts';
import type { SectorLegend } from '../map/sectors.ts';

export interface SiteFilters {
  text: string;
  country: string;
  /** A sector name, '' for all, '\u0000' for "other / unknown". */
  sector: string;
}

export const OTHER_SECTORS = '\u0000';
const PAGE = 100;

interface Props {
  sites: MapSite[] | undefined;
  loading: boolean;
  error: string | undefined;
  filtered: MapSite[];
  filters: SiteFilters;
  onFilters(filters: SiteFilters): void;
  legend: SectorLegend;
  selectedSiteId: string | null;
  onSelect(id: string): void;
  onImport(): void;
}

export function SiteList({ sites, loading, error, filtered, filters, onFilters, legend, selectedSiteId, onSelect, onImport }: Props) {
  const [page, setPage] = useState(0);
  useEffect(() => setPage(0), [filters]);

  const countries = useMemo(() => {
    const counts = new Map<string, number>();
    for (const s of sites ?? []) counts.set(s.country, (counts.get(s.country) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  }, [sites]);
  const sectors = useMemo(() => {
    const counts = new Map<string, number>();
    for (const s of sites ?? []) if (s.sector) counts.set(s.sector, (counts.get(s.sector) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  }, [sites]);

  const pages = Math.max(1, Math.ceil(filtered.length / PAGE));
  const current = Math.min(page, pages - 1);
  const shown = filtered.slice(current * PAGE, current * PAGE + PAGE);
  const filtering = filters.text !== '' || filters.country !== '' || filters.sector !== '';

  return (
    <div className="site-list" data-testid="site-list">
      <div className="panel-title">
        <span>Sites</span>
        {sites && (
          <span className="muted" data-testid="site-list-count">
            {filtering ? `${formatCount(filtered.length)} of ${formatCount(sites.length)}` : formatCount(sites.length)}
          </span>
        )}
      </div>
      <div className="filters">
        <input
          type="search"
          placeholder="Filter by site or organization"
          aria-label="Filter sites"
          value={filters.text}
          onChange={(e) => onFilters({ ...filters, text: e.target.value })}
          data-testid="site-filter"
        />
        <div className="filter-row">
          <select aria-label="Country" value={filters.country} onChange={(e) => onFilters({ ...filters, country: e.target.value })} data-testid="country-filter">
            <option value="">All countries</option>
            {countries.map(([c, n]) => (
              <option key={c} value={c}>
                {c} ({formatCount(n)})
              </option>
            ))}
          </select>
          <select aria-label="Sector" value={filters.sector} onChange={(e) => onFilters({ ...filters, sector: e.target.value })} data-testid="sector-filter">
            <option value="">All sectors</option>
            {sectors.map(([s, n]) => (
              <option key={s} value={s}>
                {s} ({formatCount(n)})
              </option>
            ))}
            <option value={OTHER_SECTORS}>Other / unknown (not in legend)</option>
          </select>
        </div>
      </div>
      <div className="list-body">
        {loading ? (
          <ul className="rows skeleton" aria-busy="true" aria-label="Loading sites">
            {Array.from({ length: 8 }, (_, i) => (
              <li key={i}>
                <span className="bar w70" />
                <span className="bar w40" />
              </li>
            ))}
          </ul>
        ) : error ? (
          <div className="empty error">Could not load the sites: {error}</div>
        ) : !sites || sites.length === 0 ? (
          <div className="empty" data-testid="list-empty">
            <strong>No sites yet</strong>
            <p>Import a portfolio (Turash JSON or CSV) or the Hotmaps Industrial Database CSV to start.</p>
            <button type="button" className="btn btn-primary" onClick={onImport}>
              Import…
            </button>
          </div>
        ) : filtered.length === 0 ? (
          <div className="empty">
            <strong>No site matches these filters</strong>
            <button type="button" className="btn" onClick={() => onFilters({ text: '', country: '', sector: '' })}>
              Clear filters
            </button>
          </div>
        ) : (
          <ul className="rows">
            {shown.map((s) => (
              <li key={s.id}>
                <button
                  type="button"
                  className={`site-row ${s.id === selectedSiteId ? 'selected' : ''}`}
                  onClick={() => onSelect(s.id)}
                  data-testid="site-row"
                  data-id={s.id}
                >
                  <span className="site-row-main">
                    <span className="dot" style={{ background: legend.colorOf(s.sector) }} />
                    <span className="site-name">{s.name}</span>
                    {s.synthetic && (
                      <span className="badge synthetic" title="Has synthetic demo flows">
                        demo
                      </span>
                    )}
                  </span>
                  <span className="site-row-sub">
                    <span className="org">{s.organization_name}</span>
                    <span className="muted">
                      {s.sector ?? 'no sector'} · {s.country}
                    </span>
                  </span>
                  <span className="site-row-flows" title={`${s.supply_count} supply, ${s.demand_count} demand flows`}>
                    <span className="dir supply">{s.supply_count}↑</span>
                    <span className="dir demand">{s.demand_count}↓</span>
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
      {filtered.length > PAGE && (
        <div className="pager">
          <button type="button" className="btn btn-small" disabled={current === 0} onClick={() => setPage(current - 1)}>
            ‹ Prev
          </button>
          <span className="muted">
            {formatCount(current * PAGE + 1)}–{formatCount(Math.min(filtered.length, (current + 1) * PAGE))} of {formatCount(filtered.length)}
          </span>
          <button type="button" className="btn btn-small" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>
            Next ›
          </button>
        </div>
      )}
    </div>
  );
}
