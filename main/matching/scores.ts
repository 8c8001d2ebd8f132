/**
 * Compatibility scores of domain.md 2.2, each in 0..1, the weighted score and its normalisation,
 * and what binds a match (for explanations).
 *
 * Scores are always computed against the limits AS STATED, never the relaxed ones: a relaxed match
 * gets 0 on the quality attribute it needed relaxed and a transport penalty capped at 1, so a pair
 * scores the same whichever flow's fallback found it.
 */
import { precisionWeightAtCol, TYPE_CODE, type FlowColumns } from './compiled.ts';
import type { PairFacts, Thresholds } from './compatibility.ts';
import { SCORE_COMPONENTS, type MatchingConfig, type ScoreComponent, type Weights } from './config.ts';

const WASTE = TYPE_CODE.waste;

export interface ScoreNumbers {
  quality: number;
  temporal: number;
  quantity: number;
  trust: number;
  transport: number;
  regulatory: number;
  /** The weighted sum (can be negative). */
  raw: number;
  /** Normalised to 0..1: (raw - lowest) / (highest - lowest), = (raw + 0.20) / 0.95 with the default weights. */
  score: number;
}

export function newScores(): ScoreNumbers {
  return { quality: 0, temporal: 0, quantity: 0, trust: 0, transport: 0, regulatory: 0, raw: 0, score: 0 };
}

/** 2.2: 0 for energy and water, waste 0.3, hazardous 0.7 (any hazardous supply), +0.1 across a border (decision). */
export function regulatoryRisk(cols: FlowColumns, s: number, d: number, c: MatchingConfig): number {
  const base = cols.hazardous[s] === 1 ? c.regulatory.hazardous : cols.typeCode[s] === WASTE ? c.regulatory.waste : 0;
  return base + (cols.country[s] !== cols.country[d] ? c.regulatory.cross_border : 0);
}

/** The lowest and highest weighted sums, for the normalisation. */
export function scoreRange(w: Weights): { lowest: number; highest: number } {
  return { lowest: -(w.transport + w.regulatory), highest: w.quality + w.temporal + w.quantity + w.trust };
}

/** Maps a raw weighted score onto 0..1: (raw - lowest) / span (scoreRange). */
export interface ScoreScale {
  lowest: number;
  span: number;
}

/**
 * Writes the component scores of a pair that passed the hard constraints. `delivered` is the
 * delivered quantity (economics.deliveredAmount), `lowest`/`span` from scoreRange.
 */
export function computeScores(cols: FlowColumns, s: number, d: number, f: PairFacts, th: Thresholds, scale: ScoreScale, out: ScoreNumbers): ScoreNumbers {
  const delivered = f.delivered;
  const c = th.config;
  const w = c.weights;
  // quality: mean of the sub-scores both sides state; 1 when none
  let sum = 0;
  let n = 0;
  if (!Number.isNaN(f.tempScore)) {
    sum += f.tempScore;
    n++;
  }
  if (!Number.isNaN(f.pressureScore)) {
    sum += f.pressureScore;
    n++;
  }
  if (!Number.isNaN(f.purityScore)) {
    sum += f.purityScore;
    n++;
  }
  if (!Number.isNaN(f.categoryScore)) {
    sum += f.categoryScore;
    n++;
  }
  const quality = n === 0 ? 1 : sum / n;
  // temporal: overlapping weekly hours / the demand's, times overlapping months / the demand's
  const dWeek = cols.weekHours[d]!;
  const dMonths = cols.monthCount[d]!;
  const temporal = dWeek === 0 || dMonths === 0 ? 0 : (f.overlapHours / dWeek) * (f.overlapMonths / dMonths);
  // quantity: delivered / demand, at most 1
  const dAmount = cols.amount[d]!;
  const quantity = dAmount > 0 ? (delivered >= dAmount ? 1 : delivered / dAmount) : 0;
  // trust: mean precision weight x mean organization trust
  const pw = (precisionWeightAtCol(cols, s, th.cutoffMs) + precisionWeightAtCol(cols, d, th.cutoffMs)) / 2;
  const trust = (pw * (cols.trust[s]! + cols.trust[d]!)) / 2;
  // transport: distance / the effective (unrelaxed) limit, capped at 1
  const ratio = f.distanceKm / f.limitKm;
  const transport = ratio > 1 ? 1 : ratio;
  const regulatory = regulatoryRisk(cols, s, d, c);
  const raw = w.quality * quality + w.temporal * temporal + w.quantity * quantity + w.trust * trust - w.transport * transport - w.regulatory * regulatory;
  let score = (raw - scale.lowest) / scale.span;
  if (score < 0) score = 0;
  else if (score > 1) score = 1;
  out.quality = quality;
  out.temporal = temporal;
  out.quantity = quantity;
  out.trust = trust;
  out.transport = transport;
  out.regulatory = regulatory;
  out.raw = raw;
  out.score = score;
  return out;
}

/**
 * The binding constraint: the score component that costs the match the most score, i.e. the
 * largest weight x (1 - score) for quality, temporal, quantity and trust, and weight x penalty for
 * transport and regulatory. Ties go to the earlier component in 2.2's order. null for a perfect
 * match (nothing costs anything).
 */
export function bindingComponent(sc: ScoreNumbers, w: Weights): ScoreComponent | null {
  let best: ScoreComponent | null = null;
  let worst = 0;
  for (const k of SCORE_COMPONENTS) {
    const loss = k === 'transport' || k === 'regulatory' ? w[k] * sc[k] : w[k] * (1 - sc[k]);
    if (loss > worst + 1e-12) {
      worst = loss;
      best = k;
    }
  }
  return best;
}

export type TightConstraint = 'distance' | 'temperature' | 'pressure' | 'purity' | 'temporal';

/**
 * The tightest hard constraint: the one whose limit the pair uses most, as a fraction (distance /
 * limit, temperature gap / tolerance, relative pressure gap / 20 %, purity shortfall / 5 points,
 * minimum hours / overlapping hours). Above 1 means it was relaxed.
 */
export function tightestConstraint(f: PairFacts, th: Thresholds): { constraint: TightConstraint; used: number } {
  let constraint: TightConstraint = 'distance';
  let used = f.distanceKm / f.limitKm;
  let u = Number.isNaN(f.tempGap) ? -1 : f.tempGap / f.tempTol;
  if (u > used) {
    used = u;
    constraint = 'temperature';
  }
  u = Number.isNaN(f.pressureGap) ? -1 : f.pressureGap / th.tolP;
  if (u > used) {
    used = u;
    constraint = 'pressure';
  }
  u = Number.isNaN(f.purityShortfall) ? -1 : Math.max(0, f.purityShortfall) / th.tolPurity;
  if (u > used) {
    used = u;
    constraint = 'purity';
  }
  u = th.minHours > 0 ? (f.overlapHours > 0 ? th.minHours / f.overlapHours : Number.POSITIVE_INFINITY) : -1;
  if (u > used) {
    used = u;
    constraint = 'temporal';
  }
  return { constraint, used };
}
