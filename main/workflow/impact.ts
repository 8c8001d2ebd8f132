/**
 * The impact of the exchanges a facilitator has brought to contract or to life: CO2 avoided,
 * annual value, energy, tonnes and water per year, straight from each stored match's economics
 * (the engine's numbers, so the dashboard equals the match detail and the partner packet).
 *
 * The delivered quantity per year is already in the type's base unit (the engine turned kW into
 * MWh/yr and m3/h into m3/yr over the hours the exchange runs), so the only decision here is
 * which column it lands in: MWh -> energy, m3 -> water, t -> tonnes; Nm3, t*km and hours have no
 * column (their value and CO2 still count).
 *
 * Beside them, the potential: the regional plan's totals (plan members only, at their allocation).
 */
import type { PlanMemberFigures, PlanSummary } from '../db/plan-store.ts';
import type { ExchangeRow } from '../db/workflow.ts';

export const IMPACT_METRICS = ['co2_t', 'value_eur', 'energy_mwh', 'tonnes_t', 'water_m3'] as const;
export type ImpactMetric = (typeof IMPACT_METRICS)[number];
export type ImpactFigures = Record<ImpactMetric, number>;

export interface ImpactRow extends ImpactFigures {
  id: string;
  status: 'contracted' | 'live';
  type: string;
  supply_organization: string;
  demand_organization: string;
  contracted_at: string | null;
  live_at: string | null;
  /** The delivered quantity per year as the engine states it, e.g. { amount: 6000, unit: "MWh/yr" }. */
  delivered_per_year: { amount: number; unit: string };
}

export interface ImpactSummary {
  rows: ImpactRow[];
  totals: { live: ImpactFigures; contracted: ImpactFigures; all: ImpactFigures };
  by_type: (ImpactFigures & { type: string; count: number })[];
  /** Cumulative figures by the month the exchanges were contracted (YYYY-MM), oldest first. */
  over_time: (ImpactFigures & { month: string; count: number })[];
  counts: { live: number; contracted: number };
}

/**
 * The potential: the regional plan of the last run (domain.md 5.1), beside what is contracted and
 * live. Its figures count plan members only, each at its allocated share, so a demand's value is
 * never counted once per competing supplier. Null in the report before any plan was made.
 */
export type ImpactPotential = Pick<
  PlanSummary,
  'objective' | 'objective_value' | 'bound' | 'gap' | 'status' | 'members' | 'candidates' | 'totals' | 'by_type' | 'created_at' | 'engine_version'
> & {
  /** The plan members in the dashboard's columns (CO2, value, energy, tonnes, water), at their allocation. */
  figures: ImpactFigures;
};

/** One plan member in the dashboard's columns, at its allocated share. */
export interface PotentialRow extends ImpactFigures {
  id: string;
  type: string;
  /** The match's lifecycle status (a plan member may be suggested, negotiating ... live). */
  match_status: string;
  supply_organization: string;
  demand_organization: string;
  share: number;
  delivered_per_year: { amount: number; unit: string };
}

const zero = (): ImpactFigures => ({ co2_t: 0, value_eur: 0, energy_mwh: 0, tonnes_t: 0, water_m3: 0 });

function add(into: ImpactFigures, from: ImpactFigures): void {
  for (const k of IMPACT_METRICS) into[k] += from[k];
}

const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : 0);

/** The columns a delivered quantity per year lands in: MWh -> energy, t -> tonnes, m3 -> water. */
function quantityColumns(amount: number, unit: string): Pick<ImpactFigures, 'energy_mwh' | 'tonnes_t' | 'water_m3'> {
  const base = unit.replace(/\/yr$/, '');
  return { energy_mwh: base === 'MWh' ? amount : 0, tonnes_t: base === 't' ? amount : 0, water_m3: base === 'm3' ? amount : 0 };
}

/**
 * A plan member at its allocation: value and CO2 as the plan computed them; the quantity per year
 * is the allocated heat (MWh/yr) for heat, steam and cooling, else the stand-alone quantity per
 * year times the share.
 */
