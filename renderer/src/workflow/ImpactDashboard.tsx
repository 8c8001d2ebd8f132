/**
 * The impact dashboard: CO2 avoided, annual value, energy, tonnes and water of the contracted and
 * live exchanges (the engine's numbers of each stored match), separately and in total; charts by
 * status, by resource type and over the contract dates; the exchange table with CSV export; and
 * measurement and verification where meters are bound (measured beside projected).
 *
 * Beside them the potential: the regional plan's totals (`impact.report().potential`: plan members
 * only, never sums of competing alternatives) and how much of it the contracted and live exchanges
 * reach. While the report does not carry `potential` yet (an older core), the plan comes from
 * `matching.plan`, which holds the same figures.
 */
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { createPortal } from 'react-dom';
import { apiProblem, client, type Outputs } from '../api.ts';
import { PLAN_QUERY_KEY } from '../components/PlanTotals.tsx';
import { formatCount, formatDateTime, formatEur, formatMwhPerYear, formatNumber, formatPercent, formatTonnesPerYear, label } from '../format.ts';
import { OBJECTIVE_LABEL, planStatusText, type PlanObjective } from '../matching/model.ts';

type Report = Outputs['workflow']['impact']['report'];
type Figures = Report['totals']['all'];

/** The regional plan's figures as the impact report gives them (`potential`), or as `matching.plan` does. */
interface Potential {
  objective: string;
  gap: number;
  status?: string;
  members: number | unknown[];
  candidates?: number;
  totals: { npv_eur: number; annual_value_eur: number; co2_t_per_year: number; delivered_mwh_per_year: number; capex_eur?: number };
  /** The plan members in the dashboard's columns (impact.report's potential; absent from matching.plan). */
  figures?: Figures;
  created_at?: string;
}

function potentialOf(report: Report): Potential | null | undefined {
  const p = (report as { potential?: unknown }).potential;
  if (p === undefined) return undefined; // the core does not report it (yet)
  if (p === null || typeof p !== 'object' || !('totals' in p)) return null;
  return p as Potential;
}

const METRICS: { key: keyof Figures; name: string; unit: string; format(v: number): string }[] = [
  { key: 'co2_t', name: 'CO2 avoided', unit: 't/yr', format: (v) => `${formatNumber(v)} t/yr` },
  { key: 'value_eur', name: 'Annual value', unit: 'EUR/yr', format: (v) => `${formatEur(v)}/yr` },
  { key: 'energy_mwh', name: 'Energy', unit: 'MWh/yr', format: (v) => `${formatNumber(v)} MWh/yr` },
  { key: 'tonnes_t', name: 'Materials', unit: 't/yr', format: (v) => `${formatNumber(v)} t/yr` },
  { key: 'water_m3', name: 'Water', unit: 'm3/yr', format: (v) => `${formatNumber(v)} m³/yr` },
];

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Horizontal bars, plain SVG: a few bars need no chart library. */
function Bars({ title, items, format, testid }: { title: string; items: { label: string; value: number; className?: string }[]; format(v: number): string; testid: string }) {
  const max = Math.max(1e-9, ...items.map((i) => i.value));
  const row = 22;
  return (
    <figure className="wf-chart" data-testid={testid}>
      <figcaption>{title}</figcaption>
      {items.length === 0 ? (
        <p className="muted">Nothing yet.</p>
      ) : (
        <svg viewBox={`0 0 320 ${items.length * row}`} width="100%" height={items.length * row} role="img" aria-label={title}>
          {items.map((item, i) => (
            <g key={item.label} transform={`translate(0 ${i * row})`}>
              <text x="0" y="15" className="wf-chart-label">
                {item.label}
              </text>
              <rect x="96" y="4" height="14" width={Math.max(1, (item.value / max) * 140)} className={`wf-bar ${item.className ?? ''}`} />
              <text x={100 + (item.value / max) * 140} y="15" className="wf-chart-value">
                {format(item.value)}
              </text>
            </g>
          ))}
        </svg>
      )}
    </figure>
  );
}

