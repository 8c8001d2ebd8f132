/**
 * What the renderer knows about matches: the record types (from the API contract), the shapes of
 * the engine's `economics` and `detail` (typed `Record<string, unknown>` by the store, so they are
 * described here), the lifecycle rules (a copy of main/domain/match-lifecycle.ts; the renderer may
 * only import types from main/, and the end-to-end test checks the copy equals the original), the
 * score colour classes and plain-language labels.
 *
 * Pure: no React, no maplibre (the e2e test imports it).
 */
import type { MatchStatus } from '../../../main/domain/field-entities.ts';
import type { CloseReason } from '../../../main/domain/match-lifecycle.ts';
import type { Inputs, Outputs } from '../api.ts';

export type MatchRecord = Outputs['matches']['list']['items'][number];
export type MatchWithEvents = Outputs['matches']['get'];
export type MatchEvent = MatchWithEvents['events'][number];
export type MatchSummary = Outputs['matches']['summary'];
export type MatchDefaults = Outputs['matching']['defaults'];
export type MatchQuery = Exclude<Inputs['matching']['run'], void | undefined>;
export type MatchListFilter = Exclude<Inputs['matches']['list'], void | undefined>;
export type { MatchStatus, CloseReason };

/** What `matching.watch` delivers: plain job events (not tracked envelopes). */
export type MatchJobEvent = Outputs['matching']['watch'] extends AsyncIterable<infer T> ? T : never;
export type MatchRunResult = Extract<MatchJobEvent, { kind: 'done' }>['result'];

export const SCORE_COMPONENTS = ['quality', 'temporal', 'quantity', 'trust', 'transport', 'regulatory'] as const;
export type ScoreComponent = (typeof SCORE_COMPONENTS)[number];
export type Weights = Record<ScoreComponent, number>;
/** Transport and regulatory are penalties: they are subtracted. */
export const PENALTIES: ReadonlySet<ScoreComponent> = new Set(['transport', 'regulatory']);

export const COMPONENT_HELP: Record<ScoreComponent, string> = {
  quality: 'Temperature, pressure, purity and material category fit (mean of the attributes both sides state)',
  temporal: 'Share of the demand’s weekly hours and months the supply covers',
  quantity: 'Delivered supply (after losses) / demand, capped at 1',
  trust: 'Data precision of both flows × trust in both organizations',
  transport: 'Penalty: distance / distance limit',
  regulatory: 'Penalty: waste 0.3, hazardous 0.7, +0.1 across a border',
};

export const MATCH_STATUSES: readonly MatchStatus[] = ['suggested', 'negotiating', 'reserved', 'contracted', 'live', 'failed', 'cancelled'];
export const MATCH_ROUTES = ['automated', 'facilitated'] as const;

/** Copy of main/domain/match-lifecycle.ts TRANSITIONS (checked equal by test/e2e/matching.test.ts). */
export const TRANSITIONS: Readonly<Record<MatchStatus, readonly MatchStatus[]>> = {
  suggested: ['negotiating', 'failed', 'cancelled'],
  negotiating: ['reserved', 'suggested', 'failed', 'cancelled'],
  reserved: ['contracted', 'negotiating', 'failed', 'cancelled'],
  contracted: ['live', 'failed', 'cancelled'],
  live: ['failed', 'cancelled'],
  failed: [],
  cancelled: [],
};
/** Copy of CLOSE_REASONS (checked equal by the e2e test). */
export const CLOSE_REASONS: readonly CloseReason[] = ['economics', 'technical', 'regulatory', 'partner_declined', 'timing', 'data_quality', 'other'];
export const TERMINAL: ReadonlySet<MatchStatus> = new Set(['failed', 'cancelled']);
/** The main path of the lifecycle, for the stepper. */
export const MAIN_PATH: readonly MatchStatus[] = ['suggested', 'negotiating', 'reserved', 'contracted', 'live'];

export const ROUTE_REASON_LABEL: Record<string, string> = {
  hazardous: 'hazardous waste',
  risk: 'regulatory risk above 0.5',
  rough_data: 'rough data on one side',
  cross_border: 'crosses a national border',
  capex: 'capex above €500,000',
  new_pipe: 'needs a new pipe (over 100 m)',
  new_cable: 'needs a new cable (over 100 m)',
  permit: 'waste the demand\'s permit does not cover (no matching R-code)',
  quality_relaxed: 'quality outside the demand\'s stated limits',
  // matches stored by engine 1.x
  high_complexity: 'high implementation complexity',
};

