/**
 * The application shell: header (name, database counts, search, import), the site list on the
 * left, the map in the centre and the detail panel on the right.
 *
 * Keyboard: "/" focuses the search, Esc closes the topmost thing (dialog, search results, detail).
 */
import { useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { apiProblem, client, transport, type SearchHit } from './api.ts';
import { DetailPanel } from './components/DetailPanel.tsx';
import { ImportDialog } from './components/ImportDialog.tsx';
import { SearchBox, type SearchBoxHandle } from './components/SearchBox.tsx';
import { SiteList, type SiteFilters } from './components/SiteList.tsx';
import { formatCount } from './format.ts';
import { MapView, type FlyRequest, type LayerVisibility } from './map/MapView.tsx';
import { sectorLegend } from './map/sectors.ts';

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
  const sites = useQuery({ queryKey: ['sites', 'map'], queryFn: () => client.sites.map.query() });
  const [selectedSiteId, setSelectedSiteId] = useState<string | null>(null);
  const [focusFlowId, setFocusFlowId] = useState<string | null>(null);
  const [filters, setFilters] = useState<SiteFilters>({ text: '', country: '', sector: '' });
  const [layers, setLayers] = useState<LayerVisibility>({ sites: true, borders: true });
  const [fly, setFly] = useState<FlyRequest | null>(null);
  const [importOpen, setImportOpen] = useState(false);
  const search = useRef<SearchBoxHandle>(null);

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
    setSelectedSiteId(siteId);
    setFocusFlowId(options.flowId ?? null);
    if (options.fly) setFly({ siteId, seq: Date.now() });
  }, []);

  const chooseHit = useCallback(
    (hit: SearchHit) => {
      if (hit.site_id) {
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
        else if (selectedSiteId) {
          setSelectedSiteId(null);
          setFocusFlowId(null);
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [importOpen, selectedSiteId]);

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
    <div className={`shell ${selectedSiteId ? 'with-detail' : ''}`}>
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
        <button type="button" className="btn btn-primary" onClick={() => setImportOpen(true)} data-testid="import-button">
          Import…
        </button>
      </header>
      <aside className="left-panel">
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
          attribution={info.data?.attribution}
          loading={sites.isPending}
          onImport={() => setImportOpen(true)}
        />
      </main>
      {selectedSiteId && (
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
