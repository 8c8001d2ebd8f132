/**
 * The facilitator's workflow on a real SQLite file: notes, packets sent, reservation reminders
 * with a fixed clock, impact totals against a hand computation, M&V from inserted measurements,
 * and alerts for new high-scoring matches. Matches come from the real engine (MatchService).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConflictError, NotFoundError, ValidationError } from '../db/errors.ts';
import { Repository } from '../db/repository.ts';
import { MatchService } from '../matching/service/match-service.ts';
import { MatchAlerts } from './alerts.ts';
import { impactCsv } from './impact-csv.ts';
import { impactCsvExport, impactReport, reportCsv, verifyExchange } from './service.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-workflow-'));
after(() => rmSync(folder, { recursive: true, force: true }));

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** Three exchanges ~1 km apart with stated prices, so every figure can be computed by hand. */
async function portfolio(repo: Repository) {
  for (const [id, name] of [
    ['org-a', 'Acme Paper'],
    ['org-b', '=Stadtwerke'], // a name a spreadsheet would run as a formula
    ['org-c', 'Brewery Co'],
  ] as const) {
    await repo.createOrganization({ id, name, sharing: 'partners' });
  }
  await repo.createSite({ id: 'site-a', organization_id: 'org-a', name: 'Mill', country: 'DE', lat: 51.2, lon: 6.78, kind: 'plant' });
  await repo.createSite({ id: 'site-b', organization_id: 'org-b', name: 'Heat network', country: 'DE', lat: 51.209, lon: 6.78, kind: 'network_area' });
  await repo.createSite({ id: 'site-c', organization_id: 'org-c', name: 'Brewery', country: 'DE', lat: 51.2, lon: 6.794, kind: 'plant' });
  const flow = (f: Record<string, unknown>) => repo.createFlow({ precision: 'measured', ...f });
  await flow({ id: 'heat-s', site_id: 'site-a', direction: 'supply', type: 'heat', name: 'Dryer exhaust', quantity: { amount: 3000, unit: 'kW' }, quality: { temperature_c: { min: 90, max: 110 } }, economics: { disposal_cost_eur: 0, disposal_per: 'MWh' } });
  // A flat demand (a network area would get the residential profile by default): every hour the
  // supply after the exchanger (3000 kW x 0.9) covers it and its pipe losses, so it gets all it needs.
  await flow({ id: 'heat-d', site_id: 'site-b', direction: 'demand', type: 'heat', name: 'Network feed', quantity: { amount: 2500, unit: 'kW' }, quality: { temperature_c: { min: 70, max: 90 } }, temporal: { profile: 'flat' }, economics: { price_eur: 30, price_per: 'MWh' } });
  await flow({ id: 'water-s', site_id: 'site-a', direction: 'supply', type: 'water', name: 'Cooling water', quantity: { amount: 10, unit: 'm3/h' }, economics: { disposal_cost_eur: 0, disposal_per: 'm3' } });
  await flow({ id: 'water-d', site_id: 'site-c', direction: 'demand', type: 'water', name: 'Wash water', quantity: { amount: 10, unit: 'm3/h' }, economics: { price_eur: 2, price_per: 'm3' } });
  await flow({ id: 'mat-s', site_id: 'site-a', direction: 'supply', type: 'material', name: 'Paper rejects', quantity: { amount: 1000, unit: 't/yr' }, economics: { disposal_cost_eur: 0, disposal_per: 't' } });
  await flow({ id: 'mat-d', site_id: 'site-c', direction: 'demand', type: 'material', name: 'Fibre', quantity: { amount: 1000, unit: 't/yr' }, economics: { price_eur: 50, price_per: 't' } });
}

let repo: Repository;
let ids: { heat: string; water: string; material: string };
const future = (days: number) => new Date(Date.now() + days * DAY).toISOString();

async function move(id: string, ...steps: { to: string; reserved_until?: string; reason?: string }[]) {
  for (const step of steps) {
    const m = await repo.matches.get(id);
    await repo.matches.transition(id, { version: m.version, ...step } as never, 'facilitator');
  }
}