export function potentialRow(m: PlanMemberFigures): PotentialRow {
  const a = m.allocation as { delivered_mwh_per_year?: unknown; co2_t_per_year?: unknown; annual_value_eur?: unknown };
  const stated = m.delivered_per_year as { amount?: unknown; unit?: unknown } | null | undefined;
  const share = m.share;
  const heat = typeof a.delivered_mwh_per_year === 'number';
  const amount = heat ? num(a.delivered_mwh_per_year) : num(stated?.amount) * share;
  const unit = heat ? 'MWh/yr' : typeof stated?.unit === 'string' ? stated.unit : '';
  return {
    id: m.id,
    type: m.type,
    match_status: m.status,
    supply_organization: m.supply_organization,
    demand_organization: m.demand_organization,
    share,
    delivered_per_year: { amount, unit },
    co2_t: num(a.co2_t_per_year),
    value_eur: num(a.annual_value_eur),
    ...quantityColumns(amount, unit),
  };
}

/** The potential of a plan: its summary's figures and its members' columns (null: no plan yet). */
export function potentialOf(plan: PlanSummary | null, members: readonly PotentialRow[]): ImpactPotential | null {
  if (plan === null) return null;
  const figures = zero();
  for (const r of members) add(figures, r);
  return {
    objective: plan.objective,
    objective_value: plan.objective_value,
    bound: plan.bound,
    gap: plan.gap,
    status: plan.status,
    members: plan.members,
    candidates: plan.candidates,
    totals: plan.totals,
    by_type: plan.by_type,
    figures,
    created_at: plan.created_at,
    engine_version: plan.engine_version,
  };
}

export function impactRow(x: ExchangeRow): ImpactRow {
  const e = x.economics as { co2_t_per_year?: unknown; annual_value_eur?: unknown; delivered_per_year?: { amount?: unknown; unit?: unknown } };
  const amount = num(e.delivered_per_year?.amount);
  const unit = typeof e.delivered_per_year?.unit === 'string' ? e.delivered_per_year.unit : '';
  return {
    id: x.id,
    status: x.status,
    type: x.type,
    supply_organization: x.supply_organization,
    demand_organization: x.demand_organization,
    contracted_at: x.contracted_at,
    live_at: x.live_at,
    delivered_per_year: { amount, unit },
    co2_t: num(e.co2_t_per_year),
    value_eur: num(e.annual_value_eur),
    ...quantityColumns(amount, unit),
  };
}

export function summarizeImpact(exchanges: ExchangeRow[]): ImpactSummary {
  const rows = exchanges.map(impactRow);
  const totals = { live: zero(), contracted: zero(), all: zero() };
  const byType = new Map<string, ImpactFigures & { type: string; count: number }>();
  const byMonth = new Map<string, ImpactFigures & { count: number }>();
  for (const r of rows) {
    add(totals[r.status], r);
    add(totals.all, r);
    const t = byType.get(r.type) ?? { type: r.type, count: 0, ...zero() };
    add(t, r);
    t.count += 1;
    byType.set(r.type, t);
    // A live exchange that skipped no step was contracted first; one without a contract event
    // (data from before the audit trail) is placed by the time it went live.
    const when = r.contracted_at ?? r.live_at;
    if (when) {
      const month = when.slice(0, 7);
      const m = byMonth.get(month) ?? { count: 0, ...zero() };
      add(m, r);
      m.count += 1;
      byMonth.set(month, m);
    }
  }
  const cumulative = zero();
  let count = 0;
  const over_time = [...byMonth.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([month, m]) => {
      add(cumulative, m);
      count += m.count;
      return { month, count, ...cumulative };
    });
  return {
    rows,
    totals,
    by_type: [...byType.values()].sort((a, b) => b.co2_t - a.co2_t || a.type.localeCompare(b.type)),
    over_time,
    counts: { live: rows.filter((r) => r.status === 'live').length, contracted: rows.filter((r) => r.status === 'contracted').length },
  };
}
