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
import type { AllocatedEconomics, HeatView } from '../../../main/api/contract-types.ts';

export type MatchRecord = Outputs['matches']['list']['items'][number];
/** A row of the match list's pages (`matches.page`): columns, names, plan allocation, NPV, annual value and heat view only. */
export type MatchListRow = Outputs['matches']['page']['items'][number];
export type MatchPage = Outputs['matches']['page'];
/** A line of the map (`matches.lines`): the match's columns and its two sites' ids. */
export type MatchLine = Outputs['matches']['lines']['items'][number];
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

// ---- version 2: hourly heat, the regional plan (main/matching/economics.ts HeatView, plan-input.ts AllocatedEconomics) ----

export type { HeatView } from '../../../main/api/contract-types.ts';
/** A plan member's numbers at its allocated share (the engine's AllocatedEconomics). */
export type Allocation = AllocatedEconomics;

export type PlanSummary = NonNullable<Outputs['matching']['plan']>;
export type PlanObjective = PlanSummary['objective'];
export type HourlySeries = NonNullable<Outputs['matches']['hourly']>;

/** The heat view of a match's economics (null for other types and for matches priced by engine 1). */
export const heatOf = (m: Pick<MatchRecord, 'economics'>): HeatView | null => {
  const h = (m.economics as { heat?: unknown }).heat;
  return h && typeof h === 'object' ? (h as HeatView) : null;
};

/** The plan's allocation of a match, null for an alternative outside the plan. */
export const allocationOf = (m: Pick<MatchRecord, 'plan'>): Allocation | null => (m.plan ? (m.plan.allocation as unknown as Allocation) : null);

/** Whether a match is a member of the regional plan. */
export const inPlan = (m: Pick<MatchRecord, 'plan'>): boolean => m.plan !== null && m.plan !== undefined;

export const OBJECTIVES: readonly PlanObjective[] = ['npv', 'co2', 'energy'];
export const OBJECTIVE_LABEL: Record<PlanObjective, string> = { npv: 'NPV', co2: 'CO₂ avoided', energy: 'Delivered energy' };
export const OBJECTIVE_HELP: Record<PlanObjective, string> = {
  npv: 'the largest total net present value (the default: what the exchanges are worth to the partners)',
  co2: 'the most CO₂ avoided per year',
  energy: 'the most energy delivered per year (heat, steam, cooling, electricity)',
};

/** Plain words for the plan's solver status. */
export function planStatusText(plan: Pick<PlanSummary, 'status' | 'gap'>): { text: string; warn: boolean } {
  const gap = Number.isFinite(plan.gap) ? `${(plan.gap * 100).toFixed(plan.gap > 0 && plan.gap < 0.001 ? 3 : 1)} %` : '–';
  switch (plan.status) {
    case 'optimal':
      return { text: `optimal (gap ${gap}: no better plan exists)`, warn: false };
    case 'time_limit':
      return { text: `stopped at the time limit: within ${gap} of the best possible plan`, warn: plan.gap > 0.01 };
    case 'greedy_fallback':
      return { text: `the solver failed on part of the region: there, a greedy pick of the alternatives (every flow still within what it has; gap ${gap})`, warn: true };
    case 'repaired':
      return { text: `repaired after solving so that no flow is over-allocated (gap ${gap})`, warn: true };
    case 'over_allocated':
      return { text: 'the exchanges reserved, contracted or live already promise a flow more than it has: see the notes', warn: true };
    default:
      return { text: `${plan.status} (gap ${gap})`, warn: true };
  }
}

/** The one line that says what the plan's totals are. */
export function planExplanation(plan: Pick<PlanSummary, 'objective' | 'members' | 'candidates'>): string {
  const goal = plan.objective === 'co2' ? 'the most CO₂ avoided' : plan.objective === 'energy' ? 'the most energy delivered' : 'the largest total NPV';
  return (
    `Totals of the ${plan.members.toLocaleString('en-GB')} plan members only, never sums of competing alternatives: of ${plan.candidates.toLocaleString('en-GB')} alternatives the plan picks ${goal} ` +
    'while giving no supply or demand more than it has (hour by hour for heat).'
  );
}

/** A flow type as a label: "Heat", "CO₂", "Compressed air". */
export function typeLabel(type: string): string {
  if (type === 'co2') return 'CO₂';
  return type.replaceAll('_', ' ').replace(/^./, (c) => c.toUpperCase());
}

// ---- colours of the flow types (plan members on the map and in lists) --------------------------------

