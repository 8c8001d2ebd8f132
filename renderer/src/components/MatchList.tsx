/**
 * The match list (left panel, "Matches" tab): filters (type, minimum score, route, status,
 * maximum distance) and the order (score, NPV, distance) go to `matches.list` on the server; the
 * same filtered list is drawn on the map. Pages of 100 rows; CSV export of the whole filtered list.
 */
import { useEffect, useRef, useState } from 'react';
import { client } from '../api.ts';
import { downloadCsv, formatCount, formatEur, formatKm, formatPercent, formatScore, label } from '../format.ts';
import { economicsOf, MATCH_STATUSES, scoreColor, statusLabel, type MatchListFilter, type MatchRecord } from '../matching/model.ts';

export interface MatchFilters {
  type: string;
  minScore: string;
  route: string;
  status: string;
  maxKm: string;
  order: 'score' | 'npv' | 'distance';
}

export const NO_MATCH_FILTERS: MatchFilters = { type: '', minScore: '', route: '', status: '', maxKm: '', order: 'score' };

/** The list filter for `matches.list` (without paging). */
export function listFilter(f: MatchFilters): MatchListFilter {
  const out: MatchListFilter = { order: f.order };
  if (f.type) out.type = f.type as MatchListFilter['type'];
  if (f.route) out.route = f.route as MatchListFilter['route'];
  if (f.status) out.status = f.status as MatchListFilter['status'];
  const min = Number(f.minScore);
  if (f.minScore !== '' && Number.isFinite(min) && min > 0) out.min_score = Math.min(1, min);
  const km = Number(f.maxKm);
  if (f.maxKm !== '' && Number.isFinite(km) && km > 0) out.max_km = km;
  return out;
}

/** The map and list show at most this many matches (the first ones in the chosen order). */
export const MATCH_FETCH_LIMIT = 5000;
const PAGE = 100;

interface Props {
  matches: MatchRecord[] | undefined;
  total: number | undefined;
  loading: boolean;
  error: string | undefined;
  filters: MatchFilters;
  onFilters(filters: MatchFilters): void;
  flowTypes: readonly string[];
  selectedMatchId: string | null;
  onSelect(match: MatchRecord): void;
  onRun(): void;
  storedTotal: number | undefined;
}

