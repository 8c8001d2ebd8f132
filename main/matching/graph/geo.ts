/**
 * Small geometry and randomness helpers for the graph analytics: haversine (the engine's radius,
 * domain.md 2.1.3), the spherical centroid of a set of sites, and a seeded PRNG for Louvain.
 * Kept here (not imported from ../geo.ts) so the analytics do not move when the engine's hot path
 * is reworked; the formula and the radius are the same.
 */
import { mulberry32 } from '../../domain/random.ts';

export const EARTH_RADIUS_KM = 6371.0088;
const RAD = Math.PI / 180;

/** Great-circle distance in km between two points in degrees. */
export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const p1 = lat1 * RAD;
  const p2 = lat2 * RAD;
  const sdp = Math.sin((p2 - p1) / 2);
  const sdl = Math.sin(((lon2 - lon1) * RAD) / 2);
  const h = sdp * sdp + Math.cos(p1) * Math.cos(p2) * sdl * sdl;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

export interface LatLon {
  lat: number;
  lon: number;
}

/**
 * The centroid on the sphere: the normalised mean of the points' unit vectors (correct across the
 * antimeridian, unlike a mean of longitudes). For antipodal sets it falls back to the first point.
 */
export function centroid(points: readonly LatLon[]): LatLon {
  if (points.length === 0) throw new Error('centroid of no points');
  let x = 0;
  let y = 0;
  let z = 0;
  for (const p of points) {
    const phi = p.lat * RAD;
    const lam = p.lon * RAD;
    x += Math.cos(phi) * Math.cos(lam);
    y += Math.cos(phi) * Math.sin(lam);
    z += Math.sin(phi);
  }
  const n = Math.hypot(x, y, z);
  if (n < 1e-12) return { lat: points[0]!.lat, lon: points[0]!.lon };
  return { lat: Math.asin(z / n) / RAD, lon: Math.atan2(y, x) / RAD };
}

/** The project's seeded generator (main/domain/random.ts), e.g. Louvain's `rng`. */
export const seededRng = mulberry32;

/** FNV-1a hash of a string, to derive a per-group seed that does not depend on other groups. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
