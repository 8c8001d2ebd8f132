/**
 * The stores of the three entities of the local graph: schema, row mapping and references.
 */
import { flowSchema, organizationSchema, siteSchema, type Flow, type Organization, type Site } from '../domain/entities.ts';
import { hoursPerYear } from '../domain/temporal.ts';
import { toCanonical } from '../domain/units.ts';
import { EntityStore } from './entity-store.ts';
import { ValidationError } from './errors.ts';
import {
  flowFromRow,
  flowToRow,
  organizationFromRow,
  organizationToRow,
  siteFromRow,
  siteToRow,
  type FlowRecord,
  type OrganizationRecord,
  type SiteRecord,
} from './records.ts';

export const organizations = new EntityStore<Organization, OrganizationRecord, 'organizations'>({
  entity: 'organization',
  table: 'organizations',
  schema: organizationSchema,
  toRow: organizationToRow,
  fromRow: organizationFromRow,
  references: () => [],
  dependents: [{ table: 'sites', column: 'organization_id', label: 'site' }],
});

export const sites = new EntityStore<Site, SiteRecord, 'sites'>({
  entity: 'site',
  table: 'sites',
  schema: siteSchema,
  toRow: siteToRow,
  fromRow: siteFromRow,
  references: (s) => [{ field: 'organization_id', table: 'organizations', id: s.organization_id, label: 'organization' }],
  dependents: [{ table: 'flows', column: 'site_id', label: 'flow' }],
});

/** The canonical quantity and operating hours of a flow, or the field that makes them impossible. */
export function canonicalQuantity(flow: Flow): { canonical: { amount: number; unit: string }; hours: number } {
  let hours: number;
  try {
    hours = hoursPerYear(flow.temporal);
  } catch (error) {
    throw new ValidationError(`flow "${flow.id}"`, [{ field: 'temporal.weekly', message: (error as Error).message }]);
  }
  try {
    return { canonical: toCanonical(flow.type, flow.quantity.amount, flow.quantity.unit, hours), hours };
  } catch (error) {
    throw new ValidationError(`flow "${flow.id}"`, [{ field: 'quantity.unit', message: (error as Error).message }]);
  }
}

export const flows = new EntityStore<Flow, FlowRecord, 'flows'>({
  entity: 'flow',
  table: 'flows',
  schema: flowSchema,
  toRow: (flow) => {
    const { canonical, hours } = canonicalQuantity(flow);
    return flowToRow(flow, canonical, hours);
  },
  fromRow: flowFromRow,
  references: (f) => [{ field: 'site_id', table: 'sites', id: f.site_id, label: 'site' }],
  dependents: [],
});
