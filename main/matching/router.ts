/**
 * The hybrid router of domain.md 2.4: `automated` (a packet can go out straight away) or
 * `facilitated` (a facilitator has to look first), with every reason that sent a match to a person.
 */
import type { ComplexityLevel, MatchingConfig } from './config.ts';

export const ROUTE_REASONS = ['hazardous', 'high_complexity', 'risk', 'rough_data', 'cross_border', 'capex'] as const;
export type RouteReason = (typeof ROUTE_REASONS)[number];
export type Route = 'automated' | 'facilitated';

export interface RouteFacts {
  /** The supply is hazardous (flag or an EWC code with `*`). */
  hazardous: boolean;
  complexity: ComplexityLevel;
  /** Regulatory risk score (2.2). */
  risk: number;
  /** Either flow's effective precision is `rough`. */
  roughData: boolean;
  crossBorder: boolean;
  capexEur: number;
}

/**
 * Facilitated when any of: hazardous waste, high complexity, risk above `router.max_risk` (0.5),
 * rough data on either side, a national border, capex above `router.capex_threshold_eur`
 * (500,000 EUR, decision: the size of investment that needs a board decision and outside finance).
 */
export function routeOf(f: RouteFacts, c: MatchingConfig): { route: Route; reasons: RouteReason[] } {
  const reasons: RouteReason[] = [];
  if (f.hazardous) reasons.push('hazardous');
  if (f.complexity === 'high') reasons.push('high_complexity');
  if (f.risk > c.router.max_risk) reasons.push('risk');
  if (f.roughData) reasons.push('rough_data');
  if (f.crossBorder) reasons.push('cross_border');
  if (f.capexEur > c.router.capex_threshold_eur) reasons.push('capex');
  return { route: reasons.length === 0 ? 'automated' : 'facilitated', reasons };
}

export interface RouteSplit {
  automated: number;
  facilitated: number;
  /** automated / all (0 when there are no matches). */
  automated_share: number;
  /** How many facilitated matches carry each reason (a match can carry several). */
  reasons: Record<RouteReason, number>;
}

export function routeSplit(matches: readonly { route: Route; route_reasons: readonly RouteReason[] }[]): RouteSplit {
  const reasons = Object.fromEntries(ROUTE_REASONS.map((r) => [r, 0])) as Record<RouteReason, number>;
  let automated = 0;
  for (const m of matches) {
    if (m.route === 'automated') automated++;
    for (const r of m.route_reasons) reasons[r]++;
  }
  const total = matches.length;
  return { automated, facilitated: total - automated, automated_share: total === 0 ? 0 : automated / total, reasons };
}
