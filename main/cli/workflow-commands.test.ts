/**
 * `turash impact` and `turash reminders` on a real database file: a contracted exchange's figures
 * equal its stored economics, the CSV is written, reservations show up, bad usage exits 2.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Repository } from '../db/repository.ts';
import { loadDemoPortfolio } from '../interchange/demo.ts';
import { MatchService } from '../matching/service/match-service.ts';
import { impactCli, remindersCli } from './workflow-commands.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-wf-cli-'));
const db = join(folder, 'x.db');
after(() => rmSync(folder, { recursive: true, force: true }));

let contracted: { id: string; economics: Record<string, unknown> };
let reserved: string;

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
}

before(async () => {
  const repo = await Repository.open(db);
  await repo.importDocument(loadDemoPortfolio());
  await new MatchService(repo).runAll({});
  const [a, b] = (await repo.matches.list({ order: 'score', limit: 2 })).items;
  assert.ok(a && b);
  const until = new Date(Date.now() + 3 * 86_400_000).toISOString();
  for (const [to, extra] of [['negotiating', {}], ['reserved', { reserved_until: until }], ['contracted', {}]] as const) {
    const m = await repo.matches.get(a.id);
    await repo.matches.transition(a.id, { to, version: m.version, ...extra }, 'cli test');
  }
  await repo.matches.transition(b.id, { to: 'negotiating', version: b.version }, 'cli test');
  await repo.matches.transition(b.id, { to: 'reserved', version: b.version + 1, reserved_until: until }, 'cli test');
  contracted = { id: a.id, economics: (await repo.matches.get(a.id)).economics };
  reserved = b.id;
  await repo.close();
});

test('turash impact --json gives the contracted exchange\'s engine figures and writes the CSV', async () => {
  const c = capture();
  const csv = join(folder, 'impact.csv');
  assert.equal(await impactCli(['--db', db, '--json', '--csv', csv], c.io), 0);
  const result = JSON.parse(c.out.join('')) as { totals: { contracted: { co2_t: number; value_eur: number } }; rows: { id: string }[] };
  assert.deepEqual(result.rows.map((r) => r.id), [contracted.id]);
  assert.equal(result.totals.contracted.co2_t, contracted.economics['co2_t_per_year']);
  assert.equal(result.totals.contracted.value_eur, contracted.economics['annual_value_eur']);
  assert.match(readFileSync(csv, 'utf8'), new RegExp(`^match_id,.*\\r\\n${contracted.id},contracted,`, 's'));
});

test('turash reminders lists the reservation ending in 3 days; bad usage exits 2', async () => {
  const c = capture();
  assert.equal(await remindersCli(['--db', db, '--days', '7'], c.io), 0);
  assert.equal(c.out.length, 1);
  assert.ok(c.out[0]!.startsWith(reserved) && c.out[0]!.includes('ends in 3 day(s)'), c.out[0]);
  const none = capture();
  assert.equal(await remindersCli(['--db', db, '--days', '1', '--json'], none.io), 0);
  assert.deepEqual(JSON.parse(none.out.join('')), { reminders: [] });
  const bad = capture();
  assert.equal(await remindersCli(['--db', db, '--days', 'soon'], bad.io), 2);
  assert.match(bad.err.join(''), /--days must be a number of days/);
  assert.equal(await impactCli(['--db', db, '--bogus'], capture().io), 2);
});
