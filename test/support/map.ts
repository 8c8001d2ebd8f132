/**
 * Helpers for the map in end-to-end tests, through the renderer's test hook `window.turashMap`
 * (the MapLibre instance; see renderer/src/map/MapView.tsx).
 *
 * Scripts are passed to the page as strings: tsx compiles functions with esbuild's keepNames,
 * and the `__name` helper it inserts does not exist inside the page.
 */
import type { Page } from 'playwright-core';

/** The layers that draw sites: clusters (with `point_count`) and single sites (`properties.id`). */
export const SITE_LAYERS = ['site-clusters', 'sites'] as const;

/**
 * Polls a JavaScript expression in the page until it is truthy. (Playwright's waitForFunction
 * evaluates string predicates with eval(), which the app's CSP rightly forbids.)
 */
export async function waitForExpression(page: Page, expression: string, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await page.evaluate(expression).catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for: ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until the map exists, the basemap is drawn and the map reports `idle` after a render. */
export async function waitForMapIdle(page: Page, timeout = 20_000): Promise<void> {
  await waitForExpression(
    page,
    `!!window.turashMap && window.turashMap.loaded() && window.turashMap.querySourceFeatures('land').length > 0`,
    timeout,
  );
  await page.evaluate(
    `new Promise((resolve, reject) => {
      const map = window.turashMap;
      const timer = setTimeout(() => reject(new Error('map did not become idle')), ${timeout});
      map.once('idle', () => { clearTimeout(timer); resolve(true); });
      map.triggerRepaint();
    })`,
  );
}

export interface RenderedSites {
  /** Unclustered site ids in view (deduplicated). */
  siteIds: string[];
  /** Clusters in view: id, count, screen position. */
  clusters: { id: number; count: number; x: number; y: number }[];
  /** Sites in view: single sites plus the points of every cluster. */
  total: number;
  bounds: [number, number, number, number];
  zoom: number;
}

export async function renderedSites(page: Page): Promise<RenderedSites> {
  return page.evaluate(`(() => {
    const map = window.turashMap;
    const features = map.queryRenderedFeatures({ layers: ${JSON.stringify(SITE_LAYERS)} });
    const siteIds = new Set();
    const clusters = new Map();
    for (const f of features) {
      if (f.properties.cluster) {
        const p = map.project(f.geometry.coordinates);
        clusters.set(f.properties.cluster_id, { id: f.properties.cluster_id, count: f.properties.point_count, x: p.x, y: p.y });
      } else siteIds.add(f.properties.id);
    }
    const list = [...clusters.values()];
    const b = map.getBounds();
    return {
      siteIds: [...siteIds],
      clusters: list,
      total: siteIds.size + list.reduce((n, c) => n + c.count, 0),
      bounds: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()],
      zoom: map.getZoom(),
    };
  })()`);
}

/** The colour of one screen pixel (page coordinates), read from a 1x1 PNG screenshot. */
export async function pixelAt(page: Page, x: number, y: number): Promise<[number, number, number]> {
  const png = await page.screenshot({ clip: { x: Math.round(x), y: Math.round(y), width: 1, height: 1 } });
  const { inflateSync } = await import('node:zlib');
  // PNG: 8-byte signature, then chunks (length, type, data, crc); the pixel is in IDAT.
  const idat: Buffer[] = [];
  let colorType = 2;
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') colorType = data[9]!;
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat)); // [filter byte, R, G, B(, A)]
  if (colorType !== 2 && colorType !== 6) throw new Error(`unexpected PNG colour type ${colorType}`);
  return [raw[1]!, raw[2]!, raw[3]!];
}

/** Page coordinates of a longitude/latitude on the map. */
export async function screenPoint(page: Page, lon: number, lat: number): Promise<{ x: number; y: number }> {
  return page.evaluate(`(() => {
    const map = window.turashMap; const r = map.getContainer().getBoundingClientRect();
    const p = map.project([${lon}, ${lat}]);
    return { x: r.left + p.x, y: r.top + p.y };
  })()`);
}
