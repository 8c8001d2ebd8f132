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
import { MatchService } from '../matching/service/match-service.ts';
import { packetDataSchema, type PacketData, type Partner } from './bundle.ts';
import { buildPacketData } from './data.ts';
import { ctPerKwh, decimal, eur, hours, km, mw, pct, quantity, score, share, tonnes, years } from './format.ts';
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
/** The text as one line: a value that wraps in the PDF's layout is found as one phrase. */
const flat = (text: string) => text.replace(/\s+/g, ' ');

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

  test('a heat plan member: the allocation, LCOH, pipe, losses and the hourly chart, all the stored numbers', async () => {
    const m = await repo.matches.get(HEAT);
    assert.ok(m.plan, `${HEAT} is a plan member`);
    const plan = await repo.plan.summary();
    assert.ok(plan);
    const data = await buildPacketData(repo, HEAT, { now: NOW });
    assert.equal(data.match.priced_by, 'v2');
    assert.deepEqual(data.plan, { role: 'member', objective: plan.objective, made_at: plan.created_at, members: plan.members, gap: plan.gap, allocation: m.plan.allocation });
    const a = data.plan.allocation!;
    const h = data.economics.heat!;
    assert.deepEqual(h, (m.economics as PacketData['economics']).heat, 'the heat view is the stored one');
    // the chart's series: the engine's hours, the delivered ones at the plan's share
    const y = data.hourly!;
    assert.ok(y, 'a heat match priced by the hour has its year of hours');
    assert.equal(y.share, m.plan.share);
    assert.equal(y.delivered_mwh_per_year, a.delivered_mwh_per_year);
    for (const series of [y.available, y.demand, y.delivered]) assert.equal(series.length, 8760);
    const sum = y.delivered.reduce((s, v) => s + v, 0);
    assert.ok(Math.abs(sum - a.delivered_mwh_per_year!) < 1e-4 * a.delivered_mwh_per_year!, `the hours add up to the allocation: ${sum} vs ${a.delivered_mwh_per_year}`);
    y.delivered.forEach((q, hour) => assert.ok(q <= Math.min(y.available[hour]!, y.demand[hour]!) + 1e-5, `hour ${hour}: ${q} MW delivered`));
    assert.ok(Math.abs(y.available.reduce((s, v) => s + v, 0) - h.available_mwh_per_year) < 1e-4 * h.available_mwh_per_year);
    assert.deepEqual(data.attributions, { hotmaps: true, synthetic: true, hotmaps_method: true, hotmaps_profiles: true });
    for (const partner of ['supply', 'demand'] as Partner[]) {
      const pdf = await renderPacketPdf(data, partner);
      const text = flat(pdfText(pdf));
      const expected = [
        `Regional plan in the plan: ${quantity(a.allocated.amount, a.allocated.unit)} allocated to this exchange (${share(a.share)} of what it would carry on its own); net present value at the allocation ${eur(a.npv_eur)}`,
        `Levelised cost of heat ${ctPerKwh(a.lcoh_ct_per_kwh!)} ct/kWh at the plan's allocation`,
        `Allocated ${quantity(a.allocated.amount, a.allocated.unit)} (${share(a.share)} of the exchange priced alone)`,
        `Internal rate of return ${pct(a.irr, 'none')}`,
        `Levelised cost of heat ${ctPerKwh(h.lcoh_ct_per_kwh!)} ct/kWh`,
        `sized on ${mw(h.capacity_mw)} MW (the largest 24-hour average before losses) -> pipe class ${mw(h.pipe_class_mw)} MW, 2 pipes (flow and return)`,
        `${decimal(h.loss_w_per_m, 2)} W per metre of route for both pipes, ${hours(h.loss_mwh_per_year)} MWh per year`,
        `Heat pump not needed: the supply is warm enough`,
        `Hourly profiles supply ${h.supply_profile}, demand ${h.demand_profile}`,
        `the heat delivered at the plan's allocation (green, ${hours(y.delivered_mwh_per_year)} MWh per year)`,
        `the demand (blue, ${hours(h.demand_mwh_per_year)} MWh per year)`,
        'Hotmaps excess-heat calculation module',
        'THERMOS',
        '0.5 of the ideal (Carnot)',
        'Heat priced by the Hotmaps excess-heat method with Hotmaps parameters and hourly load profiles (Hotmaps project, CC BY 4.0).',
        'Contains data from the Hotmaps Industrial Database (Fraunhofer ISI), CC BY 4.0.',
        'Hourly load profiles of the Hotmaps project (task 2.7',
        ...m.assumptions,
      ];
      for (const phrase of expected) assert.ok(text.includes(phrase), `${partner} PDF shows "${phrase}"`);
      if (partner === 'demand') {
        const file = join(RESULTS, 'packet-heat-plan-demand.pdf');
        writeFileSync(file, pdf);
        // the delivered heat is drawn in its own green, beside the supply's orange and the demand's blue
        const svg = execFileSync('pdftocairo', ['-svg', file, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
        assert.match(svg, /stroke(?:="|:)rgb\(16\.86\d*%, ?54\.11\d*%, ?24\.31\d*%\)/, 'a stroked line in #2b8a3e (delivered)');
        assert.match(svg, /stroke(?:="|:)rgb\(9\.41\d*%, ?39\.21\d*%, ?67\.05\d*%\)/, 'a stroked line in #1864ab (demand)');
      }
    }
  });

  test('a heat alternative outside the plan says so; its chart is the exchange on its own', async () => {
    const alternative = (await repo.matches.list({ limit: 5000, type: 'heat', in_plan: false })).items.find((m) => m.priced_by === 'v2');
    assert.ok(alternative, 'the demo has heat alternatives outside the plan');
    const data = await buildPacketData(repo, alternative.id, { now: NOW });
    assert.equal(data.plan?.role, 'alternative');
    assert.equal(data.plan?.allocation, null);
    const h = data.economics.heat!;
    assert.equal(data.hourly?.share, 1);
    assert.equal(data.hourly?.delivered_mwh_per_year, h.delivered_mwh_per_year);
    const text = flat(pdfText(await renderPacketPdf(data, 'supply')));
    assert.ok(text.includes('Regional plan an alternative, not in the regional plan'));
    assert.ok(text.includes(`the heat delivered by this exchange on its own (green, ${hours(h.delivered_mwh_per_year)} MWh per year)`));
    assert.ok(text.includes(`Levelised cost of heat ${ctPerKwh(h.lcoh_ct_per_kwh!)} ct/kWh`));
    assert.ok(!text.includes('at the plan\'s allocation'));
  });

  test('a supply colder than the demand needs: the packet shows the heat pump and its COP', async () => {
    const small = await Repository.open(join(folder, 'heat-pump.db'));
    try {
      await small.createOrganization({ id: 'hp-org-a', name: 'Data centre', sharing: 'partners' });
      await small.createOrganization({ id: 'hp-org-b', name: 'Town heating', sharing: 'partners' });
      await small.createSite({ id: 'hp-site-a', organization_id: 'hp-org-a', name: 'Server halls', country: 'DE', lat: 51.2, lon: 6.78, kind: 'plant' });
      await small.createSite({ id: 'hp-site-b', organization_id: 'hp-org-b', name: 'Boiler house', country: 'DE', lat: 51.204, lon: 6.78, kind: 'plant' });
      await small.createFlow({ id: 'hp-s', site_id: 'hp-site-a', direction: 'supply', type: 'heat', name: 'Server cooling water', quantity: { amount: 6000, unit: 'kW' }, quality: { temperature_c: { min: 50, max: 60 } }, temporal: { profile: 'flat' } });
      await small.createFlow({ id: 'hp-d', site_id: 'hp-site-b', direction: 'demand', type: 'heat', name: 'Network feed', quantity: { amount: 4000, unit: 'kW' }, quality: { temperature_c: { min: 70, max: 90 } }, temporal: { profile: 'flat' }, economics: { price_eur: 90, price_per: 'MWh' } });
      await new MatchService(small).runAll({ include_unprofitable: true });
      const [m] = (await small.matches.list({ limit: 10 })).items;
      assert.ok(m, 'the engine prices the pair');
      const data = await buildPacketData(small, m.id, { now: NOW });
      const hp = data.economics.heat!.heat_pump!;
      assert.ok(hp, 'a heat pump lifts 60 degC to 70 degC');
      const text = flat(pdfText(await renderPacketPdf(data, 'demand')));
      assert.ok(text.includes(`Heat pump needed to lift the heat: COP ${decimal(hp.cop, 2)}, investment ${eur(hp.capex_eur)}, ${hours(hp.electricity_mwh_per_year)} MWh of electricity per year (${eur(hp.electricity_eur_per_year)} per year)`), text.slice(text.indexOf('Heat pump'), text.indexOf('Heat pump') + 200));
      assert.ok(data.attributions.hotmaps_method && !data.attributions.hotmaps && !data.attributions.hotmaps_profiles, 'the method, not the database nor a profile');
      assert.ok(text.includes('Heat priced by the Hotmaps excess-heat method with Hotmaps parameters (Hotmaps project, CC BY 4.0).'));
      assert.ok(!text.includes('Contains data from the Hotmaps Industrial Database'));
    } finally {
      await small.close();
    }
  });

  test('a stored version-1 match still makes a packet, marked as priced by the earlier method', async () => {
    const template = await repo.matches.get(HEAT);
    const { heat: _heat, ...v1Economics } = template.economics as Record<string, unknown>;
    const id = 'm-demo-flow-brewery-low-grade-heat-demo-flow-greenhouse-1-heat';
    const db = new sqlite3.Database(repo.path);
    await new Promise<void>((resolve, reject) =>
      db.run(
        `INSERT INTO matches (id, supply_flow_id, demand_flow_id, type, score, scores, distance_km, route, relaxed, economics, binding_constraint, assumptions, engine_version, detail, status, version, created_at, updated_at)
         VALUES (?, ?, ?, 'heat', 0.71, ?, 3.2, 'facilitated', '[]', ?, 'quality', ?, 'turash-matching/1.0.0', '{}', 'negotiating', 2, '2026-01-05T10:00:00.000Z', '2026-01-05T10:00:00.000Z')`,
        [id, 'demo-flow-brewery-low-grade-heat', 'demo-flow-greenhouse-1-heat', JSON.stringify(template.scores), JSON.stringify(v1Economics), JSON.stringify(['2 % heat loss per km (version 1)'])],
        (error) => (error ? reject(error) : resolve()),
      ),
    );
    await new Promise<void>((resolve) => db.close(() => resolve()));
    const stored = await repo.matches.get(id);
    assert.equal(stored.priced_by, 'v1');
    const data = await buildPacketData(repo, id, { now: NOW });
    assert.equal(data.match.priced_by, 'v1');
    assert.equal(data.engine_version, 'turash-matching/1.0.0');
    assert.equal(data.plan?.role, 'alternative');
    assert.equal(data.hourly, null);
    assert.equal(data.attributions.hotmaps_method, false);
    const text = flat(pdfText(await renderPacketPdf(data, 'demand')));
    assert.ok(text.includes('Priced by the earlier method (matching engine version 1: yearly averages, one pipe, a flat 2 % heat loss per km, no regional plan).'));
    assert.ok(text.includes('Method the earlier method (engine version 1)'));
    assert.ok(text.includes('engine turash-matching/1.0.0'));
    assert.ok(!text.includes('Heat by the hour') && !text.includes('How the figures were computed'));
    assert.ok(text.includes(eur(template.economics['npv_eur'] as number)), 'its stored figures are printed as they are');
  });

  test('a bundle written before version 2 (no plan, hourly, priced_by) is still a valid turash-packet v1 document', async () => {
    const data = JSON.parse(JSON.stringify(await buildPacketData(repo, HEAT, { now: NOW }))) as Record<string, unknown> & PacketData;
    const { plan: _p, hourly: _h, ...older } = data;
    const { priced_by: _v, ...match } = data.match;
    const { hotmaps_method: _m, hotmaps_profiles: _pr, ...attributions } = data.attributions;
    const { heat: _e, capex_breakdown: _c, ...economics } = data.economics;
    const parsed = packetDataSchema.parse({ ...older, match, attributions, economics });
    assert.equal(parsed.version, 1);
    assert.equal(parsed.plan, undefined);
    // and the renderer draws it, without the sections it has no data for
    const text = flat(pdfText(await renderPacketPdf(parsed, 'supply')));
    assert.ok(text.includes('4. Economics') && !text.includes('Regional plan') && !text.includes('Heat by the hour'));
  });
});
