import { test } from 'node:test';
import assert from 'node:assert/strict';
import { documentToJson, parseExchangeJson, validateDocument, type ImportProblem } from './document.ts';
import { BRIEF_EXAMPLE_FILLED, BRIEF_EXAMPLE_TEXT, everyKeyDocument } from './test-fixtures.ts';
import { loadDemoPortfolio } from './demo.ts';

const problemsOf = (result: ReturnType<typeof parseExchangeJson>): ImportProblem[] => {
  assert.equal(result.ok, false, 'expected the import to fail');
  return result.ok ? [] : result.problems;
};

/** A valid document as text, one key per line, to edit in the tests below. */
const validText = (): string => JSON.stringify(JSON.parse(BRIEF_EXAMPLE_FILLED), null, 2);

test("the brief's example document validates once its placeholders are filled in", () => {
  const result = parseExchangeJson(BRIEF_EXAMPLE_FILLED, 'example.json');
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  assert.equal(result.doc.flows[0]!.quality?.temperature_c?.max, 90);
  assert.deepEqual(result.doc.flows[0]!.temporal?.weekly, [{ days: 'mon-fri', from: 6, to: 22 }]);
});

test('the verbatim example fails only on its placeholder e-mail "..."', () => {
  assert.deepEqual(problemsOf(parseExchangeJson(BRIEF_EXAMPLE_TEXT, 'example.json')), [
    { file: 'example.json', line: 5, record: 'org-1', field: 'contact.email', reason: 'not a valid e-mail address' },
  ]);
});

test('all three arrays are optional on input and present on output', () => {
  const result = validateDocument({ format: 'turash-exchange', version: 1 });
  assert.ok(result.ok);
  assert.deepEqual(result.doc, { format: 'turash-exchange', version: 1, organizations: [], sites: [], flows: [] });
});