before(async () => {
  repo = await Repository.open(join(folder, 'workflow.db'));
  await portfolio(repo);
  await new MatchService(repo).runAll({});
  const all = (await repo.matches.list({ limit: 100 })).items;
  const find = (s: string, d: string) => {
    const m = all.find((x) => x.supply.flow_id === s && x.demand.flow_id === d);
    assert.ok(m, `the engine should match ${s} -> ${d}; it found ${all.map((x) => x.id).join(', ')}`);
    return m.id;
  };
  ids = { heat: find('heat-s', 'heat-d'), water: find('water-s', 'water-d'), material: find('mat-s', 'mat-d') };
});
after(() => repo.close());

describe('notes', () => {
  test('a note is stored, listed newest first and audited', async () => {
    await repo.workflow.addNote(ids.material, 'Called the mill: rejects are baled.', 'anna', new Date('2026-01-01T10:00:00Z'));
    await repo.workflow.addNote(ids.material, '  Brewery wants a sample.  ', 'ben', new Date('2026-01-02T10:00:00Z'));
    const notes = await repo.workflow.listNotes(ids.material);
    assert.deepEqual(
      notes.map((n) => [n.actor, n.text]),
      [
        ['ben', 'Brewery wants a sample.'],
        ['anna', 'Called the mill: rejects are baled.'],
      ],
    );
    const events = (await repo.matches.get(ids.material)).events.filter((e) => e.action === 'note');
    assert.deepEqual(
      events.map((e) => e.note),
      ['Called the mill: rejects are baled.', 'Brewery wants a sample.'],
    );
  });

  test('an empty note or an unknown match is refused and changes nothing', async () => {
    const before = (await repo.workflow.listNotes(ids.material)).length;
    await assert.rejects(repo.workflow.addNote(ids.material, '   ', 'anna'), (e) => e instanceof ValidationError && /text is required/.test(e.message));
    await assert.rejects(repo.workflow.addNote('m-nope', 'hello', 'anna'), NotFoundError);
    assert.equal((await repo.workflow.listNotes(ids.material)).length, before);
  });
});

describe('packets sent', () => {
  test('a send is recorded with recipient, organisation, files and an audit event', async () => {
    const sent = await repo.workflow.recordPacketSend(
      ids.heat,
      { organization_id: 'org-b', recipient: 'Eva Energie <eva@stadtwerke.example>', sent_at: '2026-02-03T09:30:00Z', files: [{ name: 'packet-org-b.pdf', path: '/tmp/x/packet-org-b.pdf', organization_id: 'org-b' }, { name: 'bundle.json' }] },
      'anna',
    );
    assert.equal(sent.organization_name, '=Stadtwerke');
    assert.equal(sent.sent_at, '2026-02-03T09:30:00.000Z');
    assert.deepEqual(
      sent.files.map((f) => f.name),
      ['packet-org-b.pdf', 'bundle.json'],
    );
    const list = await repo.workflow.listPacketSends(ids.heat);
    assert.equal(list.length, 1);
    const ev = (await repo.matches.get(ids.heat)).events.find((e) => e.action === 'packet:sent');
    assert.match(ev?.note ?? '', /Eva Energie.*packet-org-b\.pdf, bundle\.json/);
  });

  test('a packet for an organisation outside the match, or without files, is refused', async () => {
    await assert.rejects(
      repo.workflow.recordPacketSend(ids.heat, { organization_id: 'org-c', recipient: 'x', files: [{ name: 'a.pdf' }] }, 'anna'),
      (e) => e instanceof ValidationError && e.problems[0]?.field === 'organization_id' && /not a partner/.test(e.message),
    );
    await assert.rejects(repo.workflow.recordPacketSend(ids.heat, { organization_id: 'org-a', recipient: 'x', files: [] }, 'anna'), (e) => e instanceof ValidationError && e.problems[0]?.field === 'files');
    await assert.rejects(repo.workflow.recordPacketSend(ids.heat, { organization_id: 'org-a', recipient: 'x', sent_at: 'yesterday', files: [{ name: 'a.pdf' }] }, 'anna'), /sent_at "yesterday" is not a date/);
    assert.equal((await repo.workflow.listPacketSends(ids.heat)).length, 1);
  });
});