/** Cumulative CO2 by contract month, as steps. */
function OverTime({ points }: { points: Report['over_time'] }) {
  if (points.length === 0) {
    return (
      <figure className="wf-chart" data-testid="impact-chart-time">
        <figcaption>CO2 avoided over time (by contract date, cumulative)</figcaption>
        <p className="muted">No contract dates yet.</p>
      </figure>
    );
  }
  const w = 320;
  const h = 110;
  const max = Math.max(1e-9, ...points.map((p) => p.co2_t));
  const step = (w - 40) / Math.max(1, points.length);
  return (
    <figure className="wf-chart" data-testid="impact-chart-time">
      <figcaption>CO2 avoided over time (by contract date, cumulative)</figcaption>
      <svg viewBox={`0 0 ${w} ${h + 18}`} width="100%" height={h + 18} role="img" aria-label="Cumulative CO2 by contract month">
        {points.map((p, i) => {
          const bh = (p.co2_t / max) * (h - 14);
          return (
            <g key={p.month}>
              <rect x={20 + i * step + step / 2 - Math.min(24, step / 2 - 2)} y={h - bh} width={Math.max(2, Math.min(48, step - 4))} height={bh} className="wf-bar wf-bar-time" />
              <text x={20 + i * step + step / 2} y={h + 13} textAnchor="middle" className="wf-chart-label">
                {p.month}
              </text>
              <text x={20 + i * step + step / 2} y={Math.max(10, h - bh - 3)} textAnchor="middle" className="wf-chart-value">
                {formatNumber(p.co2_t)} t
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

export function ImpactDashboard({ onClose, onOpenMatch }: { onClose(): void; onOpenMatch(id: string): void }) {
  // The M&V period: empty = since each exchange went live, until now.
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const period = { ...(from ? { from: new Date(`${from}T00:00:00`).toISOString() } : {}), ...(to ? { to: new Date(`${to}T00:00:00`).toISOString() } : {}) };
  const report = useQuery({ queryKey: ['workflow', 'impact', period], queryFn: () => client.workflow.impact.report.query(period), placeholderData: (previous) => previous });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const exportCsv = async () => {
    const csv = await client.workflow.impact.csv.query(period);
    download(csv.filename, csv.text);
  };

  const r = report.data;
  const reported = r ? potentialOf(r) : undefined;
  // Fallback while impact.report carries no `potential`: the same figures from matching.plan.
  const plan = useQuery({ queryKey: PLAN_QUERY_KEY, queryFn: () => client.matching.plan.query(), enabled: !!r && reported === undefined });
  const potential: Potential | null | undefined = reported !== undefined ? reported : plan.data === undefined ? undefined : (plan.data as Potential | null);
  // A portal: the dialog opens from the header and must not inherit the header's styles.
  return createPortal(
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal wf-impact" role="dialog" aria-modal="true" aria-labelledby="impact-title" data-testid="impact-dashboard">
        <header className="modal-head">
          <h2 id="impact-title">Impact of contracted and live exchanges, and the regional plan&apos;s potential</h2>
          <button type="button" className="icon-btn" onClick={onClose} aria-label="Close (Esc)" data-testid="impact-close">
            ×
          </button>
        </header>
        <div className="modal-body">
          {report.isPending ? (
            <div className="skeleton-block" />
          ) : report.error ? (
            <div className="empty error">{apiProblem(report.error).message}</div>
          ) : r ? (
            <>
              <table className="wf-totals" data-testid="impact-totals">
                <thead>
                  <tr>
                    <th />
                    {METRICS.map((m) => (
                      <th key={m.key}>
                        {m.name} <span className="muted">{m.unit}</span>
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {(['live', 'contracted', 'all'] as const).map((s) => (
                    <tr key={s} className={s === 'all' ? 'wf-total-row' : ''}>
                      <th>
                        {s === 'all' ? 'Total' : label(s)} <span className="muted">({s === 'all' ? r.rows.length : r.counts[s]})</span>
                      </th>
                      {METRICS.map((m) => (
                        <td key={m.key} data-testid={`impact-${s}-${m.key}`} data-value={r.totals[s][m.key]}>
                          {formatNumber(r.totals[s][m.key])}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
              <PotentialSection potential={potential} reached={r.totals.all} source={reported !== undefined ? 'impact.report' : 'matching.plan'} />
              <div className="wf-charts">
                <Bars
                  title="CO2 avoided by status"
                  testid="impact-chart-status"
                  items={(['live', 'contracted'] as const).map((s) => ({ label: label(s), value: r.totals[s].co2_t, className: `wf-bar-${s}` }))}
                  format={(v) => `${formatNumber(v)} t/yr`}
                />
                <Bars
                  title="Annual value by resource type"
                  testid="impact-chart-type"
                  items={r.by_type.map((t) => ({ label: label(t.type), value: t.value_eur }))}
                  format={(v) => formatEur(v)}
                />
                <OverTime points={r.over_time} />
              </div>
              <div className="wf-table-head">
                <h3>Exchanges</h3>
                <button type="button" className="btn btn-small" onClick={() => void exportCsv()} data-testid="impact-export-csv" disabled={r.rows.length === 0 && !potential} title="The exchanges, and the regional plan's members as its potential">
                  Export CSV
                </button>
              </div>
              {r.rows.length === 0 ? (
                <p className="muted" data-testid="impact-empty">
                  No exchange is contracted or live yet. Move a match through its lifecycle to see its impact here.
                </p>
              ) : (
                <table className="wf-rows" data-testid="impact-rows">
                  <thead>
                    <tr>
                      <th>Exchange</th>
                      <th>Status</th>
                      <th>Contracted</th>
                      <th>CO2 t/yr</th>
                      <th>Value EUR/yr</th>
                      <th>Delivered</th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.rows.map((row) => (
                      <tr key={row.id} data-testid="impact-row" data-match-id={row.id}>
                        <td>
                          <button type="button" className="wf-link" onClick={() => onOpenMatch(row.id)}>
                            {row.supply_organization} → {row.demand_organization}
                          </button>{' '}
                          <span className="muted">{label(row.type)}</span>
                        </td>
                        <td>
                          <span className={`badge match-status status-${row.status}`}>{row.status}</span>
                        </td>
                        <td className="muted">{formatDateTime(row.contracted_at)}</td>
                        <td>{formatNumber(row.co2_t)}</td>
                        <td>{formatEur(row.value_eur)}</td>
                        <td>
                          {formatNumber(row.delivered_per_year.amount)} {row.delivered_per_year.unit}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              <div className="wf-inline">
                <label htmlFor="impact-from">Measured from</label>
                <input id="impact-from" type="date" value={from} onChange={(e) => setFrom(e.target.value)} data-testid="impact-from" />
                <label htmlFor="impact-to">to</label>
                <input id="impact-to" type="date" value={to} onChange={(e) => setTo(e.target.value)} data-testid="impact-to" />
                <span className="muted small">(empty: since each exchange went live, until now)</span>
              </div>
              <Verified r={r} onOpenMatch={onOpenMatch} />
              <p className="muted small">
                Figures are the engine's, stored with each match: delivered quantity per year over the hours the exchange runs (kW → MWh/yr, m³/h → m³/yr), value = quantity × (price + avoided disposal), CO2 with the engine's factors.
              </p>
            </>
          ) : null}
        </div>
      </div>
    </div>,
    document.body,
  );
}

function Verified({ r, onOpenMatch }: { r: Report; onOpenMatch(id: string): void }) {
  return (
    <section data-testid="impact-verified">
      <h3>Measured (M&amp;V)</h3>
      {r.verified.length === 0 ? (
        <p className="muted">No meters are bound to a contracted or live exchange yet: bind a meter point in the match's workflow to verify its impact.</p>
      ) : (
        <>
          <table className="wf-rows">
            <thead>
              <tr>
                <th>Exchange</th>
                <th>Period</th>
                <th>Coverage</th>
                <th>Measured</th>
                <th>Projected (same time)</th>
                <th>Value</th>
                <th>CO2 t</th>
              </tr>
            </thead>
            <tbody>
              {r.verified.map((v) => {
                const x = v.verification;
                return (
                  <tr key={v.match_id} data-testid="verified-row">
                    <td>
                      <button type="button" className="wf-link" onClick={() => onOpenMatch(v.match_id)}>
                        {v.supply_organization} → {v.demand_organization}
                      </button>
                      {x.problems.length > 0 && <div className="wf-problem">{x.problems.join(' ')}</div>}
                    </td>
                    <td className="muted">
                      {formatDateTime(new Date(x.from_ms).toISOString())} – {formatDateTime(new Date(x.to_ms).toISOString())}
                    </td>
                    <td>{formatPercent(x.coverage)}</td>
                    <td>
                      {formatNumber(x.measured)} {x.unit} <span className="muted">({x.source})</span>
                    </td>
                    <td>
                      {formatNumber(x.projected_for_period)} {x.unit} {x.ratio !== null && <span className="muted">({formatPercent(x.ratio, 0)})</span>}
                    </td>
                    <td>{formatEur(x.value_eur)}</td>
                    <td>{formatNumber(x.co2_t)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <p data-testid="verified-totals">
            Verified in total: <b>{formatEur(r.verified_totals.value_eur)}</b> and <b>{formatNumber(r.verified_totals.co2_t)} t CO2</b> measured, against{' '}
            {formatEur(r.verified_totals.projected_value_eur)} and {formatNumber(r.verified_totals.projected_co2_t)} t projected for the same covered time.
          </p>
        </>
      )}
    </section>
  );
}

/** The regional plan's totals as the potential, and the share of it contracted and live exchanges reach. */
function PotentialSection({ potential, reached, source }: { potential: Potential | null | undefined; reached: Figures; source: string }) {
  if (potential === undefined) return <div className="skeleton-block" />;
  if (potential === null) {
    return (
      <section className="wf-potential empty" data-testid="impact-potential-empty">
        <h3>Potential (regional plan)</h3>
        <p className="muted">No regional plan yet. Run matching to make the regional plan: its totals are the region&apos;s potential, beside what is contracted and live.</p>
      </section>
    );
  }
  const t = potential.totals;
  const members = typeof potential.members === 'number' ? potential.members : potential.members.length;
  const f = potential.figures;
  // With the plan members in the dashboard's columns (materials and water too), every column compares.
  const rows: { key: string; name: string; potential: number; reached: number | null; format(v: number): string }[] = [
    { key: 'npv', name: 'NPV', potential: t.npv_eur, reached: null, format: formatEur },
    { key: 'value', name: 'Annual value', potential: f ? f.value_eur : t.annual_value_eur, reached: reached.value_eur, format: (v) => `${formatEur(v)}/yr` },
    { key: 'co2', name: 'CO2 avoided', potential: f ? f.co2_t : t.co2_t_per_year, reached: reached.co2_t, format: formatTonnesPerYear },
    { key: 'energy', name: 'Energy', potential: f ? f.energy_mwh : t.delivered_mwh_per_year, reached: reached.energy_mwh, format: formatMwhPerYear },
  ];
  if (f) {
    rows.push({ key: 'tonnes', name: 'Materials', potential: f.tonnes_t, reached: reached.tonnes_t, format: (v) => `${formatNumber(v)} t/yr` });
    rows.push({ key: 'water', name: 'Water', potential: f.water_m3, reached: reached.water_m3, format: (v) => `${formatNumber(v)} m³/yr` });
  }
  if (t.capex_eur !== undefined) rows.push({ key: 'capex', name: 'Investment (capex)', potential: t.capex_eur, reached: null, format: formatEur });
  const status = potential.status ? planStatusText({ status: potential.status, gap: potential.gap }) : null;
  return (
    <section className="wf-potential" data-testid="impact-potential" data-source={source}>
      <h3>
        Potential (regional plan) <span className="muted">· {formatCount(members)} exchanges{potential.candidates !== undefined ? ` of ${formatCount(potential.candidates)} alternatives` : ''}</span>
      </h3>
      <table className="wf-rows">
        <thead>
          <tr>
            <th />
            <th>Plan (potential)</th>
            <th>Contracted + live</th>
            <th>Reached</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const share = row.reached !== null && row.potential > 0 ? row.reached / row.potential : null;
            return (
              <tr key={row.key}>
                <th>{row.name}</th>
                <td data-testid={`impact-potential-${row.key}`} data-value={row.potential}>
                  {row.format(row.potential)}
                </td>
                <td className="muted">{row.reached === null ? '–' : row.format(row.reached)}</td>
                <td>
                  {share === null ? (
                    <span className="muted">–</span>
                  ) : (
                    <span className="wf-reached" title={`${formatPercent(share)} of the plan's ${row.name.toLowerCase()}`}>
                      <span className="usage">
                        <span style={{ width: `${Math.min(1, share) * 100}%` }} />
                      </span>
                      {formatPercent(share)}
                    </span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="muted small">
        The plan maximises {OBJECTIVE_LABEL[potential.objective as PlanObjective] ?? potential.objective}: {status ? status.text : `gap ${formatPercent(potential.gap, 1)}`}. Its totals count plan members only, at
        their allocated quantities, never competing alternatives; contracted and live exchanges are counted at their own engine numbers.
      </p>
    </section>
  );
}
