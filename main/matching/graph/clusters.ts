/**
 * Service clusters (domain.md 2.4, "clusters of sites that could share a service or a collection
 * round (group buying)"): groups of nearby sites with the same kind of need or waste.
 *
 * 1. Each active flow gets a shared-resource key: waste and material SUPPLIES by EWC code (else
 *    category) -> `collection`; service DEMANDS by category -> `shared_service`; other DEMANDS by
 *    type (material also by EWC code or category) -> `group_buying` (not waste and wastewater
 *    demands: those sites take a resource in, they do not buy it).
 * 2. Per key, a proximity graph of the sites (haversine, an edge when two sites are within
 *    `linkKm`, weight 1 - d / linkKm, at least 0.05).
 * 3. Its connected components (union-find) are the candidate clusters. A component
 *    whose sites are all within `radiusKm` of its centre stays whole; a wider one is split into
 *    Louvain communities (seeded rng: same input and seed, same clusters), and each community is
 *    trimmed, farthest site first, until every site is within `radiusKm` of its centre. Trimmed
 *    sites are clustered again among themselves (up to 3 passes).
 * 4. Clusters with fewer than `minSites` sites or `minOrganizations` organizations are dropped.
 *
 * Guarantee: every member of a returned cluster is within `radiusKm` (great circle) of the
 * cluster's centroid, so any two members are within 2 x radiusKm.
 */
import { UndirectedGraph } from 'graphology';
import type { FlowType } from '../../domain/entities.ts';
import type { GraphFlow, SiteInfo } from './exchange-graph.ts';
import { ewcLabel } from './ewc.ts';
import { centroid, EARTH_RADIUS_KM, hashString, haversineKm, seededRng, type LatLon } from './geo.ts';
import { communities } from './louvain.ts';

export type ClusterKind = 'collection' | 'shared_service' | 'group_buying';
export const CLUSTER_KINDS: readonly ClusterKind[] = ['collection', 'shared_service', 'group_buying'];

export interface ServiceClusterOptions {
  /** Every member is within this distance (km) of the cluster centre (default 10). */
  radiusKm?: number | undefined;
  /** Two sites are neighbours in the proximity graph within this distance (default radiusKm). */
  linkKm?: number | undefined;
  /** Fewest sites in a cluster (default 3). */
  minSites?: number | undefined;
  /** Fewest distinct organizations in a cluster (default 2: sharing with oneself is not symbiosis). */
  minOrganizations?: number | undefined;
  /** Which kinds of sharing to look for (default all). */
  kinds?: readonly ClusterKind[] | undefined;
  /** Louvain seed (default 1). */
  seed?: number | undefined;
  /** Louvain resolution (default 1; higher gives smaller clusters). */
  resolution?: number | undefined;
  /** Also use paused and archived flows (default false). */
  includeInactive?: boolean | undefined;
  /** Most clusters returned (default all). */
  limit?: number | undefined;
}

export interface SharedResource {
  /** e.g. `collection:ewc:150101`, `shared_service:category:security`, `group_buying:electricity`. */
  key: string;
  kind: ClusterKind;
  direction: 'supply' | 'demand';
  /** The flow types pooled under the key (waste and material share an EWC code). */
  types: FlowType[];
  ewc: string | null;
  category: string | null;
  /** Human label: "150101 (paper packaging)", "security", "electricity". */
  label: string;
}

export interface ClusterMember {
  site_id: string;
  organization_id: string;
  name: string | null;
  lat: number;
  lon: number;
  flow_ids: string[];
  /** Sum of the site's flows under the key, canonical unit. */
  amount: number;
  distance_to_centre_km: number;
}

export interface ServiceCluster {
  /** `<resource key>@<first member site id>`: stable for the same members. */
  id: string;
  kind: ClusterKind;
  resource: SharedResource;
  /** Nearest the centre first. */
  members: ClusterMember[];
  centroid: LatLon;
  /** Farthest member from the centre, km (<= radiusKm). */
  radius_km: number;
  /** Largest distance between two members, km. */
  max_pair_km: number;
  organizations: number;
  /** Sum over members, when they share one unit. */
  total: { amount: number; unit: string } | null;
  /** "7 sites within 6 km dispose of 150101 (paper packaging), 420 t/yr together: a shared collection round". */
  suggestion: string;
}