describe('reservations', () => {
  test('reminders list reservations ending within N days, and flag lapsed ones as expired without changing them', async () => {
    const now = Date.now();
    await move(ids.water, { to: 'negotiating' }, { to: 'reserved', reserved_until: new Date(now + 2 * DAY).toISOString() });
    await move(ids.heat, { to: 'negotiating' }, { to: 'reserved', reserved_until: new Date(now + 10 * DAY).toISOString() });

    const today = await repo.workflow.reservationReminders(7, new Date(now));
    assert.deepEqual(
      today.map((r) => [r.match_id, r.days_left, r.expired]),
      [[ids.water, 2, false]],
    );
    // Five days on (a fixed clock): the water reservation lapsed three days ago, the heat one ends in five.
    const later = await repo.workflow.reservationReminders(7, new Date(now + 5 * DAY));
    assert.deepEqual(
      later.map((r) => [r.match_id, r.days_left, r.expired]),
      [
        [ids.water, -3, true],
        [ids.heat, 5, false],
      ],
    );
    assert.equal((await repo.matches.get(ids.water)).status, 'reserved', 'a lapsed reservation is never changed silently');
  });

  test('extending is version-checked, audited, and takes the match off the reminder list', async () => {
    const m = await repo.matches.get(ids.water);
    await assert.rejects(repo.workflow.extendReservation(ids.water, { version: m.version - 1, reserved_until: future(30) }, 'anna'), ConflictError);
    await assert.rejects(repo.workflow.extendReservation(ids.water, { version: m.version, reserved_until: '2020-01-01T00:00:00Z' }, 'anna'), /not in the future/);
    await repo.workflow.extendReservation(ids.water, { version: m.version, reserved_until: future(30), note: 'board meets next month' }, 'anna');
    const after = await repo.matches.get(ids.water);
    assert.equal(after.version, m.version + 1);
    assert.equal(after.status, 'reserved');
    assert.match(after.events.at(-1)?.note ?? '', /reservation moved from .* to .*board meets next month/);
    assert.deepEqual(
      (await repo.workflow.reservationReminders(7)).map((r) => r.match_id),
      [],
    );
    await assert.rejects(repo.workflow.extendReservation(ids.material, { version: 1, reserved_until: future(5) }, 'anna'), /only a reserved match/);
  });
});

describe('impact', () => {
  before(async () => {
    await move(ids.heat, { to: 'contracted' }, { to: 'live' });
    await move(ids.water, { to: 'contracted' });
  });

  test('totals of live and contracted exchanges equal a hand computation from the flows', async () => {
    const report = await impactReport(repo);
    // Heat (domain.md 5.2), flat on both sides: 2500 kW over 8000 h = 20,000 MWh/yr is needed, and
    // 3000 kW x 0.9 less the pipe losses covers it every hour, so 20,000 MWh/yr are delivered;
    // value 20,000 x 30 EUR; CO2 by counterfactual: 20,000 MWh / 0.9 boiler efficiency x 0.202 t/MWh
    // of natural gas (no fuel stated), less the pumps' electricity x 0.3 t/MWh.
    const heatMwh = 2500 * 8000 / 1000;
    const pumping = ((await repo.matches.get(ids.heat)).economics as { heat: { pumping_mwh_per_year: number } }).heat.pumping_mwh_per_year;
    const heatCo2 = (heatMwh / 0.9) * 0.202 - pumping * 0.3;
    // Water: 10 m3/h x 8000 h = 80,000 m3/yr; value x 2 EUR/m3; CO2 80,000 x 1 kWh/m3 / 1000 x 0.3.
    const waterM3 = 10 * 8000;
    const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-6 * Math.max(1, Math.abs(b)), `${what}: ${a} != ${b}`);
    assert.deepEqual(report.counts, { live: 1, contracted: 1 });
    close(report.totals.live.energy_mwh, heatMwh, 'live energy');
    close(report.totals.live.value_eur, heatMwh * 30, 'live value');
    close(report.totals.live.co2_t, heatCo2, 'live CO2');
    close(report.totals.contracted.water_m3, waterM3, 'contracted water');
    close(report.totals.contracted.value_eur, waterM3 * 2, 'contracted value');
    close(report.totals.contracted.co2_t, ((waterM3 * 1) / 1000) * 0.3, 'contracted CO2');
    close(report.totals.all.co2_t, heatCo2 + (waterM3 / 1000) * 0.3, 'total CO2');
    close(report.totals.all.value_eur, heatMwh * 30 + waterM3 * 2, 'total value');
    assert.equal(report.totals.all.tonnes_t, 0, 'the material match is only negotiating: not counted');
    assert.deepEqual(report.by_type.map((t) => [t.type, t.count]), [['heat', 1], ['water', 1]]);
    const month = new Date().toISOString().slice(0, 7);
    assert.deepEqual(report.over_time.map((p) => [p.month, p.count]), [[month, 2]]);
  });

  test('the CSV export neutralises formula-like text but keeps numbers', async () => {
    const csv = reportCsv(await impactReport(repo));
    const lines = csv.trim().split('\r\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0]!, /^match_id,status,type,supplier,receiver/);
    const heat = lines.find((l) => l.includes(',live,'))!;
    assert.ok(heat.includes(",'=Stadtwerke,"), heat);
    assert.ok(heat.includes(',20000,'), heat);
    const tricky = impactCsv([{ ...(await impactReport(repo)).rows[0]!, supply_organization: '@SUM(A1)', demand_organization: '+1, "quoted"', co2_t: -5 }]);
    assert.ok(tricky.includes(`,'@SUM(A1),"'+1, ""quoted""",`), tricky);
    assert.ok(tricky.includes(',-5,'), 'a negative number stays a number');
  });
});

