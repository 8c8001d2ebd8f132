/**
 * The device's points with their latest value, quality and source time, updated by a subscription
 * (field.watchValues pushes batches); binding each point to a flow of the site with a role; the
 * trend of the selected point.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { apiProblem, client } from '../api.ts';
import { formatTime, formatValue, ROLES, type LiveValue, type Point, type Role, type TrendSeries } from './model.ts';
import { TrendChart } from './TrendChart.tsx';

const TREND_LENGTH = 600;
type Flow = { id: string; name: string; direction: string; type: string };

export function LiveValues({ deviceId, points, flows, connected, onChanged }: { deviceId: string; points: Point[]; flows: Flow[]; connected: boolean; onChanged: () => void }) {
  const queryClient = useQueryClient();
  const [values, setValues] = useState<Record<string, LiveValue>>({});
  const [trends, setTrends] = useState<Record<string, TrendSeries>>({});
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const initial = useQuery({ queryKey: ['field', 'values', deviceId, points.length], queryFn: () => client.field.values.query({ device_id: deviceId }), enabled: connected });

  useEffect(() => {
    if (!initial.data) return;
    setValues(Object.fromEntries(initial.data.values.map((v) => [v.point_id, v])));
    setTrends(Object.fromEntries(initial.data.trend.map((t) => [t.point_id, t])));
  }, [initial.data]);

  useEffect(() => {
    if (!connected) return;
    const sub = client.field.watchValues.subscribe(
      { device_id: deviceId },
      {
        onData: (batch) => {
          setValues((all) => ({ ...all, ...Object.fromEntries(batch.map((v) => [v.point_id, v])) }));
          setTrends((all) => {
            const next = { ...all };
            for (const v of batch) {
              const s = next[v.point_id] ?? { point_id: v.point_id, t: [], v: [] };
              if (s.t.length && v.source_ms <= s.t[s.t.length - 1]!) continue;
              next[v.point_id] = { point_id: v.point_id, t: [...s.t, v.source_ms].slice(-TREND_LENGTH), v: [...s.v, v.quality === 'bad' ? null : v.value].slice(-TREND_LENGTH) };
            }
            return next;
          });
        },
        onError: (e) => setError(apiProblem(e).message),
      },
    );
    return () => sub.unsubscribe();
  }, [deviceId, connected]);

  const bind = async (point: Point, flowId: string, role: Role) => {
    setError(null);
    try {
      if (flowId) await client.field.points.bind.mutate({ flow_id: flowId, bindings: [{ point_id: point.id, role }] });
      else await client.field.points.unbind.mutate({ point_ids: [point.id] });
      onChanged();
      void queryClient.invalidateQueries({ queryKey: ['field', 'measured'] });
    } catch (e) {
      setError(apiProblem(e).message);
    }
  };

  const remove = async (point: Point) => {
    try {
      await client.field.points.delete.mutate({ id: point.id });
      onChanged();
    } catch (e) {
      setError(apiProblem(e).message);
    }
  };

  const chosen = points.find((p) => p.id === selected) ?? points[0];
  return (
    <section className="card" data-testid="field-live">
      <div className="eyebrow">Live values</div>
      {error && <div className="field-error">{error}</div>}
      {points.length === 0 ? (
        <p className="muted" data-testid="field-no-points">
          No points yet: add variables from the {connected ? 'tree on the left' : 'device once connected'}.
        </p>
      ) : (
        <table className="live-table">
          <thead>
            <tr>
              <th>point</th>
              <th>value</th>
              <th>unit</th>
              <th>quality</th>
              <th>source time</th>
              <th>flow and role</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {points.map((p) => {
              const v = values[p.id];
              return (
                <tr key={p.id} className={chosen?.id === p.id ? 'selected' : ''} onClick={() => setSelected(p.id)} data-testid={`field-point-${p.name}`}>
                  <td title={p.address}>{p.name}</td>
                  <td className="num" data-testid="field-value">
                    {connected ? formatValue(v?.value) : '—'}
                  </td>
                  <td>{p.unit ?? ''}</td>
                  <td>{v && connected ? <span className={`quality ${v.quality}`} title={v.status}>{v.quality}</span> : <span className="muted">—</span>}</td>
                  <td>{connected ? formatTime(v?.source_ms) : '—'}</td>
                  <td onClick={(e) => e.stopPropagation()}>
                    <Binding point={p} flows={flows} onBind={(flowId, role) => void bind(p, flowId, role)} />
                  </td>
                  <td onClick={(e) => e.stopPropagation()}>
                    <button type="button" className="icon-btn" style={{ fontSize: 16 }} title="Remove this point" aria-label={`Remove ${p.name}`} onClick={() => void remove(p)}>
                      ×
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {chosen && connected && <TrendChart series={trends[chosen.id] ?? { point_id: chosen.id, t: [], v: [] }} label={chosen.name} unit={chosen.unit} />}
    </section>
  );
}

function Binding({ point, flows, onBind }: { point: Point; flows: Flow[]; onBind: (flowId: string, role: Role) => void }) {
  const [flowId, setFlowId] = useState(point.flow_id ?? '');
  const [role, setRole] = useState<Role>((point.role as Role | undefined) ?? 'power');
  useEffect(() => {
    setFlowId(point.flow_id ?? '');
    if (point.role) setRole(point.role as Role);
  }, [point.flow_id, point.role]);
  const dirty = flowId !== (point.flow_id ?? '') || (!!flowId && role !== point.role);
  return (
    <span className="point-binding">
      <select value={flowId} onChange={(e) => setFlowId(e.target.value)} aria-label={`Flow of ${point.name}`} data-testid="field-bind-flow">
        <option value="">not bound</option>
        {flows.map((f) => (
          <option key={f.id} value={f.id}>
            {f.name} ({f.direction} {f.type})
          </option>
        ))}
      </select>
      <select value={role} onChange={(e) => setRole(e.target.value as Role)} disabled={!flowId} aria-label={`Role of ${point.name}`} data-testid="field-bind-role">
        {ROLES.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
      {dirty && (
        <button type="button" className="btn btn-small" onClick={() => onBind(flowId, role)} data-testid="field-bind-save">
          {flowId ? 'Bind' : 'Unbind'}
        </button>
      )}
    </span>
  );
}
