/**
 * The offline basemap: Natural Earth land and country borders from world-atlas (TopoJSON,
 * 1:50m), bundled with the app as static files and turned into GeoJSON here. Nothing is fetched
 * from the network: no tiles, no glyphs, no sprites.
 */
import { feature, mesh } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import countriesUrl from 'world-atlas/countries-50m.json?url';
import landUrl from 'world-atlas/land-50m.json?url';

export const BASEMAP_ATTRIBUTION = 'Basemap: Natural Earth (public domain)';

export interface Basemap {
  land: GeoJSON.FeatureCollection | GeoJSON.Feature;
  borders: GeoJSON.MultiLineString;
}

async function topology(url: string): Promise<Topology> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`basemap ${url}: HTTP ${response.status}`);
  return (await response.json()) as Topology;
}

/** Web Mercator's latitude limit: Antarctica's ring runs along -90°, which projects to infinity. */
const MAX_LAT = 85.0511;

function clampLatitudes<T>(value: T): T {
  const visit = (c: unknown): void => {
    if (!Array.isArray(c)) return;
    if (typeof c[0] === 'number' && typeof c[1] === 'number') {
      c[1] = Math.max(-MAX_LAT, Math.min(MAX_LAT, c[1]));
      return;
    }
    for (const child of c) visit(child);
  };
  const walk = (g: unknown): void => {
    if (!g || typeof g !== 'object') return;
    const o = g as { type?: string; features?: unknown[]; geometry?: unknown; geometries?: unknown[]; coordinates?: unknown };
    if (o.features) o.features.forEach(walk);
    else if (o.geometry) walk(o.geometry);
    else if (o.geometries) o.geometries.forEach(walk);
    else if (o.coordinates) visit(o.coordinates);
  };
  walk(value);
  return value;
}

type Ring = [number, number][];

/**
 * Makes a ring continuous across the antimeridian: Eurasia's ring in world-atlas runs from
 * Chukotka at -180° to 180°, and drawn as is its closing edge crosses the whole map (land-coloured
 * wedges over the sea). Longitudes beyond ±180 are fine for MapLibre (it wraps world copies).
 */
function unwrapLongitudes(ring: Ring): void {
  let shift = 0;
  for (let i = 1; i < ring.length; i++) {
    const previous = ring[i - 1]![0];
    let lon = ring[i]![0] + shift;
    // A jump of more than half the world is the ring crossing the date line: continue past ±180.
    const jump = lon - previous > 180 ? -360 : previous - lon > 180 ? 360 : 0;
    shift += jump;
    lon += jump;
    ring[i]![0] = lon;
  }
}

/** Twice the signed area (positive: counter-clockwise in lon/lat). */
function ringArea(ring: Ring): number {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) sum += (ring[j]![0] - ring[i]![0]) * (ring[j]![1] + ring[i]![1]);
  return sum;
}

/**
 * world-atlas rings follow d3-geo's spherical convention (exterior clockwise); GeoJSON (RFC 7946)
 * and MapLibre's tiler want exteriors counter-clockwise and holes clockwise. Mixed windings make
 * the tiler fill the sea with land-coloured wedges at low zoom.
 */
function rewind<T>(value: T): T {
  const polygon = (rings: Ring[]) =>
    rings.forEach((ring, i) => {
      unwrapLongitudes(ring);
      const ccw = ringArea(ring) > 0;
      if ((i === 0) !== ccw) ring.reverse();
    });
  const walk = (g: unknown): void => {
    if (!g || typeof g !== 'object') return;
    const o = g as { type?: string; features?: unknown[]; geometry?: unknown; geometries?: unknown[]; coordinates?: unknown };
    if (o.features) o.features.forEach(walk);
    else if (o.geometry) walk(o.geometry);
    else if (o.geometries) o.geometries.forEach(walk);
    else if (o.type === 'Polygon') polygon(o.coordinates as Ring[]);
    else if (o.type === 'MultiPolygon') (o.coordinates as Ring[][]).forEach(polygon);
  };
  walk(value);
  return value;
}

export async function loadBasemap(): Promise<Basemap> {
  const [land, countries] = await Promise.all([topology(landUrl), topology(countriesUrl)]);
  return {
    land: rewind(clampLatitudes(feature(land, land.objects['land'] as GeometryCollection))),
    // Shared arcs only: borders between two countries, not coastlines.
    borders: mesh(countries, countries.objects['countries'] as GeometryCollection, (a, b) => a !== b),
  };
}