export const RELAXED_LABEL: Record<string, string> = {
  distance: 'distance limit × 1.5',
  tolerances: 'quality tolerances × 1.5',
  temporal: 'minimum weekly hours halved',
};

// ---- engine shapes (main/matching/match.ts EngineMatch, main/matching/economics.ts EconomicsView) ----

export interface SensitivityPoint {
  change: number;
  npv_eur: number;
}

export interface Economics {
  capex_eur: number;
  opex_eur_per_year: number;
  annual_value_eur: number;
  cash_flow_eur_per_year: number;
  npv_eur: number;
  irr: number | null;
  payback_years: number | null;
  co2_t_per_year: number;
  delivered: { amount: number; unit: string };
  delivered_per_year?: { amount: number; unit: string };
  hours_per_year?: number;
  price?: { eur_per_unit: number; unit: string; source: string };
  avoided_disposal?: { eur_per_unit: number; unit: string; source: string };
  capex_breakdown?: Record<string, number>;
  truck_opex_eur_per_year?: number;
  sensitivity?: { annual_value: SensitivityPoint[]; capex: SensitivityPoint[] };
  complexity?: {
    level: string;
    risk_level: string;
    multiplier: number;
    exchange_cost_eur: number;
    risk_mitigation_eur: number;
    compliance_eur: number;
    npv_after_exchange_costs_eur: number;
  };
}

export interface MatchDetailFields {
  score_raw?: number;
  quality_detail?: { temperature?: number; pressure?: number; purity?: number; category?: number };
  limit_km?: number;
  route_reasons?: string[];
  tightest_constraint?: { constraint: string; used: number };
  rank?: { supply: number | null; demand: number | null };
  demand_type?: string;
}

export const economicsOf = (m: Pick<MatchRecord, 'economics'>): Economics => m.economics as unknown as Economics;
export const detailOf = (m: Pick<MatchRecord, 'detail'>): MatchDetailFields => m.detail as MatchDetailFields;

// ---- score explanation ------------------------------------------------------------------------------

export interface ComponentRow {
  component: ScoreComponent;
  value: number;
  weight: number;
  penalty: boolean;
  /** Signed contribution to the raw score: +w·s, or −w·p for penalties. */
  contribution: number;
  /** Score lost to this component: w·(1 − s), or w·p for penalties. */
  loss: number;
}

export function explainScore(scores: Record<string, number>, weights: Weights): { rows: ComponentRow[]; raw: number; lowest: number; highest: number; normalised: number } {
  const rows = SCORE_COMPONENTS.map((component) => {
    const value = scores[component] ?? 0;
    const weight = weights[component];
    const penalty = PENALTIES.has(component);
    return { component, value, weight, penalty, contribution: penalty ? -weight * value : weight * value, loss: penalty ? weight * value : weight * (1 - value) };
  });
  const raw = rows.reduce((sum, r) => sum + r.contribution, 0);
  const lowest = -rows.filter((r) => r.penalty).reduce((s, r) => s + r.weight, 0);
  const highest = rows.filter((r) => !r.penalty).reduce((s, r) => s + r.weight, 0);
  const span = highest - lowest;
  return { rows, raw, lowest, highest, normalised: span > 0 ? (raw - lowest) / span : 0 };
}

// ---- score colours (map lines, list, legend) ----------------------------------------------------------

/** Lower bounds, best first. */
export const SCORE_CLASSES: readonly { min: number; color: string; label: string }[] = [
  { min: 0.8, color: '#146c36', label: '≥ 0.80' },
  { min: 0.7, color: '#4fa25a', label: '0.70 – 0.80' },
  { min: 0.6, color: '#c99a06', label: '0.60 – 0.70' },
  { min: 0.5, color: '#e0661b', label: '0.50 – 0.60' },
  { min: -Infinity, color: '#b3202b', label: '< 0.50' },
];

export function scoreColor(score: number): string {
  return (SCORE_CLASSES.find((c) => score >= c.min) ?? SCORE_CLASSES[SCORE_CLASSES.length - 1]!).color;
}

/** The MapLibre `step` expression for the same classes (on the feature's `score`). */
export function scoreColorExpression(): unknown[] {
  const ascending = [...SCORE_CLASSES].reverse();
  const expression: unknown[] = ['step', ['get', 'score'], ascending[0]!.color];
  for (const c of ascending.slice(1)) expression.push(c.min, c.color);
  return expression;
}

export function statusLabel(status: string): string {
  return status.charAt(0).toUpperCase() + status.slice(1);
}
