/**
 * The columns of the three exchange CSV tables: the document's keys, nested keys flattened with
 * dots. The lists are written out rather than derived from the zod schemas so that the CSV layout
 * is visible in one place; a test checks they cover every key of the schemas.
 */
import type { TableName } from './format.ts';
import type { CellKind } from './csv-cells.ts';

export interface Column {
  name: string;
  kind: CellKind;
}

const col = (name: string, kind: CellKind = 'text'): Column => ({ name, kind });
const range = (prefix: string): Column[] => [col(`${prefix}.min`, 'number'), col(`${prefix}.max`, 'number')];

export const CSV_COLUMNS: Record<TableName, readonly Column[]> = {
  organizations: [
    col('id'),
    col('name'),
    col('legal_form'),
    col('nace'),
    col('sector'),
    col('employees', 'number'),
    col('trust', 'number'),
    col('readiness', 'number'),
    col('certifications', 'list'),
    col('sharing'),
    col('contact.name'),
    col('contact.email'),
    col('contact.phone'),
    col('notes'),
  ],
  sites: [
    col('id'),
    col('organization_id'),
    col('name'),
    col('address'),
    col('country'),
    col('lat', 'number'),
    col('lon', 'number'),
    col('kind'),
    col('notes'),
  ],
  flows: [
    col('id'),
    col('site_id'),
    col('direction'),
    col('type'),
    col('name'),
    col('description'),
    col('quantity.amount', 'number'),
    col('quantity.unit'),
    col('precision'),
    col('provenance.kind'),
    col('provenance.source'),
    col('provenance.synthetic', 'boolean'),
    col('provenance.recorded_at'),
    col('provenance.device_id'),
    col('provenance.point_ids', 'list'),
    col('provenance.period.from'),
    col('provenance.period.to'),
    col('provenance.sample_count', 'number'),
    col('provenance.coverage', 'number'),
    ...range('quality.temperature_c'),
    ...range('quality.pressure_bar'),
    col('quality.purity_pct', 'number'),
    col('quality.contamination_mg_kg', 'number'),
    ...range('quality.ph'),
    col('quality.moisture_pct', 'number'),
    col('quality.ewc'),
    col('quality.hazardous', 'boolean'),
    col('quality.accepts_hazardous', 'boolean'),
    col('quality.accepted_ewc', 'list'),
    col('quality.category'),
    col('quality.recovery_operations', 'list'),
    col('quality.waste_status'),
    col('temporal.weekly', 'weekly'),
    col('temporal.months', 'numbers'),
    col('temporal.start'),
    col('temporal.end'),
    col('temporal.profile'),
    col('economics.price_eur', 'number'),
    col('economics.price_per'),
    col('economics.disposal_cost_eur', 'number'),
    col('economics.disposal_per'),
    col('economics.price_asked_eur', 'number'),
    col('economics.price_asked_per'),
    col('economics.current_fuel'),
    col('logistics.max_distance_km', 'number'),
    col('logistics.modes', 'list'),
    col('status'),
  ],
};

/** Columns a file of the table must have, or every row would fail the same way. */
export const REQUIRED_COLUMNS: Record<TableName, readonly string[]> = {
  organizations: ['id', 'name'],
  sites: ['id', 'organization_id', 'name', 'country', 'lat', 'lon'],
  flows: ['id', 'site_id', 'direction', 'type', 'name', 'quantity.amount', 'quantity.unit'],
};

const COLUMN_NAMES: Record<TableName, ReadonlySet<string>> = {
  organizations: new Set(CSV_COLUMNS.organizations.map((c) => c.name)),
  sites: new Set(CSV_COLUMNS.sites.map((c) => c.name)),
  flows: new Set(CSV_COLUMNS.flows.map((c) => c.name)),
};

export function columnOf(table: TableName, name: string): Column | undefined {
  return CSV_COLUMNS[table].find((c) => c.name === name);
}

const NAME_HINTS: [RegExp, TableName][] = [
  [/organi[sz]ation|\borgs?\b/i, 'organizations'],
  [/flows?\b/i, 'flows'],
  [/sites?\b/i, 'sites'],
];

/**
 * Which table a CSV file holds: the table whose columns cover most of the header; the file name
 * only breaks a tie (a file of just `id,name` could be any table). The header wins over the name
 * because a renamed file keeps its columns.
 */
export function detectTable(header: readonly string[], fileName = ''): TableName | undefined {
  const scores = (Object.keys(COLUMN_NAMES) as TableName[]).map((t) => ({
    table: t,
    score: header.filter((h) => COLUMN_NAMES[t].has(h)).length,
  }));
  const best = Math.max(...scores.map((s) => s.score));
  if (best === 0) return undefined;
  const leaders = scores.filter((s) => s.score === best).map((s) => s.table);
  if (leaders.length === 1) return leaders[0];
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const hinted = NAME_HINTS.find(([re, t]) => re.test(base) && leaders.includes(t));
  return hinted?.[1];
}
