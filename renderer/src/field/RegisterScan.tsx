/**
 * Modbus is not browsable: scan a register range and see each register decoded in every format
 * (Modbus Poll's display formats), then add the right one as a point with its type and order.
 */
import { useState } from 'react';
import { apiProblem, client } from '../api.ts';
import { formatValue, type ScanResult } from './model.ts';

const FORMATS = ['int16', 'uint16', 'int32_ABCD', 'int32_CDAB', 'uint32_ABCD', 'uint32_CDAB', 'float32_ABCD', 'float32_CDAB', 'float32_BADC', 'float32_DCBA', 'float64_ABCD'] as const;

export function RegisterScan({ deviceId, onAdded }: { deviceId: string; onAdded: () => void }) {
  const [fc, setFc] = useState<3 | 4>(4);
  const [start, setStart] = useState('0');
  const [count, setCount] = useState('20');
  const [result, setResult] = useState<ScanResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const scan = async () => {
    setBusy(true);
    setError(null);
    try {
      setResult(await client.field.scan.mutate({ device_id: deviceId, function_code: fc, start: Number(start), count: Number(count) }));
    } catch (e) {
      setError(apiProblem(e).message);
    } finally {
      setBusy(false);
    }
  };

  const add = async (address: number, format: string) => {
    const [type, order] = format.split('_') as [string, string | undefined];
    try {
      await client.field.points.add.mutate({
        device_id: deviceId,
        points: [{ address: `${fc}:${address}`, name: `${fc === 4 ? 'Input' : 'Holding'} ${address} (${format})`, data_type: type as 'float32', ...(order ? { order: order as 'ABCD' } : {}) }],
      });
      onAdded();
    } catch (e) {
      setError(apiProblem(e).message);
    }
  };

  return (
    <div style={{ marginTop: 10 }} data-testid="field-scan">
      <div className="eyebrow">Register scan</div>
      <div className="form-actions" style={{ flexWrap: 'wrap' }}>
        <select value={fc} onChange={(e) => setFc(Number(e.target.value) as 3 | 4)} aria-label="Function code">
          <option value={4}>4 input registers</option>
          <option value={3}>3 holding registers</option>
        </select>
        <input value={start} onChange={(e) => setStart(e.target.value)} aria-label="Start register" style={{ width: 70 }} data-testid="field-scan-start" />
        <input value={count} onChange={(e) => setCount(e.target.value)} aria-label="Count" style={{ width: 50 }} />
        <button type="button" className="btn btn-small" onClick={() => void scan()} disabled={busy} data-testid="field-scan-run">
          {busy ? 'Scanning…' : 'Scan'}
        </button>
      </div>
      {error && <div className="field-error">{error}</div>}
      {result && (
        <div style={{ overflow: 'auto', maxHeight: 360 }}>
          {result.errors.map((e) => (
            <div key={e.start} className="field-error">
              registers {e.start}–{e.start + e.count - 1}: {e.message}
            </div>
          ))}
          <table className="scan-table">
            <thead>
              <tr>
                <th>register</th>
                <th>hex</th>
                {FORMATS.map((f) => (
                  <th key={f}>{f}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {result.registers.map((r) => (
                <tr key={r.address}>
                  <td>{r.address}</td>
                  <td>{r.hex}</td>
                  {FORMATS.map((f) => (
                    <td key={f} className="num">
                      <button type="button" className="link" title={`Add register ${r.address} as ${f}`} onClick={() => void add(r.address, f)}>
                        {formatValue(r.preview[f] ?? null)}
                      </button>
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
