/**
 * Site audit: a site's devices, connecting to them, what they measure live, binding points to the
 * site's flows and recording. A full-window workspace opened from the header ("Site audit").
 *
 * Device states arrive through one subscription (field.watchStates); values through one per open
 * device (field.watchValues, in LiveValues).
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { apiProblem, client } from '../api.ts';
import { keys } from '../cache/keys.ts';
import { DeviceDialog } from './DeviceDialog.tsx';
import { DevicePanel } from './DevicePanel.tsx';
import './field.css';
import type { DeviceState } from './model.ts';
import { statusText } from './model.ts';

export function FieldAudit({ onClose, initialSiteId }: { onClose: () => void; initialSiteId?: string | null }) {
  const queryClient = useQueryClient();
  const [siteId, setSiteId] = useState<string | null>(initialSiteId ?? null);
  const [siteQuery, setSiteQuery] = useState('');
  const [deviceId, setDeviceId] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const [states, setStates] = useState<Record<string, DeviceState>>({});
  const [demo, setDemo] = useState<{ busy: boolean; error?: string; endpoints?: string[] }>({ busy: false });

  const info = useQuery({ queryKey: ['field', 'info'], queryFn: () => client.field.info.query() });
  const demoStatus = useQuery({ queryKey: ['field', 'demo'], queryFn: () => client.field.demo.status.query() });
  const sites = useQuery({ queryKey: ['field', 'sites', siteQuery], queryFn: () => client.sites.list.query({ query: siteQuery || undefined, limit: 30 }) });
  const site = useQuery({ queryKey: keys.sites.get(siteId ?? ''), queryFn: () => client.sites.get.query({ id: siteId! }), enabled: !!siteId });
  const devices = useQuery({ queryKey: ['field', 'devices', siteId], queryFn: () => client.field.devices.list.query({ site_id: siteId! }), enabled: !!siteId });

  useEffect(() => {
    const sub = client.field.watchStates.subscribe(undefined, {
      onData: (state) => setStates((all) => ({ ...all, [state.device_id]: state })),
    });
    return () => sub.unsubscribe();
  }, []);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !adding && !document.querySelector('.modal-backdrop')) onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [adding, onClose]);

  const startDemo = async () => {
    setDemo({ busy: true });
    try {
      const result = await client.field.demo.start.mutate();
      setDemo({ busy: false, endpoints: result.endpoints, ...(result.problems.length ? { error: result.problems.join('\n') } : {}) });
      setSiteId(result.site_id);
      setDeviceId(result.device_ids[0] ?? null);
      void queryClient.invalidateQueries({ queryKey: ['field'] });
      void queryClient.invalidateQueries({ queryKey: ['meta'] });
      void queryClient.invalidateQueries({ queryKey: ['sites'] });
    } catch (error) {
      setDemo({ busy: false, error: apiProblem(error).message });
    }
  };

  const entries = devices.data ?? [];
  const selected = entries.find((e) => e.device.id === deviceId) ?? null;
  const stateOf = (id: string) => states[id] ?? entries.find((e) => e.device.id === id)?.state ?? undefined;

  return (
    <div className="field-audit" role="dialog" aria-label="Site audit" data-testid="field-audit">
      <header className="field-head">
        <h2>Site audit</h2>
        <span className="muted">{site.data ? `${site.data.site.name} · ${site.data.organization.name}` : 'choose a site'}</span>
        <span className="spacer" />
        <button type="button" className="btn" onClick={onClose} data-testid="field-close">
          Back to the map
        </button>
      </header>
      <aside className="field-side">
        <section>
          <b>Demo plant</b>
          <span className="muted">
            Starts a simulated plant (an OPC UA server, and a Modbus meter when available) inside this app on 127.0.0.1 and adds its devices to the site
            “Demo plant (simulated)”. Its values are made up.
          </span>
          <button type="button" className="btn" onClick={() => void startDemo()} disabled={demo.busy} data-testid="field-demo-start">
            {demo.busy ? 'Starting…' : demoStatus.data || demo.endpoints ? 'Show the demo plant' : 'Start demo plant'}
          </button>
          {(demo.endpoints ?? demoStatus.data?.endpoints)?.map((e) => (
            <code key={e} className="muted">
              {e}
            </code>
          ))}
          {demo.error && <div className="field-error">{demo.error}</div>}
        </section>
        <section>
          <label className="field">
            <span>Site</span>
            <input type="search" placeholder="Search sites…" value={siteQuery} onChange={(e) => setSiteQuery(e.target.value)} data-testid="field-site-search" />
          </label>
          <select
            size={6}
            value={siteId ?? ''}
            onChange={(e) => {
              setSiteId(e.target.value || null);
              setDeviceId(null);
            }}
            aria-label="Site"
            data-testid="field-site-select"
          >
            {siteId && !sites.data?.items.some((s) => s.id === siteId) && site.data && <option value={siteId}>{site.data.site.name}</option>}
            {sites.data?.items.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name} ({s.organization_name})
              </option>
            ))}
          </select>
        </section>
        <section>
          <div className="panel-title" style={{ padding: 0 }}>
            Devices <button type="button" className="btn btn-small" onClick={() => setAdding(true)} disabled={!siteId} data-testid="field-add-device">Add device…</button>
          </div>
          {!siteId && <span className="muted">Choose a site to see its devices.</span>}
          {siteId && devices.isLoading && <span className="muted">Loading…</span>}
          {devices.error && <div className="field-error">{apiProblem(devices.error).message}</div>}
          {siteId && devices.data && entries.length === 0 && <span className="muted" data-testid="field-no-devices">No devices at this site yet: add one, or start the demo plant.</span>}
          <ul className="field-devices">
            {entries.map(({ device, points }) => {
              const state = stateOf(device.id);
              const failed = !!state?.status && state.status.state === 'disconnected' && !!state.status.reason;
              return (
                <li key={device.id}>
                  <button type="button" className={`field-device ${device.id === deviceId ? 'selected' : ''}`} onClick={() => setDeviceId(device.id)} data-testid={`field-device-${device.id}`}>
                    <span className={`state-dot ${state?.connected ? (state.status?.state ?? 'connected') : 'disconnected'} ${failed ? 'failed' : ''}`} />
                    <span>
                      {device.name} {state?.recording && <span className="badge">● recording</span>}
                    </span>
                    <small>
                      {statusText(state)} · {points.length} points · {device.endpoint}
                    </small>
                  </button>
                </li>
              );
            })}
          </ul>
        </section>
        {info.data && !info.data.passwordsPersistent && (
          <section>
            <span className="field-notice" data-testid="field-password-notice">
              Device passwords are kept in memory for this session only (no system keychain here); you enter them again after a restart.
            </span>
          </section>
        )}
      </aside>
      <main className="field-main">
        {selected && site.data ? (
          <DevicePanel key={selected.device.id} entry={selected} state={stateOf(selected.device.id)} flows={site.data.flows} />
        ) : (
          <div className="empty" data-testid="field-empty">
            <b>{siteId ? 'Choose a device' : 'Choose a site'}</b>
            <span>Connect to a plant's meters, see their values live, bind them to a flow and record them until the flow is measured.</span>
          </div>
        )}
      </main>
      {adding && siteId && (
        <DeviceDialog
          siteId={siteId}
          passwordsPersistent={info.data?.passwordsPersistent ?? false}
          onClose={() => setAdding(false)}
          onCreated={(id) => {
            setAdding(false);
            setDeviceId(id);
            void queryClient.invalidateQueries({ queryKey: ['field', 'devices', siteId] });
          }}
        />
      )}
    </div>
  );
}
