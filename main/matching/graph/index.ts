/**
 * Graph analytics over the exchange network (domain.md 2.4; docs/graph-analytics.md): the
 * exchange graph and its statistics, heat cascades, service clusters. Pure functions over plain
 * data (flows, sites, matches); no database.
 */
export {
  buildExchangeGraph,
  exchangeNetworkStats,
  CLOSED_STATUSES,
  type CentralSite,
  type ExchangeEdge,
  type ExchangeGraph,
  type ExchangeGraphAttributes,
  type ExchangeGraphOptions,
  type GraphFlow,
  type GraphMatch,
  type NetworkStats,
  type NetworkStatsOptions,
  type SiteInfo,
  type SiteNode,
} from './exchange-graph.ts';
export {
  findHeatCascades,
  heatEnergyMwh,
  rangeTop,
  type CascadeLink,
  type CascadeStep,
  type HeatCascade,
  type HeatCascadeOptions,
  type HeatCascadeResult,
} from './cascades.ts';
export {
  findServiceClusters,
  resourceKeyOf,
  CLUSTER_KINDS,
  GROUP_BUYING,
  type ClusterKind,
  type ClusterMember,
  type ServiceCluster,
  type ServiceClusterOptions,
  type SharedResource,
} from './clusters.ts';
export { EWC_LABELS, ewcLabel } from './ewc.ts';
export { centroid, haversineKm, seededRng, type LatLon } from './geo.ts';
