/**
 * The regional plan's headline (domain.md 5.1): its totals (plan members only, never sums of
 * competing alternatives), what it maximised, how sure the solver is (status, gap) and one line that
 * says what the figures are. Used by the Suggestions tab, the match list, the run summary and the
 * impact dashboard, so every view shows the same numbers the same way.
 *
 * Before the first run (no plan stored) it says so and offers "Run matching".
 */
import { formatCount, formatDateTime, formatEur, formatMwhPerYear, formatTonnesPerYear, label } from '../format.ts';
import { OBJECTIVE_LABEL, planExplanation, planStatusText, typeLabel, type PlanSummary } from '../matching/model.ts';

/** The query key of `matching.plan` (invalidated after every run). */
export const PLAN_QUERY_KEY = ['matching', 'plan'] as const;

interface Props {
  plan: PlanSummary | null | undefined;
  loading?: boolean;
  /** Offer "Run matching" in the empty state (omitted: no button). */
  onRun?: (() => void) | undefined;
  canRun?: boolean;
  /** compact: one line of figures (match list header); full: tiles, status and notes. */
  variant?: 'full' | 'compact';
  testid?: string;
}

export function PlanTotals({ plan, loading, onRun, canRun = true, variant = 'full', testid = 'plan-totals' }: Props) {
  if (plan === undefined || loading) {
    return (
      <div className={`plan-totals plan-${variant} loading`} data-testid={testid} aria-busy="true">
        <span className="bar w70" />
      </div>
    );
  }
  if (plan === null) {
    return (
      <div className={`plan-totals plan-${variant} plan-empty`} data-testid={`${testid}-empty`}>
        <strong>No regional plan yet</strong>
        <span className="muted">Run matching to make the regional plan: it allocates every supply and demand among the alternatives so that no flow is promised more than it has.</span>
        {onRun && (
          <button type="button" className="btn btn-primary btn-small" onClick={onRun} disabled={!canRun} data-testid={`${testid}-run`}>
            Run matching
          </button>
        )}
      </div>
    );
  }
  const t = plan.totals;
  const status = planStatusText(plan);
  if (variant === 'compact') {
    return (
      <div className="plan-totals plan-compact" data-testid={testid} title={planExplanation(plan)}>
        <span className="plan-compact-head">
          <span className="plan-swatch" aria-hidden="true" /> Plan: <b>{formatCount(plan.members)}</b> of {formatCount(plan.candidates)} alternatives
        </span>
        <span>
          NPV <b data-testid={`${testid}-npv`} data-value={t.npv_eur}>{formatEur(t.npv_eur)}</b> · <b data-testid={`${testid}-co2`} data-value={t.co2_t_per_year}>{formatTonnesPerYear(t.co2_t_per_year)}</b> CO₂ ·{' '}
          <b data-testid={`${testid}-energy`} data-value={t.delivered_mwh_per_year}>{formatMwhPerYear(t.delivered_mwh_per_year)}</b>
        </span>
        <span className={`muted ${status.warn ? 'warn-text' : ''}`}>
          max. {OBJECTIVE_LABEL[plan.objective] ?? plan.objective} · {plan.status === 'optimal' ? 'optimal' : label(plan.status)} · gap {(plan.gap * 100).toFixed(1)} %
        </span>
      </div>
    );
  }
  const types = Object.entries(plan.by_type).sort(([, a], [, b]) => b.npv_eur - a.npv_eur);
  return (
    <div className="plan-totals plan-full" data-testid={testid}>
      <div className="plan-head">
        <span className="plan-swatch" aria-hidden="true" />
        <span>
          <b data-testid={`${testid}-members`} data-value={plan.members}>
            {formatCount(plan.members)}
          </b>{' '}
          exchanges in the plan, of {formatCount(plan.candidates)} alternatives
        </span>
        <span className="badge objective" data-testid={`${testid}-objective`} data-value={plan.objective} title="What the plan maximises (choose it under Matching weights & limits)">
          max. {OBJECTIVE_LABEL[plan.objective] ?? plan.objective}
        </span>
      </div>
      <div className="plan-stats">
        <Tile testid={`${testid}-npv`} value={t.npv_eur} text={formatEur(t.npv_eur)} label="NPV of the plan" strong />
        <Tile testid={`${testid}-value`} value={t.annual_value_eur} text={`${formatEur(t.annual_value_eur)}/yr`} label="value per year" />
        <Tile testid={`${testid}-co2`} value={t.co2_t_per_year} text={formatTonnesPerYear(t.co2_t_per_year)} label="CO₂ avoided" />
        <Tile testid={`${testid}-energy`} value={t.delivered_mwh_per_year} text={formatMwhPerYear(t.delivered_mwh_per_year)} label="energy delivered" />
        <Tile testid={`${testid}-capex`} value={t.capex_eur} text={formatEur(t.capex_eur)} label="investment (capex)" />
        <Tile
          testid={`${testid}-gap`}
          value={plan.gap}
          text={`${(plan.gap * 100).toFixed(plan.gap > 0 && plan.gap < 0.001 ? 3 : 1)} %`}
          label={`gap to the bound ${plan.objective === 'npv' ? formatEur(plan.bound) : formatCount(Math.round(plan.bound))}`}
        />
      </div>
      <p className="plan-explain" data-testid={`${testid}-explain`}>
        {planExplanation(plan)}
      </p>
      <p className={`plan-status small ${status.warn ? 'warn-text' : 'muted'}`} data-testid={`${testid}-status`} data-status={plan.status}>
        Solver: {status.text} · made {formatDateTime(plan.created_at)}
      </p>
      {types.length > 0 && (
        <p className="muted small plan-types" data-testid={`${testid}-by-type`}>
          By type:{' '}
          {types.map(([type, x], i) => (
            <span key={type}>
              {i > 0 && ' · '}
              {typeLabel(type)} {formatCount(x.members)} ({formatEur(x.npv_eur)})
            </span>
          ))}
        </p>
      )}
      {plan.notes.length > 0 && (
        <ul className="plan-notes small" data-testid={`${testid}-notes`}>
          {plan.notes.map((n, i) => (
            <li key={i}>{n}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Tile({ value, text, label: name, testid, strong }: { value: number; text: string; label: string; testid: string; strong?: boolean }) {
  return (
    <div className={`sugg-stat ${strong ? 'strong' : ''}`}>
      <b data-testid={testid} data-value={value}>
        {text}
      </b>
      <span>{name}</span>
    </div>
  );
}