export function MatchList({ matches, total, loading, error, filters, onFilters, flowTypes, selectedMatchId, onSelect, onRun, storedTotal }: Props) {
  const [page, setPage] = useState(0);
  const [exporting, setExporting] = useState<string | null>(null);
  const selectedRow = useRef<HTMLButtonElement>(null);
  useEffect(() => setPage(0), [filters]);

  // Bring the selected match's page and row into view (selected on the map).
  useEffect(() => {
    if (!selectedMatchId || !matches) return;
    const index = matches.findIndex((m) => m.id === selectedMatchId);
    if (index >= 0) setPage(Math.floor(index / PAGE));
  }, [selectedMatchId, matches]);
  // Braces: newer Chromium returns a Promise from scrollIntoView, and an effect must return nothing or a cleanup.
  useEffect(() => {
    selectedRow.current?.scrollIntoView({ block: 'nearest' });
  }, [selectedMatchId, page]);

  const list = matches ?? [];
  const pages = Math.max(1, Math.ceil(list.length / PAGE));
  const current = Math.min(page, pages - 1);
  const shown = list.slice(current * PAGE, current * PAGE + PAGE);
  const filtering = filters.type !== '' || filters.minScore !== '' || filters.route !== '' || filters.status !== '' || filters.maxKm !== '';
  const set = (patch: Partial<MatchFilters>) => onFilters({ ...filters, ...patch });

  const exportCsv = async () => {
    setExporting('Exporting…');
    try {
      const all: MatchRecord[] = [];
      const filter = listFilter(filters);
      for (let offset = 0; ; offset += MATCH_FETCH_LIMIT) {
        const pageOf = await client.matches.list.query({ ...filter, offset, limit: MATCH_FETCH_LIMIT });
        all.push(...pageOf.items);
        if (pageOf.items.length < MATCH_FETCH_LIMIT || all.length >= pageOf.total) break;
      }
      downloadCsv(
        'matches.csv',
        ['match_id', 'supply_organization', 'supply_site', 'supply_flow', 'demand_organization', 'demand_site', 'demand_flow', 'type', 'score', 'npv_eur', 'irr', 'payback_years', 'capex_eur', 'annual_value_eur', 'co2_t_per_year', 'distance_km', 'route', 'status', 'relaxed'],
        all.map((m) => {
          const e = economicsOf(m);
          return [
            m.id,
            m.supply.organization_name,
            m.supply.site_name,
            m.supply.flow_name,
            m.demand.organization_name,
            m.demand.site_name,
            m.demand.flow_name,
            m.type,
            m.score.toFixed(4),
            Math.round(e.npv_eur),
            e.irr === null ? '' : e.irr.toFixed(4),
            e.payback_years === null ? '' : e.payback_years.toFixed(2),
            Math.round(e.capex_eur),
            Math.round(e.annual_value_eur),
            e.co2_t_per_year.toFixed(1),
            m.distance_km.toFixed(3),
            m.route,
            m.status,
            m.relaxed.join(' '),
          ];
        }),
      );
      setExporting(null);
    } catch (err) {
      setExporting(`Export failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  return (
    <div className="site-list match-list" data-testid="match-list">
      <div className="panel-title">
        <span>Matches</span>
        {total !== undefined && (
          <span className="muted" data-testid="match-list-count" data-total={total}>
            {filtering && storedTotal !== undefined ? `${formatCount(total)} of ${formatCount(storedTotal)}` : formatCount(total)}
          </span>
        )}
      </div>
      <div className="filters">
        <div className="filter-row">
          <select aria-label="Type" value={filters.type} onChange={(e) => set({ type: e.target.value })} data-testid="match-filter-type">
            <option value="">All types</option>
            {flowTypes.map((t) => (
              <option key={t} value={t}>
                {label(t)}
              </option>
            ))}
          </select>
          <select aria-label="Route" value={filters.route} onChange={(e) => set({ route: e.target.value })} data-testid="match-filter-route">
            <option value="">All routes</option>
            <option value="automated">Automated</option>
            <option value="facilitated">Facilitated</option>
          </select>
        </div>
        <div className="filter-row">
          <select aria-label="Status" value={filters.status} onChange={(e) => set({ status: e.target.value })} data-testid="match-filter-status">
            <option value="">All statuses</option>
            {MATCH_STATUSES.map((s) => (
              <option key={s} value={s}>
                {statusLabel(s)}
              </option>
            ))}
          </select>
          <select aria-label="Order" value={filters.order} onChange={(e) => set({ order: e.target.value as MatchFilters['order'] })} data-testid="match-order">
            <option value="score">Best score first</option>
            <option value="npv">Highest NPV first</option>
            <option value="distance">Shortest distance first</option>
          </select>
        </div>
        <div className="filter-row">
          <label className="inline-field">
            <span>Min score</span>
            <input type="number" min={0} max={1} step={0.05} placeholder="0" value={filters.minScore} onChange={(e) => set({ minScore: e.target.value })} data-testid="match-filter-score" />
          </label>
          <label className="inline-field">
            <span>Max km</span>
            <input type="number" min={0} step={1} placeholder="any" value={filters.maxKm} onChange={(e) => set({ maxKm: e.target.value })} data-testid="match-filter-km" />
          </label>
        </div>
        <div className="filter-actions">
          {filtering && (
            <button type="button" className="link" onClick={() => onFilters({ ...NO_MATCH_FILTERS, order: filters.order })}>
              Clear filters
            </button>
          )}
          <button type="button" className="btn btn-small" onClick={() => void exportCsv()} disabled={!total || exporting === 'Exporting…'} data-testid="match-export">
            Export CSV
          </button>
        </div>
        {exporting && <div className="muted small">{exporting}</div>}
      </div>
      <div className="list-body">
        {loading ? (
          <ul className="rows skeleton" aria-busy="true" aria-label="Loading matches">
            {Array.from({ length: 8 }, (_, i) => (
              <li key={i}>
                <span className="bar w70" />
                <span className="bar w40" />
              </li>
            ))}
          </ul>
        ) : error ? (
          <div className="empty error">Could not load the matches: {error}</div>
        ) : storedTotal === 0 ? (
          <div className="empty" data-testid="match-list-empty">
            <strong>No matches yet</strong>
            <p>Run matching to find supply–demand pairs between the sites of this portfolio.</p>
            <button type="button" className="btn btn-primary" onClick={onRun}>
              Run matching
            </button>
          </div>
        ) : list.length === 0 ? (
          <div className="empty">
            <strong>No match passes these filters</strong>
            <button type="button" className="btn" onClick={() => onFilters({ ...NO_MATCH_FILTERS, order: filters.order })}>
              Clear filters
            </button>
          </div>
        ) : (
          <ul className="rows">
            {shown.map((m) => {
              const e = economicsOf(m);
              const selected = m.id === selectedMatchId;
              return (
                <li key={m.id}>
                  <button
                    type="button"
                    ref={selected ? selectedRow : undefined}
                    className={`match-row ${selected ? 'selected' : ''}`}
                    onClick={() => onSelect(m)}
                    data-testid="match-row"
                    data-id={m.id}
                    data-score={m.score}
                  >
                    <span className="match-orgs" title={`${m.supply.organization_name} (${m.supply.site_name}) → ${m.demand.organization_name} (${m.demand.site_name})`}>
                      <span className="dir supply">{m.supply.organization_name}</span>
                      <span className="arrow">→</span>
                      <span className="dir demand">{m.demand.organization_name}</span>
                    </span>
                    <span className="score-pill" style={{ background: scoreColor(m.score) }} data-testid="match-row-score">
                      {formatScore(m.score)}
                    </span>
                    <span className="match-facts">
                      <span className="badge type">{label(m.type)}</span>
                      <span title="NPV (10 years, 8 %)" data-testid="match-row-npv">
                        {formatEur(e.npv_eur)}
                      </span>
                      <span className="muted">{formatKm(m.distance_km)}</span>
                      <span className={`route route-${m.route}`} title={m.route === 'automated' ? 'Automated: a packet can go out straight away' : 'Facilitated: needs a facilitator'}>
                        {m.route === 'automated' ? 'auto' : 'facil.'}
                      </span>
                      <span className={`badge match-status status-${m.status}`}>{m.status}</span>
                      {m.relaxed.length > 0 && (
                        <span className="badge relaxed" title={`Relaxed: ${m.relaxed.join(', ')}`}>
                          relaxed
                        </span>
                      )}
                    </span>
                  </button>
                </li>
              );
            })}
          </ul>
        )}
      </div>
      {(list.length > PAGE || (total !== undefined && total > list.length)) && (
        <div className="pager">
          <button type="button" className="btn btn-small" disabled={current === 0} onClick={() => setPage(current - 1)}>
            ‹ Prev
          </button>
          <span className="muted">
            {formatCount(current * PAGE + 1)}–{formatCount(Math.min(list.length, (current + 1) * PAGE))} of {formatCount(list.length)}
            {total !== undefined && total > list.length ? ` (first ${formatPercent(list.length / total, 0)} of ${formatCount(total)})` : ''}
          </span>
          <button type="button" className="btn btn-small" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>
            Next ›
          </button>
        </div>
      )}
    </div>
  );
}