describe('potential: the regional plan beside the contracted and live figures', () => {
  const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-6 * Math.max(1, Math.abs(b)), `${what}: ${a} != ${b}`);

  test('the plan\'s totals, members, objective and gap, its members in the CSV at their allocation', async () => {
    const plan = await repo.plan.summary();
    assert.ok(plan, 'the run made a plan');
    const { report, csv } = await impactCsvExport(repo);
    const p = report.potential;
    assert.ok(p);
    assert.equal(p.members, plan.members);
    assert.equal(p.candidates, plan.candidates);
    assert.equal(p.objective, 'npv');
    assert.equal(p.gap, plan.gap);
    assert.deepEqual(p.totals, plan.totals);
    const members = (await repo.matches.list({ in_plan: true, limit: 100 })).items;
    assert.equal(members.length, plan.members);
    // the dashboard's columns over the members equal the plan's own totals
    close(p.figures.value_eur, plan.totals.annual_value_eur, 'potential value');
    close(p.figures.co2_t, plan.totals.co2_t_per_year, 'potential CO2');
    close(p.figures.energy_mwh, plan.totals.delivered_mwh_per_year, 'potential energy (heat)');
    close(p.figures.tonnes_t, 1000, 'potential tonnes (the paper rejects)');
    const rows = csv.trim().split('\r\n');
    const header = rows[0]!.split(',');
    assert.deepEqual(header.slice(-3), ['plan_share', 'plan_objective', 'plan_gap']);
    const potential = rows.filter((l) => l.split(',')[1] === 'potential');
    assert.equal(potential.length, plan.members);
    const col = (name: string) => header.indexOf(name);
    const value = potential.reduce((sum, l) => sum + Number(l.split(',')[col('value_eur_per_year')]), 0);
    assert.ok(Math.abs(value - plan.totals.annual_value_eur) < 0.01 * potential.length, `CSV potential value ${value}`);
    for (const l of potential) assert.equal(l.split(',')[col('plan_objective')], 'npv');
    // the live heat exchange is a plan member: its row says which share it holds
    const live = rows.find((l) => l.startsWith(`${ids.heat},live,`))!;
    assert.equal(live.split(',')[col('plan_share')], '1');
  });

  test('null before any plan; competing alternatives of one demand are never added up', async () => {
    const fresh = await Repository.open(join(folder, 'potential.db'));
    try {
      await portfolio(fresh);
      assert.equal((await impactReport(fresh)).potential, null, 'no plan yet');
      assert.ok(!reportCsv(await impactReport(fresh)).includes(',potential,'));
      // A second supplier for the network, as able to cover it as the first
      await fresh.createFlow({ id: 'heat-s2', site_id: 'site-c', direction: 'supply', type: 'heat', name: 'Boiler flue gas', precision: 'measured', quantity: { amount: 3000, unit: 'kW' }, quality: { temperature_c: { min: 90, max: 110 } }, economics: { disposal_cost_eur: 0, disposal_per: 'MWh' } });
      await new MatchService(fresh).runAll({});
      const competing = (await fresh.matches.list({ flow_id: 'heat-d', limit: 100 })).items;
      assert.ok(competing.length >= 2, 'two alternatives for the one demand');
      const listed = competing.reduce((sum, m) => sum + (m.economics as { heat: { delivered_mwh_per_year: number } }).heat.delivered_mwh_per_year, 0);
      assert.ok(listed > 30_000, `the alternatives list ${listed} MWh/yr between them`);
      const p = (await impactReport(fresh)).potential;
      assert.ok(p);
      assert.ok(p.figures.energy_mwh <= 20_000 * (1 + 1e-9), `the potential counts the demand's 20,000 MWh/yr at most once, not ${p.figures.energy_mwh}`);
      assert.ok(p.figures.energy_mwh > 19_000, 'and does deliver it');
    } finally {
      await fresh.close();
    }
  });
});

