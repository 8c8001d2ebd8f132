/**
 * The workflow over the store: the impact dashboard (projected and, where meters are bound,
 * measured) and the verification of one exchange. Pure figures live in impact.ts and mv.ts; this
 * file only loads what they need.
 */
import type { Repository } from '../db/repository.ts';
import type { ExchangeRow, MeterBinding } from '../db/workflow.ts';
import { potentialOf, potentialRow, summarizeImpact, type ImpactPotential, type ImpactSummary, type PotentialRow } from './impact.ts';
import { impactCsv, type MeasuredColumns } from './impact-csv.ts';
import { loadSeries } from './meter-series.ts';
import { projectionOf, verify, type Verification } from './mv.ts';

export interface VerifiedExchange {
  match_id: string;
  status: 'contracted' | 'live';
  type: string;
  supply_organization: string;
  demand_organization: string;
  verification: Verification;
}

export interface ImpactReport extends ImpactSummary {
  /** The regional plan's totals, members, objective and gap beside the contracted and live figures; null before any plan. */
  potential: ImpactPotential | null;
  /** One entry per exchange with meters bound. */
  verified: VerifiedExchange[];
  /** Sums over the verified exchanges, measured beside projected for the same covered time. */
  verified_totals: {
    count: number;
    value_eur: number;
    co2_t: number;
    projected_value_eur: number;
    projected_co2_t: number;
    value_eur_per_year: number;
    co2_t_per_year: number;
  };
}

export interface PeriodOptions {
  fromMs?: number | undefined;
  toMs?: number | undefined;
  now?: Date | undefined;
}

async function verifyOne(repo: Repository, x: ExchangeRow, bindings: MeterBinding[], options: PeriodOptions): Promise<Verification> {
  const now = (options.now ?? new Date()).getTime();
  const toMs = options.toMs ?? now;
  // Default period: since the exchange went live (what is claimed since then); before it went live
  // (contracted, meters being commissioned) or without an audit date, everything up to now.
  const fromMs = options.fromMs ?? (x.live_at ? Date.parse(x.live_at) : 0);
  const series = await Promise.all(bindings.map((b) => loadSeries(repo, b, fromMs, toMs)));
  const firstReading = Math.min(...series.flatMap((s) => s.samples.slice(0, 1).map((r) => r.ts_ms)), toMs);
  return verify(projectionOf(x.economics), series, options.fromMs ?? (x.live_at ? fromMs : firstReading), toMs);
}

/** The plan members of the last plan, in the dashboard's columns at their allocation, in the match list's NPV order (none before any plan). */
export async function potentialRows(repo: Repository): Promise<PotentialRow[]> {
  return (await repo.plan.memberFigures()).map(potentialRow);
}

/**
 * The plan's potential per data generation (MatchStore.generation: any run, plan, lifecycle step or
 * synced write moves it on). Reading every plan member's figures takes ~1 s on 50,000 flows, and
 * the dashboard asks again after every lifecycle step elsewhere; the generation is read before the
 * data, so a write in between makes the next report read again.
 */
const keptPotential = new WeakMap<Repository, { generation: string; potential: Promise<ImpactPotential | null> }>();

async function potentialOfRepo(repo: Repository): Promise<ImpactPotential | null> {
  const generation = await repo.matches.generation();
  let kept = keptPotential.get(repo);
  if (!kept || kept.generation !== generation) {
    const potential = (async () => {
      const plan = await repo.plan.summary();
      return potentialOf(plan, plan ? await potentialRows(repo) : []);
    })();
    keptPotential.set(repo, (kept = { generation, potential }));
    // a failed read is not kept
    potential.catch(() => keptPotential.get(repo)?.potential === potential && keptPotential.delete(repo));
  }
  return kept.potential;
}

export async function impactReport(repo: Repository, options: PeriodOptions = {}): Promise<ImpactReport> {
  const exchanges = await repo.workflow.exchanges();
  const summary = summarizeImpact(exchanges);
  const potential = await potentialOfRepo(repo);
  const bindings = await repo.workflow.listMeters();
  const verified: VerifiedExchange[] = [];
  for (const x of exchanges) {
    const own = bindings.filter((b) => b.match_id === x.id);
    if (own.length === 0) continue;
    verified.push({
      match_id: x.id,
      status: x.status,
      type: x.type,
      supply_organization: x.supply_organization,
      demand_organization: x.demand_organization,
      verification: await verifyOne(repo, x, own, options),
    });
  }
  const t = { count: verified.length, value_eur: 0, co2_t: 0, projected_value_eur: 0, projected_co2_t: 0, value_eur_per_year: 0, co2_t_per_year: 0 };
  for (const v of verified) {
    t.value_eur += v.verification.value_eur;
    t.co2_t += v.verification.co2_t;
    t.projected_value_eur += v.verification.projected_value_eur_for_period;
    t.projected_co2_t += v.verification.projected_co2_t_for_period;
    t.value_eur_per_year += v.verification.value_eur_per_year ?? 0;
    t.co2_t_per_year += v.verification.co2_t_per_year ?? 0;
  }
  return { ...summary, potential, verified, verified_totals: t };
}

/** The verification of one exchange (contracted or live) with meters bound. */
export async function verifyExchange(repo: Repository, matchId: string, options: PeriodOptions = {}): Promise<Verification | null> {
  const x = (await repo.workflow.exchanges()).find((e) => e.id === matchId);
  if (!x) return null;
  const own = await repo.workflow.listMeters(matchId);
  return own.length ? verifyOne(repo, x, own, options) : null;
}

/** The dashboard's CSV: the contracted and live exchanges, then the plan members as `potential` rows (`potential`: from `potentialRows`). */
export function reportCsv(report: ImpactReport, potential: readonly PotentialRow[] = []): string {
  const measured = new Map<string, MeasuredColumns>(
    report.verified.map((v) => [v.match_id, { measured_per_year: v.verification.measured_per_year, measured_unit: `${v.verification.unit}/yr`, coverage: v.verification.coverage }]),
  );
  return impactCsv(report.rows, measured, { plan: report.potential, rows: potential });
}

/** The report and its CSV with the potential rows, as the API and `turash impact --csv` export it. */
export async function impactCsvExport(repo: Repository, options: PeriodOptions = {}): Promise<{ report: ImpactReport; csv: string }> {
  const report = await impactReport(repo, options);
  const csv = reportCsv(report, report.potential ? await potentialRows(repo) : []);
  return { report, csv };
}
