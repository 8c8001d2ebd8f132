/**
 * The right panel: one site with its organization and flows. Each flow can be opened in the
 * editor (FlowEditor) in place.
 */
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { apiProblem, client, type FlowRecord } from '../api.ts';
import { keys } from '../cache/keys.ts';
import { formatCoordinate, formatExact, formatNumber, formatRange, label } from '../format.ts';
import type { SectorLegend } from '../map/sectors.ts';
import { FlowEditor } from './FlowEditor.tsx';
import { RecordHistory } from '../sync/RecordHistory.tsx';

interface Props {
  siteId: string;
  focusFlowId: string | null;
  legend: SectorLegend;
  onClose(): void;
  onFlyTo(): void;
}

export function DetailPanel({ siteId, focusFlowId, legend, onClose, onFlyTo }: Props) {
  const detail = useQuery({ queryKey: keys.sites.get(siteId), queryFn: () => client.sites.get.query({ id: siteId }) });
  const [editing, setEditing] = useState<string | null>(focusFlowId);
  const focused = useRef<HTMLLIElement>(null);
  useEffect(() => setEditing(focusFlowId), [focusFlowId]);
  useEffect(() => {
    if (focusFlowId && detail.data) focused.current?.scrollIntoView({ block: 'nearest' });
  }, [focusFlowId, detail.data]);

  return (
    <div className="detail" data-testid="detail-panel">
      <div className="detail-head">
        <div>
          <div className="eyebrow">Site</div>
          <h2 data-testid="detail-title">{detail.data?.site.name ?? (detail.isPending ? 'Loading…' : 'Site')}</h2>
        </div>
        <div className="detail-actions">
          <button type="button" className="btn btn-small" onClick={onFlyTo} title="Centre the map on this site">
            Show on map
          </button>
          <button type="button" className="icon-btn" onClick={onClose} aria-label="Close detail (Esc)" title="Close (Esc)" data-testid="detail-close">
            ×
          </button>
        </div>
      </div>
      {detail.isPending ? (
        <div className="detail-body">
          <div className="skeleton-block" />
          <div className="skeleton-block" />
        </div>
      ) : detail.error ? (
        <div className="detail-body">
          <div className="empty error">
            {apiProblem(detail.error).code === 'NOT_FOUND' ? 'This site no longer exists (deleted or re-imported).' : apiProblem(detail.error).message}
          </div>
        </div>
      ) : (
        <div className="detail-body">
          <section className="card">
            <h3>Organization</h3>
            <dl className="kv">
              <dt>Name</dt>
              <dd data-testid="org-name">{detail.data.organization.name}</dd>
              <dt>Sector</dt>
              <dd>
                <span className="dot" style={{ background: legend.colorOf(detail.data.organization.sector) }} />
                {detail.data.organization.sector ?? '–'}
              </dd>
              <dt>NACE</dt>
              <dd className="mono">{detail.data.organization.nace ?? '–'}</dd>
              <dt>Trust</dt>
              <dd>
                <TrustBar value={detail.data.organization.trust} />
              </dd>
              <dt>Sharing</dt>
              <dd>
                {detail.data.organization.sharing ? (
                  <span className={`badge sharing-${detail.data.organization.sharing}`}>{detail.data.organization.sharing}</span>
                ) : (
                  <span className="muted">default (partners)</span>
                )}
              </dd>
              {detail.data.organization.readiness !== undefined && (
                <>
                  <dt>Readiness</dt>
                  <dd>{detail.data.organization.readiness} / 5</dd>
                </>
              )}
              {detail.data.organization.employees !== undefined && (
                <>
                  <dt>Employees</dt>
                  <dd>{formatNumber(detail.data.organization.employees)}</dd>
                </>
              )}
            </dl>
          </section>
          <section className="card">
            <h3>Site</h3>
            <dl className="kv">
              <dt>Address</dt>
              <dd>{detail.data.site.address ?? '–'}</dd>
              <dt>Country</dt>
              <dd>{detail.data.site.country}</dd>
              <dt>Coordinates</dt>
              <dd className="mono" data-testid="site-coordinates">
                {formatCoordinate(detail.data.site.lat, detail.data.site.lon)}
              </dd>
              {detail.data.site.kind && (
                <>
                  <dt>Kind</dt>
                  <dd>{label(detail.data.site.kind)}</dd>
                </>
              )}
              <dt>Id</dt>
              <dd className="mono muted">{detail.data.site.id}</dd>
            </dl>
          </section>
          <section className="card flows">
            <h3>
              Flows <span className="muted">{detail.data.flows.length}</span>
            </h3>
            {detail.data.flows.length === 0 ? (
              <p className="muted">No flows recorded at this site yet.</p>
            ) : (
              <ul className="flow-list">
                {detail.data.flows.map((flow) => (
                  <li key={flow.id} ref={flow.id === focusFlowId ? focused : undefined} className={flow.id === editing ? 'editing' : ''}>
                    <FlowSummary flow={flow} onEdit={() => setEditing(editing === flow.id ? null : flow.id)} editing={editing === flow.id} />
                    {editing === flow.id && (
                      <>
                        <FlowEditor flow={flow} onDone={() => setEditing(null)} />
                        <RecordHistory key={`flow-${flow.id}`} entity="flow" id={flow.id} />
                      </>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <RecordHistory key={`site-${siteId}`} entity="site" id={siteId} />
          <RecordHistory key={`organization-${detail.data.organization.id}`} entity="organization" id={detail.data.organization.id} />
        </div>
      )}
    </div>
  );
}

function TrustBar({ value }: { value: number | undefined }) {
  if (value === undefined) return <span className="muted">default (0.8)</span>;
  return (
    <span className="trust">
      <span className="trust-bar">
        <span style={{ width: `${Math.round(value * 100)}%` }} />
      </span>
      {value.toFixed(2)}
    </span>
  );
}

export function FlowSummary({ flow, onEdit, editing }: { flow: FlowRecord; onEdit(): void; editing: boolean }) {
  const t = flow.quality?.temperature_c;
  const sameUnit = flow.canonical.unit === flow.quantity.unit;
  const provenance = flow.provenance;
  return (
    <div className="flow" data-testid="flow" data-id={flow.id}>
      <div className="flow-top">
        <span className={`badge dir-${flow.direction}`}>{flow.direction === 'supply' ? 'Supply ↑' : 'Demand ↓'}</span>
        <span className="badge type">{label(flow.type)}</span>
        <span className="flow-name" data-testid="flow-name">
          {flow.name}
        </span>
        <button type="button" className="btn btn-small" onClick={onEdit} aria-expanded={editing} data-testid="flow-edit">
          {editing ? 'Close' : 'Edit'}
        </button>
      </div>
      <div className="flow-facts">
        <span className="quantity" data-testid="flow-quantity">
          <b>{formatExact(flow.quantity.amount)}</b> {flow.quantity.unit}
          {!sameUnit && (
            <span className="muted canonical" title="Canonical value used for matching">
              {' '}
              = {formatNumber(flow.canonical.amount)} {flow.canonical.unit}
            </span>
          )}
        </span>
        <span className={`badge precision-${flow.precision ?? 'estimated'}`} title="Data precision">
          {flow.precision ?? 'estimated'}
        </span>
        {t && (t.min !== undefined || t.max !== undefined) && (
          <span className="temp" data-testid="flow-temperature">
            {formatRange(t.min, t.max, '°C')}
          </span>
        )}
        {flow.status && flow.status !== 'active' && <span className="badge status">{flow.status}</span>}
        {provenance?.synthetic && (
          <span className="badge synthetic" data-testid="synthetic-badge" title="Made up for the demo portfolio; not a real company's data">
            synthetic (demo data)
          </span>
        )}
      </div>
      {provenance && (
        <div className="flow-prov muted">
          {label(provenance.kind)}
          {provenance.source ? ` · ${provenance.source}` : ''}
          {provenance.recorded_at ? ` · ${provenance.recorded_at.slice(0, 10)}` : ''}
          {provenance.sample_count !== undefined ? ` · ${formatNumber(provenance.sample_count)} samples` : ''}
          {provenance.coverage !== undefined ? ` · ${Math.round(provenance.coverage * 100)} % coverage` : ''}
        </div>
      )}
    </div>
  );
}
