/**
 * The map: an offline Natural Earth basemap (land, borders, ocean) and every site of the portfolio
 * as a clustered GeoJSON source, coloured by sector, synthetic demo sites ringed.
 *
 * Cluster counts: symbol text needs glyph PBFs, which an offline app cannot fetch, so the counts
 * are small HTML markers placed over the cluster circles in view (pointer-events: none, so clicks
 * reach the circle layer underneath).
 *
 * TEST HOOK: the MapLibre instance is exposed as `window.turashMap` so end-to-end tests can wait
 * for `idle` and call `queryRenderedFeatures({ layers: SITE_LAYERS })`. Layer ids are stable:
 * `site-clusters` (clusters, `point_count` property) and `sites` (one feature per site,
 * `properties.id` is the site id); `match-plan` (one line per regional-plan member of the
 * filtered match list) and `match-alternatives` (one line per alternative outside the plan);
 * `properties.id` is the match id, `properties.in_plan` whether it is a plan member.
 *
 * Matches are drawn as lines between the two sites, under the sites (a click on a site wins over a
 * line under it): plan members solid and thick in the colour of their flow type, alternatives thin,
 * dashed and grey underneath; each is a layer the legend switches on and off. An invisible wide
 * line layer takes the clicks.
 *
 * A selected suggestion (Suggestions tab) is drawn on top from its own unclustered sources:
 * `suggestion-links` (a heat cascade's exchanges, `properties.id` is the match id),
 * `suggestion-sites` (the cascade's sites or the cluster's members, `properties.id` is the site
 * id) and `suggestion-area` (a cluster's circle, `properties.id` is the cluster id). Other match
 * lines are dimmed meanwhile.
 */
import * as maplibregl from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { useEffect, useRef, useState } from 'react';
import type { MapSite } from '../api.ts';
import { formatCount, formatEur, formatKm, formatQuantity, formatScore, shortCount } from '../format.ts';
import { ALTERNATIVE_COLOR, scoreColor, typeColor, typeColorExpression, typeLabel, type MatchLine } from '../matching/model.ts';
import { BASEMAP_ATTRIBUTION, loadBasemap } from './basemap.ts';
import { highlightGeoJson, type MapHighlight } from './highlight.ts';
import { OTHER_COLOR, OTHER_LABEL, type SectorLegend } from './sectors.ts';

// Without this the production build has no worker and draws no map (architecture.md).
maplibregl.setWorkerUrl(workerUrl);

declare global {
  interface Window {
    /** Test hook: the map instance (see the file comment). */
    turashMap?: maplibregl.Map;
  }
}

export const CLUSTER_LAYER = 'site-clusters';
export const SITE_LAYER = 'sites';
export const SITE_LAYERS = [CLUSTER_LAYER, SITE_LAYER];
/** Regional-plan members (solid, thick, the type's colour). */
export const PLAN_LAYER = 'match-plan';
/** Alternatives outside the plan (thin, dashed, grey). */
export const ALTERNATIVE_LAYER = 'match-alternatives';
const MATCH_HIT_LAYER = 'match-lines-hit';
const PLAN_LAYER_IDS = ['match-plan-casing', PLAN_LAYER];
const ALTERNATIVE_LAYER_IDS = [ALTERNATIVE_LAYER];
const MATCH_SOURCE = 'matches';
const SITE_SOURCE = 'sites';
const SYNTHETIC_COLOR = '#7c3aed';
export const SUGGESTION_SITE_LAYER = 'suggestion-sites';
export const SUGGESTION_LINK_LAYER = 'suggestion-links';
export const SUGGESTION_AREA_LAYER = 'suggestion-area';
const HIGHLIGHT_COLOR = '#e8590c';
const CLUSTER_AREA_COLOR = '#0f6b78';
const EMPTY: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };

export interface LayerVisibility {
  sites: boolean;
  borders: boolean;
  /** Lines of the regional plan's members. */
  plan: boolean;
  /** Lines of the alternatives outside the plan. */
  alternatives: boolean;
}

export interface FlyRequest {
  /** The site to fly to (unless `bounds` are given). */
  siteId?: string;
  lat?: number;
  lon?: number;
  /** Fit the view to these two points instead (a match's two sites). */
  bounds?: [[number, number], [number, number]];
  /** Padding for `bounds` in pixels (default 120 all round). */
  padding?: { top: number; right: number; bottom: number; left: number };
  seq: number;
}

