// `turash packet` as a user scripts it: the real binary in a child process, the demo portfolio,
// the PDFs read back with pdftotext.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ctPerKwh, eur, hours, mw, quantity, share } from '../../main/packets/format.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const folder = mkdtempSync(join(tmpdir(), 'turash-cli-packet-'));
const db = join(folder, 'demo.db');
after(() => rmSync(folder, { recursive: true, force: true }));

function turash(...args: string[]) {
  const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'turash.mjs'), ...args], { encoding: 'utf8', env: { ...process.env, TURASH_HOME: folder }, maxBuffer: 256 * 1024 * 1024 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, json: () => JSON.parse(run.stdout) };
}

let best: { id: string; economics: { npv_eur: number } };

before(() => {
  assert.equal(turash('import', join(ROOT, 'main', 'interchange', 'demo-portfolio.json'), '--db', db).status, 0);
  const run = turash('match', '--db', db, '--json');
  assert.equal(run.status, 0, run.stderr);
  best = [...run.json().matches].sort((a: { score: number }, b: { score: number }) => b.score - a.score)[0];
});

describe('turash packet', () => {
  test('--out x.pdf writes x.supply.pdf, x.demand.pdf and x.json; --json says what was written', () => {
    const out = join(folder, 'best.pdf');
    const run = turash('packet', best.id, '--out', out, '--db', db, '--json');
    assert.equal(run.status, 0, run.stderr);
    const report = run.json();
    assert.deepEqual(report.files.map((f: { partner: string; path: string }) => [f.partner, f.path]), [
      ['supply', join(folder, 'best.supply.pdf')],
      ['demand', join(folder, 'best.demand.pdf')],
    ]);
    assert.equal(report.bundle.path, join(folder, 'best.json'));
    for (const f of report.files) assert.equal(readFileSync(f.path).subarray(0, 5).toString(), '%PDF-');
    const bundle = JSON.parse(readFileSync(report.bundle.path, 'utf8'));
    assert.equal(bundle.format, 'turash-packet');
    assert.equal(bundle.match.id, best.id);
    assert.equal(bundle.economics.npv_eur, best.economics.npv_eur, 'the bundle carries the engine\'s NPV');
    const text = execFileSync('pdftotext', ['-layout', report.files[0].path, '-'], { encoding: 'utf8' });
    assert.ok(text.includes(`Prepared for ${report.files[0].organization}`));
  });

  test('--partner demand writes exactly --out (and the bundle beside it)', () => {
    const out = join(folder, 'only-demand.pdf');
    const run = turash('packet', best.id, '--out', out, '--partner', 'demand', '--db', db);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /wrote .*only-demand\.pdf \(demand: /);
    assert.ok(existsSync(out) && existsSync(join(folder, 'only-demand.json')));
    assert.ok(!existsSync(join(folder, 'only-demand.supply.pdf')));
  });

  test('bad usage exits 2, an unknown match exits 1 naming it, and neither writes a file', () => {
    const before = readdirSync(folder).length;
    assert.equal(turash('packet', best.id, '--db', db).status, 2, 'no --out');
    assert.equal(turash('packet', '--out', join(folder, 'x.pdf'), '--db', db).status, 2, 'no match id');
    const partner = turash('packet', best.id, '--out', join(folder, 'x.pdf'), '--partner', 'both-ways', '--db', db, '--json');
    assert.equal(partner.status, 2);
    assert.match(partner.json().error.message, /--partner is supply, demand or both/);
    const unknown = turash('packet', 'm-nope', '--out', join(folder, 'x.pdf'), '--db', db);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /match "m-nope" does not exist/);
    assert.equal(readdirSync(folder).length, before);
  });

  test('a heat plan member\'s packet: the allocation, the LCOH and the hourly chart\'s caption, with the numbers of the bundle and of `turash plan`', () => {
    const plan = turash('plan', '--db', db, '--json');
    assert.equal(plan.status, 0, plan.stderr);
    type Member = { match_id: string; type: string; allocated: { amount: number; unit: string }; delivered_mwh_per_year: number; capacity_mw: number; pipe_class_mw: number; economics: { npv_eur: number; lcoh_ct_per_kwh: number } };
    const member = (plan.json().plan.members as Member[]).filter((m) => m.type === 'heat').sort((a, b) => b.economics.npv_eur - a.economics.npv_eur)[0];
    assert.ok(member, 'the demo plan has a heat member');
    const out = join(folder, 'heat.pdf');
    const run = turash('packet', member.match_id, '--out', out, '--db', db, '--json');
    assert.equal(run.status, 0, run.stderr);
    const report = run.json();
    const bundle = JSON.parse(readFileSync(report.bundle.path, 'utf8'));
    // the bundle carries the plan's numbers
    assert.equal(bundle.match.priced_by, 'v2');
    assert.equal(bundle.plan.role, 'member');
    const a = bundle.plan.allocation;
    assert.deepEqual(a.allocated, member.allocated);
    assert.equal(a.npv_eur, member.economics.npv_eur);
    assert.equal(a.lcoh_ct_per_kwh, member.economics.lcoh_ct_per_kwh);
    assert.equal(bundle.hourly.delivered_mwh_per_year, member.delivered_mwh_per_year);
    assert.equal(bundle.hourly.delivered.length, 8760);
    const h = bundle.economics.heat;
    assert.equal(h.capacity_mw, member.capacity_mw);
    assert.equal(h.pipe_class_mw, member.pipe_class_mw);
    // and both PDFs print exactly those numbers
    for (const file of report.files) {
      const text = execFileSync('pdftotext', ['-layout', file.path, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
      for (const phrase of [
        `Allocated ${quantity(a.allocated.amount, a.allocated.unit)} (${share(a.share)} of the exchange priced alone)`,
        `in the plan: ${quantity(a.allocated.amount, a.allocated.unit)} allocated to this exchange`,
        `net present value at the allocation ${eur(a.npv_eur)}`,
        `Levelised cost of heat ${ctPerKwh(a.lcoh_ct_per_kwh)} ct/kWh at the plan's allocation`,
        `pipe class ${mw(h.pipe_class_mw)} MW, 2 pipes (flow and return)`,
        `Hour by hour over a year (MW): heat available from the supply after the exchanger (orange, ${hours(h.available_mwh_per_year)} MWh per year), the demand (blue, ${hours(h.demand_mwh_per_year)} MWh per year) and the heat delivered at the plan's allocation (green, ${hours(bundle.hourly.delivered_mwh_per_year)} MWh per year).`,
      ]) {
        assert.ok(text.includes(phrase), `${file.partner} PDF shows "${phrase}"`);
      }
    }
  });
});
