/**
 * The match record the engine hands out (the `turash match --json` shape of architecture.md, plus
 * the explanation fields), built from a pair by re-running the same evaluator, economics and
 * scores the ranking used, so every number shown is the number ranked on.
 */
import type { FlowType } from '../domain/entities.ts';
import { effectivePrecisionAt, type CompiledFlow, type FlowColumns } from './compiled.ts';
import { evaluatePair, newFacts, relaxationNames, type Thresholds } from './compatibility.ts';
import { ENGINE_VERSION, type Relaxation, type ScoreComponent } from './config.ts';
import { deliveredAmount, economicsAssumptions, economicsView, newEconNumbers, pairEconomics, type EconContext, type EconomicsView } from './economics.ts';
import { routeFactsOf, routeOf, type Route, type RouteReason } from './router.ts';
import { bindingComponent, computeScores, newScores, tightestConstraint, type ScoreScale, type TightConstraint } from './scores.ts';

export interface EngineMatch {
  /** Stable: `m-<supply flow id>-<demand flow id>`. */
  id: string;
  supply_flow_id: string;
  demand_flow_id: string;
  supply_organization_id: string;
  demand_organization_id: string;
  type: FlowType;
  demand_type: FlowType;
  /** Normalised score 0..1: (raw + 0.20) / 0.95 with the default weights. */
  score: number;
  score_raw: number;
  scores: { quality: number; temporal: number; quantity: number; trust: number; transport: number; regulatory: number };
  /** Quality sub-scores for the attributes both sides state. */
  quality_detail: { temperature?: number; pressure?: number; purity?: number; category?: number };
  distance_km: number;
  /** The effective distance limit as stated (before any relaxation). */
  limit_km: number;
  route: Route;
  route_reasons: RouteReason[];
  /** What the fallback had to relax for this pair ([] when it passes as stated). */
  relaxed: Relaxation[];
  /** The score component that costs this match the most (null for a perfect match). */
  binding_constraint: ScoreComponent | null;
  /** The hard constraint whose limit it uses most, as a fraction of the limit (> 1: relaxed). */
  tightest_constraint: { constraint: TightConstraint; used: number };
  assumptions: string[];
  economics: EconomicsView;
  /** Position in the supply flow's and in the demand flow's top N (null: not in that flow's list). */
  rank: { supply: number | null; demand: number | null };
  engine_version: string;
}

/** Scratch numbers of buildMatch: economicsView copies what the record keeps. */
const scratchEcon = newEconNumbers();

export const matchId = (supplyId: string, demandId: string) => `m-${supplyId}-${demandId}`;

export type { ScoreScale } from './scores.ts';

/** `cols` holds the hot columns of `s` and `d` at positions `s.idx` and `d.idx` (the matcher's table). */
export function buildMatch(cols: FlowColumns, s: CompiledFlow, d: CompiledFlow, th: Thresholds, ec: EconContext, scale: ScoreScale, rank: { supply: number | null; demand: number | null }): EngineMatch {
  const f = newFacts();
  const r = evaluatePair(cols, s.idx, d.idx, th, f);
  if (r < 0) throw new Error(`internal: ${s.id} -> ${d.id} is not a candidate`);
  const e = pairEconomics(cols, s.idx, d.idx, f, ec, scratchEcon);
  f.delivered = deliveredAmount(cols.typeCode[s.idx]!, cols.amount[s.idx]!, cols.amount[d.idx]!, f.distanceKm, ec);
  const sc = computeScores(cols, s.idx, d.idx, f, th, scale, newScores());
  const c = th.config;
  const economics = economicsView(s, d, f.distanceKm, sc.regulatory, e, ec);
  const ps = effectivePrecisionAt(s, th.cutoffMs);
  const pd = effectivePrecisionAt(d, th.cutoffMs);
  const { route, reasons } = routeOf(routeFactsOf(s, d, f, sc.regulatory, e.capex, ps === 'rough' || pd === 'rough'), c);
  const assumptions = economicsAssumptions(s, d, e, c);
  if (s.precision === 'measured' && ps !== 'measured') assumptions.push(`${s.id}: measurement older than ${c.measurement_max_age_days} days, counted as estimated`);
  if (d.precision === 'measured' && pd !== 'measured') assumptions.push(`${d.id}: measurement older than ${c.measurement_max_age_days} days, counted as estimated`);
  const quality_detail: EngineMatch['quality_detail'] = {};
  if (!Number.isNaN(f.tempScore)) quality_detail.temperature = f.tempScore;
  if (!Number.isNaN(f.pressureScore)) quality_detail.pressure = f.pressureScore;
  if (!Number.isNaN(f.purityScore)) quality_detail.purity = f.purityScore;
  if (!Number.isNaN(f.categoryScore)) quality_detail.category = f.categoryScore;
  return {
    id: matchId(s.id, d.id),
    supply_flow_id: s.id,
    demand_flow_id: d.id,
    supply_organization_id: s.src.organization_id,
    demand_organization_id: d.src.organization_id,
    type: s.type,
    demand_type: d.type,
    score: sc.score,
    score_raw: sc.raw,
    scores: { quality: sc.quality, temporal: sc.temporal, quantity: sc.quantity, trust: sc.trust, transport: sc.transport, regulatory: sc.regulatory },
    quality_detail,
    distance_km: f.distanceKm,
    limit_km: f.limitKm,
    route,
    route_reasons: reasons,
    relaxed: relaxationNames(f.relaxed),
    binding_constraint: bindingComponent(sc, c.weights),
    tightest_constraint: tightestConstraint(f, th),
    assumptions,
    economics,
    rank,
    engine_version: ENGINE_VERSION,
  };
}
