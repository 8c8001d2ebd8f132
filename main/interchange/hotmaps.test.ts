import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { HOTMAPS_ATTRIBUTION, industryProfile, isHotmapsCsv, parseHotmapsCsv } from './hotmaps.ts';
import { companyKey, slugFor } from './hotmaps-mapping.ts';
import { validateDocument } from './document.ts';

const HOTMAPS_FILE = new URL('../data/hotmaps/hotmaps-industrial-sites.csv', import.meta.url);

function hotmapsText(): string {
  // Deliberately a failure, not a skip: these numbers are the check that the mapping is right.
  assert.ok(existsSync(HOTMAPS_FILE), `the Hotmaps file is missing: expected ${HOTMAPS_FILE.pathname} (it ships in main/data/hotmaps)`);
  return readFileSync(HOTMAPS_FILE, 'utf8');
}

test('the real Hotmaps file: 4,505 sites with coordinates out of 5,029 rows', () => {
  const text = hotmapsText();
  assert.equal(isHotmapsCsv(text), true);
  const { doc, skipped, stats, problems } = parseHotmapsCsv(text);
  assert.deepEqual(problems, []);
  assert.deepEqual(stats, {
    rows: 5029,
    organizations: 3234,
    sites: 4505,
    flows: 1121,
    sitesWithExcessHeat: 980,
    excessHeatGWh: 91345.46,
    skippedNoCoordinates: 524,
    skippedMalformed: 0,
    skippedOther: 0,
  });
  assert.equal(skipped.length, 524);
  assert.ok(skipped.every((s) => s.reason === 'no coordinates (geom is empty)'));
  assert.equal(doc.sites.length, 4505);
  assert.equal(validateDocument(doc).ok, true);
  assert.equal(new Set(doc.organizations.map((o) => o.id)).size, doc.organizations.length);
  // Every Hotmaps flow carries the CC BY attribution in its provenance.
  assert.ok(doc.flows.every((f) => f.provenance?.source?.startsWith('Hotmaps Industrial Database (Fraunhofer ISI), CC BY 4.0, site ')));
  assert.match(HOTMAPS_ATTRIBUTION, /CC BY 4\.0.*Fraunhofer ISI|Fraunhofer ISI.*CC BY 4\.0/);
});

test('spot check: SiteID 1, voestalpine Donawitz', () => {
  const { doc } = parseHotmapsCsv(hotmapsText());
  const site = doc.sites.find((s) => s.id === 'hm-site-1');
  assert.deepEqual(
    { ...site, notes: undefined },
    {
      id: 'hm-site-1',
      organization_id: 'hm-org-voestalpine-ag',
      name: 'voestalpine Stahl Donawitz GesmbH',
      address: 'Kerpelystrasse 199, 8700 Leoben',
      country: 'AT',
      lat: 47.03378,
      lon: 15.067806,
      kind: 'plant',
      notes: undefined,
    },
  );
  const org = doc.organizations.find((o) => o.id === 'hm-org-voestalpine-ag');
  assert.equal(org?.name, 'voestalpine AG');
  assert.equal(org?.nace, 'C24');
  // The file gives three bands for the site; the one above 500 degC is 0.00, so it yields no flow.
  const flows = doc.flows.filter((f) => f.site_id === 'hm-site-1');
  assert.deepEqual(
    flows.map((f) => [f.id, f.direction, f.type, f.quantity, f.quality?.temperature_c, f.precision]),
    [
      ['hm-flow-1-100-200', 'supply', 'heat', { amount: 192.34, unit: 'GWh/yr' }, { min: 100, max: 200 }, 'estimated'],
      ['hm-flow-1-200-500', 'supply', 'heat', { amount: 173.66, unit: 'GWh/yr' }, { min: 200, max: 500 }, 'estimated'],
    ],
  );
  assert.deepEqual(flows[0]!.provenance, { kind: 'import', source: 'Hotmaps Industrial Database (Fraunhofer ISI), CC BY 4.0, site 1' });
  // Excess heat gets its subsector's industrial profile in its country (domain.md 5.2): steel in Austria.
  assert.deepEqual(flows.map((f) => f.temporal), [{ profile: 'hotmaps:industry:iron_and_steel:AT' }, { profile: 'hotmaps:industry:iron_and_steel:AT' }]);
  // Linz (SiteID 2) has all three bands.
  assert.deepEqual(
    doc.flows.filter((f) => f.site_id === 'hm-site-2').map((f) => [f.id, f.quantity.amount, f.quality?.temperature_c]),
    [
      ['hm-flow-2-100-200', 595.71, { min: 100, max: 200 }],
      ['hm-flow-2-200-500', 330.48, { min: 200, max: 500 }],
      ['hm-flow-2-500-plus', 40.16, { min: 500, max: 1000 }],
    ],
  );
});

