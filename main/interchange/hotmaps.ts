/**
 * Reader for the Hotmaps Industrial Database CSV (Fraunhofer ISI, CC BY 4.0): real EU industrial
 * sites with their excess heat, mapped to exchange-format organizations, sites and heat supply
 * flows. The mapping is documented in docs/interchange.md, "Hotmaps mapping".
 *
 * Unlike the exchange formats this is a third-party file that is known to be incomplete (about
 * one site in ten has no coordinates), so rows that cannot be placed are skipped and listed, not
 * fatal. Only a file that is not a readable Hotmaps CSV at all yields `problems`.
 */
import { flowSchema, organizationSchema, siteSchema, type Flow, type Organization, type Site } from '../domain/entities.ts';
import { hotmapsCountry, isProfileName, processOfSubsector } from '../domain/profile-names.ts';
import { parseStrictNumber } from './csv-cells.ts';
import { CsvSyntaxError, readCsvHeader, readCsvRows, type CsvRow } from './csv-read.ts';
import { emptyDocument, type ExchangeDocument, type ImportProblem } from './format.ts';
import { HOTMAPS_COUNTRIES, HOTMAPS_NACE, RELABELLED_COUNTRIES, companyKey, shortHash, slugFor } from './hotmaps-mapping.ts';
import { checkDocument } from './validate.ts';

/** The attribution CC BY 4.0 asks for; shipped with anything derived from the file. */
export const HOTMAPS_ATTRIBUTION =
  'Contains data from the Hotmaps Industrial Database, Copyright 2016-2018 Pia Manz, Tobias Fleiter ' +
  '(Fraunhofer ISI), Hotmaps project (EU Horizon 2020 grant 723677), licensed under CC BY 4.0 ' +
  '(https://creativecommons.org/licenses/by/4.0/); source: gitlab.com/hotmaps/industrial_sites/' +
  'industrial_sites_Industrial_Database. Changed: converted to the Turash exchange format (one ' +
  'organization per company, one site per plant, one heat supply flow per excess-heat band); sites ' +
  'without coordinates left out; the country labels "Liechtenstein" and "Croatia" read as Croatia and Iceland.';

/** Short form for each flow's provenance and each record's notes. */
export const HOTMAPS_SOURCE = 'Hotmaps Industrial Database (Fraunhofer ISI), CC BY 4.0';

export interface HotmapsBand {
  column: string;
  /** Part of the flow id: `hm-flow-<SiteID>-<suffix>`. */
  suffix: string;
  label: string;
  min: number;
  /** Hotmaps leaves the top band open; 1000 degC (decision) bounds furnace and kiln flue gas. */
  max: number;
  /** The temperature Hotmaps itself uses for the band. */
  modelled: number;
}

export const HOTMAPS_BANDS: readonly HotmapsBand[] = [
  { column: 'Excess_Heat_100-200C', suffix: '100-200', label: '100-200 °C', min: 100, max: 200, modelled: 150 },
  { column: 'Excess_Heat_200-500C', suffix: '200-500', label: '200-500 °C', min: 200, max: 500, modelled: 350 },
  { column: 'Excess_Heat_500C', suffix: '500-plus', label: 'above 500 °C', min: 500, max: 1000, modelled: 500 },
];

const TEXT_COLUMNS = ['SiteID', 'CompanyName', 'SiteName', 'Address', 'CityCode', 'City', 'Country', 'geom', 'Subsector', 'DataSource'];
const NUMBER_COLUMNS = [
  'Emissions_ETS_2014',
  'Emissions_EPRTR_2014',
  'Production',
  'Fuel_Demand',
  ...HOTMAPS_BANDS.map((b) => b.column),
  'Excess_Heat_Total',
];
const REQUIRED_COLUMNS = [...TEXT_COLUMNS, ...NUMBER_COLUMNS];

const GEOM = /^SRID=4326;POINT\(\s*(\S+)\s+(\S+)\s*\)$/i;

