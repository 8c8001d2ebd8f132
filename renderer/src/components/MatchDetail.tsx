/**
 * The right panel for one match: why it scores what it scores (the six components with their
 * weights, the binding one marked, the tightest hard constraint, relaxations, route and reasons,
 * assumptions), what it is worth (delivered quantity, value, capex, opex, cash flow, NPV, IRR,
 * payback, CO2, sensitivity, complexity), both flows, and its lifecycle (the moves TRANSITIONS
 * allows from the current status, with the audit trail).
 *
 * Version 2: its place in the regional plan (allocated quantity and share, or an alternative and
 * who takes its flows instead), heat by the hour (MatchPlan.tsx), LCOH beside NPV, every
 * assumption, and the marking of a match priced by the earlier engine.
 */
import { useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { apiProblem, client } from '../api.ts';
import { rollback, settleTransition, showTransition, type Snapshot } from '../cache/lifecycle.ts';
import { MatchWorkflow } from '../workflow/MatchWorkflow.tsx';
import { AssumptionsCard, HeatCard, Metric, PlanCard, PricedByV1 } from './MatchPlan.tsx';
import {
  formatContribution,
  formatCtPerKwh,
  formatDateTime,
  formatEur,
  formatHourOfYear,
  formatKm,
  formatNumber,
  formatPercent,
  formatScore,
  formatTonnesPerYear,
  formatYears,
  label,
} from '../format.ts';
import {
  CLOSE_REASONS,
  COMPONENT_HELP,
  detailOf,
  allocationOf,
  economicsOf,
  explainScore,
  heatOf,
  typeLabel,
  MAIN_PATH,
  RELAXED_LABEL,
  ROUTE_REASON_LABEL,
  scoreColor,
  statusLabel,
  TERMINAL,
  TRANSITIONS,
  type Economics,
  type MatchRecord,
  type MatchStatus,
  type MatchWithEvents,
  type Weights,
} from '../matching/model.ts';

interface Props {
  matchId: string;
  /** The weights of the run that produced the stored matches, as far as this app knows them. */
  weights: Weights;
  weightsKnown: boolean;
  onClose(): void;
  onShowOnMap(match: MatchRecord): void;
  onOpenSite(siteId: string, flowId: string): void;
  /** Open another match (a plan member competing for the same flow). */
  onOpenMatch?: ((id: string) => void) | undefined;
  /** Start a full re-match (the plan's empty state, the version-1 marking). */
  onRun?: (() => void) | undefined;
}

export function MatchDetail({ matchId, weights, weightsKnown, onClose, onShowOnMap, onOpenSite, onOpenMatch, onRun }: Props) {
  const match = useQuery({ queryKey: ['matches', 'get', matchId], queryFn: () => client.matches.get.query({ id: matchId }) });
  const m = match.data;
  const heat = m && m.priced_by === 'v2' ? heatOf(m) : null;
  return (
    <div className="detail match-detail" data-testid="match-detail">
      <div className="detail-head">
        <div className="min0">
          <div className="eyebrow">Match {m && <span className="mono muted">{m.id}</span>}</div>
          <h2 data-testid="match-title">
            {m ? (
              <>
                <span className="dir supply">{m.supply.organization_name}</span> <span className="arrow">→</span> <span className="dir demand">{m.demand.organization_name}</span>
              </>
            ) : match.isPending ? (
              'Loading…'
            ) : (
              'Match'
            )}
          </h2>
        </div>
        <div className="detail-actions">
          {m && (
            <button type="button" className="btn btn-small" onClick={() => onShowOnMap(m)} title="Fit the map to both sites">
              Show on map
            </button>
          )}
          <button type="button" className="icon-btn" onClick={onClose} aria-label="Close detail (Esc)" title="Close (Esc)" data-testid="match-close">
            ×
          </button>
        </div>
      </div>
      {match.isPending ? (
        <div className="detail-body">
          <div className="skeleton-block" />
          <div className="skeleton-block" />
        </div>
      ) : match.error ? (
        <div className="detail-body">
          <div className="empty error">
            {apiProblem(match.error).code === 'NOT_FOUND' ? 'This match no longer exists (the engine no longer suggests it, or a flow was deleted).' : apiProblem(match.error).message}
          </div>
        </div>
      ) : (
        <div className="detail-body">
          <Headline m={match.data} />
          {match.data.priced_by === 'v1' && <PricedByV1 onRun={onRun} />}
          <PlanCard m={match.data} onOpenMatch={(id) => onOpenMatch?.(id)} onRun={onRun} />
          {heat && <HeatCard m={match.data} h={heat} />}
          <EconomicsCard m={match.data} />
          <ScoreCard m={match.data} weights={weights} weightsKnown={weightsKnown} />
          <AssumptionsCard m={match.data} />
          <FlowsCard m={match.data} onOpenSite={onOpenSite} />
          <Lifecycle m={match.data} onReload={() => void match.refetch()} onOpenMatch={onOpenMatch} />
          <MatchWorkflow m={match.data} />
        </div>
      )}
    </div>
  );
}

function Headline({ m }: { m: MatchWithEvents }) {
  const e = economicsOf(m);
  const a = allocationOf(m);
  const h = heatOf(m);
  // The headline shows the numbers the plan counts: a member's at its allocation, an alternative's stand-alone.
  const npv = a ? a.npv_eur : e.npv_eur;
  const lcoh = a ? a.lcoh_ct_per_kwh : (h?.lcoh_ct_per_kwh ?? null);
  return (
    <section className="card headline">
      <div className="big-score" style={{ background: scoreColor(m.score) }} title="Match score, 0–1" data-testid="match-score">
        {formatScore(m.score)}
      </div>
      <div className="headline-facts">
        <div>
          <span className="badge type">{typeLabel(m.type)}</span> <span className={`route route-${m.route}`}>{m.route}</span> <span className={`badge match-status status-${m.status}`}>{m.status}</span>
          {a ? (
            <span className="badge plan-member" data-testid="match-in-plan" title="A member of the regional plan">
              in the plan
            </span>
          ) : (
            <span className="badge plan-alternative" data-testid="match-in-plan" title="Not in the regional plan: an alternative">
              alternative
            </span>
          )}
          {m.priced_by === 'v1' && (
            <span className="badge relaxed" title="Priced by the earlier method (annual averages, one pipe)">
              earlier method
            </span>
          )}
          {m.relaxed.map((r) => (
            <span key={r} className="badge relaxed" title={RELAXED_LABEL[r] ?? r} data-testid="match-relaxed">
              relaxed: {r}
            </span>
          ))}
        </div>
        <div className="headline-numbers">
          <span title={a ? 'NPV at the plan\'s allocation' : 'NPV stand-alone'}>
            NPV <b data-testid="headline-npv">{formatEur(npv)}</b>
          </span>
          {lcoh !== null && (
            <span title="Levelised cost of heat">
              LCOH <b data-testid="headline-lcoh">{formatCtPerKwh(lcoh)}</b>
            </span>
          )}
          <span>
            IRR <b>{formatPercent(a ? a.irr : e.irr)}</b>
          </span>
          <span>{formatKm(m.distance_km)}</span>
          <span>{formatTonnesPerYear(a ? a.co2_t_per_year : e.co2_t_per_year)} CO₂</span>
        </div>
      </div>
    </section>
  );
}

function ScoreCard({ m, weights, weightsKnown }: { m: MatchWithEvents; weights: Weights; weightsKnown: boolean }) {
  const d = detailOf(m);
  const x = explainScore(m.scores, weights);
  const consistent = d.score_raw === undefined || Math.abs(d.score_raw - x.raw) < 1e-6;
  const tight = d.tightest_constraint;
  const binding = m.binding_constraint;
  return (
    <section className="card" data-testid="score-card">
      <h3>Why this score</h3>
      <table className="components">
        <thead>
          <tr>
            <th>Component</th>
            <th className="num">Weight</th>
            <th>Score</th>
            <th className="num" title="Weight × score (penalties subtracted)">Contrib.</th>
          </tr>
        </thead>
        <tbody>
          {x.rows.map((r) => (
            <tr key={r.component} className={`${r.penalty ? 'penalty' : ''} ${r.component === binding ? 'binding' : ''}`} data-testid={`component-${r.component}`} title={COMPONENT_HELP[r.component]}>
              <td>
                {label(r.component)}
                {r.penalty && <span className="muted"> −</span>}
                {r.component === binding && (
                  <span className="badge binding-tag" title={`Costs the most: ${r.loss.toFixed(3)} of the raw score`}>
                    binding
                  </span>
                )}
              </td>
              <td className="num" data-testid="component-weight">
                {r.weight.toFixed(2)}
              </td>
              <td>
                <span className="cbar">
                  <span className="cbar-track">
                    <span style={{ width: `${Math.max(0, Math.min(1, r.value)) * 100}%` }} />
                  </span>
                  <span className="cbar-value" data-testid="component-value">
                    {formatScore(r.value)}
                  </span>
                </span>
              </td>
              <td className="num mono">{formatContribution(r.contribution)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <td colSpan={3}>
              Raw {x.raw.toFixed(3)} → normalised (raw {x.lowest < 0 ? '+' : '−'} {Math.abs(x.lowest).toFixed(2)}) / {(x.highest - x.lowest).toFixed(2)}
            </td>
            <td className="num">
              <b>{formatScore(m.score)}</b>
            </td>
          </tr>
        </tfoot>
      </table>
      {!consistent && (
        <p className="form-message error small" data-testid="weights-unknown">
          These weights do not reproduce the engine’s raw score ({d.score_raw?.toFixed(3)}): the stored matches come from a run with other weights
          {weightsKnown ? '' : ' (not started from this window)'}. The component scores are the engine’s.
        </p>
      )}
      {d.quality_detail && Object.keys(d.quality_detail).length > 0 && (
        <p className="muted small">
          Quality from:{' '}
          {Object.entries(d.quality_detail)
            .map(([k, v]) => `${k} ${formatScore(v)}`)
            .join(' · ')}
        </p>
      )}
      <dl className="kv kv-wide">
        <dt>Binding</dt>
        <dd data-testid="binding-constraint">{binding ? `${label(binding)} — costs ${(x.rows.find((r) => r.component === binding)?.loss ?? 0).toFixed(3)} of the raw score` : 'none (perfect match)'}</dd>
        {tight && (
          <>
            <dt>Tightest limit</dt>
            <dd data-testid="tightest-constraint">
              <span className={`usage ${tight.used > 1 ? 'over' : ''}`}>
                <span style={{ width: `${Math.min(1, Math.max(0, tight.used)) * 100}%` }} />
              </span>
              {label(tight.constraint)} uses {formatPercent(tight.used, 0)} of its limit{tight.used > 1 ? ' (relaxed)' : ''}
            </dd>
          </>
        )}
        <dt>Distance</dt>
        <dd>
          {formatKm(m.distance_km)}
          {d.limit_km !== undefined ? ` of ${formatKm(d.limit_km)} allowed` : ''}
        </dd>
        <dt>Relaxed</dt>
        <dd>{m.relaxed.length ? m.relaxed.map((r) => RELAXED_LABEL[r] ?? r).join('; ') : <span className="muted">nothing: passes as stated</span>}</dd>
        <dt>Route</dt>
        <dd className="wrap" data-testid="match-route">
          <span className={`route route-${m.route}`}>{m.route}</span>
          {d.route_reasons && d.route_reasons.length > 0 ? ` — ${d.route_reasons.map((r) => ROUTE_REASON_LABEL[r] ?? r).join(', ')}` : ' — a packet can go out straight away'}
        </dd>
        {d.rank && (
          <>
            <dt>Rank</dt>
            <dd>
              {d.rank.supply !== null ? `#${d.rank.supply} for the supply` : 'not in the supply’s top N'} · {d.rank.demand !== null ? `#${d.rank.demand} for the demand` : 'not in the demand’s top N'}
            </dd>
          </>
        )}
      </dl>
      {!weightsKnown && <p className="muted small">Weights shown: the defaults (the run’s weights were not set in this window).</p>}
    </section>
  );
}

function EconomicsCard({ m }: { m: MatchWithEvents }) {
  const e: Economics = economicsOf(m);
  const s = e.sensitivity;
  const steps = s ? s.annual_value.map((p) => p.change) : [];
  const c = e.complexity;
  const h = m.priced_by === 'v2' ? heatOf(m) : null;
  return (
    <section className="card" data-testid="economics-card">
      <h3>
        Economics <span className="muted h3-sub">stand-alone: this exchange alone, at its full quantity</span>
      </h3>
      <div className="econ-grid">
        <Metric name="Delivered" testid="econ-delivered" value={`${formatNumber(e.delivered.amount)} ${e.delivered.unit}`} sub={e.delivered_per_year ? `${formatNumber(e.delivered_per_year.amount)} ${e.delivered_per_year.unit}` : undefined} />
        <Metric name="Annual value" testid="econ-value" value={formatEur(e.annual_value_eur)} sub={e.price ? `${formatNumber(e.price.eur_per_unit)} €/${e.price.unit} (${e.price.source})` : undefined} />
        <Metric name="Capex" testid="econ-capex" value={formatEur(e.capex_eur)} />
        <Metric name="Opex / yr" testid="econ-opex" value={formatEur(e.opex_eur_per_year)} />
        <Metric name="Cash flow / yr" testid="econ-cashflow" value={formatEur(e.cash_flow_eur_per_year)} />
        <Metric name="NPV (10 yr, 8 %)" testid="econ-npv" value={formatEur(e.npv_eur)} strong negative={e.npv_eur < 0} />
        <Metric name="LCOH" testid="econ-lcoh" value={h ? formatCtPerKwh(h.lcoh_ct_per_kwh) : 'n/a'} sub={h ? 'levelised cost of heat' : m.priced_by === 'v1' ? 'not by the earlier method' : 'heat, steam, cooling only'} />
        <Metric name="IRR" testid="econ-irr" value={formatPercent(e.irr)} />
        <Metric name="Payback" testid="econ-payback" value={formatYears(e.payback_years)} />
        <Metric name="CO₂ avoided" testid="econ-co2" value={formatTonnesPerYear(e.co2_t_per_year)} />
      </div>
      {s && (
        <table className="data-table sensitivity" data-testid="sensitivity">
          <thead>
            <tr>
              <th>NPV at</th>
              {steps.slice(0, 2).map((k) => (
                <th key={k} className="num">
                  {formatPercent(k, 0)}
                </th>
              ))}
              <th className="num">base</th>
              {steps.slice(2).map((k) => (
                <th key={k} className="num">
                  +{formatPercent(k, 0)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {(
              [
                ['annual value', s.annual_value],
                ['capex', s.capex],
              ] as const
            ).map(([name, points]) => (
              <tr key={name}>
                <td>{name}</td>
                {points.slice(0, 2).map((p) => (
                  <td key={p.change} className={`num ${p.npv_eur < 0 ? 'neg' : ''}`}>
                    {formatEur(p.npv_eur)}
                  </td>
                ))}
                <td className="num base">{formatEur(e.npv_eur)}</td>
                {points.slice(2).map((p) => (
                  <td key={p.change} className={`num ${p.npv_eur < 0 ? 'neg' : ''}`}>
                    {formatEur(p.npv_eur)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {c && (
        <dl className="kv kv-wide" data-testid="complexity">
          <dt>Complexity</dt>
          <dd>
            <span className={`badge level-${c.level}`}>{c.level}</span> ×{c.multiplier.toFixed(1)} · risk <span className={`badge level-${c.risk_level}`}>{c.risk_level}</span>
          </dd>
          <dt>Exchange costs</dt>
          <dd className="wrap">
            {formatEur(c.exchange_cost_eur)} one-off (mitigation {formatEur(c.risk_mitigation_eur)}, compliance {formatEur(c.compliance_eur)})
          </dd>
          <dt>NPV after them</dt>
          <dd className={c.npv_after_exchange_costs_eur < 0 ? 'neg' : ''}>{formatEur(c.npv_after_exchange_costs_eur)}</dd>
          {e.capex_breakdown && (
            <>
              <dt>Capex from</dt>
              <dd className="wrap muted">{capexBreakdown(e.capex_breakdown)}</dd>
            </>
          )}
        </dl>
      )}
    </section>
  );
}

function capexBreakdown(b: Record<string, number>): string {
  if ('pipe_eur' in b) {
    const pipes = b['pipes'] ?? 1;
    const pipe = `${pipes === 2 ? '2 pipes × ' : pipes > 1 ? `${pipes} pipes × ` : 'pipe '}${formatNumber(Math.round(b['pipe_m'] ?? 0))} m × ${formatEur(b['pipe_eur_per_m'])}/m = ${formatEur(b['pipe_eur'])}`;
    const sizing = b['pipe_class_mw'] !== undefined ? `class ${formatNumber(b['pipe_class_mw'])} MW for ${formatNumber(b['peak_mw'])} MW` : `peak ${formatNumber(b['peak_mw'])} MW`;
    const heatPump = b['heat_pump_eur'] ? `, heat pump ${formatEur(b['heat_pump_eur'])}` : '';
    return `${pipe} (${sizing}), source HX ${formatEur(b['source_hx_eur'])}, sink HX ${formatEur(b['sink_hx_eur'])}, pump ${formatEur(b['pump_eur'])}${heatPump}`;
  }
  return `${formatEur(b['per_km_eur'])}/km × ${formatKm(b['distance_km'])} + fixed ${formatEur(b['fixed_eur'])}`;
}

function FlowsCard({ m, onOpenSite }: { m: MatchWithEvents; onOpenSite(siteId: string, flowId: string): void }) {
  return (
    <section className="card">
      <h3>Flows</h3>
      {(['supply', 'demand'] as const).map((side) => {
        const s = m[side];
        return (
          <div key={side} className="match-side" data-testid={`match-${side}`}>
            <span className={`badge dir-${side}`}>{side === 'supply' ? 'Supply ↑' : 'Demand ↓'}</span>
            <div className="min0">
              <div className="flow-name">
                {s.flow_name} <span className="muted">({typeLabel(s.flow_type)})</span>
              </div>
              <button type="button" className="link" onClick={() => onOpenSite(s.site_id, s.flow_id)} data-testid={`match-${side}-site`}>
                {s.site_name}
              </button>
              <span className="muted">
                {' '}
                · {s.organization_name} · {s.country}
              </span>
            </div>
          </div>
        );
      })}
    </section>
  );
}

interface Pending {
  /** The status the move starts from (the match may already show the move while it is saved). */
  from: MatchStatus;
  to: MatchStatus;
  reservedUntil: string;
  reason: string;
  note: string;
}

function defaultReservedUntil(): string {
  const d = new Date(Date.now() + 30 * 86_400_000);
  return d.toISOString().slice(0, 10);
}

function Lifecycle({ m, onReload, onOpenMatch }: { m: MatchWithEvents; onReload(): void; onOpenMatch?: ((id: string) => void) | undefined }) {
  const queryClient = useQueryClient();
  const [pending, setPending] = useState<Pending | null>(null);
  const [error, setError] = useState<{ text: string; conflict: boolean; overAllocation?: OverAllocation | null; field?: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const status = m.status as MatchStatus;
  const next = TRANSITIONS[status] ?? [];
  const onPath = MAIN_PATH.indexOf(status);

  const submit = async () => {
    if (!pending) return;
    setBusy(true);
    setError(null);
    let shown: Snapshot | null = null;
    try {
      const request: Parameters<typeof client.matches.transition.mutate>[0] = { id: m.id, to: pending.to, version: m.version };
      if (pending.to === 'reserved') {
        if (!pending.reservedUntil) throw new LocalProblem('reserved_until', 'choose until when the supply is reserved');
        request.reserved_until = new Date(`${pending.reservedUntil}T23:59:59`).toISOString();
      }
      if (TERMINAL.has(pending.to)) {
        if (!pending.reason) throw new LocalProblem('reason', `choose why the match is ${pending.to}`);
        request.reason = pending.reason as NonNullable<typeof request.reason>;
      }
      if (pending.note.trim()) request.note = pending.note.trim();
      // Shown at once where only a version conflict can refuse it; put back if the core refuses.
      shown = await showTransition(queryClient, m, request);
      const updated = await client.matches.transition.mutate(request);
      settleTransition(queryClient, pending.from, updated);
      setPending(null);
    } catch (err) {
      rollback(queryClient, shown);
      if (err instanceof LocalProblem) setError({ text: err.message, conflict: false, field: err.field });
      else {
        const p = apiProblem(err);
        const conflict = p.code === 'CONFLICT';
        const text = p.fields.length ? p.fields.map((f) => f.message).join('; ') : p.message;
        const overAllocated = /over-allocate/i.test(text);
        setError({
          text: conflict ? 'Someone else changed this match since you opened it. Reload to see its current state, then decide again.' : overAllocated ? withFlowNames(text, m) : text,
          conflict,
          ...(overAllocated ? { overAllocation: parseOverAllocation(text) } : {}),
          ...(p.fields[0] ? { field: p.fields[0].field } : {}),
        });
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" data-testid="lifecycle">
      <h3>Lifecycle</h3>
      <ol className="stepper">
        {MAIN_PATH.map((s, i) => (
          <li key={s} className={s === status ? 'current' : onPath >= 0 && i < onPath ? 'done' : ''}>
            {statusLabel(s)}
          </li>
        ))}
        {TERMINAL.has(status) && <li className="current terminal">{statusLabel(status)}</li>}
      </ol>
      <dl className="kv kv-wide">
        <dt>Status</dt>
        <dd data-testid="match-status">
          <span className={`badge match-status status-${status}`}>{status}</span>
          {m.status_reason && <span className="muted">reason: {label(m.status_reason)}</span>}
        </dd>
        {m.reserved_until && (
          <>
            <dt>Reserved until</dt>
            <dd>{formatDateTime(m.reserved_until)}</dd>
          </>
        )}
        <dt>Version</dt>
        <dd className="muted">
          {m.version} · updated {formatDateTime(m.updated_at)}
        </dd>
      </dl>
      {next.length > 0 ? (
        <div className="transitions">
          {next.map((to) => (
            <button
              key={to}
              type="button"
              className={`btn btn-small ${TERMINAL.has(to) ? 'btn-danger' : pending?.to === to ? 'btn-primary' : ''}`}
              onClick={() => {
                setError(null);
                setPending({ from: status, to, reservedUntil: to === 'reserved' ? defaultReservedUntil() : '', reason: '', note: '' });
              }}
              disabled={busy}
              data-testid={`transition-${to}`}
            >
              {MAIN_PATH.indexOf(to) >= 0 && MAIN_PATH.indexOf(to) < onPath ? `Back to ${to}` : `→ ${statusLabel(to)}`}
            </button>
          ))}
        </div>
      ) : (
        <p className="muted">Closed: no further moves.</p>
      )}
      {pending && (
        <div className="transition-form" data-testid="transition-form">
          <div className="muted">
            Move from <b>{pending.from}</b> to <b>{pending.to}</b>
          </div>
          {pending.to === 'reserved' && (
            <div className={`field ${error?.field === 'reserved_until' ? 'invalid' : ''}`}>
              <label htmlFor="reserved-until">Reserved until (required)</label>
              <input id="reserved-until" type="date" value={pending.reservedUntil} onChange={(e) => setPending({ ...pending, reservedUntil: e.target.value })} data-testid="transition-reserved-until" />
            </div>
          )}
          {TERMINAL.has(pending.to) && (
            <div className={`field ${error?.field === 'reason' ? 'invalid' : ''}`}>
              <label htmlFor="close-reason">Reason (required)</label>
              <select id="close-reason" value={pending.reason} onChange={(e) => setPending({ ...pending, reason: e.target.value })} data-testid="transition-reason">
                <option value="">Choose…</option>
                {CLOSE_REASONS.map((r) => (
                  <option key={r} value={r}>
                    {label(r)}
                  </option>
                ))}
              </select>
            </div>
          )}
          <div className="field">
            <label htmlFor="transition-note">Note (optional, kept in the audit trail)</label>
            <textarea id="transition-note" rows={2} value={pending.note} onChange={(e) => setPending({ ...pending, note: e.target.value })} data-testid="transition-note" />
          </div>
          {error && (
            <div
              className={`form-message ${error.conflict ? 'conflict' : 'error'} ${error.overAllocation !== undefined ? 'refusal' : ''}`}
              role="alert"
              data-testid="transition-error"
              data-reason={error.overAllocation !== undefined ? 'over-allocated' : error.conflict ? 'conflict' : 'invalid'}
            >
              {error.overAllocation !== undefined ? <OverAllocationMessage m={m} o={error.overAllocation} raw={error.text} onOpenMatch={onOpenMatch} /> : error.text}
              {error.conflict && (
                <button
                  type="button"
                  className="btn btn-small"
                  onClick={() => {
                    setError(null);
                    setPending(null);
                    onReload();
                  }}
                >
                  Reload
                </button>
              )}
            </div>
          )}
          <div className="form-actions">
            <span className="muted" />
            <button type="button" className="btn btn-small" onClick={() => setPending(null)} disabled={busy}>
              Cancel
            </button>
            <button type="button" className="btn btn-small btn-primary" onClick={() => void submit()} disabled={busy} data-testid="transition-confirm">
              {busy ? 'Saving…' : `Move to ${pending.to}`}
            </button>
          </div>
        </div>
      )}
      <h4>Audit trail</h4>
      {m.events.length === 0 ? (
        <p className="muted" data-testid="audit-empty">
          No decisions yet: suggested by the engine.
        </p>
      ) : (
        <ol className="audit" data-testid="audit-trail">
          {[...m.events].reverse().map((ev) => (
            <li key={ev.id} data-testid="audit-event">
              <span className="mono muted">{formatDateTime(ev.at)}</span>
              <span>
                {ev.action.startsWith('status:') ? (
                  <>
                    <b>{ev.from_status ?? '–'}</b> → <b>{ev.to_status ?? '–'}</b>
                  </>
                ) : (
                  <b>{label(ev.action.replace(':', ' '))}</b>
                )}{' '}
                <span className="muted">by {ev.actor}</span>
              </span>
              {ev.note && <span className="audit-note">{ev.note}</span>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

class LocalProblem extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

/** The server names flows by id: put the names this match knows beside them ("Brewery waste heat (demo-flow-7)"). */
function withFlowNames(text: string, m: MatchWithEvents): string {
  // Match ids (m-<supply>-<demand>) contain flow ids: leave them as they are.
  return text
    .split(/(\bm-[^\s(),]+)/)
    .map((part, i) => {
      if (i % 2 === 1) return part;
      let out = part;
      for (const side of [m.supply, m.demand]) out = out.split(side.flow_id).join(`“${side.flow_name}” (${side.flow_id})`);
      return out;
    })
    .join('');
}

/** What the core says when holding a match would over-allocate a flow (main/plan/model.ts OverAllocationError). */
interface OverAllocation {
  side: 'supply' | 'demand';
  flow: string;
  /** The hour of the largest excess (hourly flows), null over the year. */
  hour: number | null;
  allocated: number;
  capacity: number;
  held: { id: string; supply: string; demand: string; share: number }[];
}

function parseOverAllocation(text: string): OverAllocation | null {
  const head = /over-allocate (supply|demand) flow (\S+) (?:over the year|at hour (\d+)): ([\d.e+-]+) allocated of ([\d.e+-]+) available/.exec(text);
  if (!head) return null;
  const held = [...text.matchAll(/(\bm-[^\s(),]+) \((\S+) -> ([^,]+), share ([\d.e+-]+)\)/g)].map((x) => ({ id: x[1]!, supply: x[2]!, demand: x[3]!, share: Number(x[4]) }));
  return { side: head[1] as 'supply' | 'demand', flow: head[2]!, hour: head[3] === undefined ? null : Number(head[3]), allocated: Number(head[4]), capacity: Number(head[5]), held };
}

/** The refusal in a facilitator's words: which flow, by how much, and which held exchanges stand in the way (each opens). */
function OverAllocationMessage({ m, o, raw, onOpenMatch }: { m: MatchWithEvents; o: OverAllocation | null; raw: string; onOpenMatch?: ((id: string) => void) | undefined }) {
  const e = economicsOf(m);
  const flowName = (id: string) => (id === m.supply.flow_id ? m.supply.flow_name : id === m.demand.flow_id ? m.demand.flow_name : id);
  const unit = o?.hour !== null && o?.hour !== undefined ? 'MW' : heatOf(m) ? 'MWh/yr' : e.delivered.unit;
  const others = o ? o.held.filter((h) => h.id !== m.id) : [];
  // Name the exchanges in the way (organizations and status), not only their ids.
  const held = useQueries({ queries: others.map((h) => ({ queryKey: ['matches', 'get', h.id], queryFn: () => client.matches.get.query({ id: h.id }), staleTime: 30_000 })) });
  return (
    <div className="refusal-body">
      <p>
        <b>Refused:</b> reserving <b className="dir supply">“{m.supply.flow_name}”</b> → <b className="dir demand">“{m.demand.flow_name}”</b> would promise a flow more than it has.
      </p>
      {o && (
        <p data-testid="refusal-flow">
          The {o.side} <b>“{flowName(o.flow)}”</b> would be allocated {formatNumber(o.allocated)} {unit} of the {formatNumber(o.capacity)} {unit} it has
          {o.hour === null ? ' over the year' : ` at ${formatHourOfYear(o.hour)} (its tightest hour)`}, together with what is already reserved, contracted or live:
        </p>
      )}
      {others.length > 0 && (
        <ul className="refusal-held">
          {others.map((h, i) => {
            const x = held[i]?.data;
            const name = x ? `${x.supply.organization_name} → ${x.demand.organization_name}` : h.id;
            return (
              <li key={h.id}>
                {onOpenMatch ? (
                  <button type="button" className="link" onClick={() => onOpenMatch(h.id)} data-testid="refusal-held" data-id={h.id} title={`Open this exchange (${h.id})`}>
                    {name}
                  </button>
                ) : (
                  <span>{name}</span>
                )}{' '}
                <span>
                  ({x ? `${x.status}, ` : ''}share {formatPercent(h.share, 0)})
                </span>
              </li>
            );
          })}
        </ul>
      )}
      <p>Release or end that reservation first, or choose another partner for this flow; the next plan then allocates around what is held.</p>
      <details>
        <summary>The core&apos;s message</summary>
        <span className="mono small">{raw}</span>
      </details>
    </div>
  );
}