test('a corrupted copy reports the bad lines and columns and keeps the rest', () => {
  const lines = hotmapsText().split('\n');
  assert.ok(lines[1]!.startsWith('1;') && lines[2]!.startsWith('2;') && lines[3]!.startsWith('3;'));
  lines[1] = lines[1]!.replace(';192.34;', ';192,34;');
  lines[2] = lines[2]!.replace('POINT(14.343056 48.281944)', 'POINT(14.343056)');
  lines[3] = lines[3]!.replace(';464.13;', ';abc;').replace('POINT(16.085917 47.87225)', 'POINT(16.085917 147.87225)');
  const { skipped, stats } = parseHotmapsCsv(lines.join('\n'));
  const bad = skipped.filter((s) => !s.reason.startsWith('no coordinates'));
  assert.deepEqual(bad, [
    { line: 2, site_id: '1', column: 'Excess_Heat_100-200C', reason: 'malformed value: Excess_Heat_100-200C (column 15) "192,34"' },
    { line: 3, site_id: '2', column: 'geom', reason: 'malformed value: geom (column 8) "SRID=4326;POINT(14.343056)"' },
    {
      line: 4,
      site_id: '3',
      column: 'Fuel_Demand',
      reason: 'malformed value: Fuel_Demand (column 14) "abc", geom (column 8) "SRID=4326;POINT(16.085917 147.87225)"',
    },
  ]);
  assert.equal(stats.skippedMalformed, 3);
  assert.equal(stats.sites, 4502);
});

test('rows without coordinates are listed with their line', () => {
  const header = hotmapsText().split('\n')[0]!;
  const text = `${header}\n7;"A";"B";"";"";"";"Austria";"";"Cement";"ETS";1.00;;;;0.00;0.00;0.00;0.00\n`;
  const { skipped, doc } = parseHotmapsCsv(text);
  assert.deepEqual(skipped, [{ line: 2, site_id: '7', reason: 'no coordinates (geom is empty)' }]);
  assert.equal(doc.sites.length, 0);
  assert.equal(doc.organizations.length, 0);
});

test('not a Hotmaps file: detection says no, the parser reports instead of guessing', () => {
  assert.equal(isHotmapsCsv('id,name\na,b\n'), false);
  assert.equal(isHotmapsCsv(''), false);
  assert.match(parseHotmapsCsv('SiteID;CompanyName\n1;x\n').problems[0]!.reason, /missing columns SiteName/);
});

test('company names: one organization per company, stable readable ids', () => {
  assert.equal(companyKey('Saint-Gobain Cristalería S.L'), companyKey('SAINT-GOBAIN CRISTALERIA S.L.'));
  assert.equal(slugFor(companyKey('voestalpine AG')), 'voestalpine-ag');
  assert.equal(slugFor(companyKey('HØYANGER Aluminiumsverk')), 'hoyanger-aluminiumsverk');
  assert.match(slugFor(companyKey('ΣΙΔΕΝΟΡ ΑΕ')), /^[0-9a-f]{8}$/);
  assert.notEqual(slugFor(companyKey('ΣΙΔΕΝΟΡ ΑΕ')), slugFor(companyKey('ΤΙΤΑΝ ΑΕ')));
});

test('excess heat profiles: subsector -> process, ISO -> Hotmaps country, flat where Hotmaps has none', () => {
  assert.equal(industryProfile('Paper and printing', 'DE'), 'hotmaps:industry:paper:DE');
  assert.equal(industryProfile('Refineries', 'GR'), 'hotmaps:industry:chemicals_and_petrochemicals:EL');
  assert.equal(industryProfile('Glass', 'GB'), 'hotmaps:industry:non_metalic_minerals:UK');
  assert.equal(industryProfile('Non-ferrous metals', 'NO'), 'hotmaps:industry:iron_and_steel:NO');
  assert.equal(industryProfile('Other non-classified', 'FR'), 'hotmaps:industry:food_and_tobacco:FR');
  assert.equal(industryProfile('Non-ferrous metals', 'IS'), 'flat', 'no Icelandic profile');
  const { doc } = parseHotmapsCsv(hotmapsText());
  const profiles = new Map<string, number>();
  for (const f of doc.flows) profiles.set(f.temporal?.profile ?? '-', (profiles.get(f.temporal?.profile ?? '-') ?? 0) + 1);
  assert.ok(!profiles.has('-'), 'every excess-heat flow states a profile');
  assert.ok((profiles.get('hotmaps:industry:iron_and_steel:DE') ?? 0) > 10);
});
