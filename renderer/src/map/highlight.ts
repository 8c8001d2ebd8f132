/**
 * What the map highlights for a selected suggestion (Suggestions tab): a heat cascade's sites in
 * order and its exchanges as lines, or a service cluster's members with the circle that holds
 * them. Pure geometry helpers; MapView draws it, App fits the view to `highlightBounds`.
 */

/** Mean Earth radius (km), the one the core's cluster geometry uses. */
const EARTH_RADIUS_KM = 6371.0088;
const KM_PER_DEG = (EARTH_RADIUS_KM * Math.PI) / 180;

export interface HighlightSite {
  id: string;
  lon: number;
  lat: number;
  name: string;
  /** A short badge on the map (the step number of a cascade); none for cluster members. */
  badge?: string;
}

export interface HighlightLink {
  /** The match id. */
  id: string;
  from: [number, number];
  to: [number, number];
}

export interface MapHighlight {
  /** The suggestion's id (a cascade's or cluster's). */
  id: string;
  kind: 'cascade' | 'cluster';
  sites: HighlightSite[];
  links: HighlightLink[];
  /** A cluster's circle: every member lies within `radiusKm` of `center`. */
  area?: { center: [number, number]; radiusKm: number };
}

/** A geodesic circle as a polygon ring (lon, lat), `steps` points. */
export function circleRing(center: [number, number], radiusKm: number, steps = 72): [number, number][] {
  const [lon0, lat0] = center;
  const phi1 = (lat0 * Math.PI) / 180;
  const lam1 = (lon0 * Math.PI) / 180;
  const delta = radiusKm / EARTH_RADIUS_KM;
  const ring: [number, number][] = [];
  for (let i = 0; i <= steps; i++) {
    const theta = ((i % steps) / steps) * 2 * Math.PI;
    const phi2 = Math.asin(Math.sin(phi1) * Math.cos(delta) + Math.cos(phi1) * Math.sin(delta) * Math.cos(theta));
    const lam2 = lam1 + Math.atan2(Math.sin(theta) * Math.sin(delta) * Math.cos(phi1), Math.cos(delta) - Math.sin(phi1) * Math.sin(phi2));
    ring.push([(lam2 * 180) / Math.PI, (phi2 * 180) / Math.PI]);
  }
  return ring;
}

/** The circle drawn around a cluster: a little wider than its radius, so the farthest member sits inside the line. */
export function areaRadiusKm(radiusKm: number): number {
  return radiusKm * 1.06 + 0.25;
}

/** South-west and north-east corners that hold every highlighted site, link and the circle. */
export function highlightBounds(h: MapHighlight): [[number, number], [number, number]] | undefined {
  const points: [number, number][] = [...h.sites.map((s) => [s.lon, s.lat] as [number, number]), ...h.links.flatMap((l) => [l.from, l.to])];
  if (h.area) {
    const r = areaRadiusKm(h.area.radiusKm);
    const [lon, lat] = h.area.center;
    const dLat = r / KM_PER_DEG;
    const dLon = r / (KM_PER_DEG * Math.max(0.05, Math.cos((lat * Math.PI) / 180)));
    points.push([lon - dLon, lat - dLat], [lon + dLon, lat + dLat]);
  }
  if (points.length === 0) return undefined;
  const lons = points.map((p) => p[0]);
  const lats = points.map((p) => p[1]);
  return [
    [Math.min(...lons), Math.min(...lats)],
    [Math.max(...lons), Math.max(...lats)],
  ];
}

export function highlightGeoJson(h: MapHighlight | null): { sites: GeoJSON.FeatureCollection; links: GeoJSON.FeatureCollection; area: GeoJSON.FeatureCollection } {
  const empty = (): GeoJSON.FeatureCollection => ({ type: 'FeatureCollection', features: [] });
  if (!h) return { sites: empty(), links: empty(), area: empty() };
  return {
    sites: {
      type: 'FeatureCollection',
      features: h.sites.map((s) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [s.lon, s.lat] }, properties: { id: s.id, name: s.name, kind: h.kind, suggestion: h.id } })),
    },
    links: {
      type: 'FeatureCollection',
      features: h.links.map((l) => ({ type: 'Feature', geometry: { type: 'LineString', coordinates: [l.from, l.to] }, properties: { id: l.id, suggestion: h.id } })),
    },
    area: h.area
      ? {
          type: 'FeatureCollection',
          features: [{ type: 'Feature', geometry: { type: 'Polygon', coordinates: [circleRing(h.area.center, areaRadiusKm(h.area.radiusKm))] }, properties: { id: h.id } }],
        }
      : empty(),
  };
}