interface Point {
  site_id: string;
  organization_id: string;
  name: string | null;
  lat: number;
  lon: number;
  flows: GraphFlow[];
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const norm = (s: string | undefined) => {
  const t = s?.trim().toLowerCase().replace(/\s+/g, ' ');
  return t === undefined || t === '' ? undefined : t;
};
const KM_PER_DEG_LAT = (EARTH_RADIUS_KM * Math.PI) / 180;

/** Demand types pooled for group buying: what the sites do, and what they could share. */
export const GROUP_BUYING: Readonly<Partial<Record<FlowType, { verb: string; idea: string }>>> = {
  electricity: { verb: 'buy', idea: 'group buying (an energy purchasing pool)' },
  heat: { verb: 'need', idea: 'a shared heat supply (joint boiler or local network)' },
  steam: { verb: 'need', idea: 'a shared steam supply' },
  cooling: { verb: 'need', idea: 'a shared cooling plant' },
  water: { verb: 'buy', idea: 'group buying' },
  compressed_air: { verb: 'need', idea: 'a shared compressor station' },
  co2: { verb: 'buy', idea: 'group buying' },
  material: { verb: 'buy', idea: 'group buying' },
  logistics: { verb: 'need', idea: 'a shared delivery round' },
};

/** The shared-resource key of a flow, or null when the flow is not a clustering candidate. */
export function resourceKeyOf(f: GraphFlow): { key: string; kind: ClusterKind; ewc: string | null; category: string | null } | null {
  const ewc = f.quality?.ewc?.trim() || null;
  const category = norm(f.quality?.category) ?? null;
  if (f.direction === 'supply') {
    if (f.type !== 'waste' && f.type !== 'material') return null;
    if (ewc !== null) return { key: `collection:ewc:${ewc}`, kind: 'collection', ewc, category: null };
    if (category !== null) return { key: `collection:category:${category}`, kind: 'collection', ewc: null, category };
    return null;
  }
  if (f.type === 'service') return category === null ? null : { key: `shared_service:category:${category}`, kind: 'shared_service', ewc: null, category };
  if (!(f.type in GROUP_BUYING)) return null; // waste and wastewater demands are takers, not buyers
  if (f.type === 'material') {
    if (ewc !== null) return { key: `group_buying:material:ewc:${ewc}`, kind: 'group_buying', ewc, category: null };
    if (category !== null) return { key: `group_buying:material:category:${category}`, kind: 'group_buying', ewc: null, category };
  }
  return { key: `group_buying:${f.type}`, kind: 'group_buying', ewc: null, category: null };
}

/** Groups of nearby sites that could share a collection round, a service or a purchase. */
export function findServiceClusters(flows: readonly GraphFlow[], sites: readonly SiteInfo[], options: ServiceClusterOptions = {}): ServiceCluster[] {
  const radiusKm = options.radiusKm ?? 10;
  const linkKm = options.linkKm ?? radiusKm;
  if (!(radiusKm > 0) || !(linkKm > 0)) throw new Error(`radiusKm and linkKm must be above 0 (got ${radiusKm}, ${linkKm})`);
  const minSites = Math.max(2, options.minSites ?? 3);
  const minOrgs = Math.max(1, options.minOrganizations ?? 2);
  const kinds = new Set(options.kinds ?? CLUSTER_KINDS);
  const seed = options.seed ?? 1;
  const siteById = new Map<string, SiteInfo>();
  for (const s of sites) siteById.set(s.id, s);

  // key -> site -> point
  const groups = new Map<string, { meta: NonNullable<ReturnType<typeof resourceKeyOf>>; points: Map<string, Point> }>();
  for (const f of flows) {
    if (!(options.includeInactive ?? false) && (f.status ?? 'active') !== 'active') continue;
    const meta = resourceKeyOf(f);
    if (meta === null || !kinds.has(meta.kind)) continue;
    let g = groups.get(meta.key);
    if (g === undefined) groups.set(meta.key, (g = { meta, points: new Map() }));
    let p = g.points.get(f.site_id);
    if (p === undefined) {
      const s = siteById.get(f.site_id);
      p = {
        site_id: f.site_id,
        organization_id: s?.organization_id ?? f.organization_id,
        name: s?.name ?? null,
        lat: s?.lat ?? f.lat,
        lon: s?.lon ?? f.lon,
        flows: [],
      };
      g.points.set(f.site_id, p);
    }
    p.flows.push(f);
  }

  const out: ServiceCluster[] = [];
  for (const key of [...groups.keys()].sort(byId)) {
    const g = groups.get(key)!;
    if (g.points.size < minSites) continue;
    const points = [...g.points.values()].sort((a, b) => byId(a.site_id, b.site_id));
    const rng = seededRng((seed ^ hashString(key)) >>> 0);
    for (const members of partition(points, radiusKm, linkKm, minSites, options.resolution ?? 1, rng)) {
      const c = toCluster(g.meta, members);
      if (c.organizations >= minOrgs) out.push(c);
    }
  }
  out.sort((a, b) => b.members.length - a.members.length || b.organizations - a.organizations || (b.total?.amount ?? 0) - (a.total?.amount ?? 0) || byId(a.id, b.id));
  return options.limit === undefined ? out : out.slice(0, options.limit);
}

/** Farthest distance from the points' centroid, with the centroid and the index of the farthest point. */
function spread(points: readonly Point[]): { centre: LatLon; max: number; far: number } {
  const centre = centroid(points);
  let max = -1;
  let far = 0;
  points.forEach((p, i) => {
    const d = haversineKm(centre.lat, centre.lon, p.lat, p.lon);
    if (d > max || (d === max && byId(p.site_id, points[far]!.site_id) > 0)) {
      max = d;
      far = i;
    }
  });
  return { centre, max, far };
}

type ProxGraph = UndirectedGraph<{ i: number }, { weight: number; km: number }>;
type Pair = [a: number, b: number, km: number];

/** Pairs of `points` within `linkKm` (indices a < b, sorted), by a latitude sweep and haversine. */
function proximityPairs(points: readonly Point[], linkKm: number): Pair[] {
  const order = points.map((_, i) => i).sort((a, b) => points[a]!.lat - points[b]!.lat || a - b);
  const dLat = linkKm / KM_PER_DEG_LAT + 1e-9;
  const pairs: Pair[] = [];
  for (let x = 0; x < order.length; x++) {
    const a = points[order[x]!]!;
    for (let y = x + 1; y < order.length; y++) {
      const b = points[order[y]!]!;
      if (b.lat - a.lat > dLat) break;
      const km = haversineKm(a.lat, a.lon, b.lat, b.lon);
      if (km <= linkKm) pairs.push(order[x]! < order[y]! ? [order[x]!, order[y]!, km] : [order[y]!, order[x]!, km]);
    }
  }
  return pairs.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
}

/** Connected components (union-find over the pairs): lists of point indices, each ascending, in order of their first index. */
function components(n: number, pairs: readonly Pair[]): number[][] {
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  for (const [a, b] of pairs) {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
  const byRoot = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const r = find(i);
    (byRoot.get(r) ?? byRoot.set(r, []).get(r)!).push(i);
  }
  return [...byRoot.values()];
}

/** The weighted proximity graph of one component (nodes in id order), for Louvain. */
function proximityGraph(points: readonly Point[], members: readonly number[], pairs: readonly Pair[], linkKm: number): ProxGraph {
  const graph: ProxGraph = new UndirectedGraph<{ i: number }, { weight: number; km: number }>();
  for (const i of members) graph.addNode(points[i]!.site_id, { i });
  for (const [a, b, km] of pairs) graph.addUndirectedEdge(points[a]!.site_id, points[b]!.site_id, { weight: Math.max(0.05, 1 - km / linkKm), km });
  return graph;
}

/** Trims the farthest site until all are within `radiusKm` of the centre; returns [kept, dropped]. */
function trim(members: Point[], radiusKm: number, minSites: number): [Point[], Point[]] {
  const kept = [...members];
  const dropped: Point[] = [];
  while (kept.length >= minSites) {
    const s = spread(kept);
    if (s.max <= radiusKm) return [kept, dropped];
    dropped.push(...kept.splice(s.far, 1));
  }
  return [[], [...dropped, ...kept]];
}

function partition(points: readonly Point[], radiusKm: number, linkKm: number, minSites: number, resolution: number, rng: () => number): Point[][] {
  const clusters: Point[][] = [];
  let pending: Point[] = [...points];
  for (let pass = 0; pass < 3 && pending.length >= minSites; pass++) {
    const pairs = proximityPairs(pending, linkKm);
    const comps = components(pending.length, pairs);
    const compOf = new Int32Array(pending.length);
    comps.forEach((c, k) => c.forEach((i) => (compOf[i] = k)));
    const pairsOf = comps.map((): Pair[] => []);
    for (const p of pairs) pairsOf[compOf[p[0]]!]!.push(p);
    const leftovers: Point[] = [];
    let formed = 0;
    comps.forEach((members, k) => {
      if (members.length < minSites) return; // too few neighbours: never a cluster
      const comp = members.map((i) => pending[i]!);
      if (spread(comp).max <= radiusKm) {
        clusters.push(comp);
        formed++;
        return;
      }
      const community = communities(proximityGraph(pending, members, pairsOf[k]!, linkKm), { rng, resolution });
      const byCommunity = new Map<number, Point[]>();
      for (const p of comp) {
        const c = community[p.site_id]!;
        (byCommunity.get(c) ?? byCommunity.set(c, []).get(c)!).push(p);
      }
      for (const grp of [...byCommunity.values()].sort((a, b) => byId(a[0]!.site_id, b[0]!.site_id))) {
        const [kept, dropped] = trim(grp, radiusKm, minSites);
        if (kept.length > 0) {
          clusters.push(kept);
          formed++;
        }
        leftovers.push(...dropped);
      }
    });
    if (formed === 0) break;
    pending = leftovers.sort((a, b) => byId(a.site_id, b.site_id));
  }
  return clusters;
}

const fmt = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : String(Math.round(x * 10) / 10));

