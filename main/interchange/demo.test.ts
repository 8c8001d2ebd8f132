import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildDemoPortfolio, DEMO_REGION, DEMO_SOURCE, nutsRegionOf } from './demo-build.ts';
import { DEMO_PORTFOLIO_URL, loadDemoPortfolio } from './demo.ts';
import { documentToJson, validateDocument } from './document.ts';

const HOTMAPS_FILE = new URL('../data/hotmaps/hotmaps-industrial-sites.csv', import.meta.url);

test('the shipped demo portfolio is a valid document with real and synthetic parts', () => {
  const doc = loadDemoPortfolio();
  assert.equal(validateDocument(JSON.parse(readFileSync(DEMO_PORTFOLIO_URL, 'utf8'))).ok, true);
  const real = doc.sites.filter((s) => s.id.startsWith('hm-site-'));
  assert.ok(real.length >= 40 && real.length <= 150, `${real.length} real sites`);
  for (const s of real) {
    assert.ok(s.lat >= DEMO_REGION.south && s.lat <= DEMO_REGION.north && s.lon >= DEMO_REGION.west && s.lon <= DEMO_REGION.east, s.id);
  }
  const types = new Set(doc.flows.map((f) => `${f.direction} ${f.type}`));
  for (const t of ['supply heat', 'demand heat', 'supply steam', 'demand steam', 'supply wastewater', 'demand water', 'supply co2', 'demand co2', 'supply waste', 'demand waste', 'demand material']) {
    assert.ok(types.has(t), `the demo has no ${t} flow`);
  }
});

test('every synthetic record is labelled as such, every real one is attributed', () => {
  const doc = loadDemoPortfolio();
  for (const o of doc.organizations) {
    if (o.id.startsWith('demo-')) {
      assert.ok(o.name.endsWith(' (synthetic)'), o.id);
      assert.match(o.notes ?? '', /Synthetic demo data/);
    } else {
      assert.ok(o.id.startsWith('hm-org-'), o.id);
      assert.ok(!o.name.includes('synthetic'), o.id);
      assert.match(o.notes ?? '', /CC BY 4\.0/);
    }
  }
  for (const s of doc.sites) assert.ok(s.id.startsWith('demo-site-') || s.id.startsWith('hm-site-'), s.id);
  for (const f of doc.flows) {
    if (f.id.startsWith('demo-')) {
      assert.deepEqual(f.provenance, { kind: 'import', source: DEMO_SOURCE, synthetic: true });
      assert.match(f.description ?? '', /Synthetic demo data/);
      assert.ok(f.site_id.startsWith('demo-site-'), `${f.id} is synthetic but sits on a real site`);
    } else {
      assert.match(f.provenance?.source ?? '', /^Hotmaps Industrial Database \(Fraunhofer ISI\), CC BY 4\.0, site \d+$/);
    }
  }
});

test('regenerating the demo gives the committed file byte for byte', () => {
  const regenerated = validateDocument(buildDemoPortfolio(readFileSync(HOTMAPS_FILE, 'utf8')));
  assert.ok(regenerated.ok);
  assert.equal(documentToJson(regenerated.doc), readFileSync(DEMO_PORTFOLIO_URL, 'utf8'));
});

test('heat profiles: district heating takes its region\'s residential profile, food plants the food industry\'s, Hotmaps heat its subsector\'s; each synthetic choice is labelled', () => {
  assert.equal(nutsRegionOf(51.51, 7.47), 'DEA5', 'Dortmund: Arnsberg');
  assert.equal(nutsRegionOf(50.94, 6.96), 'DEA2', 'Koeln');
  assert.equal(nutsRegionOf(51.43, 6.76), 'DEA1', 'Duisburg: Duesseldorf');
  assert.equal(nutsRegionOf(51.66, 7.09), 'DEA3', 'Marl: Muenster');
  const doc = loadDemoPortfolio();
  const thermal = doc.flows.filter((f) => f.type === 'heat' || f.type === 'steam');
  for (const f of thermal) assert.ok(f.temporal?.profile, `${f.id} states a heat profile`);
  for (const f of doc.flows.filter((x) => x.id.startsWith('demo-flow-dh-'))) {
    assert.match(f.temporal!.profile!, /^hotmaps:residential:DEA[1-5]$/);
    assert.ok(f.economics?.current_fuel, `${f.id} says what it burns today`);
  }
  for (const f of thermal.filter((x) => x.id.startsWith('demo-'))) assert.match(f.description ?? '', /Heat profile \(synthetic choice\)/, f.id);
  for (const f of thermal.filter((x) => x.id.startsWith('hm-'))) assert.match(f.temporal!.profile!, /^hotmaps:industry:[a-z_]+:DE$/);
  // materials: stated recovery operations and waste status, the by-product not counted as waste
  const grain = doc.flows.find((f) => f.id === 'demo-flow-brewery-spent-grain')!;
  assert.equal(grain.quality?.waste_status, 'by_product');
  assert.deepEqual(doc.flows.find((f) => f.id === 'demo-flow-compost-input')!.quality?.recovery_operations, ['R3']);
});
