/**
 * The hybrid router of domain.md 2.4 and 5.3: `automated` (a packet can go out straight away) or
 * `facilitated` (a facilitator has to look first), with every reason that sent a match to a person.
 *
 * By archetype (5.3): what an exchange needs is decided by the medium that travels (the supply's
 * type, `CONNECTION`). A permitted off-take by truck of a non-hazardous material or waste, a water
 * reuse within the demand's quality limits and a heat exchange that needs no new pipe can be
 * automated; a new pipe or cable, a permit question (waste without a matching recovery operation,
 * a border), hazardous handling, rough data or a large investment go to a facilitator.
 */
import type { FlowType } from '../domain/entities.ts';
import type { CompiledFlow } from './compiled.ts';
import { RELAX_TOLERANCES, type PairFacts } from './compatibility.ts';
import type { MatchingConfig } from './config.ts';

export const ROUTE_REASONS = ['hazardous', 'risk', 'rough_data', 'cross_border', 'capex', 'new_pipe', 'new_cable', 'permit', 'quality_relaxed'] as const;
export type RouteReason = (typeof ROUTE_REASONS)[number];
export type Route = 'automated' | 'facilitated';

/** How the supply's medium reaches the demand (decision; the economics price the same: pipes and cables per km, trucks as opex). */
export type Connection = 'pipe' | 'cable' | 'truck' | 'none';
export const CONNECTION: Readonly<Record<FlowType, Connection>> = {
  heat: 'pipe',
  steam: 'pipe',
  cooling: 'pipe',
  water: 'pipe',
  wastewater: 'pipe',
  co2: 'pipe',
  compressed_air: 'pipe',
  electricity: 'cable',
  material: 'truck',
  waste: 'truck',
  logistics: 'none',
  service: 'none',
};

export interface RouteFacts {
  /** The supply's type (the medium that travels). */
  type: FlowType;
  /** The supply is hazardous (flag or an EWC code with `*`). */
  hazardous: boolean;
  /** Regulatory risk score (2.2). */
  risk: number;
  /** Either flow's effective precision is `rough`. */
  roughData: boolean;
  crossBorder: boolean;
  capexEur: number;
  distanceKm: number;
  /** The pair needed the fallback's relaxed quality tolerances (outside the demand's stated limits). */
  qualityRelaxed: boolean;
  /** The supply is waste in law (a waste flow unless its status says by-product or end-of-waste; a material whose status says waste). */
  isWaste: boolean;
  /**
   * The demand's permit covers it: the demand states the recovery operations it may carry out, and
   * either the supply states those it suits (they share one, or the pair is no candidate) or the
   * demand's accepted EWC list names the supply's code.
   */
  permitted: boolean;
}

/** The facts of a candidate pair the router reads; `risk`, `capexEur` and `roughData` come from the scores, economics and precision. */
export function routeFactsOf(s: CompiledFlow, d: CompiledFlow, f: PairFacts, risk: number, capexEur: number, roughData: boolean): RouteFacts {
  const status = s.src.quality.waste_status;
  const truck = CONNECTION[s.type] === 'truck';
  const isWaste = truck && (status === undefined ? s.type === 'waste' : status === 'waste');
  const listed = d.acceptedEwc !== null && s.ewc !== '' && d.acceptedEwc.has(s.ewc);
  return {
    type: s.type,
    hazardous: s.hazardous,
    risk,
    roughData,
    crossBorder: s.country !== d.country,
    capexEur,
    distanceKm: f.distanceKm,
    qualityRelaxed: (f.relaxed & RELAX_TOLERANCES) !== 0,
    isWaste,
    permitted: d.recovery !== 0 && (s.recovery !== 0 || listed),
  };
}

/**
 * Facilitated when any of: hazardous, regulatory risk above `router.max_risk` (0.5), rough data
 * on either side, a national border, capex above `router.capex_threshold_eur` (500,000 EUR,
 * decision: the size of investment that needs a board decision and outside finance), a pipe or
 * cable longer than `router.direct_connection_km` (0.1 km, decision: a connection across the fence,
 * no route, right of way or civil works), waste the demand's permit does not cover, or quality
 * outside the demand's stated limits (relaxed tolerances). Distance alone never sends a truck
 * off-take to a facilitator.
 */
export function routeOf(f: RouteFacts, c: MatchingConfig): { route: Route; reasons: RouteReason[] } {
  const reasons: RouteReason[] = [];
  if (f.hazardous) reasons.push('hazardous');
  if (f.risk > c.router.max_risk) reasons.push('risk');
  if (f.roughData) reasons.push('rough_data');
  if (f.crossBorder) reasons.push('cross_border');
  if (f.capexEur > c.router.capex_threshold_eur) reasons.push('capex');
  const connection = CONNECTION[f.type];
  if (connection === 'pipe' && f.distanceKm > c.router.direct_connection_km) reasons.push('new_pipe');
  if (connection === 'cable' && f.distanceKm > c.router.direct_connection_km) reasons.push('new_cable');
  if (f.isWaste && !f.permitted) reasons.push('permit');
  if (f.qualityRelaxed) reasons.push('quality_relaxed');
  return { route: reasons.length === 0 ? 'automated' : 'facilitated', reasons };
}

export interface RouteCounts {
  matches: number;
  automated: number;
  facilitated: number;
  /** automated / matches (0 when there are none). */
  automated_share: number;
  /** How many facilitated matches carry each reason (a match can carry several). */
  reasons: Record<RouteReason, number>;
}

/** The split over all matches (a reported figure, not a target: 5.3) and per type of the supply. */
export interface RouteSplit extends RouteCounts {
  by_type: Partial<Record<FlowType, RouteCounts>>;
}

const emptyCounts = (): RouteCounts => ({
  matches: 0,
  automated: 0,
  facilitated: 0,
  automated_share: 0,
  reasons: Object.fromEntries(ROUTE_REASONS.map((r) => [r, 0])) as Record<RouteReason, number>,
});

export function routeSplit(matches: readonly { type: FlowType; route: Route; route_reasons: readonly RouteReason[] }[]): RouteSplit {
  const all = emptyCounts();
  const byType = new Map<FlowType, RouteCounts>();
  for (const m of matches) {
    let t = byType.get(m.type);
    if (!t) byType.set(m.type, (t = emptyCounts()));
    for (const x of [all, t]) {
      x.matches++;
      if (m.route === 'automated') x.automated++;
      else x.facilitated++;
      for (const r of m.route_reasons) x.reasons[r]++;
    }
  }
  const share = (x: RouteCounts) => (x.automated_share = x.matches === 0 ? 0 : x.automated / x.matches);
  share(all);
  const by_type: Partial<Record<FlowType, RouteCounts>> = {};
  for (const [type, x] of [...byType].sort((a, b) => a[0].localeCompare(b[0]))) {
    share(x);
    by_type[type] = x;
  }
  return { ...all, by_type };
}