interface Props {
  sites: MapSite[] | undefined;
  /** The sites that pass the list filters (country, sector, text). */
  visibleSites: MapSite[];
  legend: SectorLegend;
  layers: LayerVisibility;
  onLayers(layers: LayerVisibility): void;
  selectedSiteId: string | null;
  onSelectSite(id: string): void;
  fly: FlyRequest | null;
  /** The matches of the filtered match list (drawn when their layer is on). */
  /** The lines of the filtered match list (`matches.lines`: site ids, placed by `sites`). */
  matches: MatchLine[] | undefined;
  /** Whether a regional plan exists (the legend says how to make one when not). */
  planExists: boolean | undefined;
  onRun?: (() => void) | undefined;
  selectedMatchId: string | null;
  onSelectMatch(id: string): void;
  /** A selected suggestion to draw on top (a heat cascade or a service cluster). */
  highlight: MapHighlight | null;
  attribution: string | undefined;
  loading: boolean;
  onImport(): void;
}

function toGeoJson(sites: readonly MapSite[]): GeoJSON.FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: sites.map((s) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [s.lon, s.lat] },
      properties: {
        id: s.id,
        name: s.name,
        organization: s.organization_name,
        sector: s.sector ?? '',
        country: s.country,
        supply: s.supply_count,
        demand: s.demand_count,
        synthetic: s.synthetic,
      },
    })),
  };
}

/** The lines between the two sites of each match (a line whose site the map does not have yet is left out). */
function matchesGeoJson(matches: readonly MatchLine[], sites: readonly MapSite[]): GeoJSON.FeatureCollection {
  const byId = new Map(sites.map((s) => [s.id, s]));
  return {
    type: 'FeatureCollection',
    features: matches.flatMap((m): GeoJSON.Feature[] => {
      const supply = byId.get(m.supply_site_id);
      const demand = byId.get(m.demand_site_id);
      if (!supply || !demand) return [];
      return [
        {
          type: 'Feature',
          geometry: {
            type: 'LineString',
            coordinates: [
              [supply.lon, supply.lat],
              [demand.lon, demand.lat],
            ],
          },
          properties: {
            id: m.id,
            score: m.score,
            type: m.type,
            supply: supply.organization_name,
            demand: demand.organization_name,
            npv: m.npv_eur ?? 0,
            km: m.distance_km,
            route: m.route,
            status: m.status,
            in_plan: m.in_plan,
            allocated: m.allocated ? formatQuantity(m.allocated) : '',
            share: m.share ?? 0,
          },
        },
      ];
    }),
  };
}

function sectorColorExpression(legend: SectorLegend): maplibregl.ExpressionSpecification | string {
  if (legend.entries.length === 0) return OTHER_COLOR;
  const pairs = legend.entries.flatMap((e) => [e.sector, e.color]);
  return ['match', ['get', 'sector'], ...pairs, OTHER_COLOR] as unknown as maplibregl.ExpressionSpecification;
}