export const TYPE_COLORS: Record<string, string> = {
  heat: '#d6452b',
  steam: '#a4308f',
  cooling: '#1f6fc5',
  electricity: '#d19a00',
  water: '#0e9aa7',
  wastewater: '#8c6d31',
  compressed_air: '#5e9fd6',
  co2: '#5b3f8c',
  material: '#2e8b3e',
  waste: '#6f8a12',
  logistics: '#b5651d',
  service: '#c2185b',
};
export const OTHER_TYPE_COLOR = '#334155';
/** Alternatives (not in the plan) on the map: thin, dashed, this grey. */
export const ALTERNATIVE_COLOR = '#7b8794';

export function typeColor(type: string): string {
  return TYPE_COLORS[type] ?? OTHER_TYPE_COLOR;
}

/** The MapLibre `match` expression for the type colours (on the feature's `type`). */
export function typeColorExpression(): unknown[] {
  return ['match', ['get', 'type'], ...Object.entries(TYPE_COLORS).flat(), OTHER_TYPE_COLOR];
}

// ---- lists grouped by the flow the alternatives compete for ----------------------------------------

export type GroupSide = 'supply' | 'demand';

export interface FlowGroup {
  side: GroupSide;
  flow_id: string;
  flow_name: string;
  flow_type: string;
  organization_name: string;
  site_name: string;
  /** Plan members first (largest allocation first), then the alternatives in the list's order. */
  matches: MatchListRow[];
  /** Alternatives of the flow that pass the filter but are not in `matches` (the page sends the first ones). */
  more: number;
  members: number;
  alternatives: number;
  /** What the plan takes of the flow, in `unit` (heat: MWh/yr at the exchanger for a supply, delivered for a demand). */
  allocated: number;
  /** The flow's own quantity in the same unit when the matches tell it (heat, steam, cooling); else null. */
  capacity: number | null;
  unit: string | null;
  /** Heat supplies: pipe losses included in `allocated`, MWh/yr. */
  losses: number;
}

/**
 * Groups matches by their supply (or demand) flow, in the order of the list (a group stands where
 * its first match stood). Heat, steam and cooling give the flow's own yearly energy from the hourly
 * economics: a supply's is what it offers after the exchanger, and a member uses its delivered heat
 * plus its pipe's losses (the plan's own accounting); a demand's is its need, met by the delivered
 * heat. Other types give the allocated quantity; the flow's own quantity is looked up separately.
 */
export function groupByFlow(matches: readonly MatchListRow[], side: GroupSide, counts?: readonly { flow_id: string; members: number; alternatives: number }[]): FlowGroup[] {
  const groups = new Map<string, FlowGroup>();
  for (const m of matches) {
    const s = m[side];
    let g = groups.get(s.flow_id);
    if (!g) {
      g = { side, flow_id: s.flow_id, flow_name: s.flow_name, flow_type: s.flow_type, organization_name: s.organization_name, site_name: s.site_name, matches: [], more: 0, members: 0, alternatives: 0, allocated: 0, capacity: null, unit: null, losses: 0 };
      groups.set(s.flow_id, g);
    }
    g.matches.push(m);
    const h = m.priced_by === 'v2' ? heatOf(m) : null;
    if (h) {
      g.capacity = Math.max(g.capacity ?? 0, side === 'supply' ? h.available_mwh_per_year : h.demand_mwh_per_year);
      g.unit = 'MWh/yr';
    }
    const a = allocationOf(m);
    if (a) {
      g.members += 1;
      if (h) {
        const delivered = a.delivered_mwh_per_year ?? a.allocated.amount;
        // The pipe loses its heat in every hour it delivers, whatever the share (the plan's accounting).
        const losses = side === 'supply' && delivered > 0 ? ((h.loss_w_per_m * h.route_m) / 1e6) * h.hours_delivering : 0;
        g.allocated += delivered + losses;
        g.losses += losses;
      } else {
        g.allocated += a.allocated.amount;
        g.unit ??= a.allocated.unit;
      }
    } else g.alternatives += 1;
  }
  // The server's counts of each group (it sends every member, the first alternatives).
  for (const c of counts ?? []) {
    const g = groups.get(c.flow_id);
    if (g && c.alternatives > g.alternatives) {
      g.more = c.alternatives - g.alternatives;
      g.alternatives = c.alternatives;
    }
  }
  for (const g of groups.values()) {
    const order = new Map(g.matches.map((m, i) => [m.id, i]));
    g.matches.sort((a, b) => {
      const x = allocationOf(a);
      const y = allocationOf(b);
      if (x && !y) return -1;
      if (y && !x) return 1;
      if (x && y && x.allocated.amount !== y.allocated.amount) return y.allocated.amount - x.allocated.amount;
      return order.get(a.id)! - order.get(b.id)!;
    });
  }
  return [...groups.values()];
}