export interface HotmapsSkip {
  /** CSV line of the row (the header is line 1). */
  line: number;
  site_id: string;
  reason: string;
  /** The first column with a malformed value, when that is why the row was skipped. */
  column?: string;
}

export interface HotmapsStats {
  /** Data rows read (header excluded). */
  rows: number;
  organizations: number;
  sites: number;
  flows: number;
  /** Imported sites with at least one non-zero excess-heat band. */
  sitesWithExcessHeat: number;
  /** Sum of the imported flows, GWh/yr. */
  excessHeatGWh: number;
  skippedNoCoordinates: number;
  skippedMalformed: number;
  skippedOther: number;
}

export interface HotmapsImport {
  doc: ExchangeDocument;
  skipped: HotmapsSkip[];
  stats: HotmapsStats;
  /** Set only when the file as a whole cannot be read (syntax error, missing columns); `doc` is then empty. */
  problems: ImportProblem[];
}

/** True when the first line is the Hotmaps header (`;`-separated, with SiteID, geom and the excess-heat bands). */
export function isHotmapsCsv(text: string): boolean {
  const header = readCsvHeader(text, ';');
  return header !== undefined && REQUIRED_COLUMNS.every((c) => header.includes(c));
}

interface OrgDraft {
  org: Organization;
  subsectors: Map<string, number>;
}

const zodReason = (issues: { path: PropertyKey[]; message: string }[]): string =>
  issues.map((i) => `${i.path.map(String).join('.') || 'record'}: ${i.message}`).join('; ');

