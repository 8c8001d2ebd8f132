/**
 * Partner packets over the demo portfolio, end to end on real components: a real SQLite file,
 * the engine run through the match service, pdfkit's PDFs read back with poppler's pdftotext,
 * pdftocairo and pdftoppm. What a partner reads must be the engine's stored numbers, and what a
 * private organisation keeps to itself must be nowhere.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sqlite3 from 'sqlite3';
import type { MatchRecord } from '../db/matches.ts';
import { Repository } from '../db/repository.ts';
import { loadDemoPortfolio } from '../interchange/demo.ts';
import { MatchService } from '../portfolio/match-service.ts';
import { packetDataSchema, type PacketData, type Partner } from './bundle.ts';
import { buildPacketData } from './data.ts';
import { eur, km, pct, quantity, score, tonnes, years } from './format.ts';
import { renderPacketPdf } from './render.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-packets-'));
const RESULTS = join(import.meta.dirname, '..', '..', 'test-results');
const NOW = new Date('2026-11-24T09:00:00Z');
let repo: Repository;

const PRIVATE_CONTACT = { name: 'Erika Mustermann-Privat', email: 'erika.private@example.org', phone: '+49 203 555 0142' };
const PUBLIC_CONTACT = { name: 'Jürgen Größmann', email: 'j.groessmann@example.org', phone: '+49 203 555 0199' };
const HEAT = 'm-hm-flow-148-100-200-demo-flow-laundry-heat';
const METERED_FLOW = 'hm-flow-148-100-200';

const pdfText = (pdf: Buffer) => {
  const file = join(folder, `t-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, pdf);
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
};

/** Raw measurements as the ingest writes them (a test fixture: the insert bypasses the ingest). */
async function insertMeasurements(path: string, pointId: string, hours: number): Promise<void> {
  const db = new sqlite3.Database(path);
  const run = (sql: string, params: unknown[] = []) => new Promise<void>((resolve, reject) => db.run(sql, params, (error) => (error ? reject(error) : resolve())));
  await run('PRAGMA busy_timeout = 5000');
  await run('BEGIN');
  const start = Date.parse('2026-11-01T00:00:00Z');
  for (let h = 0; h < hours; h++) {
    for (let m = 0; m < 60; m += 15) {
      const ts = start + h * 3_600_000 + m * 60_000;
      // A day/night rhythm around 150 MW, so the chart has a shape to see.
      const value = 150_000 + 30_000 * Math.sin((2 * Math.PI * (h % 24)) / 24);
      await run('INSERT INTO measurements (point_id, ts_ms, received_ms, value, quality, status) VALUES (?, ?, ?, ?, ?, NULL)', [pointId, ts, ts + 50, value, 'good']);
    }
  }
  await run('COMMIT');
  await new Promise<void>((resolve) => db.close(() => resolve()));
}

before(async () => {
  mkdirSync(RESULTS, { recursive: true });
  repo = await Repository.open(join(folder, 'packets.db'));
  await repo.importDocument(loadDemoPortfolio());
  // The laundry keeps its contact private; ThyssenKrupp publishes one with umlauts.
  await repo.updateOrganization('demo-org-laundry', { sharing: 'private', contact: PRIVATE_CONTACT });
  await repo.updateOrganization('hm-org-thyssenkrupp-steel-europe-ag', { sharing: 'public', contact: PUBLIC_CONTACT });
  // The steelworks' excess heat is metered: a device, a point bound to the flow, 10 days of data.
  await repo.field.createDevice({ id: 'dev-heat-meter', site_id: 'hm-site-148', name: 'Heat meter Schwelgern', protocol: 'modbus-tcp', endpoint: 'modbus-tcp://127.0.0.1:5020?unit=1' });
  await repo.field.createPoint({ id: 'pt-heat-power', device_id: 'dev-heat-meter', flow_id: METERED_FLOW, name: 'Heat power to laundry loop', address: '3:0', role: 'power', unit: 'kW' });
  await insertMeasurements(repo.path, 'pt-heat-power', 240);
  await repo.updateFlow(METERED_FLOW, {
    precision: 'measured',
    provenance: { kind: 'meter', source: 'Turash Field recording', device_id: 'dev-heat-meter', point_ids: ['pt-heat-power'], sample_count: 960, coverage: 1 },
  });
  await new MatchService(repo).runAll({ now: NOW.toISOString() } as never);
});

after(async () => {
  await repo.close();
  rmSync(folder, { recursive: true, force: true });
});

