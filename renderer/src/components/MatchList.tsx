/**
 * The match list (left panel, "Matches" tab): filters (regional plan members / alternatives / all,
 * type, minimum score, route, status, maximum distance) and the order (score, NPV, distance) go to
 * `matches.list` on the server; the same filtered list is drawn on the map. The list is grouped by
 * the flow the alternatives compete for (each supply, or each demand: its plan members first with
 * how much of the flow the plan allocates, then its alternatives), or flat. The header shows the
 * regional plan's totals (plan members only). Pages of 100 rows (40 groups), asked of the server
 * one at a time in light rows (`matches.page`, main/db/match-pages.ts: the grouping is done there,
 * and a group brings its plan members and first alternatives); CSV export of the whole filtered
 * list (`matches.export`, 5,000 rows a call), with each match's plan allocation.
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState, type RefObject } from 'react';
import { apiProblem, client } from '../api.ts';
import { downloadCsv, formatCount, formatCtPerKwh, formatEur, formatKm, formatNumber, formatPercent, formatQuantity, formatScore, label } from '../format.ts';
import {
  allocationOf,
  economicsOf,
  groupByFlow,
  heatOf,
  MATCH_STATUSES,
  scoreColor,
  statusLabel,
  typeColor,
  typeLabel,
  type FlowGroup,
  type GroupSide,
  type MatchListFilter,
  type MatchListRow,
  type PlanSummary,
} from '../matching/model.ts';
import { PlanTotals } from './PlanTotals.tsx';

export type PlanFilter = '' | 'members' | 'alternatives';
export type Grouping = GroupSide | 'none';

export interface MatchFilters {
  /** '' all, 'members' regional plan members only, 'alternatives' the rest. */
  plan: PlanFilter;
  type: string;
  minScore: string;
  route: string;
  status: string;
  maxKm: string;
  order: 'score' | 'npv' | 'distance';
  /** Group by the supply or the demand the matches compete for, or a flat list (not a server filter). */
  group: Grouping;
}

export const NO_MATCH_FILTERS: MatchFilters = { plan: '', type: '', minScore: '', route: '', status: '', maxKm: '', order: 'score', group: 'supply' };

/** The list filter for `matches.list` (without paging). */
export function listFilter(f: MatchFilters): MatchListFilter {
  const out: MatchListFilter = { order: f.order };
  if (f.plan === 'members') out.in_plan = true;
  else if (f.plan === 'alternatives') out.in_plan = false;
  if (f.type) out.type = f.type as MatchListFilter['type'];
  if (f.route) out.route = f.route as MatchListFilter['route'];
  if (f.status) out.status = f.status as MatchListFilter['status'];
  const min = Number(f.minScore);
  if (f.minScore !== '' && Number.isFinite(min) && min > 0) out.min_score = Math.min(1, min);
  const km = Number(f.maxKm);
  if (f.maxKm !== '' && Number.isFinite(km) && km > 0) out.max_km = km;
  return out;
}

/** The map draws at most this many matches (the first ones in the chosen order; main/api/matching-router.ts MAX_MAP_LINES). */
export const MATCH_FETCH_LIMIT = 5000;
/** Rows a call of the CSV export brings. */
const EXPORT_CHUNK = 5000;
const PAGE = 100;
const GROUP_PAGE = 40;

/** What a match list page shows, for the selection and the map's fit. */
export type ListedMatch = Pick<MatchListRow, 'id' | 'supply' | 'demand'>;

interface Props {
  filters: MatchFilters;
  onFilters(filters: MatchFilters): void;
  flowTypes: readonly string[];
  selectedMatchId: string | null;
  onSelect(match: ListedMatch): void;
  onRun(): void;
  storedTotal: number | undefined;
  /** The regional plan (null: none yet; undefined: loading). */
  plan: PlanSummary | null | undefined;
}