export function parseHotmapsCsv(text: string): HotmapsImport {
  const stats: HotmapsStats = {
    rows: 0,
    organizations: 0,
    sites: 0,
    flows: 0,
    sitesWithExcessHeat: 0,
    excessHeatGWh: 0,
    skippedNoCoordinates: 0,
    skippedMalformed: 0,
    skippedOther: 0,
  };
  const fail = (problem: ImportProblem): HotmapsImport => ({ doc: emptyDocument(), skipped: [], stats, problems: [problem] });

  let rows: CsvRow[];
  try {
    rows = readCsvRows(text, ';');
  } catch (err) {
    if (!(err instanceof CsvSyntaxError)) throw err;
    return fail({ ...(err.line !== undefined ? { line: err.line } : {}), reason: `CSV syntax error: ${err.message}` });
  }
  const header = rows[0]?.cells.map((h) => h.trim()) ?? [];
  const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length > 0) return fail({ line: 1, reason: `not a Hotmaps Industrial Database file: missing columns ${missing.join(', ')}` });
  const index = new Map(header.map((h, i) => [h, i]));

  const skipped: HotmapsSkip[] = [];
  const orgs = new Map<string, OrgDraft>();
  const orgIds = new Map<string, string>();
  const sites: Site[] = [];
  const flows: Flow[] = [];
  const seenSiteIds = new Set<string>();

  for (const row of rows.slice(1)) {
    stats.rows++;
    const get = (column: string): string => (row.cells[index.get(column)!] ?? '').trim();
    const siteId = get('SiteID');
    const skip = (reason: string, kind: 'malformed' | 'noCoordinates' | 'other', column?: string): void => {
      skipped.push({ line: row.line, site_id: siteId, reason, ...(column ? { column } : {}) });
      if (kind === 'malformed') stats.skippedMalformed++;
      else if (kind === 'noCoordinates') stats.skippedNoCoordinates++;
      else stats.skippedOther++;
    };

    if (row.cells.length !== header.length) {
      skip(`the row has ${row.cells.length} fields, the header has ${header.length}`, 'malformed');
      continue;
    }
    const bad: { column: string; value: string }[] = [];
    if (!/^\d+$/.test(siteId)) bad.push({ column: 'SiteID', value: siteId });
    const numbers = new Map<string, number>();
    for (const column of NUMBER_COLUMNS) {
      const value = get(column);
      if (value === '') continue;
      const n = parseStrictNumber(value);
      if (n === undefined || n < 0) bad.push({ column, value });
      else numbers.set(column, n);
    }
    const geom = get('geom');
    let lat = NaN;
    let lon = NaN;
    if (geom !== '') {
      const m = GEOM.exec(geom);
      lon = m ? (parseStrictNumber(m[1]!) ?? NaN) : NaN;
      lat = m ? (parseStrictNumber(m[2]!) ?? NaN) : NaN;
      if (!(Math.abs(lat) <= 90 && Math.abs(lon) <= 180)) bad.push({ column: 'geom', value: geom });
    }
    if (bad.length > 0) {
      const what = bad.map((b) => `${b.column} (column ${index.get(b.column)! + 1}) "${b.value}"`).join(', ');
      skip(`malformed value: ${what}`, 'malformed', bad[0]!.column);
      continue;
    }
    if (geom === '') {
      skip('no coordinates (geom is empty)', 'noCoordinates');
      continue;
    }
    if (seenSiteIds.has(siteId)) {
      skip(`SiteID ${siteId} appears twice; the first row was kept`, 'other');
      continue;
    }
    const countryLabel = get('Country');
    const country = HOTMAPS_COUNTRIES[countryLabel];
    if (!country) {
      skip(`unknown country "${countryLabel}"`, 'other');
      continue;
    }
    const companyName = get('CompanyName') || get('SiteName');
    if (companyName === '') {
      skip('neither a company nor a site name', 'other');
      continue;
    }
    const subsector = get('Subsector');

    const key = companyKey(companyName);
    let draft = orgs.get(key);
    const orgId = draft?.org.id ?? uniqueOrgId(key, orgIds);
    const site = siteSchema.safeParse(buildSite(siteId, orgId, get, country, countryLabel, lat, lon, numbers));
    const siteFlows = HOTMAPS_BANDS.filter((b) => (numbers.get(b.column) ?? 0) > 0).map((b) =>
      flowSchema.safeParse(buildFlow(siteId, b, numbers.get(b.column)!, industryProfile(subsector, country))),
    );
    const newOrg = draft ? undefined : organizationSchema.safeParse(buildOrganization(orgId, companyName, subsector));
    const failures = [site, ...siteFlows, ...(newOrg ? [newOrg] : [])].filter((r) => !r.success);
    if (failures.length > 0) {
      skip(failures.map((f) => zodReason(f.error!.issues)).join('; '), 'other');
      continue;
    }
    if (!draft) {
      draft = { org: newOrg!.data!, subsectors: new Map() };
      orgs.set(key, draft);
      orgIds.set(orgId, key);
    }
    if (subsector) draft.subsectors.set(subsector, (draft.subsectors.get(subsector) ?? 0) + 1);
    seenSiteIds.add(siteId);
    sites.push(site.data!);
    for (const f of siteFlows) {
      flows.push(f.data!);
      stats.excessHeatGWh += f.data!.quantity.amount;
    }
    if (siteFlows.length > 0) stats.sitesWithExcessHeat++;
  }

  const organizations = [...orgs.values()].map(finishOrganization);
  const doc: ExchangeDocument = { ...emptyDocument(), organizations, sites, flows };
  // Every record was checked on the way in; this guards the mapping code itself.
  const check = checkDocument(doc);
  if (!check.doc) throw new Error(`Hotmaps mapping produced an invalid document: ${check.problems[0]?.reason}`);

  stats.organizations = organizations.length;
  stats.sites = sites.length;
  stats.flows = flows.length;
  stats.excessHeatGWh = Math.round(stats.excessHeatGWh * 100) / 100;
  return { doc: check.doc, skipped, stats, problems: [] };
}

function uniqueOrgId(key: string, taken: ReadonlyMap<string, string>): string {
  const id = `hm-org-${slugFor(key)}`;
  // Two names can transliterate to the same slug ("sør", "sor"); the hash keeps them apart.
  return taken.has(id) && taken.get(id) !== key ? `${id}-${shortHash(key)}` : id;
}