function baseStyle(): maplibregl.StyleSpecification {
  return {
    version: 8,
    sources: {
      land: { type: 'geojson', data: EMPTY },
      borders: { type: 'geojson', data: EMPTY },
      [SITE_SOURCE]: {
        type: 'geojson',
        data: EMPTY,
        cluster: true,
        clusterMaxZoom: 10,
        clusterRadius: 42,
      },
      // tolerance 0: short lines (most exchanges are a few km) must not be simplified away at low zoom.
      [MATCH_SOURCE]: { type: 'geojson', data: EMPTY, tolerance: 0 },
      'suggestion-sites': { type: 'geojson', data: EMPTY },
      'suggestion-links': { type: 'geojson', data: EMPTY, tolerance: 0 },
      'suggestion-area': { type: 'geojson', data: EMPTY },
    },
    layers: [
      { id: 'ocean', type: 'background', paint: { 'background-color': '#c9dbe8' } },
      { id: 'land', type: 'fill', source: 'land', paint: { 'fill-color': '#f3f1ec', 'fill-antialias': true } },
      { id: 'coast', type: 'line', source: 'land', paint: { 'line-color': '#9fb6c6', 'line-width': 0.7 } },
      {
        id: 'borders',
        type: 'line',
        source: 'borders',
        paint: { 'line-color': '#9a948a', 'line-width': ['interpolate', ['linear'], ['zoom'], 2, 0.5, 8, 1.4], 'line-dasharray': [3, 2] },
      },
      { id: SUGGESTION_AREA_LAYER, type: 'fill', source: 'suggestion-area', paint: { 'fill-color': CLUSTER_AREA_COLOR, 'fill-opacity': 0.1 } },
      {
        id: 'suggestion-area-line',
        type: 'line',
        source: 'suggestion-area',
        paint: { 'line-color': CLUSTER_AREA_COLOR, 'line-width': 2, 'line-dasharray': [4, 2], 'line-opacity': 0.9 },
      },
      {
        id: ALTERNATIVE_LAYER,
        type: 'line',
        source: MATCH_SOURCE,
        filter: ['!=', ['get', 'in_plan'], true],
        layout: { 'line-cap': 'butt', 'line-join': 'round', 'line-sort-key': ['get', 'score'] },
        paint: {
          'line-color': ALTERNATIVE_COLOR,
          'line-opacity': 0.85,
          'line-width': ['interpolate', ['linear'], ['zoom'], 4, 1.2, 12, 2.2],
          'line-dasharray': [3, 2.5],
        },
      },
      {
        id: 'match-plan-casing',
        type: 'line',
        source: MATCH_SOURCE,
        filter: ['==', ['get', 'in_plan'], true],
        layout: { 'line-cap': 'round', 'line-join': 'round', 'line-sort-key': ['get', 'share'] },
        paint: { 'line-color': '#ffffff', 'line-opacity': 0.9, 'line-width': ['interpolate', ['linear'], ['zoom'], 4, 5.5, 12, 10] },
      },
      {
        id: PLAN_LAYER,
        type: 'line',
        source: MATCH_SOURCE,
        filter: ['==', ['get', 'in_plan'], true],
        layout: { 'line-cap': 'round', 'line-join': 'round', 'line-sort-key': ['get', 'share'] },
        paint: {
          'line-color': typeColorExpression() as unknown as maplibregl.ExpressionSpecification,
          'line-width': ['interpolate', ['linear'], ['zoom'], 4, 3.2, 12, 6.5],
        },
      },
      {
        id: 'match-selected-casing',
        type: 'line',
        source: MATCH_SOURCE,
        filter: ['==', ['get', 'id'], ''],
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: { 'line-color': '#0f172a', 'line-width': ['interpolate', ['linear'], ['zoom'], 4, 8, 12, 12] },
      },
      {
        id: 'match-selected',
        type: 'line',
        source: MATCH_SOURCE,
        filter: ['==', ['get', 'id'], ''],
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: {
          'line-color': ['case', ['==', ['get', 'in_plan'], true], typeColorExpression(), ALTERNATIVE_COLOR] as unknown as maplibregl.ExpressionSpecification,
          'line-width': ['interpolate', ['linear'], ['zoom'], 4, 4.5, 12, 7],
        },
      },
      {
        id: 'suggestion-links-casing',
        type: 'line',
        source: 'suggestion-links',
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: { 'line-color': '#ffffff', 'line-width': ['interpolate', ['linear'], ['zoom'], 4, 8, 12, 12] },
      },
      {
        id: SUGGESTION_LINK_LAYER,
        type: 'line',
        source: 'suggestion-links',
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: { 'line-color': HIGHLIGHT_COLOR, 'line-width': ['interpolate', ['linear'], ['zoom'], 4, 4.5, 12, 7] },
      },
      {
        id: MATCH_HIT_LAYER,
        type: 'line',
        source: MATCH_SOURCE,
        layout: { 'line-cap': 'round' },
        paint: { 'line-color': '#000000', 'line-opacity': 0, 'line-width': 14 },
      },
      {
        id: CLUSTER_LAYER,
        type: 'circle',
        source: SITE_SOURCE,
        filter: ['has', 'point_count'],
        paint: {
          'circle-color': ['step', ['get', 'point_count'], '#5b7da3', 25, '#3f6390', 100, '#2b4a72'],
          'circle-opacity': 0.9,
          'circle-radius': ['step', ['get', 'point_count'], 13, 10, 16, 25, 19, 100, 23, 500, 28],
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 2,
          'circle-stroke-opacity': 0.85,
        },
      },
      {
        id: 'sites-synthetic-ring',
        type: 'circle',
        source: SITE_SOURCE,
        filter: ['all', ['!', ['has', 'point_count']], ['==', ['get', 'synthetic'], true]],
        paint: {
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 4, 8, 12, 11],
          'circle-color': 'rgba(0,0,0,0)',
          'circle-stroke-color': SYNTHETIC_COLOR,
          'circle-stroke-width': 2,
        },
      },
      {
        id: SITE_LAYER,
        type: 'circle',
        source: SITE_SOURCE,
        filter: ['!', ['has', 'point_count']],
        paint: {
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 4, 4.5, 12, 7],
          'circle-color': OTHER_COLOR,
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 1.3,
        },
      },
      {
        id: SUGGESTION_SITE_LAYER,
        type: 'circle',
        source: 'suggestion-sites',
        paint: {
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 4, 6, 12, 9],
          'circle-color': ['match', ['get', 'kind'], 'cluster', CLUSTER_AREA_COLOR, HIGHLIGHT_COLOR],
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 2.5,
        },
      },
      {
        id: 'site-selected',
        type: 'circle',
        source: SITE_SOURCE,
        filter: ['==', ['get', 'id'], ''],
        paint: {
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 4, 11, 12, 14],
          'circle-color': 'rgba(0,0,0,0)',
          'circle-stroke-color': '#0f172a',
          'circle-stroke-width': 2.5,
        },
      },
    ],
  };
}

