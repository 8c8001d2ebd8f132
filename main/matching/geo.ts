/**
 * Great-circle distance (haversine, domain.md 2.1.3) and the conservative search window the
 * spatial index uses around a point.
 */

const RAD = Math.PI / 180;

/** Haversine distance in km between two points in radians; `cosPhi*` are the cosines of the latitudes. */
export function haversineRad(phi1: number, lam1: number, cosPhi1: number, phi2: number, lam2: number, cosPhi2: number, radiusKm: number): number {
  const sdp = Math.sin((phi2 - phi1) / 2);
  const sdl = Math.sin((lam2 - lam1) / 2);
  const h = sdp * sdp + cosPhi1 * cosPhi2 * sdl * sdl;
  return 2 * radiusKm * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Haversine distance in km between two points in degrees. */
export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number, radiusKm = 6371.0088): number {
  return haversineRad(lat1 * RAD, lon1 * RAD, Math.cos(lat1 * RAD), lat2 * RAD, lon2 * RAD, Math.cos(lat2 * RAD), radiusKm);
}

export interface Window {
  /** Latitude band in degrees. */
  latMin: number;
  latMax: number;
  /** Half-width in longitude, degrees; >= 180 means every longitude. */
  dLon: number;
}

/** Slack added to every window edge, in degrees (about 1 mm): floating-point never drops a point. */
const SLACK_DEG = 1e-8;

/**
 * Every point within `km` of (lat, lon) lies inside this window (J. Matuschek's bounding
 * circle): |dlat| <= km / R, and |dlon| <= asin(sin(km / R) / cos lat) unless a pole is within reach.
 */
export function searchWindow(lat: number, km: number, radiusKm: number): Window {
  const ang = km / radiusKm; // radians
  const dLat = ang / RAD + SLACK_DEG;
  const latMin = lat - dLat;
  const latMax = lat + dLat;
  if (latMax >= 90 || latMin <= -90 || ang >= Math.PI / 2) return { latMin, latMax, dLon: 360 };
  const s = Math.sin(ang) / Math.cos(lat * RAD);
  const dLon = s >= 1 ? 360 : Math.asin(s) / RAD + SLACK_DEG;
  return { latMin, latMax, dLon };
}
