/**
 * Matching: the weights panel (six score weights, top N, maximum distance, and the regional plan's
 * objective: NPV, CO2 or delivered energy; defaults from `matching.defaults`) and a full re-match
 * and plan started with `matching.run`, followed with the `matching.watch` subscription (plain job
 * events: progress through loading, matching, saving and planning, then done or failed), ending in
 * a summary of the run and of the regional plan. A run in progress can be cancelled
 * (`matching.cancel`): the job ends with nothing stored and the matches shown stay as they were.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { apiProblem, client } from '../api.ts';
import { formatCount, formatPercent, label } from '../format.ts';
import {
  COMPONENT_HELP,
  OBJECTIVE_HELP,
  OBJECTIVE_LABEL,
  OBJECTIVES,
  PENALTIES,
  ROUTE_REASON_LABEL,
  SCORE_COMPONENTS,
  typeLabel,
  type MatchDefaults,
  type MatchQuery,
  type MatchRunResult,
  type PlanObjective,
  type Weights,
} from '../matching/model.ts';
import { cancelRun, readEvent, type RunEnd } from '../matching/run-job.ts';
import { keys } from '../cache/keys.ts';
import { FirstResults, type PreviewRow } from './FirstResults.tsx';
import { PlanTotals } from './PlanTotals.tsx';

type Running = {
  step: 'running';
  phase: string;
  done: number;
  total: number;
  /** The job's id once `matching.run` has answered (Cancel needs it). */
  jobId: string | null;
  /** Cancel was pressed: the job is being stopped. */
  cancelling: boolean;
  /** The run's best matches, once it has ranked them (before it ends). */
  preview: PreviewRow[];
};

type State =
  | { step: 'weights' }
  | Running
  | { step: 'done'; result: MatchRunResult }
  | { step: 'failed'; message: string }
  /** `ended`: how the job's watch reported its end ('cancelled'; 'failed' or 'lost' after Cancel was accepted). */
  | { step: 'cancelled'; ended: string };

const STARTING: Running = { step: 'running', phase: 'starting', done: 0, total: 0, jobId: null, cancelling: false, preview: [] };

interface Props {
  /** The query of the next run (weights, top N, max km); edited here. */
  query: MatchQuery;
  onQuery(query: MatchQuery): void;
  /** Start at once (the header's "Run matching") or show the weights first. */
  autoStart: boolean;
  onRan(query: MatchQuery): void;
  onShowMatches(): void;
  onClose(): void;
}

export function weightsOf(query: MatchQuery, defaults: MatchDefaults | undefined): Weights {
  const base = (defaults?.weights ?? { quality: 0.25, temporal: 0.2, quantity: 0.15, trust: 0.15, transport: 0.1, regulatory: 0.1 }) as Weights;
  return { ...base, ...(query.weights ?? {}) } as Weights;
}