describe('measurement and verification', () => {
  const t0 = Date.UTC(2026, 0, 10, 0, 0, 0);
  before(async () => {
    await repo.field.createDevice({ id: 'dev-hm', site_id: 'site-b', name: 'Heat meter', protocol: 'modbus-tcp', endpoint: 'modbus-tcp://127.0.0.1:1502' });
    await repo.field.createPoint({ id: 'pt-energy', device_id: 'dev-hm', name: 'Delivered heat energy', address: '3:100', role: 'energy_counter', unit: 'kWh' });
    await repo.field.createPoint({ id: 'pt-power', device_id: 'dev-hm', name: 'Heat power', address: '3:102', role: 'power', unit: 'kW' });
    await repo.field.createPoint({ id: 'pt-water', device_id: 'dev-hm', name: 'Water volume', address: '3:104', role: 'volume_counter', unit: 'm3' });
    const rows = [];
    // 24 h of a counter rising 2,400 kWh per hour (2.4 MW), read every 15 minutes: 57.6 MWh.
    for (let i = 0; i <= 96; i++) rows.push({ point_id: 'pt-energy', ts_ms: t0 + i * 15 * 60_000, received_ms: t0, value: 1_000_000 + i * 600, quality: 'good' as const, status: null });
    // A bad reading (never counted) in the middle.
    rows.push({ point_id: 'pt-energy', ts_ms: t0 + 7 * 60_000, received_ms: t0, value: 0, quality: 'bad' as const, status: 'timeout' });
    // Power 2,000 kW for 24 h every 15 minutes, with a 4-hour hole (hours 10..14).
    for (let i = 0; i <= 96; i++) if (i <= 40 || i >= 56) rows.push({ point_id: 'pt-power', ts_ms: t0 + i * 15 * 60_000, received_ms: t0, value: 2000, quality: 'good' as const, status: null });
    await repo.measurements.commitBatch(rows);
  });

  test('a bound counter gives the measured quantity, its value and CO2 beside the projection for the same time', async () => {
    await assert.rejects(repo.workflow.bindMeter(ids.heat, 'pt-nope', 'delivered_total', 'anna'), /meter point "pt-nope" does not exist/);
    await repo.workflow.bindMeter(ids.heat, 'pt-energy', 'delivered_total', 'anna');
    await repo.workflow.bindMeter(ids.heat, 'pt-power', 'delivered_rate', 'anna');
    const v = await verifyExchange(repo, ids.heat, { fromMs: t0, toMs: t0 + DAY });
    assert.ok(v);
    assert.equal(v.source, 'counter', 'the counter wins over the power reading');
    assert.equal(v.unit, 'MWh');
    assert.ok(Math.abs(v.measured - 57.6) < 1e-9, `measured ${v.measured}`);
    assert.equal(v.coverage, 1);
    assert.equal(v.covered_hours, 24);
    assert.ok(Math.abs(v.value_eur - 57.6 * 30) < 1e-6);
    // the engine's CO2 per MWh of this exchange (natural gas by counterfactual, less pumping)
    const e = (await repo.matches.get(ids.heat)).economics as { co2_t_per_year: number };
    assert.ok(Math.abs(v.co2_t - 57.6 * (e.co2_t_per_year / 20_000)) < 1e-9, `co2 ${v.co2_t}`);
    const projected = (20_000 * 24) / 8760;
    assert.ok(Math.abs(v.projected_for_period - projected) < 1e-9);
    assert.ok(Math.abs(v.ratio! - 57.6 / projected) < 1e-9);
    assert.ok(Math.abs(v.measured_per_year! - 57.6 * 365) < 1e-6);
    assert.deepEqual(v.problems, []);
  });

  test('a power reading is integrated over covered time only; a gap lowers the coverage', async () => {
    await repo.workflow.unbindMeter(ids.heat, 'pt-energy', 'anna');
    const v = (await verifyExchange(repo, ids.heat, { fromMs: t0, toMs: t0 + DAY }))!;
    assert.equal(v.source, 'rate');
    // 10 h + 10 h at 2 MW covered; the 4-hour hole is not interpolated.
    assert.ok(Math.abs(v.covered_hours - 20) < 1e-9, String(v.covered_hours));
    assert.ok(Math.abs(v.measured - 40) < 1e-9, String(v.measured));
    assert.ok(Math.abs(v.coverage - 20 / 24) < 1e-9);
  });

  test('after the raw samples are pruned, the hourly aggregates give the same counter figure', async () => {
    await repo.workflow.unbindMeter(ids.heat, 'pt-power', 'anna');
    await repo.workflow.bindMeter(ids.heat, 'pt-energy', 'delivered_total', 'anna');
    await repo.measurements.prune(t0 + 12 * HOUR);
    const v = (await verifyExchange(repo, ids.heat, { fromMs: t0, toMs: t0 + DAY }))!;
    assert.ok(Math.abs(v.measured - 57.6) < 1e-9, `measured ${v.measured}`);
  });

  test('a meter in the wrong unit is named, not guessed', async () => {
    await repo.workflow.bindMeter(ids.heat, 'pt-water', 'delivered_total', 'anna');
    await repo.workflow.unbindMeter(ids.heat, 'pt-energy', 'anna');
    const v = (await verifyExchange(repo, ids.heat, { fromMs: t0, toMs: t0 + DAY }))!;
    assert.equal(v.measured, 0);
    assert.match(v.problems.join('\n'), /meter point "Water volume" reads "m3" \(m3\) but the exchange is valued in MWh/);
    await repo.workflow.unbindMeter(ids.heat, 'pt-water', 'anna');
    await repo.workflow.bindMeter(ids.heat, 'pt-energy', 'delivered_total', 'anna');
  });

  test('the dashboard shows the verified exchange with measured beside projected', async () => {
    const report = await impactReport(repo, { fromMs: t0, toMs: t0 + DAY });
    assert.equal(report.verified.length, 1);
    assert.equal(report.verified[0]!.match_id, ids.heat);
    const perMwh = ((await repo.matches.get(ids.heat)).economics as { co2_t_per_year: number }).co2_t_per_year / 20_000;
    assert.ok(Math.abs(report.verified_totals.co2_t - 57.6 * perMwh) < 1e-9);
    assert.ok(Math.abs(report.verified_totals.projected_co2_t - ((20_000 * 24) / 8760) * perMwh) < 1e-9);
    const csv = reportCsv(report);
    assert.ok(csv.includes(`,${57.6 * 365},MWh/yr,1`), csv);
  });
});

