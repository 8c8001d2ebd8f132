/**
 * The small map of a packet: the two sites on the bundled offline basemap (Natural Earth land and
 * country borders from world-atlas, the same data the app's map uses), drawn as vector paths in a
 * local equirectangular projection around the two sites, with both sites marked, the straight line
 * between them labelled with its length, and a scale bar. No tiles, no network.
 */
import { feature, mesh } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import countries50 from 'world-atlas/countries-50m.json' with { type: 'json' };
import land50 from 'world-atlas/land-50m.json' with { type: 'json' };
import { BOLD, fit, REGULAR } from './fonts.ts';
import { km as formatKm } from './format.ts';
import { COLORS, type Doc } from './layout.ts';

type Ring = [number, number][];
interface Shape {
  rings: Ring[];
  /** [west, south, east, north] of all rings, to skip shapes outside the view cheaply. */
  box: [number, number, number, number];
}

const KM_PER_DEGREE = 111.195;
let cache: { land: Shape[]; borders: Shape[] } | undefined;

function boxOf(rings: Ring[]): Shape['box'] {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  for (const ring of rings) for (const [x, y] of ring) {
    if (x < w) w = x;
    if (x > e) e = x;
    if (y < s) s = y;
    if (y > n) n = y;
  }
  return [w, s, e, n];
}

/**
 * Sutherland-Hodgman: the part of a closed ring inside the box [w, s, e, n]. Exact for filling
 * (the box is convex); without it a regional map would write all of Eurasia's coastline into
 * every PDF (~130 KB and most of the render time).
 */
export function clipRing(ring: Ring, box: readonly [number, number, number, number]): Ring {
  const [w, s, e, n] = box;
  const edges: [(p: [number, number]) => boolean, (a: [number, number], b: [number, number]) => [number, number]][] = [
    [(p) => p[0] >= w, (a, b) => [w, a[1] + ((b[1] - a[1]) * (w - a[0])) / (b[0] - a[0])]],
    [(p) => p[0] <= e, (a, b) => [e, a[1] + ((b[1] - a[1]) * (e - a[0])) / (b[0] - a[0])]],
    [(p) => p[1] >= s, (a, b) => [a[0] + ((b[0] - a[0]) * (s - a[1])) / (b[1] - a[1]), s]],
    [(p) => p[1] <= n, (a, b) => [a[0] + ((b[0] - a[0]) * (n - a[1])) / (b[1] - a[1]), n]],
  ];
  let out = ring;
  for (const [inside, cross] of edges) {
    const input = out;
    out = [];
    for (let i = 0; i < input.length; i++) {
      const cur = input[i]!;
      const prev = input[(i + input.length - 1) % input.length]!;
      if (inside(cur)) {
        if (!inside(prev)) out.push(cross(prev, cur));
        out.push(cur);
      } else if (inside(prev)) out.push(cross(prev, cur));
    }
    if (out.length === 0) break;
  }
  return out;
}

/** The runs of a polyline inside the box (a border leaving and re-entering the view is split). */
export function clipLine(line: Ring, box: readonly [number, number, number, number]): Ring[] {
  const [w, s, e, n] = box;
  const inside = (p: [number, number]) => p[0] >= w && p[0] <= e && p[1] >= s && p[1] <= n;
  const runs: Ring[] = [];
  let run: Ring = [];
  for (let i = 0; i < line.length; i++) {
    const p = line[i]!;
    const keep = inside(p) || (i > 0 && inside(line[i - 1]!)) || (i + 1 < line.length && inside(line[i + 1]!));
    if (keep) run.push(p);
    else if (run.length) {
      runs.push(run);
      run = [];
    }
  }
  if (run.length > 1) runs.push(run);
  return runs.filter((r) => r.length > 1);
}

/** Parsed once per process (a worker renders many packets). */
function basemap(): { land: Shape[]; borders: Shape[] } {
  if (cache) return cache;
  const landTopo = land50 as unknown as Topology;
  const countriesTopo = countries50 as unknown as Topology;
  const landGeo = feature(landTopo, landTopo.objects.land as GeometryCollection) as unknown as GeoJSON.FeatureCollection;
  const land: Shape[] = [];
  for (const f of landGeo.features) {
    const g = f.geometry;
    const polygons = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
    for (const p of polygons) land.push({ rings: p as Ring[], box: boxOf(p as Ring[]) });
  }
  const lines = mesh(countriesTopo, countriesTopo.objects.countries as GeometryCollection, (a, b) => a !== b);
  const borders = lines.coordinates.map((line) => ({ rings: [line as Ring], box: boxOf([line as Ring]) }));
  cache = { land, borders };
  return cache;
}

export interface MapSite {
  lat: number;
  lon: number;
  label: string;
  color: string;
}

/**
 * Draws the map into the box (x, y, w, h). The view spans at least 40 km, or three times the
 * distance, around the midpoint, so a short exchange still shows its surroundings.
 */
