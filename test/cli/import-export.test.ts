// The command line as a user scripts it: the real `turash` binary in a child process, real files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HOTMAPS = join(ROOT, 'main', 'data', 'hotmaps', 'hotmaps-industrial-sites.csv');
const folder = mkdtempSync(join(tmpdir(), 'turash-cli-'));
after(() => rmSync(folder, { recursive: true, force: true }));

function turash(...args: string[]) {
  const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'turash.mjs'), ...args], { encoding: 'utf8', env: { ...process.env, TURASH_HOME: folder } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, json: () => JSON.parse(run.stdout) };
}

describe('turash import / export', () => {
  test('the Hotmaps database imports the sites with coordinates and reports the skipped ones', () => {
    assert.ok(existsSync(HOTMAPS), `the Hotmaps file is missing at ${HOTMAPS} (it ships in main/data/hotmaps)`);
    const db = join(folder, 'hotmaps.db');
    const run = turash('import', HOTMAPS, '--db', db, '--json');
    assert.equal(run.status, 0, run.stderr);
    const report = run.json();
    assert.equal(report.ok, true);
    assert.equal(report.format, 'hotmaps-csv');
    assert.equal(report.summary.sites, 4505);
    assert.equal(report.skipped.length, 5029 - 4505);
    assert.ok(report.skipped.every((s: { line: number; reason: string }) => s.line > 1 && /coordinate/i.test(s.reason)), JSON.stringify(report.skipped[0]));
    // Only JSON on stdout.
    assert.doesNotThrow(() => JSON.parse(run.stdout));
  });

  test('export then re-import into a fresh database gives the same data (JSON and CSV)', () => {
    const db = join(folder, 'hotmaps.db');
    const first = join(folder, 'first.json');
    assert.equal(turash('export', '--db', db, '--out', first).status, 0);
    const copy = join(folder, 'copy.db');
    const imported = turash('import', first, '--db', copy, '--json');
    assert.equal(imported.status, 0, imported.stderr);
    const second = join(folder, 'second.json');
    assert.equal(turash('export', '--db', copy, '--out', second).status, 0);
    assert.equal(readFileSync(second, 'utf8'), readFileSync(first, 'utf8'));

    const csvDir = join(folder, 'csv');
    assert.equal(turash('export', '--db', db, '--out', csvDir, '--format', 'csv').status, 0);
    const fromCsv = join(folder, 'from-csv.db');
    const csvImport = turash('import', join(csvDir, 'organizations.csv'), join(csvDir, 'sites.csv'), join(csvDir, 'flows.csv'), '--db', fromCsv, '--json');
    assert.equal(csvImport.status, 0, csvImport.stdout + csvImport.stderr);
    const third = join(folder, 'third.json');
    assert.equal(turash('export', '--db', fromCsv, '--out', third).status, 0);
    assert.equal(readFileSync(third, 'utf8'), readFileSync(first, 'utf8'));
  });

  test('a broken file changes nothing and names every bad row', () => {
    const db = join(folder, 'broken.db');
    const good = {
      format: 'turash-exchange',
      version: 1,
      organizations: [{ id: 'org-1', name: 'Acme Paper' }],
      sites: [{ id: 'site-1', organization_id: 'org-1', name: 'Mill', country: 'DE', lat: 51.2, lon: 6.8 }],
      flows: [
        { id: 'f-1', site_id: 'site-1', direction: 'supply', type: 'heat', name: 'Exhaust', quantity: { amount: 500, unit: 'kW' } },
      ],
    };
    const broken = structuredClone(good) as typeof good & { flows: Record<string, unknown>[] };
    broken.flows.push(
      { id: 'f-2', site_id: 'site-1', direction: 'supply', type: 'heat', name: 'Bad unit', quantity: { amount: 5, unit: 't/month' } },
      { id: 'f-3', site_id: 'nowhere', direction: 'demand', type: 'heat', name: 'Bad site', quantity: { amount: 5, unit: 'kW' } },
      { id: 'f-4', site_id: 'site-1', direction: 'supply', type: 'heat', name: 'Bad amount', quantity: { amount: -1, unit: 'kW' } },
    );
    const file = join(folder, 'broken.json');
    writeFileSync(file, JSON.stringify(broken, null, 2));
    const run = turash('import', file, '--db', db, '--json');
    assert.equal(run.status, 1);
    const report = run.json();
    assert.equal(report.ok, false);
    const records = report.problems.map((p: { record?: string; field?: string }) => `${p.record} ${p.field}`).join(' | ');
    for (const id of ['f-3', 'f-4']) assert.match(records, new RegExp(id), `${id} reported: ${records}`);
    // Nothing was written: the database has no organization.
    const exported = join(folder, 'after-broken.json');
    assert.equal(turash('export', '--db', db, '--out', exported).status, 0);
    assert.deepEqual(JSON.parse(readFileSync(exported, 'utf8')).organizations, []);
    // Human output names the line.
    const human = turash('import', file, '--db', db);
    assert.equal(human.status, 1);
    assert.match(human.stderr, /nothing imported: \d+ problems/);
    assert.match(human.stderr, /line \d+/);
  });

  test('usage errors exit 2, errors exit 1, with a message', () => {
    assert.equal(turash('frobnicate').status, 2);
    assert.match(turash('frobnicate').stderr, /unknown command "frobnicate"/);
    assert.equal(turash('import').status, 2);
    const missing = turash('import', join(folder, 'nope.json'), '--db', join(folder, 'x.db'));
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /cannot read .*nope\.json: ENOENT/);
    assert.equal(turash('--help').status, 0);
    assert.match(turash('--help').stdout, /turash import <file>/);
  });
});
