/**
 * The connect dialog: a device's endpoint, the OPC UA security mode and policy (offered from the
 * server's own endpoint list after "Discover"), user and password, or a Modbus profile.
 */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { apiProblem, client, type FieldProblem } from '../api.ts';
import { protocolOf, SECURITY_MODES, SECURITY_POLICIES } from './model.ts';
import { ProfileEditor } from './ProfileEditor.tsx';

type Discovered = Awaited<ReturnType<typeof client.field.discover.mutate>>;

export function DeviceDialog({ siteId, passwordsPersistent, onClose, onCreated }: { siteId: string; passwordsPersistent: boolean; onClose: () => void; onCreated: (id: string) => void }) {
  const [name, setName] = useState('');
  const [endpoint, setEndpoint] = useState('opc.tcp://');
  const [mode, setMode] = useState<(typeof SECURITY_MODES)[number]>('None');
  const [policy, setPolicy] = useState<string>('None');
  const [userName, setUserName] = useState('');
  const [password, setPassword] = useState('');
  const [profile, setProfile] = useState('');
  const [editingProfile, setEditingProfile] = useState(false);
  const [discovered, setDiscovered] = useState<Discovered | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ message: string; fields: FieldProblem[] } | null>(null);
  const protocol = protocolOf(endpoint);
  const profiles = useQuery({ queryKey: ['field', 'profiles'], queryFn: () => client.field.profiles.query(), enabled: protocol === 'modbus-tcp' || protocol === 'modbus-rtu' });

  const discover = async () => {
    setBusy(true);
    setError(null);
    try {
      setDiscovered(await client.field.discover.mutate({ endpoint }));
    } catch (e) {
      setError(apiProblem(e));
    } finally {
      setBusy(false);
    }
  };

  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const device = await client.field.devices.create.mutate({
        site_id: siteId,
        name: name.trim() || endpoint,
        endpoint: endpoint.trim(),
        ...(protocol === 'opcua' ? { config: { securityMode: mode, securityPolicy: policy, ...(userName ? { userName } : {}) } } : {}),
        ...(profile && protocol !== 'opcua' ? { profile } : {}),
        ...(userName && password ? { password } : {}),
      });
      onCreated(device.id);
    } catch (e) {
      setError(apiProblem(e));
      setBusy(false);
    }
  };

  const fieldError = (field: string) => error?.fields.find((f) => f.field === field)?.message;
  const offered = discovered?.filter((e) => e.securityMode === mode).map((e) => e.securityPolicy);

  return (
    <div className="modal-backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal" role="dialog" aria-label="Add device" data-testid="field-device-dialog" style={{ width: 'min(560px, 92vw)' }}>
        <div className="modal-head">
          <h2>Add device</h2>
          <button type="button" className="icon-btn" onClick={onClose} aria-label="Close">
            ×
          </button>
        </div>
        <div className="modal-body">
          <label className="field">
            <span>Name</span>
            <input value={name} onChange={(e) => setName(e.target.value)} placeholder="Heat meter, boiler house" data-testid="field-device-name" />
            {fieldError('name') && <span className="field-error">{fieldError('name')}</span>}
          </label>
          <label className="field">
            <span>Endpoint</span>
            <input value={endpoint} onChange={(e) => setEndpoint(e.target.value)} placeholder="opc.tcp://10.0.0.5:4840" data-testid="field-device-endpoint" />
            <span className="field-hint">opc.tcp://host:4840 · modbus-tcp://host:502?unit=1 · modbus-rtu:///dev/ttyUSB0?baud=9600 · serial:///dev/ttyUSB0?parser=dsmr</span>
            {fieldError('endpoint') && <span className="field-error">{fieldError('endpoint')}</span>}
          </label>
          {protocol === 'opcua' && (
            <>
              <div className="form-actions">
                <button type="button" className="btn btn-small" onClick={() => void discover()} disabled={busy} data-testid="field-discover">
                  Discover endpoints
                </button>
                {discovered && <span className="muted">{discovered.length} endpoints offered</span>}
              </div>
              <div className="field-row">
                <label className="field">
                  <span>Security mode</span>
                  <select value={mode} onChange={(e) => setMode(e.target.value as typeof mode)} data-testid="field-security-mode">
                    {SECURITY_MODES.map((m) => (
                      <option key={m} value={m} disabled={!!discovered && !discovered.some((d) => d.securityMode === m)}>
                        {m}
                      </option>
                    ))}
                  </select>
                </label>
                <label className="field">
                  <span>Security policy</span>
                  <select value={policy} onChange={(e) => setPolicy(e.target.value)} data-testid="field-security-policy">
                    {SECURITY_POLICIES.map((p) => (
                      <option key={p} value={p} disabled={!!offered && !offered.includes(p)}>
                        {p}
                      </option>
                    ))}
                  </select>
                </label>
              </div>
              <div className="field-row">
                <label className="field">
                  <span>User (empty: anonymous)</span>
                  <input value={userName} onChange={(e) => setUserName(e.target.value)} autoComplete="off" data-testid="field-user" />
                </label>
                <label className="field">
                  <span>Password</span>
                  <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" disabled={!userName} data-testid="field-password" />
                </label>
              </div>
              {userName && (
                <span className="field-hint">
                  {passwordsPersistent ? 'The password is kept in the system keychain, never in the database.' : 'The password is kept in memory for this session only, never in the database.'}
                </span>
              )}
            </>
          )}
          {(protocol === 'modbus-tcp' || protocol === 'modbus-rtu') && (
            <label className="field">
              <span>Profile (register map)</span>
              <select value={profile} onChange={(e) => setProfile(e.target.value)} data-testid="field-profile">
                <option value="">none: scan registers and add them by hand</option>
                {profiles.data?.profiles.map((p) => (
                  <option key={p.name} value={p.name}>
                    {p.name} {p.description ? `: ${p.description}` : ''}
                  </option>
                ))}
              </select>
              <button type="button" className="link" onClick={() => setEditingProfile(!editingProfile)} data-testid="profile-edit-toggle">
                {editingProfile ? 'Close the profile editor' : profile ? 'Edit this profile as your own…' : 'New profile…'}
              </button>
            </label>
          )}
          {editingProfile && (protocol === 'modbus-tcp' || protocol === 'modbus-rtu') && (
            <ProfileEditor
              key={profile}
              start={profiles.data?.profiles.find((p) => p.name === profile)}
              onSaved={(name) => {
                setProfile(name);
                setEditingProfile(false);
              }}
            />
          )}
          {error && error.fields.length === 0 && <div className="field-error">{error.message}</div>}
        </div>
        <div className="modal-foot">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn btn-primary" onClick={() => void save()} disabled={busy || !protocol} data-testid="field-device-save">
            Add device
          </button>
        </div>
      </div>
    </div>
  );
}