export function MatchRunDialog({ query, onQuery, autoStart, onRan, onShowMatches, onClose }: Props) {
  const queryClient = useQueryClient();
  const defaults = useQuery({ queryKey: ['matching', 'defaults'], queryFn: () => client.matching.defaults.query(), staleTime: Infinity });
  const [state, setState] = useState<State>(autoStart ? STARTING : { step: 'weights' });
  const unsubscribe = useRef<(() => void) | null>(null);
  const dialog = useRef<HTMLDivElement>(null);
  const started = useRef(false);
  /** The job Cancel was accepted for: its end is reported as cancelled whatever the watch says. */
  const cancelledJob = useRef<string | null>(null);
  const [cancelProblem, setCancelProblem] = useState<string | null>(null);

  const run = async (q: MatchQuery) => {
    unsubscribe.current?.();
    setCancelProblem(null);
    setState(STARTING);
    try {
      const { jobId } = await client.matching.run.mutate(q);
      setState((s) => (s.step === 'running' ? { ...s, jobId } : s));
      const end = (ended: { end: RunEnd }) => {
        unsubscribe.current?.();
        const outcome = cancelledJob.current === jobId && ended.end.kind !== 'done' ? { kind: 'cancelled' as const } : ended.end;
        if (outcome.kind === 'done') {
          setState({ step: 'done', result: outcome.result });
          onRan(q);
          // A full run replaces the matches, the plan and what is computed from them; the sites and the map stay.
          void queryClient.invalidateQueries({ queryKey: keys.matches.all });
          void queryClient.invalidateQueries({ queryKey: keys.analytics });
          void queryClient.invalidateQueries({ queryKey: keys.plan });
          void queryClient.invalidateQueries({ queryKey: keys.workflow.impact });
        } else if (outcome.kind === 'cancelled') setState({ step: 'cancelled', ended: ended.end.kind });
        else setState({ step: 'failed', message: outcome.message });
      };
      const subscription = client.matching.watch.subscribe(
        { jobId },
        {
          onData: (event) => {
            const read = readEvent(event);
            if ('progress' in read) {
              const p = read.progress;
              setState((s) => (s.step === 'running' ? { ...s, phase: p.phase, done: p.done, total: p.total, preview: p.preview ?? s.preview } : s));
            } else end(read);
          },
          onError: (error) => {
            if (cancelledJob.current === jobId) setState({ step: 'cancelled', ended: 'lost' });
            else setState({ step: 'failed', message: apiProblem(error).message });
          },
        },
      );
      unsubscribe.current = () => subscription.unsubscribe();
    } catch (error) {
      setState({ step: 'failed', message: apiProblem(error).message });
    }
  };

  const cancel = async () => {
    if (state.step !== 'running' || !state.jobId || state.cancelling) return;
    const jobId = state.jobId;
    setState({ ...state, cancelling: true });
    try {
      const { cancelled } = await cancelRun(jobId);
      // false: the job had already ended; its end (the summary) arrives through the watch.
      if (cancelled) cancelledJob.current = jobId;
      else setState((s) => (s.step === 'running' && s.jobId === jobId ? { ...s, cancelling: false } : s));
    } catch (error) {
      setState((s) => (s.step === 'running' && s.jobId === jobId ? { ...s, cancelling: false } : s));
      setCancelProblem(apiProblem(error).message);
    }
  };
  useEffect(() => {
    dialog.current?.focus();
    if (autoStart && !started.current) {
      started.current = true;
      void run(query);
    }
    return () => unsubscribe.current?.();
    // Start once, with the query as it was when the dialog opened.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const running = state.step === 'running';
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && !running && onClose()}>
      <div
        className="modal modal-narrow"
        role="dialog"
        aria-modal="true"
        aria-labelledby="matching-title"
        tabIndex={-1}
        ref={dialog}
        data-testid="matching-dialog"
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            if (!running) onClose();
          }
        }}
      >
        <header className="modal-head">
          <h2 id="matching-title">{state.step === 'weights' ? 'Matching weights & limits' : 'Run matching'}</h2>
          <button type="button" className="icon-btn" onClick={onClose} aria-label="Close" disabled={running}>
            ×
          </button>
        </header>
        <div className="modal-body">
          {state.step === 'weights' && <WeightsPanel query={query} onQuery={onQuery} defaults={defaults.data} />}
          {state.step === 'running' && <RunProgress {...state} />}
          {state.step === 'running' && <FirstResults rows={state.preview} />}
          {cancelProblem && (
            <div className="form-message error" role="alert" data-testid="matching-cancel-failed">
              Could not cancel the run: {cancelProblem}
            </div>
          )}
          {state.step === 'cancelled' && (
            <div className="form-message" data-testid="matching-cancelled" data-ended={state.ended}>
              <strong>Matching cancelled.</strong> Nothing of this run was stored: the matches and the regional plan are the ones you had before.
            </div>
          )}
          {state.step === 'failed' && (
            <div className="form-message error" data-testid="matching-failed">
              <strong>Matching failed.</strong> {state.message}
              <div className="muted">The stored matches are unchanged. Engine errors are often transient: try again in a few minutes.</div>
            </div>
          )}
          {state.step === 'done' && <RunSummary result={state.result} />}
        </div>
        <footer className="modal-foot">
          {state.step === 'weights' && (
            <button type="button" className="btn btn-primary" onClick={() => void run(query)} data-testid="matching-run-weights">
              Run and plan
            </button>
          )}
          {running && (
            <button
              type="button"
              className="btn btn-danger"
              onClick={() => void cancel()}
              disabled={!state.jobId || state.cancelling}
              title="Stop this run: nothing of it is stored"
              data-testid="matching-cancel"
            >
              {state.cancelling ? 'Cancelling…' : 'Cancel run'}
            </button>
          )}
          {(state.step === 'done' || state.step === 'failed' || state.step === 'cancelled') && (
            <>
              <button type="button" className="btn" onClick={() => setState({ step: 'weights' })} data-testid="matching-adjust">
                Weights & objective…
              </button>
              {(state.step === 'failed' || state.step === 'cancelled') && (
                <button type="button" className="btn" onClick={() => void run(query)} data-testid="matching-again">
                  {state.step === 'cancelled' ? 'Run again' : 'Try again'}
                </button>
              )}
            </>
          )}
          {state.step === 'done' ? (
            <button type="button" className="btn btn-primary" onClick={onShowMatches} data-testid="matching-show">
              Show matches
            </button>
          ) : (
            <button type="button" className="btn" onClick={onClose} disabled={running}>
              Close
            </button>
          )}
        </footer>
      </div>
    </div>
  );
}