export function MatchList({ filters, onFilters, flowTypes, selectedMatchId, onSelect, onRun, storedTotal, plan }: Props) {
  const [page, setPage] = useState(0);
  // A match selected elsewhere (a line on the map) that this page does not show: the server finds its page.
  const [around, setAround] = useState<string | null>(null);
  const [exporting, setExporting] = useState<string | null>(null);
  const selectedRow = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    setPage(0);
    setAround(null);
  }, [filters]);

  const grouped = filters.group !== 'none';
  const filter = useMemo(() => listFilter(filters), [filters]);
  const request = { ...filter, group: filters.group, page, ...(around ? { around_id: around } : {}) };
  const answer = useQuery({
    queryKey: ['matches', 'list', request],
    queryFn: () => client.matches.page.query(request),
    placeholderData: keepPreviousData,
  });
  const data = answer.data;
  const matches = data?.items;
  const total = data?.total;
  const loading = answer.isPending;
  const error = answer.error ? apiProblem(answer.error).message : undefined;
  const groups = useMemo(() => (grouped && matches ? groupByFlow(matches, filters.group as GroupSide, data?.groups) : []), [grouped, matches, filters.group, data?.groups]);

  // Bring the selected match's page and row into view (selected on the map): the page the server found for it.
  useEffect(() => {
    if (!selectedMatchId || !matches || answer.isPlaceholderData) return;
    if (!matches.some((m) => m.id === selectedMatchId) && around !== selectedMatchId) setAround(selectedMatchId);
  }, [selectedMatchId, matches, around, answer.isPlaceholderData]);
  useEffect(() => {
    if (around && data && !answer.isPlaceholderData) setPage(data.page);
  }, [around, data, answer.isPlaceholderData]);
  // Braces: newer Chromium returns a Promise from scrollIntoView, and an effect must return nothing or a cleanup.
  useEffect(() => {
    selectedRow.current?.scrollIntoView({ block: 'nearest' });
  }, [selectedMatchId, data]);

  const list = matches ?? [];
  const units = data?.units ?? 0;
  const perPage = grouped ? GROUP_PAGE : PAGE;
  const pages = Math.max(1, Math.ceil(units / perPage));
  const current = Math.min(data?.page ?? page, pages - 1);
  const goTo = (p: number) => {
    setAround(null);
    setPage(p);
  };
  const shown = list;
  const shownGroups = groups;
  const filtering = filters.plan !== '' || filters.type !== '' || filters.minScore !== '' || filters.route !== '' || filters.status !== '' || filters.maxKm !== '';
  const set = (patch: Partial<MatchFilters>) => onFilters({ ...filters, ...patch });

  const exportCsv = async () => {
    setExporting('Exporting…');
    try {
      const all: MatchListRow[] = [];
      for (let offset = 0; ; offset += EXPORT_CHUNK) {
        const pageOf = await client.matches.export.query({ ...filter, offset, limit: EXPORT_CHUNK });
        all.push(...pageOf.items);
        if (pageOf.items.length < EXPORT_CHUNK || all.length >= pageOf.total) break;
        setExporting(`Exporting… ${formatPercent(all.length / pageOf.total, 0)}`);
      }
      downloadCsv(
        'matches.csv',
        [
          'match_id',
          'supply_organization',
          'supply_site',
          'supply_flow',
          'demand_organization',
          'demand_site',
          'demand_flow',
          'type',
          'score',
          'npv_eur',
          'irr',
          'payback_years',
          'capex_eur',
          'annual_value_eur',
          'co2_t_per_year',
          'distance_km',
          'route',
          'status',
          'relaxed',
          'in_plan',
          'plan_share',
          'plan_allocated',
          'plan_allocated_unit',
          'plan_npv_eur',
          'lcoh_ct_per_kwh',
          'priced_by',
        ],
        all.map((m) => {
          const e = economicsOf(m);
          const a = allocationOf(m);
          const lcoh = a ? a.lcoh_ct_per_kwh : (heatOf(m)?.lcoh_ct_per_kwh ?? null);
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
            a ? 'yes' : 'no',
            a ? a.share.toFixed(4) : '',
            a ? Number(a.allocated.amount.toFixed(3)) : '',
            a ? a.allocated.unit : '',
            a ? Math.round(a.npv_eur) : '',
            lcoh === null ? '' : lcoh.toFixed(3),
            m.priced_by,
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
      <div className="match-plan-head">
        <PlanTotals plan={plan} variant="compact" testid="list-plan" onRun={onRun} />
      </div>
      <div className="filters">
        <div className="seg seg-wide" role="group" aria-label="Regional plan" data-testid="match-filter-plan">
          {(
            [
              ['members', 'Plan members'],
              ['alternatives', 'Alternatives'],
              ['', 'All'],
            ] as const
          ).map(([value, text]) => (
            <button
              key={value || 'all'}
              type="button"
              className={filters.plan === value ? 'active' : ''}
              aria-pressed={filters.plan === value}
              onClick={() => set({ plan: value })}
              data-testid={`match-filter-plan-${value || 'all'}`}
            >
              {text}
            </button>
          ))}
        </div>
        <div className="filter-row">
          <select aria-label="Group by" value={filters.group} onChange={(e) => set({ group: e.target.value as Grouping })} data-testid="match-group-by">
            <option value="supply">Group by supply</option>
            <option value="demand">Group by demand</option>
            <option value="none">No grouping</option>
          </select>
          <select aria-label="Type" value={filters.type} onChange={(e) => set({ type: e.target.value })} data-testid="match-filter-type">
            <option value="">All types</option>
            {flowTypes.map((t) => (
              <option key={t} value={t}>
                {label(t)}
              </option>
            ))}
          </select>
 </div>
        <div className="filter-row">
          <select aria-label="Route" value={filters.route} onChange={(e) => set({ route: e.target.value })} data-testid="match-filter-route">
            <option value="">All routes</option>
            <option value="automated">Automated</option>
            <option value="facilitated">Facilitated</option>
          </select>
          <select aria-label="Status" value={filters.status} onChange={(e) => set({ status: e.target.value })} data-testid="match-filter-status">
            <option value="">All statuses</option>
            {MATCH_STATUSES.map((s) => (
              <option key={s} value={s}>
                {statusLabel(s)}
              </option>
            ))}
          </select>
        </div>
        <div className="filter-row">
          <select aria-label="Order" value={filters.order} onChange={(e) => set({ order: e.target.value as MatchFilters['order'] })} data-testid="match-order">
            <option value="score">Best score first</option>
            <option value="npv">Highest NPV first</option>
            <option value="distance">Shortest distance first</option>
          </select>
          <label className="inline-field">
            <span>Min score</span>
            <input type="number" min={0} max={1} step={0.05} placeholder="0" value={filters.minScore} onChange={(e) => set({ minScore: e.target.value })} data-testid="match-filter-score" />
          </label>
        </div>
        <div className="filter-actions">
          <label className="inline-field">
            <span>Max km</span>
            <input type="number" min={0} step={1} placeholder="any" value={filters.maxKm} onChange={(e) => set({ maxKm: e.target.value })} data-testid="match-filter-km" />
          </label>
          {filtering && (
            <button type="button" className="link" onClick={() => onFilters({ ...NO_MATCH_FILTERS, order: filters.order, group: filters.group })}>
              Clear filters
            </button>
          )}
          <button type="button" className="btn btn-small" onClick={() => void exportCsv()} disabled={!total || (exporting?.startsWith('Exporting…') ?? false)} data-testid="match-export">
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
            {filters.plan === 'members' && plan === null && <p>There is no regional plan yet: run matching to make it.</p>}
            <button type="button" className="btn" onClick={() => onFilters({ ...NO_MATCH_FILTERS, order: filters.order, group: filters.group })}>
              Clear filters
            </button>
          </div>
        ) : grouped ? (
          <ul className="rows flow-groups" data-testid="match-groups" data-side={filters.group}>
            {shownGroups.map((g) => (
              <GroupItem key={g.flow_id} group={g} selectedMatchId={selectedMatchId} selectedRef={selectedRow} onSelect={onSelect} />
            ))}
          </ul>
        ) : (
          <ul className="rows">
            {shown.map((m) => (
              <li key={m.id}>
                <MatchRow m={m} selected={m.id === selectedMatchId} selectedRef={selectedRow} onSelect={onSelect} />
              </li>
            ))}
          </ul>
        )}
      </div>
      {units > perPage && (
        <div className="pager">
          <button type="button" className="btn btn-small" disabled={current === 0} onClick={() => goTo(current - 1)}>
            ‹ Prev
          </button>
          <span className="muted">
            {formatCount(current * perPage + 1)}–{formatCount(Math.min(units, (current + 1) * perPage))} of {formatCount(units)}
            {grouped ? ` ${filters.group === 'supply' ? 'supplies' : 'demands'}` : ''}
          </span>
          <button type="button" className="btn btn-small" disabled={current >= pages - 1} onClick={() => goTo(current + 1)}>
            Next ›
          </button>
        </div>
      )}
    </div>
  );
}

function MatchRow({ m, selected, selectedRef, onSelect, grouped }: { m: MatchListRow; selected: boolean; selectedRef: RefObject<HTMLButtonElement | null>; onSelect(m: MatchListRow): void; grouped?: GroupSide }) {
  const e = economicsOf(m);
  const a = allocationOf(m);
  const h = heatOf(m);
  const lcoh = a ? a.lcoh_ct_per_kwh : (h?.lcoh_ct_per_kwh ?? null);
  // In a group the row names the partner; the group header names the flow they compete for.
  const partner = grouped === 'supply' ? m.demand : grouped === 'demand' ? m.supply : null;
  return (
    <button
      type="button"
      ref={selected ? selectedRef : undefined}
      className={`match-row ${selected ? 'selected' : ''} ${a ? 'in-plan' : 'alternative'}`}
      style={a ? { boxShadow: selected ? undefined : `inset 3px 0 0 ${typeColor(m.type)}` } : undefined}
      onClick={() => onSelect(m)}
      data-testid="match-row"
      data-id={m.id}
      data-score={m.score}
      data-in-plan={a ? 'true' : 'false'}
    >
      {partner ? (
        <span className="match-orgs" title={`${m.supply.organization_name} (${m.supply.flow_name}) → ${m.demand.organization_name} (${m.demand.flow_name})`}>
          <span className="arrow">{grouped === 'supply' ? '→' : '←'}</span>
          <span className={`dir ${grouped === 'supply' ? 'demand' : 'supply'}`}>{partner.organization_name}</span>
          <span className="muted partner-flow">{partner.flow_name}</span>
        </span>
      ) : (
        <span className="match-orgs" title={`${m.supply.organization_name} (${m.supply.site_name}) → ${m.demand.organization_name} (${m.demand.site_name})`}>
          <span className="dir supply">{m.supply.organization_name}</span>
          <span className="arrow">→</span>
          <span className="dir demand">{m.demand.organization_name}</span>
        </span>
      )}
      <span className="score-pill" style={{ background: scoreColor(m.score) }} data-testid="match-row-score" title="Match score, 0–1">
        {formatScore(m.score)}
      </span>
      <span className="match-plan-line">
        {a ? (
          <span className="plan-tag member" data-testid="match-row-plan" title="In the regional plan: the quantity the plan allocates to this exchange, and its share of the stand-alone quantity">
            plan: <b>{formatQuantity(a.allocated)}</b> ({formatPercent(a.share, 0)})
          </span>
        ) : (
          <span className="plan-tag alternative" data-testid="match-row-plan" title="Not in the regional plan">
            alternative
          </span>
        )}
        <span className={`badge match-status status-${m.status}`}>{m.status}</span>
        {m.priced_by === 'v1' && (
          <span className="badge relaxed" title="Priced by the earlier method (annual averages, one pipe): run matching again">
            v1
          </span>
        )}
        {m.relaxed.length > 0 && (
          <span className="badge relaxed" title={`Relaxed: ${m.relaxed.join(', ')}`}>
            relaxed
          </span>
        )}
      </span>
      <span className="match-facts">
        {!partner && <span className="badge type">{typeLabel(m.type)}</span>}
        <span title={a ? 'NPV at the plan’s allocation (10 years, 8 %)' : 'NPV stand-alone (10 years, 8 %)'} data-testid="match-row-npv">
          {formatEur(a ? a.npv_eur : e.npv_eur)}
        </span>
        {lcoh !== null && <span title="Levelised cost of heat">{formatCtPerKwh(lcoh)}</span>}
        <span className="muted">{formatKm(m.distance_km)}</span>
        <span className={`route route-${m.route}`} title={m.route === 'automated' ? 'Automated: a packet can go out straight away' : 'Facilitated: needs a facilitator'}>
          {m.route === 'automated' ? 'auto' : 'facil.'}
        </span>
      </span>
    </button>
  );
}

/** One flow and the matches competing for it: how much of it the plan allocates, its members, then its alternatives. */
function GroupItem({ group: g, selectedMatchId, selectedRef, onSelect }: { group: FlowGroup; selectedMatchId: string | null; selectedRef: RefObject<HTMLButtonElement | null>; onSelect(m: MatchListRow): void }) {
  const flow = useQuery({ queryKey: ['flows', 'get', g.flow_id], queryFn: () => client.flows.get.query({ id: g.flow_id }), enabled: g.capacity === null && g.members > 0, staleTime: 60_000 });
  // The flow's own quantity in the allocation's unit: heat from the hourly economics, others from the flow record.
  const own = g.capacity !== null ? g.capacity : flow.data && g.unit !== null && flow.data.canonical.unit === g.unit ? flow.data.canonical.amount : null;
  const used = own !== null && own > 0 ? g.allocated / own : null;
  const isSupply = g.side === 'supply';
  const members = g.matches.filter((m) => m.plan !== null);
  const alternatives = g.matches.filter((m) => m.plan === null);
  return (
    <li className="flow-group" data-testid="match-group" data-flow={g.flow_id} data-members={g.members} data-alternatives={g.alternatives} data-allocated={g.allocated}>
      <div className="flow-group-head">
        <div className="flow-group-title">
          <span className={`badge dir-${g.side}`}>{isSupply ? 'Supply ↑' : 'Demand ↓'}</span>
          <span className="flow-group-name" title={`${g.organization_name} · ${g.site_name} · ${g.flow_name}`}>
            <b>{g.organization_name}</b> <span className="muted">{g.flow_name}</span>
          </span>
          <span className="swatch line thick" style={{ background: typeColor(g.flow_type) }} title={typeLabel(g.flow_type)} />
        </div>
        <div className="flow-group-use" data-testid="match-group-use">
          <span className={`usage ${used !== null && used > 1.0001 ? 'over' : ''}`} title={used === null ? undefined : `${formatPercent(used)} of the flow allocated by the plan`}>
            <span style={{ width: `${Math.min(1, Math.max(0, used ?? 0)) * 100}%` }} />
          </span>
          {g.members === 0 ? (
            <span className="muted">nothing allocated by the plan · {formatCount(g.alternatives)} {g.alternatives === 1 ? 'alternative' : 'alternatives'} compete for it</span>
          ) : (
            <span>
              {isSupply ? 'allocated' : 'covered'} <b>{g.unit ? `${formatNumber(g.allocated)} ${g.unit}` : formatNumber(g.allocated)}</b>
              {own !== null ? ` of ${formatNumber(own)}${g.unit ? ` ${g.unit}` : ''}` : ''}
              {used !== null ? ` (${formatPercent(used, used < 0.01 ? 2 : 0)})` : ''}
              {g.losses > 0 && <span className="muted" title="The plan counts the pipe losses against the supply in the hours it delivers"> incl. {formatNumber(g.losses)} MWh/yr losses</span>}
              <span className="muted">
                {' '}
                · {formatCount(g.members)} in plan, {formatCount(g.alternatives)} {g.alternatives === 1 ? 'alternative' : 'alternatives'}
              </span>
            </span>
          )}
        </div>
      </div>
      <ul className="rows">
        {members.map((m) => (
          <li key={m.id}>
            <MatchRow m={m} selected={m.id === selectedMatchId} selectedRef={selectedRef} onSelect={onSelect} grouped={g.side} />
          </li>
        ))}
        {alternatives.length > 0 && members.length > 0 && (
          <li className="group-sep muted" aria-hidden="true">
            alternatives
          </li>
        )}
        {alternatives.map((m) => (
          <li key={m.id}>
            <MatchRow m={m} selected={m.id === selectedMatchId} selectedRef={selectedRef} onSelect={onSelect} grouped={g.side} />
          </li>
        ))}
        {g.more > 0 && (
          <li className="group-sep muted" data-testid="match-group-more" data-more={g.more}>
            and {formatCount(g.more)} more {g.more === 1 ? 'alternative' : 'alternatives'} (open the {isSupply ? 'supply' : 'demand'}'s site to see them all)
          </li>
        )}
      </ul>
    </li>
  );
}
