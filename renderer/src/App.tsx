/**
 * The application shell: header (name, database counts, search, matching, import), the site list
 * or the match list on the left (tabs), the map in the centre (sites and match lines) and the
 * detail panel on the right (a site, or a match).
 *
 * Keyboard: "/" focuses the search, Esc closes the topmost thing (dialog, search results, detail).
 */
import { useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { apiProblem, client, transport, type MapSite, type SearchHit, type Suggestions } from './api.ts';
import { DetailPanel } from './components/DetailPanel.tsx';
import { ImportDialog } from './components/ImportDialog.tsx';
import { MatchDetail } from './components/MatchDetail.tsx';
import { listFilter, MATCH_FETCH_LIMIT, MatchList, NO_MATCH_FILTERS, type ListedMatch, type MatchFilters } from './components/MatchList.tsx';
import { MatchRunDialog, weightsOf } from './components/MatchRunDialog.tsx';
import { PLAN_QUERY_KEY } from './components/PlanTotals.tsx';
import { SearchBox, type SearchBoxHandle } from './components/SearchBox.tsx';
import { SiteList, type SiteFilters } from './components/SiteList.tsx';
import { CLUSTER_RADII, DEFAULT_CLUSTER_RADIUS, SuggestionsPanel, type SuggestionSelection } from './components/SuggestionsPanel.tsx';
import { UpdateStatus } from './components/UpdateStatus.tsx';
import { FieldAudit } from './field/FieldAudit.tsx';
import { SyncStatus } from './sync/SyncStatus.tsx';
import { WorkflowBar } from './workflow/WorkflowBar.tsx';
import { formatCount } from './format.ts';
import { highlightBounds, type MapHighlight } from './map/highlight.ts';
import { MapView, type FlyRequest, type LayerVisibility } from './map/MapView.tsx';
import { sectorLegend } from './map/sectors.ts';
import { siteRows } from './map/site-columns.ts';
import type { MatchQuery } from './matching/model.ts';

const QUERY_KEY = 'turash.matchQuery';
const LAST_RUN_KEY = 'turash.lastMatchRun';
const RADIUS_KEY = 'turash.clusterRadiusKm';
type LeftTab = 'sites' | 'matches' | 'suggestions';

function stored<T>(key: string): T | undefined {
  try {
    const text = localStorage.getItem(key);
    return text ? (JSON.parse(text) as T) : undefined;
  } catch {
    return undefined;
  }
}
function store(key: string, value: unknown): void {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    /* storage disabled: kept for this page load only */
  }
}

/** What the map highlights for the selected suggestion (undefined when it is not in the data). */
function highlightOf(data: Suggestions | undefined, selection: SuggestionSelection | null, sites: readonly MapSite[] | undefined): MapHighlight | undefined {
  if (!data || !selection) return undefined;
  if (selection.kind === 'cascade') {
    const cascade = data.cascades.find((c) => c.id === selection.id);
    if (!cascade || !sites) return undefined;
    const byId = new Map(sites.map((s) => [s.id, s]));
    const at = (id: string): [number, number] | undefined => {
      const s = byId.get(id);
      return s ? [s.lon, s.lat] : undefined;
    };
    return {
      id: cascade.id,
      kind: 'cascade',
      sites: cascade.steps.flatMap((step, i) => {
        const s = byId.get(step.site_id);
        return s ? [{ id: s.id, lon: s.lon, lat: s.lat, name: step.name ?? s.name, badge: String(i + 1) }] : [];
      }),
      links: cascade.links.flatMap((l) => {
        const from = at(l.from_site_id);
        const to = at(l.to_site_id);
        return from && to ? [{ id: l.match_id, from, to }] : [];
      }),
    };
  }
  const cluster = data.clusters.find((c) => c.id === selection.id);
  if (!cluster) return undefined;
  return {
    id: cluster.id,
    kind: 'cluster',
    sites: cluster.members.map((m) => ({ id: m.site_id, lon: m.lon, lat: m.lat, name: m.name ?? m.site_id })),
    links: [],
    area: { center: [cluster.centroid.lon, cluster.centroid.lat], radiusKm: cluster.radius_km },
  };
}