const SITE_LAYER_IDS = [CLUSTER_LAYER, 'sites-synthetic-ring', SITE_LAYER, 'site-selected'];

export function MapView(props: Props) {
  const container = useRef<HTMLDivElement>(null);
  const mapRef = useRef<maplibregl.Map | null>(null);
  const [ready, setReady] = useState(false);
  const [basemapError, setBasemapError] = useState<string | null>(null);
  const fitted = useRef(false);
  const dataGeneration = useRef(0);
  const onSelect = useRef(props.onSelectSite);
  onSelect.current = props.onSelectSite;
  const onSelectMatch = useRef(props.onSelectMatch);
  onSelectMatch.current = props.onSelectMatch;
  const showSites = useRef(props.layers.sites);
  showSites.current = props.layers.sites;

  // Create the map once.
  useEffect(() => {
    if (!container.current) return;
    const map = new maplibregl.Map({
      container: container.current,
      style: baseStyle(),
      center: [10, 50],
      zoom: 3.3,
      minZoom: 1,
      maxZoom: 17,
      attributionControl: false,
      dragRotate: false,
      pitchWithRotate: false,
      fadeDuration: 0,
    });
    mapRef.current = map;
    window.turashMap = map;
    map.touchZoomRotate.disableRotation();
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
    map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right');

    // Cluster counts as HTML markers (no glyphs offline).
    // Keyed by data generation and cluster id: cluster ids are reused after the data changes.
    const markers = new Map<string, maplibregl.Marker>();
    const removeMarkers = (which: (id: string) => boolean) => {
      for (const [id, marker] of markers) {
        if (!which(id)) continue;
        marker.remove();
        markers.delete(id);
      }
    };
    const updateClusterLabels = () => {
      if (!showSites.current || !map.getSource(SITE_SOURCE) || !map.isSourceLoaded(SITE_SOURCE)) {
        if (!showSites.current) removeMarkers(() => true);
        return;
      }
      const seen = new Set<string>();
      for (const f of map.querySourceFeatures(SITE_SOURCE, { filter: ['has', 'point_count'] })) {
        const props = f.properties as { cluster_id: number; point_count: number };
        const [lon, lat] = (f.geometry as GeoJSON.Point).coordinates as [number, number];
        const key = `${dataGeneration.current}:${props.cluster_id}`;
        if (seen.has(key)) continue;
        seen.add(key);
        if (markers.has(key)) continue;
        const el = document.createElement('div');
        el.className = 'cluster-count';
        el.textContent = shortCount(props.point_count);
        el.dataset['count'] = String(props.point_count);
        markers.set(key, new maplibregl.Marker({ element: el }).setLngLat([lon, lat]).addTo(map));
      }
      removeMarkers((id) => !seen.has(id));
    };
    map.on('render', updateClusterLabels);

    map.on('click', CLUSTER_LAYER, (e) => {
      const feature = e.features?.[0];
      if (!feature) return;
      const clusterId = (feature.properties as { cluster_id: number }).cluster_id;
      const source = map.getSource<maplibregl.GeoJSONSource>(SITE_SOURCE);
      void source?.getClusterExpansionZoom(clusterId).then((zoom) => {
        map.easeTo({ center: (feature.geometry as GeoJSON.Point).coordinates as [number, number], zoom: Math.min(zoom + 0.3, 16) });
      });
    });
    map.on('click', SITE_LAYER, (e) => {
      const id = (e.features?.[0]?.properties as { id?: string } | undefined)?.id;
      if (id) onSelect.current(id);
    });
    // A line under a site or cluster leaves the click to the site.
    const siteAt = (point: maplibregl.PointLike) =>
      map.queryRenderedFeatures(point, { layers: [...SITE_LAYERS.filter((l) => map.getLayoutProperty(l, 'visibility') !== 'none'), SUGGESTION_SITE_LAYER] }).length > 0;
    map.on('click', MATCH_HIT_LAYER, (e) => {
      if (siteAt(e.point)) return;
      // A plan member before an alternative, then the best score (plan members are drawn on top).
      const hits = (e.features ?? []).map((f) => f.properties as { id: string; score: number; in_plan: boolean }).sort((a, b) => Number(b.in_plan) - Number(a.in_plan) || b.score - a.score);
      if (hits[0]) onSelectMatch.current(hits[0].id);
    });

    // Hover: pointer cursor and a small tooltip (DOM text, never HTML from data).
    const popup = new maplibregl.Popup({ closeButton: false, closeOnClick: false, offset: 10, className: 'site-tooltip' });
    for (const layer of [CLUSTER_LAYER, SITE_LAYER]) {
      map.on('mouseenter', layer, () => (map.getCanvas().style.cursor = 'pointer'));
      map.on('mouseleave', layer, () => {
        map.getCanvas().style.cursor = '';
        popup.remove();
      });
    }
    map.on('mouseenter', MATCH_HIT_LAYER, () => (map.getCanvas().style.cursor = 'pointer'));
    map.on('mouseleave', MATCH_HIT_LAYER, () => {
      map.getCanvas().style.cursor = '';
      popup.remove();
    });
    map.on('mousemove', MATCH_HIT_LAYER, (e) => {
      if (siteAt(e.point)) return;
      const key = (x: maplibregl.MapGeoJSONFeature) => x.properties as { score: number; in_plan: boolean };
      const f = [...(e.features ?? [])].sort((a, b) => Number(key(b).in_plan) - Number(key(a).in_plan) || key(b).score - key(a).score)[0];
      if (!f) return;
      const p = f.properties as { supply: string; demand: string; type: string; score: number; npv: number; km: number; route: string; status: string; in_plan: boolean; allocated: string };
      const box = document.createElement('div');
      const title = document.createElement('strong');
      title.textContent = `${p.supply} → ${p.demand}`;
      const plan = document.createElement('div');
      plan.textContent = p.in_plan ? `In the regional plan: allocated ${p.allocated}` : 'Alternative (not in the plan)';
      plan.style.color = p.in_plan ? typeColor(p.type) : ALTERNATIVE_COLOR;
      plan.style.fontWeight = '600';
      const facts = document.createElement('div');
      const score = document.createElement('b');
      score.textContent = formatScore(p.score);
      score.style.color = scoreColor(p.score);
      facts.append('score ', score, ` · ${typeLabel(p.type)} · NPV ${formatEur(p.npv)} · ${formatKm(p.km)}`);
      const more = document.createElement('div');
      more.className = 'muted';
      more.textContent = `${p.route} · ${p.status} · click to open`;
      box.append(title, plan, facts, more);
      popup.setLngLat(e.lngLat).setDOMContent(box).addTo(map);
    });
    // A highlighted site (a suggestion's) opens like any site and names itself on hover.
    map.on('click', SUGGESTION_SITE_LAYER, (e) => {
      const id = (e.features?.[0]?.properties as { id?: string } | undefined)?.id;
      if (id) onSelect.current(id);
    });
    map.on('mouseenter', SUGGESTION_SITE_LAYER, () => (map.getCanvas().style.cursor = 'pointer'));
    map.on('mouseleave', SUGGESTION_SITE_LAYER, () => {
      map.getCanvas().style.cursor = '';
      popup.remove();
    });
    map.on('mousemove', SUGGESTION_SITE_LAYER, (e) => {
      const f = e.features?.[0];
      if (!f) return;
      const box = document.createElement('strong');
      box.textContent = (f.properties as { name: string }).name;
      popup.setLngLat((f.geometry as GeoJSON.Point).coordinates as [number, number]).setDOMContent(box).addTo(map);
    });
    map.on('mousemove', SITE_LAYER, (e) => {
      const f = e.features?.[0];
      if (!f) return;
      const p = f.properties as { name: string; organization: string; sector: string; supply: number; demand: number; synthetic: boolean };
      const box = document.createElement('div');
      const title = document.createElement('strong');
      title.textContent = p.name;
      const org = document.createElement('div');
      org.textContent = `${p.organization}${p.sector ? ` · ${p.sector}` : ''}`;
      const flows = document.createElement('div');
      flows.className = 'muted';
      flows.textContent = `${p.supply} supply · ${p.demand} demand${p.synthetic ? ' · synthetic demo data' : ''}`;
      box.append(title, org, flows);
      popup.setLngLat((f.geometry as GeoJSON.Point).coordinates as [number, number]).setDOMContent(box).addTo(map);
    });

    map.on('load', () => {
      setReady(true);
      loadBasemap()
        .then((basemap) => {
          map.getSource<maplibregl.GeoJSONSource>('land')?.setData(basemap.land);
          map.getSource<maplibregl.GeoJSONSource>('borders')?.setData(basemap.borders);
        })
        .catch((error: unknown) => setBasemapError(error instanceof Error ? error.message : String(error)));
    });

    const resize = new ResizeObserver(() => map.resize());
    resize.observe(container.current);
    return () => {
      resize.disconnect();
      for (const m of markers.values()) m.remove();
      map.remove();
      mapRef.current = null;
      if (window.turashMap === map) delete window.turashMap;
    };
  }, []);

  // Site data (filtered by the list filters) and sector colours.
  useEffect(() => {
    const map = mapRef.current;
    if (!map || !ready) return;
    dataGeneration.current += 1;
    map.getSource<maplibregl.GeoJSONSource>(SITE_SOURCE)?.setData(toGeoJson(props.visibleSites));
    map.setPaintProperty(SITE_LAYER, 'circle-color', sectorColorExpression(props.legend));
  }, [ready, props.visibleSites, props.legend]);

  // Fit the view to the portfolio once, when the sites first arrive.
  useEffect(() => {
    const map = mapRef.current;
    if (!map || !ready || fitted.current || !props.sites || props.sites.length === 0) return;
    fitted.current = true;
    const bounds = new maplibregl.LngLatBounds();
    for (const s of props.sites) bounds.extend([s.lon, s.lat]);
    map.fitBounds(bounds, { padding: 60, maxZoom: 8, duration: 0 });
  }, [ready, props.sites]);

  useEffect(() => {
    const map = mapRef.current;
    if (!map || !ready) return;
    map.setFilter('site-selected', ['==', ['get', 'id'], props.selectedSiteId ?? '']);
  }, [ready, props.selectedSiteId]);

  // Match lines (the filtered match list) and the selected match.
  useEffect(() => {
    const map = mapRef.current;
    if (!map || !ready) return;
    map.getSource<maplibregl.GeoJSONSource>(MATCH_SOURCE)?.setData(matchesGeoJson(props.matches ?? [], props.sites ?? []));
  }, [ready, props.matches, props.sites]);
  useEffect(() => {
    const map = mapRef.current;
    if (!map || !ready) return;
    for (const id of ['match-selected-casing', 'match-selected']) map.setFilter(id, ['==', ['get', 'id'], props.selectedMatchId ?? '']);
  }, [ready, props.selectedMatchId]);

  // The selected suggestion: its own sources on top, numbered badges on a cascade's sites, other lines dimmed.
  useEffect(() => {
    const map = mapRef.current;
    if (!map || !ready) return;
    const data = highlightGeoJson(props.highlight);
    map.getSource<maplibregl.GeoJSONSource>('suggestion-sites')?.setData(data.sites);
    map.getSource<maplibregl.GeoJSONSource>('suggestion-links')?.setData(data.links);
    map.getSource<maplibregl.GeoJSONSource>('suggestion-area')?.setData(data.area);
    map.setPaintProperty(PLAN_LAYER, 'line-opacity', props.highlight ? 0.2 : 1);
    map.setPaintProperty('match-plan-casing', 'line-opacity', props.highlight ? 0.2 : 0.9);
    map.setPaintProperty(ALTERNATIVE_LAYER, 'line-opacity', props.highlight ? 0.15 : 0.85);
    const badges = (props.highlight?.sites ?? []).flatMap((s) => {
      if (!s.badge) return [];
      const el = document.createElement('div');
      el.className = 'suggestion-badge';
      el.textContent = s.badge;
      el.title = s.name;
      return [new maplibregl.Marker({ element: el, anchor: 'bottom-left', offset: [5, -5] }).setLngLat([s.lon, s.lat]).addTo(map)];
    });
    return () => {
      for (const b of badges) b.remove();
    };
  }, [ready, props.highlight]);

  useEffect(() => {
    const map = mapRef.current;
    if (!map || !ready) return;
    for (const id of SITE_LAYER_IDS) map.setLayoutProperty(id, 'visibility', props.layers.sites ? 'visible' : 'none');
    map.setLayoutProperty('borders', 'visibility', props.layers.borders ? 'visible' : 'none');
    const { plan, alternatives } = props.layers;
    for (const id of PLAN_LAYER_IDS) map.setLayoutProperty(id, 'visibility', plan ? 'visible' : 'none');
    for (const id of ALTERNATIVE_LAYER_IDS) map.setLayoutProperty(id, 'visibility', alternatives ? 'visible' : 'none');
    // The selection and the clicks follow the lines shown.
    const shown: maplibregl.FilterSpecification | null = plan && alternatives ? null : plan ? ['==', ['get', 'in_plan'], true] : ['!=', ['get', 'in_plan'], true];
    for (const id of ['match-selected-casing', 'match-selected', MATCH_HIT_LAYER]) map.setLayoutProperty(id, 'visibility', plan || alternatives ? 'visible' : 'none');
    map.setFilter(MATCH_HIT_LAYER, shown);
    map.triggerRepaint();
  }, [ready, props.layers]);

  useEffect(() => {
    const map = mapRef.current;
    const request = props.fly;
    if (!map || !ready || !request) return;
    if (request.bounds) {
      // extend(), not the constructor: two arbitrary corners would read as crossing the antimeridian.
      const bounds = new maplibregl.LngLatBounds().extend(request.bounds[0]).extend(request.bounds[1]);
      // The detail panel may just have opened and narrowed the map: fit to the size it has now.
      map.resize();
      map.fitBounds(bounds, { padding: request.padding ?? 120, maxZoom: 14, duration: 900 });
      return;
    }
    let { lat, lon } = request;
    if (lat === undefined || lon === undefined) {
      if (!request.siteId) return;
      const site = props.sites?.find((s) => s.id === request.siteId);
      if (!site) return;
      ({ lat, lon } = site);
    }
    map.flyTo({ center: [lon, lat], zoom: Math.max(map.getZoom(), 12), duration: 900, essential: true });
    // Only react to a new request, not to data refreshes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ready, props.fly?.seq]);

  const siteData = props.attribution ? shortAttribution(props.attribution) : undefined;
  const empty = !props.loading && props.sites && props.sites.length === 0;

  return (
    <div className="map-wrap">
      <div ref={container} className="map" data-testid="map" />
      {props.loading && <div className="map-status">Loading sites…</div>}
      {basemapError && <div className="map-status error">Basemap unavailable: {basemapError}</div>}
      {empty && (
        <div className="map-empty" data-testid="map-empty">
          <strong>No sites in this database yet</strong>
          <span>Import a Turash exchange file (JSON or CSV) or the Hotmaps Industrial Database CSV.</span>
          <button type="button" className="btn btn-primary" onClick={props.onImport}>
            Import…
          </button>
        </div>
      )}
      <Legend {...props} />
      {(props.layers.plan || props.layers.alternatives) && props.matches && props.matches.length > 0 && <LineLegend matches={props.matches} layers={props.layers} planExists={props.planExists} onRun={props.onRun} />}
      <div className="map-attribution" data-testid="attribution">
        {siteData && (
          <details className="attrib-details">
            <summary title="Show the full attribution">{siteData}</summary>
            <p>{props.attribution}</p>
          </details>
        )}
        <span>{BASEMAP_ATTRIBUTION}</span>
        <span>MapLibre</span>
      </div>
    </div>
  );
}

/** The one-line credit for the map corner; the full text (from meta.info) opens on click. */
function shortAttribution(full: string): string {
  if (/hotmaps/i.test(full)) return 'Site data: Hotmaps Industrial Database (Fraunhofer ISI), CC BY 4.0';
  const first = full.split(/(?<=\.)\s/)[0] ?? full;
  return /^site data/i.test(first) ? first : `Site data: ${first}`;
}

function Legend({ legend, layers, onLayers, sites, visibleSites }: Props) {
  const [open, setOpen] = useState(true);
  const synthetic = visibleSites.filter((s) => s.synthetic).length;
  return (
    <section className={`map-legend ${open ? '' : 'closed'}`} data-testid="legend" aria-label="Map legend and layers">
      <header>
        <span>Legend &amp; layers</span>
        <button type="button" className="link" onClick={() => setOpen(!open)} aria-expanded={open}>
          {open ? 'Hide' : 'Show'}
        </button>
      </header>
      {open && (
        <>
          <div className="legend-layers">
            <label>
              <input type="checkbox" checked={layers.sites} onChange={(e) => onLayers({ ...layers, sites: e.target.checked })} data-testid="layer-sites" />
              Sites
            </label>
            <label>
              <input type="checkbox" checked={layers.borders} onChange={(e) => onLayers({ ...layers, borders: e.target.checked })} data-testid="layer-borders" />
              Country borders
            </label>
          </div>
          <div className="legend-layers legend-match-layers" role="group" aria-label="Match lines">
            <label title="Exchanges the regional plan allocates: solid, in the colour of their type">
              <input type="checkbox" checked={layers.plan} onChange={(e) => onLayers({ ...layers, plan: e.target.checked })} data-testid="layer-plan" />
              <span className="swatch line plan-sample" aria-hidden="true" />
              Plan members
            </label>
            <label title="Alternatives outside the plan: thin, dashed, grey">
              <input type="checkbox" checked={layers.alternatives} onChange={(e) => onLayers({ ...layers, alternatives: e.target.checked })} data-testid="layer-alternatives" />
              <span className="swatch line alt-sample" aria-hidden="true" />
              Alternatives
            </label>
          </div>

          <ul className="legend-items">
            {legend.entries.map((e) => (
              <li key={e.sector}>
                <span className="swatch" style={{ background: e.color }} />
                <span className="legend-label" title={e.sector}>
                  {e.sector}
                </span>
                <span className="legend-count">{formatCount(e.count)}</span>
              </li>
            ))}
            {(legend.other > 0 || legend.entries.length === 0) && (
              <li>
                <span className="swatch" style={{ background: OTHER_COLOR }} />
                <span className="legend-label">{OTHER_LABEL}</span>
                <span className="legend-count">{formatCount(legend.other)}</span>
              </li>
            )}
            <li className="legend-sep">
              <span className="swatch ring" style={{ borderColor: SYNTHETIC_COLOR }} />
              <span className="legend-label" title="Sites with flows made up for the demo portfolio; not a real company's data">
                Synthetic demo data (made up)
              </span>
              <span className="legend-count">{formatCount(synthetic)}</span>
            </li>
            <li>
              <span className="swatch cluster">n</span>
              <span className="legend-label">Cluster of n sites (click to zoom)</span>
              <span className="legend-count" />
            </li>
          </ul>
          {sites && visibleSites.length !== sites.length && (
            <p className="legend-note">
              Showing {formatCount(visibleSites.length)} of {formatCount(sites.length)} sites (list filters apply).
            </p>
          )}
        </>
      )}
    </section>
  );
}

function LineLegend({ matches, layers, planExists, onRun }: { matches: MatchLine[]; layers: LayerVisibility; planExists: boolean | undefined; onRun?: (() => void) | undefined }) {
  const members = matches.filter((m) => m.in_plan);
  const alternatives = matches.length - members.length;
  const byType = new Map<string, number>();
  for (const m of members) byType.set(m.type, (byType.get(m.type) ?? 0) + 1);
  const types = [...byType.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return (
    <section className="score-legend line-legend" data-testid="line-legend" aria-label="Match lines legend">
      <div className="score-legend-title" title="One line per match of the match list (its filters apply); click a line to open the match">
        Match lines
      </div>
      {planExists === false ? (
        <span className="muted" data-testid="line-legend-no-plan">
          No regional plan yet: every line is an alternative.{' '}
          {onRun && (
            <button type="button" className="link" onClick={onRun}>
              Run matching
            </button>
          )}
        </span>
      ) : (
        <ul>
          <li className={layers.plan ? '' : 'off'} title="Regional plan members: the exchanges the plan allocates, solid in the colour of their type" data-testid="line-legend-plan" data-count={members.length}>
            <b>Plan</b>
            <span className="legend-count">{formatCount(members.length)}</span>
          </li>
          {types.map(([type, n]) => (
            <li key={type} className={layers.plan ? '' : 'off'} title={`${formatCount(n)} plan members of type ${type}`}>
              <span className="swatch line thick" style={{ background: typeColor(type) }} />
              <span>{typeLabel(type)}</span>
              <span className="legend-count">{formatCount(n)}</span>
            </li>
          ))}
        </ul>
      )}
      <ul>
        <li className={layers.alternatives ? '' : 'off'} title="Alternatives: candidate exchanges outside the plan (they compete for the same flows)" data-testid="line-legend-alternatives" data-count={alternatives}>
          <span className="swatch line dashed" />
          <span>Alternatives (not in the plan)</span>
          <span className="legend-count">{formatCount(alternatives)}</span>
        </li>
      </ul>
    </section>
  );
}
