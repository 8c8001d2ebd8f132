/**
 * One device: its status and counters, connect / disconnect, recording, the certificate decision,
 * what it offers (OPC UA browse tree, Modbus profile points and register scan) and its live values.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { apiProblem, client } from '../api.ts';
import { BrowseTree } from './BrowseTree.tsx';
import { CertificateDialog } from './CertificateDialog.tsx';
import { LiveValues } from './LiveValues.tsx';
import { MeasuredPanel } from './MeasuredPanel.tsx';
import { formatTime, statusText, type DeviceEntry, type DeviceState } from './model.ts';
import { RegisterScan } from './RegisterScan.tsx';

type Flow = { id: string; name: string; direction: string; type: string; precision?: string | undefined };

export function DevicePanel({ entry, state, flows }: { entry: DeviceEntry; state: DeviceState | undefined; flows: Flow[] }) {
  const { device, points } = entry;
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [password, setPassword] = useState('');
  const [certificateDismissed, setCertificateDismissed] = useState<string | null>(null);
  const connected = !!state?.connected;
  const needsPassword = !!(device.config as { userName?: string } | undefined)?.userName;
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['field', 'devices', device.site_id] });

  const act = async (work: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (e) {
      setError(apiProblem(e).message);
    } finally {
      setBusy(false);
      refresh();
    }
  };

  const connect = () =>
    act(async () => {
      const result = await client.field.connect.mutate({ device_id: device.id, ...(password ? { password } : {}) });
      if (result.error) setError(result.error);
      setCertificateDismissed(null);
    });

  const counters = state?.status?.counters;
  const certificate = state?.certificate && state.certificate.thumbprint !== certificateDismissed ? state.certificate : null;

  return (
    <>
      <section className="card field-status" data-testid="field-device-panel">
        <div style={{ flex: '1 1 260px', minWidth: 0 }}>
          <div className="eyebrow">{device.protocol}</div>
          <b>{device.name}</b> <code className="muted">{device.endpoint}</code>
        </div>
        <span className="badge" data-testid="field-status">
          {statusText(state)}
        </span>
        {state?.status?.reason && state.status.state !== 'connected' && <span className="muted">{state.status.reason}</span>}
        {!connected && needsPassword && (
          <input type="password" placeholder="Password" value={password} onChange={(e) => setPassword(e.target.value)} aria-label="Password" style={{ width: 140 }} />
        )}
        {connected ? (
          <button type="button" className="btn" onClick={() => void act(() => client.field.disconnect.mutate({ device_id: device.id }))} disabled={busy} data-testid="field-disconnect">
            Disconnect
          </button>
        ) : (
          <button type="button" className="btn btn-primary" onClick={() => void connect()} disabled={busy} data-testid="field-connect">
            {busy ? 'Connecting…' : 'Connect'}
          </button>
        )}
        {connected &&
          (state?.recording ? (
            <button type="button" className="btn" onClick={() => void act(() => client.field.recording.stop.mutate({ device_id: device.id }))} disabled={busy} data-testid="field-record-stop">
              ■ Stop recording
            </button>
          ) : (
            <button
              type="button"
              className="btn btn-primary"
              onClick={() => void act(() => client.field.recording.start.mutate({ device_id: device.id }))}
              disabled={busy || points.length === 0}
              title={points.length === 0 ? 'Add points first' : 'Record every point of this device into the database'}
              data-testid="field-record-start"
            >
              ● Record
            </button>
          ))}
        {state?.recording && (
          <span className="badge" data-testid="field-recording">
            recording since {formatTime(state.recording.started_ms)}: {state.recording.samples} samples committed
          </span>
        )}
        {state?.recording?.error && <span className="field-error">{state.recording.error}</span>}
        {counters && (
          <div className="counters" style={{ flexBasis: '100%' }} data-testid="field-counters">
            <span>
              requests <b>{counters.requests}</b>
            </span>
            <span>
              responses <b>{counters.responses}</b>
            </span>
            <span>
              timeouts <b>{counters.timeouts}</b>
            </span>
            <span>
              protocol errors <b>{counters.protocolErrors}</b>
            </span>
            <span>
              reconnects <b>{counters.reconnects}</b>
            </span>
            <span>
              samples <b>{counters.samples}</b>
            </span>
            <span>
              last good value <b>{formatTime(counters.lastGoodMs)}</b>
            </span>
          </div>
        )}
        {error && !certificate && (
          <div className="field-error" style={{ flexBasis: '100%' }} data-testid="field-error">
            {error}
          </div>
        )}
      </section>
      {certificate && (
        <CertificateDialog
          thumbprint={certificate.thumbprint}
          message={certificate.message}
          onDecided={(trusted) => {
            setCertificateDismissed(certificate.thumbprint);
            setError(null);
            if (trusted) void connect();
          }}
          onClose={() => setCertificateDismissed(certificate.thumbprint)}
        />
      )}
      <div className="field-grid">
        <section className="card">
          <div className="eyebrow">{device.protocol === 'opcua' ? 'Address space' : 'Registers'}</div>
          {!connected ? (
            <p className="muted">Connect to browse what the device offers.</p>
          ) : device.protocol === 'opcua' || device.profile ? (
            <BrowseTree deviceId={device.id} points={points} onAdded={refresh} />
          ) : null}
          {connected && (device.protocol === 'modbus-tcp' || device.protocol === 'modbus-rtu') && <RegisterScan deviceId={device.id} onAdded={refresh} />}
        </section>
        <div style={{ display: 'flex', flexDirection: 'column', gap: 12, minWidth: 0 }}>
          <LiveValues deviceId={device.id} points={points} flows={flows} connected={connected} onChanged={refresh} />
          <MeasuredPanel points={points} flows={flows} recording={!!state?.recording} />
        </div>
      </div>
    </>
  );
}