describe('alerts for new high-scoring matches', () => {
  test('the first check is a silent baseline; a later re-match makes one digest, announced once, whose matches are listed', async () => {
    const alerts = new MatchAlerts(repo);
    await alerts.setThreshold(0);
    assert.equal(await alerts.check(), null, 'what a user already has is not new');
    const heard: number[] = [];
    const controller = new AbortController();
    const listening = (async () => {
      try {
        for await (const batch of alerts.watch(controller.signal)) heard.push(batch.digest.id);
      } catch (error) {
        if ((error as Error).name !== 'AbortError') throw error;
      }
    })();
    await repo.createFlow({ id: 'heat-d2', site_id: 'site-c', direction: 'demand', type: 'heat', name: 'Brewhouse', precision: 'measured', quantity: { amount: 400, unit: 'kW' }, quality: { temperature_c: { min: 60, max: 80 } }, economics: { price_eur: 40, price_per: 'MWh' } });
    const service = new MatchService(repo);
    await service.rematchFlow('heat-d2');
    const digest = await alerts.check();
    assert.ok(digest && digest.matches >= 1, 'the new demand brings at least one new match');
    assert.equal(digest.in_region, null, 'no region set: no region clause');
    assert.equal(digest.text, `${digest.matches} new ${digest.matches === 1 ? 'match' : 'matches'} scoring >= 0`);
    const behind = await repo.workflow.alerts.matches(digest.id);
    assert.equal(behind.total, digest.matches);
    assert.ok(behind.items.every((a) => a.match_id.includes('heat-d2')), behind.items.map((a) => a.match_id).join(', '));
    assert.ok(behind.items.every((a) => typeof a.annual_value_eur === 'number'), 'the value is read from the packed economics');
    assert.equal(await alerts.check(), null, 'announced once');
    controller.abort();
    await listening;
    assert.deepEqual(heard, [digest.id]);
    assert.deepEqual((await repo.workflow.alerts.list({ unseenOnly: true })).map((d) => d.id), [digest.id]);
    assert.equal(await repo.workflow.alerts.markSeen(), 1);
    assert.equal((await repo.workflow.alerts.list({ unseenOnly: true })).length, 0);
    assert.equal((await repo.workflow.alerts.list()).length, 1, 'a seen digest stays in the list');
  });

  test('a region set by the user is counted in the digest ("n of them in your region")', async () => {
    const alerts = new MatchAlerts(repo);
    // A box around site-c only (51.2, 6.794): matches with a site there are in the region.
    await alerts.setRegion({ min_lat: 51.19, min_lon: 6.79, max_lat: 51.21, max_lon: 6.8 });
    await repo.createFlow({ id: 'heat-d3', site_id: 'site-b', direction: 'demand', type: 'heat', name: 'Second network feed', precision: 'measured', quantity: { amount: 300, unit: 'kW' }, quality: { temperature_c: { min: 60, max: 80 } }, temporal: { profile: 'flat' }, economics: { price_eur: 40, price_per: 'MWh' } });
    await repo.createFlow({ id: 'heat-d4', site_id: 'site-c', direction: 'demand', type: 'heat', name: 'Bottle washer', precision: 'measured', quantity: { amount: 300, unit: 'kW' }, quality: { temperature_c: { min: 60, max: 80 } }, economics: { price_eur: 40, price_per: 'MWh' } });
    const service = new MatchService(repo);
    await repo.createFlow({ id: 'heat-s3', site_id: 'site-a', direction: 'supply', type: 'heat', name: 'Second dryer', precision: 'measured', quantity: { amount: 2000, unit: 'kW' }, quality: { temperature_c: { min: 90, max: 110 } } });
    const run = await service.rematchFlow('heat-s3');
    const digest = await alerts.check();
    assert.ok(digest, JSON.stringify(run.matches.map((m) => [m.id, m.score])));
    const behind = (await repo.workflow.alerts.matches(digest.id, { limit: 500 })).items;
    const inside = behind.filter((a) => a.in_region).length;
    assert.ok(inside >= 1 && inside < behind.length, `some in the region, some not: ${behind.map((a) => `${a.match_id}:${a.in_region}`).join(', ')}`);
    assert.equal(digest.in_region, inside);
    assert.match(digest.text, new RegExp(`^${digest.matches} new match(es)? scoring >= 0, ${inside} of them in your region$`));
    await assert.rejects(alerts.setRegion({ min_lat: 10, min_lon: 0, max_lat: 5, max_lon: 1 }), ValidationError);
    await alerts.setRegion(null);
    assert.equal(await alerts.region(), null);
  });
});