/** One match of each supply type the demo has, plus the heat match with the metered flow. */
async function sampleMatches(): Promise<MatchRecord[]> {
  const all = (await repo.matches.list({ limit: 5000 })).items;
  const byType = new Map<string, MatchRecord>();
  for (const m of all) if (!byType.has(m.type)) byType.set(m.type, m);
  const heat = all.find((m) => m.id === HEAT);
  assert.ok(heat, `the demo's heat match ${HEAT} is found`);
  return [heat, ...[...byType.values()].filter((m) => m.id !== HEAT)];
}

function expectedNumbers(m: MatchRecord): string[] {
  const e = m.economics as PacketData['economics'];
  return [
    score(m.score),
    km(m.distance_km),
    eur(e.annual_value_eur),
    eur(e.capex_eur),
    eur(e.npv_eur),
    pct(e.irr, 'none'),
    years(e.payback_years, 'none'),
    tonnes(e.co2_t_per_year),
    quantity(e.delivered.amount, e.delivered.unit),
    ...e.sensitivity.annual_value.map((p) => eur(p.npv_eur)),
    ...e.sensitivity.capex.map((p) => eur(p.npv_eur)),
  ];
}

describe('partner packets over the demo portfolio', () => {
  test('every number in both partners\' PDFs is the engine\'s stored number, for several match types', async () => {
    const matches = await sampleMatches();
    assert.ok(matches.length >= 5, `several types (${matches.map((m) => m.type).join(', ')})`);
    for (const m of matches) {
      const data = await buildPacketData(repo, m.id, { now: NOW });
      assert.deepEqual(data.economics, m.economics, `${m.id}: the bundle carries the stored economics unchanged`);
      assert.equal(data.match.score, m.score);
      for (const partner of ['supply', 'demand'] as Partner[]) {
        const text = pdfText(await renderPacketPdf(data, partner));
        for (const expected of expectedNumbers(m)) assert.ok(text.includes(expected), `${m.id} (${partner}): the PDF shows "${expected}"`);
        assert.ok(text.includes(`Prepared for ${data[partner].organization.name}`), `${m.id}: addressed to the ${partner} organisation`);
        assert.match(text, /page 1 of \d+/);
        assert.ok(text.includes(`engine ${m.engine_version}`), 'the footer names the engine version');
        assert.ok(text.includes('Appendix A. Mutual non-disclosure agreement') && text.includes('Appendix B. Letter of intent'));
        assert.ok(text.includes(`Between ${data.supply.organization.name}`), 'the templates name the parties');
      }
    }
  });

  test('a private organisation\'s contact is in neither PDF nor the bundle; a public one is, umlauts intact', async () => {
    const data = await buildPacketData(repo, HEAT, { now: NOW });
    const bundle = JSON.stringify(data);
    assert.equal(data.demand.organization.sharing, 'private');
    assert.equal(data.demand.organization.contact, undefined);
    for (const partner of ['supply', 'demand'] as Partner[]) {
      const text = pdfText(await renderPacketPdf(data, partner));
      for (const secret of Object.values(PRIVATE_CONTACT)) {
        assert.ok(!text.includes(secret), `${partner} PDF does not show "${secret}"`);
        assert.ok(!bundle.includes(secret), `the bundle does not hold "${secret}"`);
      }
      assert.ok(text.includes('sharing level: private'), 'the packet says why there is no contact');
      for (const shown of Object.values(PUBLIC_CONTACT)) assert.ok(text.includes(shown), `${partner} PDF shows the public contact "${shown}"`);
    }
    assert.ok(bundle.includes(PUBLIC_CONTACT.name));
  });

  test('the metered flow shows its chart: caption in the text, a vector line in the supply colour', async () => {
    const data = await buildPacketData(repo, HEAT, { now: NOW });
    assert.equal(data.supply.meter.length, 1);
    assert.equal(data.supply.meter[0]!.hours.length, 240, 'ten days of hourly means');
    assert.equal(data.supply.meter[0]!.samples, 960);
    assert.equal(data.demand.meter.length, 0);
    const pdf = await renderPacketPdf(data, 'demand');
    const text = pdfText(pdf);
    assert.ok(data.attributions.hotmaps, 'the steelworks is a Hotmaps record');
    assert.match(text, /Contains data from the Hotmaps Industrial Database \(Fraunhofer ISI\), CC BY 4\.0/);
    assert.match(text, /Meter data: Heat power to laundry loop, hourly means, 2026-11-01 to 2026-11-11 \(960 samples\)/);
    const file = join(RESULTS, 'packet-heat-demand.pdf');
    writeFileSync(file, pdf);
    // pdftocairo writes the page's drawing as SVG: the chart is a stroked path in the supply colour.
    const svg = execFileSync('pdftocairo', ['-svg', '-f', '1', '-l', '2', file, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const supplyStroke = /stroke(?:="|:)rgb\(85\.09\d*%, ?28\.23\d*%, ?5\.88\d*%\)/g;
    assert.ok((svg.match(supplyStroke) ?? []).length >= 1, 'a stroked line in #d9480f (the chart)');
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '2', file, join(RESULTS, 'packet-heat-demand')]);
  });

  test('umlauts and the euro sign survive in names and money', async () => {
    const m = (await repo.matches.list({ limit: 5000 })).items.find((x) => x.supply.organization_name.includes('ü') || x.demand.organization_name.includes('ü'));
    assert.ok(m, 'the demo has an organisation with an umlaut (Lünen, Düsseldorf)');
    const data = await buildPacketData(repo, m.id, { now: NOW });
    const text = pdfText(await renderPacketPdf(data, 'supply'));
    assert.ok(text.includes(data.supply.organization.name) && text.includes(data.demand.organization.name));
    assert.match(text, /€[\d,]+ per year/);
    const file = join(folder, 'umlaut.pdf');
    writeFileSync(file, await renderPacketPdf(data, 'supply'));
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '2', '-l', '2', file, join(RESULTS, 'packet-waste-supply')]);
  });

  test('a name beyond the built-in fonts (Polish) embeds DejaVu and prints exactly', async () => {
    const co2 = (await repo.matches.list({ limit: 5000, type: 'co2' })).items[0];
    assert.ok(co2);
    const polish = 'Zakłady Azotowe Kędzierzyn S.A. (Łódź)';
    await repo.updateOrganization(co2.supply.organization_id, { name: polish });
    const data = await buildPacketData(repo, co2.id, { now: NOW });
    const file = join(folder, 'polish.pdf');
    writeFileSync(file, await renderPacketPdf(data, 'demand'));
    assert.ok(execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).includes(polish));
    assert.match(execFileSync('pdffonts', [file], { encoding: 'utf8' }), /DejaVuSans/);
    // A packet whose text fits WinAnsi stays on the built-in Helvetica (nothing embedded).
    const heat = join(folder, 'heat.pdf');
    writeFileSync(heat, await renderPacketPdf(await buildPacketData(repo, HEAT, { now: NOW }), 'supply'));
    const fonts = execFileSync('pdffonts', [heat], { encoding: 'utf8' });
    assert.match(fonts, /Helvetica/);
    assert.doesNotMatch(fonts, /DejaVu/);
  });

  test('the bundle is a valid turash-packet v1 document with risks derived from the flows', async () => {
    const sludge = (await repo.matches.list({ limit: 5000, type: 'waste' })).items[0];
    assert.ok(sludge);
    const data = await buildPacketData(repo, sludge.id, { now: NOW });
    const parsed = packetDataSchema.parse(JSON.parse(JSON.stringify(data)));
    assert.equal(parsed.format, 'turash-packet');
    assert.equal(parsed.version, 1);
    const ids = data.risks.map((r) => r.id);
    assert.ok(ids.includes('waste_status') && ids.includes('waste_transport'), `waste by truck: ${ids.join(', ')}`);
    assert.ok(!ids.includes('pressure'), 'no pressure equipment for sludge');
    assert.throws(() => packetDataSchema.parse({ ...parsed, version: 2 }), /version/);
    await assert.rejects(buildPacketData(repo, 'm-no-such-match'), /match "m-no-such-match" does not exist/);
  });

  test('a waste packet states the legal status and the recovery operations of both sides', async () => {
    const id = 'm-demo-flow-paper-mill-sludge-demo-flow-compost-input';
    const data = await buildPacketData(repo, id, { now: NOW });
    const supply = pdfText(await renderPacketPdf(data, 'supply'));
    assert.match(supply, /Legal status\s+waste \(Waste Framework Directive\): its recovery needs a permit/);
    assert.match(supply, /Suitable recovery operations\s+R1, R3, R5/);
    assert.match(supply, /Permitted recovery operations\s+R3/);
    assert.match(supply, /Material category\s+compost input/);
  });
});
