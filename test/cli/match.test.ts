// `turash match` and `turash explain` as a user scripts them, on the demo portfolio.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { streamSink, topBy, writeJsonObject } from '../../main/cli/format.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const folder = mkdtempSync(join(tmpdir(), 'turash-cli-match-'));
const db = join(folder, 'demo.db');
after(() => rmSync(folder, { recursive: true, force: true }));

function turash(...args: string[]) {
  const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'turash.mjs'), ...args], { encoding: 'utf8', env: { ...process.env, TURASH_HOME: folder } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, json: () => JSON.parse(run.stdout) };
}

before(() => {
  const imported = turash('import', join(ROOT, 'main', 'interchange', 'demo-portfolio.json'), '--db', db);
  assert.equal(imported.status, 0, imported.stderr);
});

describe('turash match / explain', () => {
  test('match --json prints the contract shape of architecture.md', () => {
    const run = turash('match', '--db', db, '--json');
    assert.equal(run.status, 0, run.stderr);
    const { matches, stats } = run.json();
    assert.ok(matches.length > 10, `${matches.length} matches on the demo`);
    assert.equal(stats.matches, matches.length);
    // the router's split, over all and per type of the supply (domain.md 5.3)
    const byType = stats.routes.by_type as Record<string, { matches: number; automated: number }>;
    assert.equal(Object.values(byType).reduce((n, t) => n + t.matches, 0), matches.length);
    assert.equal(Object.values(byType).reduce((n, t) => n + t.automated, 0), stats.routes.automated);
    for (const [type, t] of Object.entries(byType)) {
      assert.equal(t.automated, matches.filter((m: { type: string; route: string }) => m.type === type && m.route === 'automated').length, type);
    }
    for (const m of matches) {
      for (const key of ['id', 'supply_flow_id', 'demand_flow_id', 'score', 'scores', 'distance_km', 'route', 'relaxed', 'economics']) assert.ok(key in m, `${key} in a match`);
      assert.deepEqual(Object.keys(m.scores).sort(), ['quality', 'quantity', 'regulatory', 'temporal', 'transport', 'trust']);
      assert.ok(m.route === 'automated' || m.route === 'facilitated');
      for (const key of ['capex_eur', 'opex_eur_per_year', 'annual_value_eur', 'cash_flow_eur_per_year', 'npv_eur', 'irr', 'payback_years', 'co2_t_per_year', 'delivered']) {
        assert.ok(key in m.economics, `economics.${key}`);
      }
      assert.ok(m.economics.irr === null || (m.economics.irr > -1 && m.economics.irr < 100), 'IRR is a fraction');
      assert.ok(m.score >= 0 && m.score <= 1);
    }
  });

  test('match --top limits the list of each flow, --max-km the distance', () => {
    const { matches } = turash('match', '--db', db, '--json', '--top', '1', '--max-km', '3').json();
    // Beyond 3 km only when the fallback relaxed the distance (x1.5), and then labelled so.
    for (const m of matches) assert.ok(m.distance_km <= 3 || (m.relaxed.includes('distance') && m.distance_km <= 4.5), `${m.id} at ${m.distance_km} km, relaxed ${m.relaxed}`);
    assert.ok(matches.some((m: { relaxed: string[] }) => m.relaxed.length === 0));
    const perSupply = new Map<string, number>();
    for (const m of matches) if (m.rank.supply !== null) perSupply.set(m.supply_flow_id, (perSupply.get(m.supply_flow_id) ?? 0) + 1);
    assert.ok([...perSupply.values()].every((n) => n === 1), 'one match per supply list with --top 1');
  });

  test('explain shows the components, the binding constraint and the economics of a stored match', () => {
    const { matches } = turash('match', '--db', db, '--json').json();
    const best = [...matches].sort((a, b) => b.score - a.score)[0];
    const run = turash('explain', best.id, '--db', db);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`score ${best.score.toFixed(3).replace(/0+$/, '')}`));
    for (const name of Object.keys(best.scores)) assert.match(run.stdout, new RegExp(`\\b${name}\\b`));
    if (best.binding_constraint) assert.match(run.stdout, new RegExp(`${best.binding_constraint}\\s+[0-9.]+\\s+<- binding`));
    const npv = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 }).format(best.economics.npv_eur);
    assert.match(run.stdout, new RegExp(`NPV\\s+${npv} EUR`));
    const json = turash('explain', best.id, '--db', db, '--json').json();
    assert.equal(json.id, best.id);
    assert.equal(json.economics.npv_eur, best.economics.npv_eur);
  });

  test('match --flow re-matches one flow; unknown ids and bad options are clear errors', () => {
    const { matches } = turash('match', '--db', db, '--json').json();
    const flow = matches[0].supply_flow_id;
    const one = turash('match', '--db', db, '--json', '--flow', flow).json();
    assert.ok(one.matches.length > 0 && one.matches.every((m: { supply_flow_id: string; demand_flow_id: string }) => m.supply_flow_id === flow || m.demand_flow_id === flow));
    const missing = turash('match', '--db', db, '--flow', 'no-such-flow');
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /flow "no-such-flow" does not exist/);
    assert.equal(turash('match', '--db', db, '--top', 'many').status, 2);
    const unknown = turash('explain', 'm-nope', '--db', db);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /match "m-nope" does not exist/);
  });

  test('the table shows the N best by score (--limit, default 20, 0 = all) and says how many it left out', () => {
    const { matches } = turash('match', '--db', db, '--json').json();
    const best = [...matches].sort((a: { score: number }, b: { score: number }) => b.score - a.score);
    const rowsOf = (stdout: string) => stdout.split('\n').filter((line) => /^\d\.\d*\s/.test(line) || /^[01]\s/.test(line));
    const byDefault = turash('match', '--db', db);
    assert.equal(byDefault.status, 0, byDefault.stderr);
    assert.match(byDefault.stdout, new RegExp(`^${matches.length} matches \\(`));
    assert.equal(rowsOf(byDefault.stdout).length, Math.min(20, matches.length));
    if (matches.length > 20) assert.match(byDefault.stdout, new RegExp(`\\.\\.\\. and ${matches.length - 20} more \\(--limit N`));
    const three = turash('match', '--db', db, '--limit', '3');
    const rows = rowsOf(three.stdout);
    assert.equal(rows.length, 3);
    // the first row is the best match, and the ids line names the three best
    assert.ok(rows[0]!.startsWith(best[0].score.toFixed(3).replace(/\.?0+$/, '')), rows[0]);
    assert.match(three.stdout, new RegExp(`ids: ${best.slice(0, 3).map((m: { id: string }) => m.id).join(', ')}`));
    assert.match(three.stdout, new RegExp(`and ${matches.length - 3} more`));
    const all = turash('match', '--db', db, '--limit', '0');
    assert.equal(rowsOf(all.stdout).length, matches.length);
    assert.doesNotMatch(all.stdout, /more \(--limit/);
    const bad = turash('match', '--db', db, '--limit=-1');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--limit must be a whole number of rows, 0 for all of them, got "-1"/);
  });

  test('--json is written as it goes: one document, never more buffered than the pipe holds plus one chunk', async () => {
    // a slow reader with a small buffer, as a pipe to a busy consumer
    const received: string[] = [];
    let maxBuffered = 0;
    const slow = new Writable({
      highWaterMark: 4096,
      write(chunk: Buffer, _encoding, done) {
        received.push(chunk.toString());
        setImmediate(done);
      },
    });
    const items = Array.from({ length: 3000 }, (_, i) => ({ id: `m-${i}`, score: (i % 97) / 97, economics: { npv_eur: i * 1000.5, irr: null }, text: 'x'.repeat(100) }));
    const sink = streamSink(slow);
    const watched = { write: async (text: string) => { await sink.write(text); maxBuffered = Math.max(maxBuffered, slow.writableLength); } };
    await writeJsonObject(watched, [{ key: 'matches', items }, { key: 'stats', value: { matches: items.length } }]);
    await new Promise<void>((resolve) => slow.end(resolve));
    const text = received.join('');
    assert.deepEqual(JSON.parse(text), { matches: items, stats: { matches: items.length } });
    assert.ok(text.length > 5 * 64 * 1024, 'the document spans many chunks');
    // each write waited for the slow reader to drain: at most one chunk (~64 KB) beyond its buffer
    assert.ok(maxBuffered <= 4096 + 70 * 1024, `${maxBuffered} characters were waiting in memory`);
  });

  test('topBy picks the best without sorting everything, ties in their order; 0 means all', () => {
    const xs = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5].map((v, i) => ({ v, i }));
    const sorted = [...xs].sort((a, b) => b.v - a.v);
    for (const k of [1, 3, 5, 11, 20, 0]) assert.deepEqual(topBy(xs, (x) => x.v, k), sorted.slice(0, k === 0 ? undefined : k), `k=${k}`);
  });
});