const PHASES = ['loading', 'matching', 'saving', 'planning'] as const;
const PHASE_LABEL: Record<string, string> = {
  starting: 'Starting…',
  loading: 'Loading flows',
  // the worker matches, then solves the plan while the matches are saved (docs/matching.md)
  matching: 'Matching',
  saving: 'Saving matches while the plan is solved',
  planning: 'Finishing and storing the regional plan',
};

function RunProgress({ phase, done, total, cancelling }: { phase: string; done: number; total: number; cancelling: boolean }) {
  // Overall: each phase a third; within a phase its done/total when known.
  const index = Math.max(0, PHASES.indexOf(phase as (typeof PHASES)[number]));
  const within = total > 0 ? done / total : 0;
  const pct = phase === 'starting' ? 0 : Math.round(((index + within) / PHASES.length) * 100);
  return (
    <div className="import-progress" data-testid="matching-progress" data-phase={phase} data-cancelling={cancelling}>
      <ol className="phases">
        {PHASES.map((p, i) => (
          <li key={p} className={i < index ? 'done' : i === index && phase !== 'starting' ? 'active' : ''}>
            {PHASE_LABEL[p]}
          </li>
        ))}
      </ol>
      <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} aria-label="Matching progress">
        <span style={{ width: `${pct}%` }} />
      </div>
      <div className="muted">
        {PHASE_LABEL[phase] ?? label(phase)}
        {total > 1 ? `: ${phase === 'planning' ? '' : `${formatCount(done)} of `}${formatCount(total)} ${phase === 'saving' ? 'matches' : phase === 'matching' ? 'flows' : phase === 'planning' ? 'plan members' : ''}` : '…'}
      </div>
      {cancelling && <div className="muted">Stopping the run; nothing of it will be stored.</div>}
    </div>
  );
}

function RunSummary({ result }: { result: MatchRunResult }) {
  const s = result.stats;
  const plan = result.plan;
  if (!s) return <div className="form-message saved">Matching finished.</div>;
  const total = s.matches;
  const share = (n: number) => (total > 0 ? formatPercent(n / total) : '–');
  const reasons = Object.entries(s.routes.reasons).filter(([, n]) => n > 0);
  return (
    <div className="import-summary" data-testid="matching-summary">
      <div className="form-message saved">
        Matching and planning finished: {formatCount(s.active_flows)} active flows ({formatCount(s.supplies)} supply, {formatCount(s.demands)} demand), {formatCount(s.pairs_examined)} pairs examined in{' '}
        {formatCount(Math.round(s.timings_ms.total))} ms.
      </div>
      <section className="run-plan" data-testid="matching-plan" aria-label="Regional plan">
        <h3>Regional plan</h3>
        <PlanTotals plan={plan ?? null} testid="run-plan" />
      </section>
      <h3 className="run-subhead">Alternatives (every match found)</h3>
      <div className="stat-grid">
        <div className="stat">
          <b data-testid="matching-found">{formatCount(total)}</b>
          <span>matches found</span>
        </div>
        <div className="stat">
          <b data-testid="matching-automated">{formatCount(s.routes.automated)}</b>
          <span>automated · {share(s.routes.automated)}</span>
        </div>
        <div className="stat">
          <b data-testid="matching-facilitated">{formatCount(s.routes.facilitated)}</b>
          <span>facilitated · {share(s.routes.facilitated)}</span>
        </div>
        <div className="stat">
          <b data-testid="matching-relaxed">{formatCount(s.relaxed_matches)}</b>
          <span>relaxed (fallback) · {share(s.relaxed_matches)}</span>
        </div>
      </div>
      <div className="split-bar" title="Automated / facilitated">
        <span className="auto" style={{ width: share(s.routes.automated).replace(' ', '') }} />
        <span className="fac" style={{ width: share(s.routes.facilitated).replace(' ', '') }} />
      </div>
      <dl className="kv kv-wide">
        <dt>Stored</dt>
        <dd>
          {formatCount(result.created)} new · {formatCount(result.updated)} updated · {formatCount(result.removed)} removed (suggestions no longer made)
        </dd>
        <dt>Candidates</dt>
        <dd>
          {formatCount(s.candidate_pairs)} pairs pass the hard constraints, {formatCount(s.eligible_pairs)} the filters
        </dd>
        {s.routes.by_type && Object.keys(s.routes.by_type).length > 0 && (
          <>
            <dt>Automated by type</dt>
            <dd className="wrap" data-testid="matching-by-type">
              {Object.entries(s.routes.by_type)
                .map(([type, t]) => `${typeLabel(type)} ${formatCount(t!.automated)} of ${formatCount(t!.matches)}`)
                .join(' · ')}
            </dd>
          </>
        )}
        {reasons.length > 0 && (
          <>
            <dt>Facilitated because</dt>
            <dd className="wrap">{reasons.map(([r, n]) => `${ROUTE_REASON_LABEL[r] ?? label(r)} (${formatCount(n)})`).join(' · ')}</dd>
          </>
        )}
        <dt>Settings</dt>
        <dd>
          top {s.config.top_n} per flow · ≤ {s.config.max_per_partner} per partner · {s.config.max_km === null ? 'type distance limits' : `≤ ${s.config.max_km} km`} · ≥{' '}
          {s.config.min_temporal_hours_per_week} h/week overlap
        </dd>
      </dl>
    </div>
  );
}

