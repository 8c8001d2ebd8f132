/**
 * What the sync carries and how records hang together. Organizations, sites and flows are synced
 * field by field; a site belongs to an organization and a flow to a site, and an organization's
 * `sharing` decides for its whole subtree whether anything leaves the laptop.
 *
 * Not synced (docs/sync.md): devices, points and raw measurements (field data stays on the
 * laptop that recorded it), matches (every replica recomputes them from the synced flows).
 */
import { DEFAULT_SHARING } from '../domain/entities.ts';
import { flows, organizations, sites } from '../db/entities.ts';

export const SYNCED_DATASETS = ['organization', 'site', 'flow'] as const;
export type SyncedDataset = (typeof SYNCED_DATASETS)[number];

export function isSyncedDataset(dataset: string): dataset is SyncedDataset {
  return (SYNCED_DATASETS as readonly string[]).includes(dataset);
}

/** The reference from a record to its parent, top-down order is organization, site, flow. */
export const PARENT: Record<SyncedDataset, { dataset: SyncedDataset; column: string } | null> = {
  organization: null,
  site: { dataset: 'organization', column: 'organization_id' },
  flow: { dataset: 'site', column: 'site_id' },
};

export const CHILD: Record<SyncedDataset, { dataset: SyncedDataset; column: string } | null> = {
  organization: { dataset: 'site', column: 'organization_id' },
  site: { dataset: 'flow', column: 'site_id' },
  flow: null,
};

export const STORES = { organization: organizations, site: sites, flow: flows } as const;

/**
 * The identity records of replicas: row = node id, column `actor` = who works on it. Shipped like
 * any record so every replica can say who made a remote change (messages carry only a node id).
 */
export const NODE_DATASET = 'node';

export function isPrivate(sharing: string | undefined): boolean {
  return (sharing ?? DEFAULT_SHARING) === 'private';
}