function buildOrganization(id: string, name: string, subsector: string): Organization {
  return {
    id,
    name,
    ...(subsector ? { sector: subsector } : {}),
    ...(HOTMAPS_NACE[subsector] ? { nace: HOTMAPS_NACE[subsector] } : {}),
    notes: `Source: ${HOTMAPS_SOURCE}.`,
  };
}

/** Sector and NACE of a company with plants in several subsectors: its most frequent one. */
function finishOrganization({ org, subsectors }: OrgDraft): Organization {
  const ranked = [...subsectors].sort((a, b) => b[1] - a[1]);
  const main = ranked[0]?.[0];
  if (!main) return org;
  const { nace: _nace, sector: _sector, notes: _notes, ...rest } = org;
  const nace = HOTMAPS_NACE[main];
  return {
    ...rest,
    ...(nace ? { nace } : {}),
    sector: main,
    notes:
      ranked.length > 1
        ? `Source: ${HOTMAPS_SOURCE}. Hotmaps subsectors: ${ranked.map(([s]) => s).join(', ')}.`
        : `Source: ${HOTMAPS_SOURCE}.`,
  };
}

function buildSite(
  siteId: string,
  organizationId: string,
  get: (column: string) => string,
  country: string,
  countryLabel: string,
  lat: number,
  lon: number,
  numbers: ReadonlyMap<string, number>,
): Site {
  const city = [get('CityCode'), get('City')].filter(Boolean).join(' ');
  const address = [get('Address'), city].filter(Boolean).join(', ');
  const facts = [
    `Hotmaps site ${siteId}`,
    get('Subsector') && `subsector ${get('Subsector')}`,
    get('DataSource') && `data source ${get('DataSource')}`,
    numbers.has('Emissions_ETS_2014') && `CO2 emissions 2014 (ETS) ${get('Emissions_ETS_2014')} t/yr`,
    numbers.has('Fuel_Demand') && `fuel demand ${get('Fuel_Demand')} GWh/yr`,
    RELABELLED_COUNTRIES.has(countryLabel) && `country labelled "${countryLabel}" in Hotmaps`,
  ].filter(Boolean);
  return {
    id: `hm-site-${siteId}`,
    organization_id: organizationId,
    name: get('SiteName') || get('CompanyName'),
    ...(address ? { address } : {}),
    country,
    lat,
    lon,
    kind: 'plant',
    notes: `${facts.join('; ')}. Source: ${HOTMAPS_SOURCE}.`,
  };
}

/**
 * The hourly shape of a site's excess heat (domain.md 5.2): the Hotmaps industrial profile of its
 * subsector's process in its country (`processOfSubsector`: iron and steel, non-ferrous ->
 * iron_and_steel; refineries, chemicals -> chemicals_and_petrochemicals; cement, glass, other
 * non-metallic minerals -> non_metalic_minerals; paper and printing -> paper; the rest ->
 * food_and_tobacco); `flat` for a country without industrial profiles (Iceland).
 */
export function industryProfile(subsector: string, isoCountry: string): string {
  const name = `hotmaps:industry:${processOfSubsector(subsector)}:${hotmapsCountry(isoCountry)}`;
  return isProfileName(name) ? name : 'flat';
}

function buildFlow(siteId: string, band: HotmapsBand, gwhPerYear: number, profile: string): Flow {
  return {
    id: `hm-flow-${siteId}-${band.suffix}`,
    site_id: `hm-site-${siteId}`,
    direction: 'supply',
    type: 'heat',
    name: `Excess heat ${band.label}`,
    description:
      `Excess heat in the ${band.label} band as estimated by the Hotmaps Industrial Database ` +
      `(modelled there at ${band.modelled} °C); annual energy as published.`,
    quantity: { amount: gwhPerYear, unit: 'GWh/yr' },
    precision: 'estimated',
    provenance: { kind: 'import', source: `${HOTMAPS_SOURCE}, site ${siteId}` },
    quality: { temperature_c: { min: band.min, max: band.max } },
    temporal: { profile },
    status: 'active',
  };
}