function toCluster(meta: NonNullable<ReturnType<typeof resourceKeyOf>>, members: readonly Point[]): ServiceCluster {
  const s = spread(members);
  const centre = s.centre;
  const flows = members.flatMap((m) => [...m.flows].sort((a, b) => byId(a.id, b.id)));
  const types = [...new Set(flows.map((f) => f.type))].sort(byId);
  const units = new Set(flows.map((f) => f.unit));
  const unit = units.size === 1 ? [...units][0]! : null;
  const list: ClusterMember[] = members
    .map((m) => ({
      site_id: m.site_id,
      organization_id: m.organization_id,
      name: m.name,
      lat: m.lat,
      lon: m.lon,
      flow_ids: m.flows.map((f) => f.id).sort(byId),
      amount: m.flows.reduce((t, f) => t + f.amount, 0),
      distance_to_centre_km: haversineKm(centre.lat, centre.lon, m.lat, m.lon),
    }))
    .sort((a, b) => a.distance_to_centre_km - b.distance_to_centre_km || byId(a.site_id, b.site_id));
  let maxPair = 0;
  for (let i = 0; i < members.length; i++)
    for (let j = i + 1; j < members.length; j++) maxPair = Math.max(maxPair, haversineKm(members[i]!.lat, members[i]!.lon, members[j]!.lat, members[j]!.lon));

  // the label: EWC title, else the flows' own category text (most common spelling), else the type
  const categoryText = mostCommon(flows.map((f) => f.quality?.category?.trim()).filter((c): c is string => c !== undefined && c !== ''));
  const typeName = types.map((t) => t.replace(/_/g, ' ')).join(' / ');
  const label =
    meta.ewc !== null ? `${meta.ewc} (${ewcLabel(meta.ewc) ?? categoryText ?? typeName})` : meta.category !== null ? (categoryText ?? meta.category) : typeName;
  const total = unit === null ? null : { amount: list.reduce((t, m) => t + m.amount, 0), unit };
  const together = total === null ? '' : `, ${fmt(total.amount)} ${total.unit} together`;
  const within = `${members.length} sites within ${Math.max(1, Math.ceil(s.max))} km`;
  const suggestion =
    meta.kind === 'collection'
      ? `${within} ${types.every((t) => t === 'waste') ? 'dispose of' : 'have surplus'} ${label}${together}: a shared collection round`
      : meta.kind === 'shared_service'
        ? `${within} need ${label} services${together}: one shared service contract`
        : `${within} ${GROUP_BUYING[types[0]!]?.verb ?? 'buy'} ${label}${together}: ${GROUP_BUYING[types[0]!]?.idea ?? 'group buying'}`;
  const first = [...members].sort((a, b) => byId(a.site_id, b.site_id))[0]!;
  return {
    id: `${meta.key}@${first.site_id}`,
    kind: meta.kind,
    resource: {
      key: meta.key,
      kind: meta.kind,
      direction: meta.kind === 'collection' ? 'supply' : 'demand',
      types,
      ewc: meta.ewc,
      category: meta.category,
      label,
    },
    members: list,
    centroid: centre,
    radius_km: s.max,
    max_pair_km: maxPair,
    organizations: new Set(members.map((m) => m.organization_id)).size,
    total,
    suggestion,
  };
}

/** The most frequent string; ties go to the first seen (members and flows are in id order). */
function mostCommon(xs: readonly string[]): string | undefined {
  const n = new Map<string, number>();
  for (const x of xs) n.set(x, (n.get(x) ?? 0) + 1);
  let best: string | undefined;
  for (const [x, c] of n) if (best === undefined || c > n.get(best)!) best = x; // ties: the first seen
  return best;
}