export function drawSiteMap(doc: Doc, box: { x: number; y: number; w: number; h: number }, a: MapSite, b: MapSite, distanceKm: number): void {
  const { land, borders } = basemap();
  const lat0 = (a.lat + b.lat) / 2;
  const lon0 = (a.lon + b.lon) / 2;
  const cos = Math.cos((lat0 * Math.PI) / 180);
  const spanKm = Math.max(12, distanceKm * 3.5);
  const scale = Math.min(box.w, box.h) / spanKm; // points per km
  const project = (lon: number, lat: number): [number, number] => [
    box.x + box.w / 2 + (lon - lon0) * cos * KM_PER_DEGREE * scale,
    box.y + box.h / 2 - (lat - lat0) * KM_PER_DEGREE * scale,
  ];
  const halfLon = box.w / 2 / (scale * KM_PER_DEGREE * cos);
  const halfLat = box.h / 2 / (scale * KM_PER_DEGREE);
  const view = [lon0 - halfLon, lat0 - halfLat, lon0 + halfLon, lat0 + halfLat] as const;
  // Clip a little outside the frame, so clipped edges fall under the frame's own clip path.
  const margin = [view[0] - halfLon * 0.05, view[1] - halfLat * 0.05, view[2] + halfLon * 0.05, view[3] + halfLat * 0.05] as const;
  const visible = (s: Shape) => s.box[0] <= view[2]! && s.box[2] >= view[0]! && s.box[1] <= view[3]! && s.box[3] >= view[1]!;

  doc.save();
  doc.rect(box.x, box.y, box.w, box.h).fill('#cfe3ef'); // sea
  doc.rect(box.x, box.y, box.w, box.h).clip();
  for (const shape of land.filter(visible)) {
    for (const ring of shape.rings.map((r) => clipRing(r, margin)).filter((r) => r.length > 2)) {
      ring.forEach(([lon, lat], i) => {
        const [x, y] = project(lon, lat);
        if (i === 0) doc.moveTo(x, y);
        else doc.lineTo(x, y);
      });
      doc.closePath();
    }
    doc.fillColor('#f1efe6').fill('even-odd');
  }
  for (const shape of borders.filter(visible)) {
    for (const run of clipLine(shape.rings[0]!, margin)) {
      run.forEach(([lon, lat], i) => {
        const [x, y] = project(lon, lat);
        if (i === 0) doc.moveTo(x, y);
        else doc.lineTo(x, y);
      });
      doc.lineWidth(0.8).dash(3, { space: 2 }).strokeColor('#8a7f9a').stroke().undash();
    }
  }
  const [ax, ay] = project(a.lon, a.lat);
  const [bx, by] = project(b.lon, b.lat);
  doc.moveTo(ax, ay).lineTo(bx, by).lineWidth(1.2).dash(4, { space: 3 }).strokeColor('#333333').stroke().undash();
  for (const [x, y, site] of [[ax, ay, a], [bx, by, b]] as const) {
    doc.circle(x, y, 4.5).fillAndStroke(site.color, '#ffffff');
  }
  // The distance beside the middle of the line, offset across it so neither line nor markers hide it.
  const label = formatKm(distanceKm);
  doc.font(BOLD).fontSize(8);
  const lw = doc.widthOfString(label) + 6;
  const len = Math.hypot(bx - ax, by - ay);
  const [nx, ny] = len > 1 ? [-(by - ay) / len, (bx - ax) / len] : [0, -1];
  const side = ny > 0 ? -1 : 1; // prefer above the line
  const cx = (ax + bx) / 2 + side * nx * (lw / 2 + 6);
  const cy = (ay + by) / 2 + side * ny * 12;
  doc.rect(cx - lw / 2, cy - 6, lw, 12).fill('#ffffff');
  doc.fillColor('#000000').text(label, cx - lw / 2 + 3, cy - 4, { lineBreak: false });
  // Labels on the outer side of each marker so they do not sit on the line.
  const placeLabel = (x: number, y: number, site: MapSite, other: number) => {
    doc.font(BOLD).fontSize(7.5);
    const text = fit(doc, site.label);
    const w = Math.min(doc.widthOfString(text) + 6, box.w / 2 - 8);
    const left = x <= other ? x - w - 7 : x + 7;
    const lx = Math.max(box.x + 2, Math.min(box.x + box.w - w - 2, left));
    const ly = Math.max(box.y + 2, Math.min(box.y + box.h - 13, y - 6));
    doc.rect(lx, ly, w, 12).fillOpacity(0.85).fill('#ffffff').fillOpacity(1);
    doc.fillColor(site.color).text(text, lx + 3, ly + 2.5, { width: w - 6, height: 9, lineBreak: false, ellipsis: true });
  };
  placeLabel(ax, ay, a, bx);
  placeLabel(bx, by, b, ax);
  // Scale bar: a round number of km near a fifth of the width.
  const target = spanKm / 5;
  const step = [1, 2, 5, 10, 20, 50, 100, 200].find((s) => s >= target) ?? 500;
  const barW = step * scale;
  const sx = box.x + 10;
  const sy = box.y + box.h - 12;
  doc.rect(sx - 4, sy - 12, barW + 30, 20).fillOpacity(0.8).fill('#ffffff').fillOpacity(1);
  doc.moveTo(sx, sy).lineTo(sx + barW, sy).lineWidth(2).strokeColor('#000000').stroke();
  doc.font(REGULAR).fontSize(7).fillColor('#000000').text(`${step} km`, sx, sy - 10, { lineBreak: false });
  doc.restore();
  doc.rect(box.x, box.y, box.w, box.h).lineWidth(0.7).strokeColor(COLORS.rule).stroke();
  doc.fillColor(COLORS.text);
}