test('unknown keys are named, at the top level and inside records, with their lines', () => {
  const doc = JSON.parse(BRIEF_EXAMPLE_FILLED);
  doc.metadata = { by: 'x' };
  doc.flows[0].quality.colour = 'grey';
  doc.sites[0].elevation = 30;
  const text = JSON.stringify(doc, null, 2);
  const lineOf = (needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
  const problems = problemsOf(parseExchangeJson(text, 'doc.json'));
  assert.deepEqual(
    problems.map((p) => [p.line, p.record, p.field, p.reason]),
    [
      [lineOf('"metadata"'), undefined, 'metadata', 'unknown key "metadata" (a document has only format, version, organizations, sites, flows)'],
      [lineOf('"elevation"'), 'site-1', 'elevation', 'unknown key "elevation"'],
      [lineOf('"colour"'), 'flow-1', 'quality.colour', 'unknown key "colour"'],
    ],
  );
});

test('format and version are checked', () => {
  const problems = problemsOf(parseExchangeJson('{"format": "other", "version": 2}', 'v.json'));
  assert.deepEqual(
    problems.map((p) => [p.field, p.reason]),
    [
      ['format', 'must be "turash-exchange", not "other"'],
      ['version', 'version 2 is not supported: this version of Turash Field reads version 1'],
    ],
  );
  assert.equal(problemsOf(parseExchangeJson('[]', 'a.json'))[0]!.reason.startsWith('the document must be an object'), true);
  assert.deepEqual(
    validateDocument({ format: 'turash-exchange', version: 1, flows: {} }),
    { ok: false, problems: [{ field: 'flows', reason: 'must be a list (JSON array) of records' }] },
  );
});

test('every issue of every record is reported, each with its field path, id and line', () => {
  const doc = JSON.parse(BRIEF_EXAMPLE_FILLED);
  const flow = doc.flows[0];
  doc.flows = [
    { ...flow, id: 'f-a', quality: { ...flow.quality, temperature_c: { min: 95, max: 90 } } },
    { ...flow, id: 'f-b', quantity: { amount: -1, unit: 'kW' }, type: 'plasma' },
    { ...flow, id: 'f-c', temporal: { weekly: [{ days: 'monday', from: 6, to: 22 }], months: [1, 13] } },
    { ...flow, id: 'f-d', name: undefined },
  ];
  const text = JSON.stringify(doc, null, 2);
  const lines = text.split('\n');
  const lineAfter = (id: string, needle: string): number => {
    const start = lines.findIndex((l) => l.includes(`"id": "${id}"`));
    return lines.findIndex((l, i) => i >= start && l.includes(needle)) + 1;
  };
  const problems = problemsOf(parseExchangeJson(text, 'doc.json'));
  assert.deepEqual(
    problems.map((p) => [p.record, p.field, p.line]),
    [
      ['f-a', 'quality.temperature_c.min', lineAfter('f-a', '"min": 95')],
      ['f-b', 'type', lineAfter('f-b', '"type": "plasma"')],
      ['f-b', 'quantity.amount', lineAfter('f-b', '"amount": -1')],
      ['f-c', 'temporal.weekly.0.days', lineAfter('f-c', '"days": "monday"')],
      ['f-c', 'temporal.months.1', lineAfter('f-c', '13')],
      // A missing key has no line of its own: the record's opening line stands in.
      ['f-d', 'name', lineAfter('f-d', '"id": "f-d"') - 1],
    ],
  );
  assert.equal(problems.find((p) => p.record === 'f-d')!.reason, 'is required');
  assert.equal(problems[0]!.reason, 'min must not be above max');
});

test('three bad records give three problems', () => {
  const doc = JSON.parse(BRIEF_EXAMPLE_FILLED);
  for (const id of ['o2', 'o3', 'o4']) doc.organizations.push({ id, name: 'X', trust: 2 });
  const problems = problemsOf(validateDocument(doc));
  assert.deepEqual(
    problems.map((p) => `${p.record}.${p.field}`),
    ['o2.trust', 'o3.trust', 'o4.trust'],
  );
});

test('a record without a usable id is named by its position', () => {
  const problems = problemsOf(validateDocument({ format: 'turash-exchange', version: 1, organizations: [{ name: 'No id' }, 42] }));
  assert.deepEqual(
    problems.map((p) => [p.record, p.field, p.reason]),
    [
      ['organizations[0]', 'id', 'is required'],
      ['organizations[1]', undefined, 'Invalid input: expected object, received number'],
    ],
  );
});

test('duplicate ids within a table are reported with the first use', () => {
  const doc = JSON.parse(BRIEF_EXAMPLE_FILLED);
  doc.sites.push({ ...doc.sites[0] });
  doc.sites.push({ ...doc.sites[0], id: 'org-1' }); // the same id in another table is fine
  const text = JSON.stringify(doc, null, 2);
  const lines = text.split('\n');
  const siteLines = lines.flatMap((l, i) => (l.includes('"id": "site-1"') ? [i + 1] : []));
  assert.deepEqual(problemsOf(parseExchangeJson(text, 'd.json')), [
    { file: 'd.json', line: siteLines[1], record: 'site-1', field: 'id', reason: `duplicate id "site-1" (first used on line ${siteLines[0]})` },
  ]);
});

test('references must resolve in the document or among known ids', () => {
  const doc = JSON.parse(BRIEF_EXAMPLE_FILLED);
  doc.organizations = [];
  doc.flows.push({ ...doc.flows[0], id: 'flow-2', site_id: 'site-db' });
  const bare = problemsOf(validateDocument(doc));
  assert.deepEqual(
    bare.map((p) => [p.record, p.field, p.reason]),
    [
      ['site-1', 'organization_id', 'refers to organization "org-1", which is not in this import'],
      ['flow-2', 'site_id', 'refers to site "site-db", which is not in this import'],
    ],
  );
  const known = { organizationIds: new Set(['org-1']), siteIds: new Set(['site-db']) };
  assert.equal(validateDocument(doc, undefined, known).ok, true);
  const partly = problemsOf(validateDocument(doc, undefined, { organizationIds: new Set(), siteIds: new Set(['site-db']) }));
  assert.deepEqual(partly.map((p) => p.reason), ['refers to organization "org-1", which is neither in this import nor in the database']);
});

test('broken JSON is reported with line and column', () => {
  const text = validText().replace('"nace": "C17",', '"nace": "C17"');
  const lineNo = text.split('\n').findIndex((l) => l.includes('"sector"')) + 1;
  assert.deepEqual(problemsOf(parseExchangeJson(text, 'broken.json')), [
    { file: 'broken.json', line: lineNo, column: 7, reason: 'JSON syntax error: expected "," between items' },
  ]);
  const trailing = problemsOf(parseExchangeJson('{\n  "format": "turash-exchange",\n  "version": 1,\n}', 't.json'));
  assert.deepEqual([trailing[0]!.line, trailing[0]!.column], [4, 1]);
  assert.match(problemsOf(parseExchangeJson('{"a": 1 // note\n}', 'c.json'))[0]!.reason, /comments are not allowed/);
  assert.deepEqual(problemsOf(parseExchangeJson('  \n', 'e.json')), [{ file: 'e.json', line: 1, reason: 'the file is empty' }]);
});

test('a key given twice in one object is an error, not a silent overwrite', () => {
  const text = '{\n  "format": "turash-exchange",\n  "version": 1,\n  "version": 1\n}';
  assert.deepEqual(problemsOf(parseExchangeJson(text, 'dup.json')), [
    { file: 'dup.json', line: 4, field: 'version', reason: 'key "version" appears twice in the same object' },
  ]);
});

test('a byte-order mark and CRLF line ends are fine', () => {
  const text = `\ufeff${validText().replace(/\n/g, '\r\n')}`;
  assert.equal(parseExchangeJson(text, 'bom.json').ok, true);
  const bad = `\ufeff${validText().replace('"lat": 51.23', '"lat": 151.23').replace(/\n/g, '\r\n')}`;
  const lineNo = bad.split('\r\n').findIndex((l) => l.includes('151.23')) + 1;
  assert.equal(problemsOf(parseExchangeJson(bad, 'bom.json'))[0]!.line, lineNo);
});

test('JSON export then import gives the same document (demo portfolio, every key)', () => {
  for (const doc of [loadDemoPortfolio(), everyKeyDocument()]) {
    const result = parseExchangeJson(documentToJson(doc), 'round.json');
    assert.ok(result.ok, JSON.stringify(!result.ok && result.problems.slice(0, 3)));
    assert.deepEqual(result.doc, doc);
  }
});

test('temporal.profile, economics.current_fuel, recovery operations and waste status: kept on a round trip, bad values named with their line', () => {
  const doc = JSON.parse(BRIEF_EXAMPLE_FILLED);
  const flow = doc.flows[0];
  doc.flows = [
    { ...flow, id: 'f-ok', temporal: { ...flow.temporal, profile: 'hotmaps:residential:DEA1' }, economics: { ...flow.economics, current_fuel: 'natural_gas' } },
    { ...flow, id: 'f-profile', temporal: { profile: 'hotmaps:residential:XX99' } },
    { ...flow, id: 'f-fuel', economics: { current_fuel: 'peat' } },
    { ...flow, id: 'f-waste', type: 'waste', quality: { ewc: '030305', recovery_operations: ['R3', 'R14'], waste_status: 'product' } },
  ];
  const text = JSON.stringify(doc, null, 2);
  const lines = text.split('\n');
  const lineAfter = (id: string, needle: string): number => {
    const start = lines.findIndex((l) => l.includes(`"id": "${id}"`));
    return lines.findIndex((l, i) => i >= start && l.includes(needle)) + 1;
  };
  assert.deepEqual(problemsOf(parseExchangeJson(text, 'p.json')), [
    {
      file: 'p.json',
      line: lineAfter('f-profile', 'XX99'),
      record: 'f-profile',
      field: 'temporal.profile',
      reason: '"hotmaps:residential:XX99" is not a known profile: use flat, measured, hotmaps:residential:<NUTS2 region> or hotmaps:industry:<process>:<country>',
    },
    {
      file: 'p.json',
      line: lineAfter('f-fuel', 'peat'),
      record: 'f-fuel',
      field: 'economics.current_fuel',
      reason: '"peat" is not a known fuel: use natural_gas, heating_oil, coal, lignite, lpg, biomass, electricity, district_heating',
    },
    {
      file: 'p.json',
      line: lineAfter('f-waste', '"R14"'),
      record: 'f-waste',
      field: 'quality.recovery_operations.1',
      reason: '"R14" is not a recovery operation: use R1 .. R13 (Waste Framework Directive, Annex II)',
    },
    { file: 'p.json', line: lineAfter('f-waste', '"product"'), record: 'f-waste', field: 'quality.waste_status', reason: '"product" is not a waste status: use waste, by_product or end_of_waste' },
  ]);
  doc.flows = [doc.flows[0], { ...flow, id: 'f-industry', temporal: { profile: 'hotmaps:industry:iron_and_steel:DE' }, quality: { recovery_operations: ['R4'], waste_status: 'end_of_waste' } }];
  const ok = parseExchangeJson(JSON.stringify(doc), 'ok.json');
  assert.ok(ok.ok, JSON.stringify(!ok.ok && ok.problems));
  assert.equal(ok.doc.flows[0]!.temporal?.profile, 'hotmaps:residential:DEA1');
  assert.equal(ok.doc.flows[0]!.economics?.current_fuel, 'natural_gas');
  assert.deepEqual(ok.doc.flows[1]!.quality, { recovery_operations: ['R4'], waste_status: 'end_of_waste' });
  const again = parseExchangeJson(documentToJson(ok.doc), 'again.json');
  assert.ok(again.ok);
  assert.deepEqual(again.doc, ok.doc);
});