/** Six weights, top N, maximum distance. Values not set stay the engine's defaults. */
export function WeightsPanel({ query, onQuery, defaults }: { query: MatchQuery; onQuery(q: MatchQuery): void; defaults: MatchDefaults | undefined }) {
  const weights = weightsOf(query, defaults);
  const topN = query.top_n ?? defaults?.top_n ?? 20;
  const maxKm = query.max_km ?? 0;
  const setWeight = (c: (typeof SCORE_COMPONENTS)[number], v: number) => onQuery({ ...query, weights: { ...weights, [c]: v } });
  const positive = SCORE_COMPONENTS.filter((c) => !PENALTIES.has(c));
  const objective: PlanObjective = query.objective ?? 'npv';
  return (
    <div className="weights" data-testid="weights-panel">
      <fieldset className="objective-field" data-testid="plan-objective">
        <legend>Regional plan maximises</legend>
        {OBJECTIVES.map((o) => (
          <label key={o} title={OBJECTIVE_HELP[o]}>
            <input
              type="radio"
              name="plan-objective"
              value={o}
              checked={objective === o}
              onChange={() => {
                const { objective: _drop, ...rest } = query;
                onQuery(o === 'npv' ? rest : { ...rest, objective: o });
              }}
              data-testid={`objective-${o}`}
            />
            {OBJECTIVE_LABEL[o]}
            {o === 'npv' && <span className="muted"> (default)</span>}
          </label>
        ))}
        <p className="muted small">The plan allocates every supply and demand among the alternatives without promising any flow more than it has, choosing {OBJECTIVE_HELP[objective]}.</p>
      </fieldset>
      <p className="muted formula">
        score = {positive.map((c) => `${weights[c].toFixed(2)} ${c}`).join(' + ')} − {weights.transport.toFixed(2)} transport − {weights.regulatory.toFixed(2)} regulatory, normalised to 0–1
      </p>
      {SCORE_COMPONENTS.map((c) => (
        <label key={c} className={`weight-row ${PENALTIES.has(c) ? 'penalty' : ''}`} title={COMPONENT_HELP[c]}>
          <span className="weight-name">
            {label(c)}
            {PENALTIES.has(c) && <span className="muted"> (penalty)</span>}
          </span>
          <input type="range" min={0} max={1} step={0.01} value={weights[c]} onChange={(e) => setWeight(c, Number(e.target.value))} data-testid={`weight-${c}`} />
          <span className="weight-value">{weights[c].toFixed(2)}</span>
          <span className="muted weight-default">default {defaults ? (defaults.weights as Weights)[c].toFixed(2) : '–'}</span>
        </label>
      ))}
      <label className="weight-row">
        <span className="weight-name">Top N per flow</span>
        <input type="range" min={1} max={100} step={1} value={topN} onChange={(e) => onQuery({ ...query, top_n: Number(e.target.value) })} data-testid="weight-top-n" />
        <span className="weight-value">{topN}</span>
        <span className="muted weight-default">default {defaults?.top_n ?? '–'}</span>
      </label>
      <label className="weight-row">
        <span className="weight-name">Maximum distance</span>
        <input
          type="range"
          min={0}
          max={200}
          step={1}
          value={maxKm}
          onChange={(e) => {
            const v = Number(e.target.value);
            const { max_km: _drop, ...rest } = query;
            onQuery(v > 0 ? { ...rest, max_km: v } : rest);
          }}
          data-testid="weight-max-km"
        />
        <span className="weight-value">{maxKm > 0 ? `${maxKm} km` : 'off'}</span>
        <span className="muted weight-default">0 = type limits only</span>
      </label>
      <div className="form-actions">
        <span className="muted">Type limits: heat 15 km, steam and cooling 5, water 20, material and waste 100 … (the lower limit applies).</span>
        <button type="button" className="btn btn-small" onClick={() => onQuery({})} data-testid="weights-reset">
          Reset to defaults
        </button>
      </div>
    </div>
  );
}