export function App() {
  if (transport.kind === 'no-token') return <NoToken />;
  return <Workspace />;
}

function NoToken() {
  return (
    <div className="fullscreen-message" data-testid="no-token">
      <h1>Turash Field</h1>
      <p>
        This page needs the access token of the local host. Open the URL that <code>turash serve</code> printed in the
        terminal (it ends with <code>#token=…</code>).
      </p>
      <p className="muted">The token keeps other web pages and programs on this computer from reading your data.</p>
    </div>
  );
}

function Workspace() {
  const info = useQuery({ queryKey: ['meta', 'info'], queryFn: () => client.meta.info.query() });
  const sites = useQuery({ queryKey: ['sites', 'map'], queryFn: async () => siteRows(await client.sites.map.query()) });
  const [selectedSiteId, setSelectedSiteId] = useState<string | null>(null);
  const [focusFlowId, setFocusFlowId] = useState<string | null>(null);
  const [filters, setFilters] = useState<SiteFilters>({ text: '', country: '', sector: '' });
  const [layers, setLayers] = useState<LayerVisibility>({ sites: true, borders: true, plan: true, alternatives: true });
  const [fly, setFly] = useState<FlyRequest | null>(null);
  const [importOpen, setImportOpen] = useState(false);
  const [auditOpen, setAuditOpen] = useState(false);
  const search = useRef<SearchBoxHandle>(null);

  // Matching: the next run's query, the last run's (to explain scores), the list and the selection.
  const [leftTab, setLeftTab] = useState<LeftTab>('sites');
  const [matchQuery, setMatchQuery] = useState<MatchQuery>(() => stored<MatchQuery>(QUERY_KEY) ?? {});
  const [lastRun, setLastRun] = useState<MatchQuery | undefined>(() => stored<MatchQuery>(LAST_RUN_KEY));
  const [runDialog, setRunDialog] = useState<{ autoStart: boolean } | null>(null);
  const [matchFilters, setMatchFilters] = useState<MatchFilters>(NO_MATCH_FILTERS);
  const [selectedMatchId, setSelectedMatchId] = useState<string | null>(null);
  const defaults = useQuery({ queryKey: ['matching', 'defaults'], queryFn: () => client.matching.defaults.query(), staleTime: Infinity });
  const vocabulary = useQuery({ queryKey: ['meta', 'vocabulary'], queryFn: () => client.meta.vocabulary.query(), staleTime: Infinity });
  const summary = useQuery({ queryKey: ['matches', 'summary'], queryFn: () => client.matches.summary.query() });
  // The regional plan of the last run (null before the first): its totals head the lists and the suggestions.
  const plan = useQuery({ queryKey: PLAN_QUERY_KEY, queryFn: () => client.matching.plan.query() });
  const filter = useMemo(() => listFilter(matchFilters), [matchFilters]);
  // The map's lines of the same filtered list (its first MATCH_FETCH_LIMIT): ids and sites only,
  // placed by the map's own sites. The list asks for its pages itself (MatchList.tsx).
  const matchLines = useQuery({
    queryKey: ['matches', 'list', filter, 'lines'],
    queryFn: () => client.matches.lines.query({ ...filter, limit: MATCH_FETCH_LIMIT }),
    placeholderData: (previous) => previous,
  });

  // Suggestions (graph analytics over the stored matches): computed when the tab is open.
  const [radiusKm, setRadiusKm] = useState<number>(() => {
    const r = stored<number>(RADIUS_KEY);
    return CLUSTER_RADII.some((x) => x === r) ? r! : DEFAULT_CLUSTER_RADIUS;
  });
  const [suggestion, setSuggestion] = useState<SuggestionSelection | null>(null);
  const suggestions = useQuery({
    queryKey: ['analytics', 'suggestions', { radius_km: radiusKm }],
    queryFn: () => client.analytics.suggestions.query({ radius_km: radiusKm }),
    enabled: leftTab === 'suggestions',
    placeholderData: (previous) => previous,
  });
  const highlight = useMemo(
    () => (leftTab === 'suggestions' ? (highlightOf(suggestions.data, suggestion, sites.data) ?? null) : null),
    [leftTab, suggestions.data, suggestion, sites.data],
  );
  const selectSuggestion = useCallback(
    (selection: SuggestionSelection | null) => {
      setSuggestion(selection);
      const h = highlightOf(suggestions.data, selection, sites.data);
      const bounds = h && highlightBounds(h);
      // Clear of the map's legend (bottom left, 250 px wide) and the score legend (top).
      if (bounds) setFly({ bounds, padding: { top: 70, right: 70, bottom: 50, left: 290 }, seq: Date.now() });
    },
    [suggestions.data, sites.data],
  );

  const updateQuery = useCallback((q: MatchQuery) => {
    setMatchQuery(q);
    store(QUERY_KEY, q);
  }, []);

  const selectMatch = useCallback((match: ListedMatch, options: { fit?: boolean } = {}) => {
    setSelectedMatchId(match.id);
    if (options.fit) {
      setFly({
        siteId: match.supply.site_id,
        bounds: [
          [match.supply.lon, match.supply.lat],
          [match.demand.lon, match.demand.lat],
        ],
        seq: Date.now(),
      });
    }
  }, []);

  const legend = useMemo(() => sectorLegend(sites.data ?? []), [sites.data]);
  const filtered = useMemo(() => {
    const all = sites.data ?? [];
    const text = filters.text.trim().toLocaleLowerCase();
    return [...all].sort((a, b) => a.name.localeCompare(b.name)).filter(
      (s) =>
        (!filters.country || s.country === filters.country) &&
        (!filters.sector || (filters.sector === '\u0000' ? !legend.entries.some((e) => e.sector === s.sector) : s.sector === filters.sector)) &&
        (!text || s.name.toLocaleLowerCase().includes(text) || s.organization_name.toLocaleLowerCase().includes(text)),
    );
  }, [sites.data, filters, legend]);

  const openSite = useCallback((siteId: string, options: { fly?: boolean; flowId?: string } = {}) => {
    setSelectedMatchId(null);
    setSelectedSiteId(siteId);
    setFocusFlowId(options.flowId ?? null);
    if (options.fly) setFly({ siteId, seq: Date.now() });
  }, []);

  const chooseHit = useCallback(
    (hit: SearchHit) => {
      if (hit.site_id) {
        setSelectedMatchId(null);
        setSelectedSiteId(hit.site_id);
        setFocusFlowId(hit.kind === 'flow' ? hit.id : null);
        if (hit.lat !== null && hit.lon !== null) setFly({ siteId: hit.site_id, lat: hit.lat, lon: hit.lon, seq: Date.now() });
      }
    },
    [],
  );

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      const typing = !!target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
      if (event.key === '/' && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        search.current?.focus();
      } else if (event.key === 'Escape' && !event.defaultPrevented) {
        if (importOpen) setImportOpen(false);
        else if (runDialog) setRunDialog(null);
        else if (selectedMatchId) setSelectedMatchId(null);
        else if (selectedSiteId) {
          setSelectedSiteId(null);
          setFocusFlowId(null);
        } else if (leftTab === 'suggestions' && suggestion) setSuggestion(null);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [importOpen, selectedSiteId, selectedMatchId, runDialog, leftTab, suggestion]);

  const counts = info.data?.counts;
  const infoProblem = info.error ? apiProblem(info.error) : undefined;

  if (infoProblem) {
    const unauthorised = infoProblem.httpStatus === 401 || /token/i.test(infoProblem.message);
    return (
      <div className="fullscreen-message" data-testid="connection-error">
        <h1>Turash Field</h1>
        {unauthorised ? (
          <p>
            The local host refused the access token (it changes every time the host starts). Open the URL that{' '}
            <code>turash serve</code> printed most recently.
          </p>
        ) : (
          <p>The application cannot reach its local database: {infoProblem.message}</p>
        )}
        <button type="button" className="btn" onClick={() => void info.refetch()}>
          Try again
        </button>
      </div>
    );
  }

  return (
    <div className={`shell ${selectedSiteId || selectedMatchId ? 'with-detail' : ''} ${selectedMatchId ? 'with-match' : ''} ${leftTab === 'matches' ? 'tab-matches' : ''} ${leftTab === 'suggestions' ? 'tab-suggestions' : ''}`}>
      <header className="app-header">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          <span className="brand-name">Turash Field</span>
          {info.data && <span className="brand-version">v{info.data.version}</span>}
        </div>
        <div className="counts" data-testid="counts" title={info.data ? `Database: ${info.data.database}` : undefined}>
          {counts ? (
            <>
              <Count value={counts.organizations} label="organizations" />
              <Count value={counts.sites} label="sites" />
              <Count value={counts.flows} label="flows" />
              <span className="count-split">
                <span className="dir supply">{formatCount(counts.supply)} supply</span>
                <span className="dir demand">{formatCount(counts.demand)} demand</span>
              </span>
            </>
          ) : (
            <span className="muted">Loading…</span>
          )}
        </div>
        <SearchBox ref={search} onChoose={chooseHit} />
        <div className="btn-group" role="group" aria-label="Matching">
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => setRunDialog({ autoStart: true })}
            disabled={!counts || counts.flows === 0}
            title="Re-match every flow of the portfolio with the current weights"
            data-testid="run-matching"
          >
            Run matching
          </button>
          <button type="button" className="btn btn-primary btn-icon" onClick={() => setRunDialog({ autoStart: false })} title="Weights and limits…" aria-label="Matching weights and limits" data-testid="matching-weights">
            ⚙
          </button>
        </div>
        <WorkflowBar
          onOpenMatch={(id) => {
            setSelectedMatchId(id);
            setLeftTab('matches');
          }}
        />
        <SyncStatus />
        <UpdateStatus />
        <button type="button" className="btn" onClick={() => setAuditOpen(true)} title="Devices, live values and recordings of a site" data-testid="field-open">
          Site audit
        </button>
        <button type="button" className="btn btn-primary" onClick={() => setImportOpen(true)} data-testid="import-button">
          Import…
        </button>
      </header>
      <aside className="left-panel">
        <div className="tabs" role="tablist">
          <button type="button" role="tab" aria-selected={leftTab === 'sites'} className={leftTab === 'sites' ? 'active' : ''} onClick={() => setLeftTab('sites')} data-testid="tab-sites">
            Sites <span className="muted">{sites.data ? formatCount(sites.data.length) : ''}</span>
          </button>
          <button type="button" role="tab" aria-selected={leftTab === 'matches'} className={leftTab === 'matches' ? 'active' : ''} onClick={() => setLeftTab('matches')} data-testid="tab-matches">
            Matches <span className="muted">{summary.data ? formatCount(summary.data.total) : ''}</span>
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={leftTab === 'suggestions'}
            className={leftTab === 'suggestions' ? 'active' : ''}
            onClick={() => setLeftTab('suggestions')}
            data-testid="tab-suggestions"
            title="Heat cascades, service clusters and the exchange network"
          >
            Suggestions
          </button>
        </div>
        {leftTab === 'suggestions' ? (
          <SuggestionsPanel
            data={suggestions.data}
            loading={suggestions.isPending}
            error={suggestions.error ? apiProblem(suggestions.error).message : undefined}
            storedMatches={summary.data?.total}
            canRun={!!counts && counts.flows > 0}
            radiusKm={radiusKm}
            onRadius={(km) => {
              setRadiusKm(km);
              store(RADIUS_KEY, km);
              if (suggestion?.kind === 'cluster') setSuggestion(null);
            }}
            selection={suggestion}
            onSelect={selectSuggestion}
            onOpenSite={(id) => openSite(id, { fly: true })}
            onRun={() => setRunDialog({ autoStart: true })}
            plan={plan.data}
          />
        ) : leftTab === 'matches' ? (
          <MatchList
            filters={matchFilters}
            onFilters={setMatchFilters}
            flowTypes={vocabulary.data?.flowTypes ?? []}
            selectedMatchId={selectedMatchId}
            onSelect={(m) => selectMatch(m, { fit: true })}
            onRun={() => setRunDialog({ autoStart: true })}
            storedTotal={summary.data?.total}
            plan={plan.data}
          />
        ) : (
        <SiteList
          sites={sites.data}
          loading={sites.isPending}
          error={sites.error ? apiProblem(sites.error).message : undefined}
          filtered={filtered}
          filters={filters}
          onFilters={setFilters}
          legend={legend}
          selectedSiteId={selectedSiteId}
          onSelect={(id) => openSite(id, { fly: true })}
          onImport={() => setImportOpen(true)}
        />
        )}
      </aside>
      <main className="map-area">
        <MapView
          sites={sites.data}
          visibleSites={filtered}
          legend={legend}
          layers={layers}
          onLayers={setLayers}
          selectedSiteId={selectedSiteId}
          onSelectSite={(id) => openSite(id)}
          fly={fly}
          matches={matchLines.data?.items}
          planExists={plan.data === undefined ? undefined : plan.data !== null}
          onRun={() => setRunDialog({ autoStart: true })}
          highlight={highlight}
          selectedMatchId={selectedMatchId}
          onSelectMatch={(id) => {
            setSelectedMatchId(id);
            setLeftTab('matches');
          }}
          attribution={info.data?.attribution}
          loading={sites.isPending}
          onImport={() => setImportOpen(true)}
        />
      </main>
      {selectedMatchId && (
        <aside className="right-panel">
          <MatchDetail
            key={selectedMatchId}
            matchId={selectedMatchId}
            weights={weightsOf(lastRun ?? {}, defaults.data)}
            weightsKnown={lastRun !== undefined}
            onClose={() => setSelectedMatchId(null)}
            onShowOnMap={(m) => selectMatch(m, { fit: true })}
            onOpenSite={(siteId, flowId) => openSite(siteId, { fly: true, flowId })}
            onOpenMatch={(id) => {
              setSelectedMatchId(id);
              setLeftTab('matches');
            }}
            onRun={() => setRunDialog({ autoStart: true })}
          />
        </aside>
      )}
      {selectedSiteId && !selectedMatchId && (
        <aside className="right-panel">
          <DetailPanel
            key={selectedSiteId}
            siteId={selectedSiteId}
            focusFlowId={focusFlowId}
            legend={legend}
            onClose={() => {
              setSelectedSiteId(null);
              setFocusFlowId(null);
            }}
            onFlyTo={() => setFly({ siteId: selectedSiteId, seq: Date.now() })}
          />
        </aside>
      )}
      {importOpen && <ImportDialog onClose={() => setImportOpen(false)} />}
      {auditOpen && <FieldAudit initialSiteId={selectedSiteId} onClose={() => setAuditOpen(false)} />}
      {runDialog && (
        <MatchRunDialog
          query={matchQuery}
          onQuery={updateQuery}
          autoStart={runDialog.autoStart}
          onRan={(q) => {
            setLastRun(q);
            store(LAST_RUN_KEY, q);
          }}
          onShowMatches={() => {
            setRunDialog(null);
            setLeftTab('matches');
          }}
          onClose={() => setRunDialog(null)}
        />
      )}
    </div>
  );
}

function Count({ value, label }: { value: number; label: string }) {
  return (
    <span className="count">
      <b>{formatCount(value)}</b> {label}
    </span>
  );
}
