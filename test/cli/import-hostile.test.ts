// Hostile files through the real `turash` binary: a JSON file nested 200,000 deep (a stack overflow
// with no file or line before), and names that a spreadsheet would run as formulas (synced from
// another member), exported to CSV and imported back.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const folder = mkdtempSync(join(tmpdir(), 'turash-cli-hostile-'));
after(() => rmSync(folder, { recursive: true, force: true }));

function turash(...args: string[]) {
  const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'turash.mjs'), ...args], { encoding: 'utf8', env: { ...process.env, TURASH_HOME: folder } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('turash import / export of hostile files', () => {
  test('a JSON file nested 200,000 deep is refused with its file and line, nothing imported', () => {
    const file = join(folder, 'deep.json');
    const depth = 200_000;
    writeFileSync(file, `{"format": "turash-exchange", "version": 1,\n"organizations": [\n${'['.repeat(depth)}${']'.repeat(depth)}\n]}\n`);
    const db = join(folder, 'deep.db');
    const run = turash('import', file, '--db', db);
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /deep\.json: line 3: nested deeper than 64 levels/);
    assert.doesNotMatch(run.stderr, /call stack/);
    const json = turash('import', file, '--db', db, '--json');
    const report = JSON.parse(json.stdout) as { ok: boolean; problems: { file: string; line: number; reason: string }[] };
    assert.equal(report.ok, false);
    assert.deepEqual(report.problems.map((p) => [p.file, p.line, p.reason]), [[file, 3, 'nested deeper than 64 levels']]);
    assert.equal(turash('export', '--db', db, '--out', join(folder, 'empty.json')).status, 0);
    assert.deepEqual(JSON.parse(readFileSync(join(folder, 'empty.json'), 'utf8')).organizations, []);
  });

  test('formula names: the CSV export guards them, and CSV import gives the same portfolio back', () => {
    const names = ["=cmd|' /C calc'!A0", '@SUM(1+1)*cmd|\' /C calc\'!A0', '=HYPERLINK("http://evil.example","Click")', '+49 211 555', "'=quoted"];
    const doc = {
      format: 'turash-exchange',
      version: 1,
      organizations: names.map((name, i) => ({ id: `evil-${i}`, name, sector: 'Paper' })),
      sites: [{ id: 'evil-site', organization_id: 'evil-0', name: '-Mill', country: 'DE', lat: 51.2, lon: -12.5 }],
      flows: [],
    };
    const source = join(folder, 'evil.json');
    writeFileSync(source, JSON.stringify(doc));
    const db = join(folder, 'evil.db');
    assert.equal(turash('import', source, '--db', db).status, 0);
    const csvDir = join(folder, 'evil-csv');
    assert.equal(turash('export', '--db', db, '--out', csvDir, '--format', 'csv').status, 0);

    const organizations = readFileSync(join(csvDir, 'organizations.csv'), 'utf8');
    assert.ok(organizations.includes("\r\nevil-0,'=cmd|' /C calc'!A0,"), organizations);
    assert.ok(organizations.includes(`\r\nevil-2,"'=HYPERLINK(""http://evil.example"",""Click"")",`), organizations);
    assert.ok(organizations.includes("\r\nevil-4,''=quoted,"), organizations);
    const sites = readFileSync(join(csvDir, 'sites.csv'), 'utf8');
    assert.ok(sites.includes(",'-Mill,") && sites.includes(',-12.5,'), sites);

    const copy = join(folder, 'evil-copy.db');
    const imported = turash('import', ...['organizations', 'sites', 'flows'].map((t) => join(csvDir, `${t}.csv`)), '--db', copy);
    assert.equal(imported.status, 0, imported.stdout + imported.stderr);
    const first = join(folder, 'evil-1.json');
    const second = join(folder, 'evil-2.json');
    assert.equal(turash('export', '--db', db, '--out', first).status, 0);
    assert.equal(turash('export', '--db', copy, '--out', second).status, 0);
    assert.equal(readFileSync(second, 'utf8'), readFileSync(first, 'utf8'));
    assert.deepEqual(JSON.parse(readFileSync(second, 'utf8')).organizations.map((o: { name: string }) => o.name).sort(), [...names].sort());
  });
});
