/**
 * Building blocks for tests, examples and the benchmark: a MatchFlow with sensible defaults, and a
 * point at a given distance and bearing from another (great circle, same radius as the engine).
 */
import type { MatchFlow } from './input.ts';
import { CANONICAL_UNIT } from '../domain/units.ts';
import { mulberry32 } from '../domain/random.ts';

export function mkFlow(p: Partial<MatchFlow> & Pick<MatchFlow, 'id' | 'direction' | 'type'>): MatchFlow {
  return {
    organization_id: `org-${p.id}`,
    site_id: `site-${p.id}`,
    country: 'DE',
    lat: 51,
    lon: 7,
    amount: 100,
    unit: CANONICAL_UNIT[p.type],
    hours_per_year: 8000,
    precision: 'measured',
    trust: 0.8,
    quality: {},
    schedule_stated: false,
    status: 'active',
    ...p,
  };
}

const RAD = Math.PI / 180;

/** The point `km` away from (lat, lon) on the initial bearing `bearingDeg` (0 = north), on a sphere of `radiusKm`. */
export function destination(lat: number, lon: number, km: number, bearingDeg: number, radiusKm = 6371.0088): { lat: number; lon: number } {
  const d = km / radiusKm;
  const b = bearingDeg * RAD;
  const p1 = lat * RAD;
  const l1 = lon * RAD;
  const p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(b));
  const l2 = l1 + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
  let lonDeg = l2 / RAD;
  lonDeg = ((((lonDeg + 180) % 360) + 360) % 360) - 180;
  return { lat: p2 / RAD, lon: lonDeg };
}

/** The project's seeded generator (main/domain/random.ts). */
export const prng = mulberry32;
