/**
 * Mapping between domain entities (the interchange shape) and table rows.
 */
import type { Selectable } from 'kysely';
import type { Flow, Organization, Site } from '../domain/entities.ts';
import type { FlowsTable, OrganizationsTable, SitesTable } from './schema.ts';

/** What every stored record carries besides its entity fields. */
export interface RecordMeta {
  version: number;
  created_at: string;
  updated_at: string;
}

export type OrganizationRecord = Organization & RecordMeta;
export type SiteRecord = Site & RecordMeta;
export type FlowRecord = Flow &
  RecordMeta & {
    /** The quantity in the type's canonical unit (kW for heat, m3/h for water, ...). */
    canonical: { amount: number; unit: string };
    hours_per_year: number;
  };

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
const parse = <T>(text: string | null): T | undefined => (text === null ? undefined : (JSON.parse(text) as T));

/** Drops keys whose value is null or undefined, so a record reads like the document it came from. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as T;
}

export function organizationToRow(o: Organization) {
  return {
    id: o.id,
    name: o.name,
    legal_form: o.legal_form ?? null,
    nace: o.nace ?? null,
    sector: o.sector ?? null,
    employees: o.employees ?? null,
    trust: o.trust ?? null,
    readiness: o.readiness ?? null,
    certifications: json(o.certifications),
    sharing: o.sharing ?? null,
    contact: json(o.contact),
    notes: o.notes ?? null,
  };
}

export function organizationFromRow(row: Selectable<OrganizationsTable>): OrganizationRecord {
  const { certifications, contact, ...rest } = row;
  return compact({
    ...rest,
    certifications: parse<string[]>(certifications),
    contact: parse<Organization['contact']>(contact),
  }) as OrganizationRecord;
}

export function siteToRow(s: Site) {
  return {
    id: s.id,
    organization_id: s.organization_id,
    name: s.name,
    address: s.address ?? null,
    country: s.country,
    lat: s.lat,
    lon: s.lon,
    kind: s.kind ?? null,
    notes: s.notes ?? null,
  };
}

export function siteFromRow(row: Selectable<SitesTable>): SiteRecord {
  return compact({ ...row }) as SiteRecord;
}

export function flowToRow(f: Flow, canonical: { amount: number; unit: string }, hoursPerYear: number) {
  return {
    id: f.id,
    site_id: f.site_id,
    direction: f.direction,
    type: f.type,
    name: f.name,
    description: f.description ?? null,
    quantity_amount: f.quantity.amount,
    quantity_unit: f.quantity.unit,
    canonical_amount: canonical.amount,
    canonical_unit: canonical.unit,
    hours_per_year: hoursPerYear,
    precision: f.precision ?? null,
    provenance: json(f.provenance),
    quality: json(f.quality),
    temperature_min: f.quality?.temperature_c?.min ?? null,
    temperature_max: f.quality?.temperature_c?.max ?? null,
    temporal: json(f.temporal),
    economics: json(f.economics),
    logistics: json(f.logistics),
    status: f.status ?? null,
  };
}

export function flowFromRow(row: Selectable<FlowsTable>): FlowRecord {
  return compact({
    id: row.id,
    site_id: row.site_id,
    direction: row.direction,
    type: row.type,
    name: row.name,
    description: row.description,
    quantity: { amount: row.quantity_amount, unit: row.quantity_unit },
    precision: row.precision,
    provenance: parse(row.provenance),
    quality: parse(row.quality),
    temporal: parse(row.temporal),
    economics: parse(row.economics),
    logistics: parse(row.logistics),
    status: row.status,
    canonical: { amount: row.canonical_amount, unit: row.canonical_unit },
    hours_per_year: row.hours_per_year,
    version: row.version,
    created_at: row.created_at,
    updated_at: row.updated_at,
  }) as FlowRecord;
}

/** The entity part of a record (what export writes and what a patch is merged into). */
export function stripMeta<T extends RecordMeta>(record: T): Omit<T, keyof RecordMeta | 'canonical' | 'hours_per_year'> {
  const { version, created_at, updated_at, canonical, hours_per_year, ...entity } = record as T & {
    canonical?: unknown;
    hours_per_year?: unknown;
  };
  return entity;
}
