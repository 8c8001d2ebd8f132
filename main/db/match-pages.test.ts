/**
 * The match list's pages (match-pages.ts) against the full list they replace: a flat page is the
 * list's slice, a grouped page holds the flows in the order of their first match with every plan
 * member and the first alternatives, a match clicked on the map brings its page, the map's lines
 * are the list's first ones, the export's rows carry the same figures as the full records. And the
 * caches keyed by the data generation (pages, the map's sites, the impact's potential) are never
 * stale: a lifecycle step or a flow write is seen by the next request. On the demo portfolio,
 * matched, in a real SQLite file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadDemoPortfolio } from '../interchange/demo.ts';
import { MatchService } from '../matching/service/match-service.ts';
import { impactReport } from '../workflow/service.ts';
import { GROUP_ALTERNATIVES } from './match-pages.ts';
import type { MatchRecord } from './matches.ts';
import { Repository } from './repository.ts';
import { mapSites, toColumns } from './sites-map.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-match-pages-'));
let repo: Repository;
let all: MatchRecord[];

before(async () => {
  repo = await Repository.open(join(folder, 'pages.db'));
  await repo.importDocument(loadDemoPortfolio());
  await new MatchService(repo).runAll({ now: '2026-11-24T00:00:00Z' });
  all = (await repo.matches.list({ order: 'score', limit: 5000 })).items;
});
after(async () => {
  await repo.close();
  rmSync(folder, { recursive: true, force: true });
});

/** The groups of the full list as the UI made them before: flows in the order of their first match. */
function groupsOf(list: readonly MatchRecord[], side: 'supply' | 'demand') {
  const groups = new Map<string, MatchRecord[]>();
  for (const m of list) groups.set(m[side].flow_id, [...(groups.get(m[side].flow_id) ?? []), m]);
  return [...groups.entries()];
}

describe('match list pages', () => {
  test('a flat page is the slice of the list, in its order, with the total', async () => {
    const page = await repo.matches.page({ order: 'score', group: 'none', page: 1, size: 7 });
    assert.deepEqual(page.items.map((m) => m.id), all.slice(7, 14).map((m) => m.id));
    assert.equal(page.total, all.length);
    assert.equal(page.units, all.length);
  });

  for (const side of ['supply', 'demand'] as const) {
    test(`grouped by ${side}: the flows in the order of their first match, each with its members and first alternatives`, async () => {
      const expected = groupsOf(all, side);
      const size = 3;
      const seen: string[] = [];
      for (let p = 0; p * size < expected.length; p++) {
        const page = await repo.matches.page({ order: 'score', group: side, page: p, size });
        assert.equal(page.units, expected.length, 'the groups are counted');
        assert.equal(page.total, all.length);
        const flows = page.groups!.map((g) => g.flow_id);
        seen.push(...flows);
        for (const g of page.groups!) {
          const ms = expected.find(([f]) => f === g.flow_id)![1];
          const members = ms.filter((m) => m.plan !== null);
          const alternatives = ms.filter((m) => m.plan === null);
          assert.equal(g.members, members.length, `${g.flow_id}: members`);
          assert.equal(g.alternatives, alternatives.length, `${g.flow_id}: alternatives`);
          const sent = page.items.filter((m) => m[side].flow_id === g.flow_id).map((m) => m.id);
          assert.deepEqual(sent, ms.filter((m) => m.plan !== null || alternatives.slice(0, GROUP_ALTERNATIVES).includes(m)).map((m) => m.id), `${g.flow_id}: the rows sent`);
        }
      }
      assert.deepEqual(seen, expected.map(([f]) => f), 'every flow once, in the order of its first match');
    });
  }

  test('a match clicked on the map: the page that holds it (flat and grouped)', async () => {
    const target = all[all.length - 1]!;
    const flat = await repo.matches.page({ order: 'score', group: 'none', size: 5, around_id: target.id });
    assert.equal(flat.page, Math.floor((all.length - 1) / 5));
    assert.ok(flat.items.some((m) => m.id === target.id));
    const grouped = await repo.matches.page({ order: 'score', group: 'supply', size: 2, around_id: target.id });
    assert.ok(grouped.groups!.some((g) => g.flow_id === target.supply.flow_id), 'its supply is on the page');
    const unknown = await repo.matches.page({ order: 'score', group: 'supply', size: 2, page: 1, around_id: 'no-such-match' });
    assert.equal(unknown.page, 1, 'a match not in the list leaves the page asked for');
  });

  test('light rows carry the full record\'s figures; the lines are the list\'s first ones', async () => {
    const rows = await repo.matches.exportRows({ order: 'score' }, 0, 5000);
    assert.equal(rows.items.length, all.length);
    all.forEach((m, i) => {
      const r = rows.items[i]!;
      assert.equal(r.id, m.id);
      for (const k of ['npv_eur', 'annual_value_eur', 'irr', 'payback_years', 'capex_eur', 'co2_t_per_year', 'heat']) {
        assert.deepEqual(r.economics[k], m.economics[k], `${m.id}: ${k}`);
      }
      assert.deepEqual([r.plan, r.supply, r.demand, r.status, r.version], [m.plan, m.supply, m.demand, m.status, m.version]);
    });
    const lines = await repo.matches.lines({ order: 'score', min_score: 0.5 }, 10);
    const listed = all.filter((m) => m.score >= 0.5);
    assert.deepEqual(lines.items.map((l) => l.id), listed.slice(0, 10).map((m) => m.id));
    assert.equal(lines.total, listed.length);
    for (const l of lines.items) {
      const m = all.find((x) => x.id === l.id)!;
      assert.deepEqual([l.supply_site_id, l.demand_site_id, l.in_plan], [m.supply.site_id, m.demand.site_id, m.plan !== null]);
    }
  });
});

describe('caches keyed by the data generation', () => {
  test('a lifecycle step is seen by the next page, lines and impact report', async () => {
    const before = await repo.matches.page({ order: 'score', group: 'supply' });
    const lines = await repo.matches.lines({ order: 'score', status: 'suggested' }, 5000);
    const report = await impactReport(repo);
    assert.equal(await repo.matches.lines({ order: 'score', status: 'suggested' }, 5000), lines, 'nothing written: the kept lines');
    assert.equal((await impactReport(repo)).potential, report.potential, 'nothing written: the kept potential');
    const member = all.find((m) => m.plan !== null && m.status === 'suggested')!;
    const moved = await repo.matches.transition(member.id, { to: 'negotiating', version: member.version }, 'test');
    const after = await repo.matches.page({ order: 'score', group: 'supply' });
    assert.equal(after.items.find((m) => m.id === member.id)?.status ?? 'negotiating', 'negotiating');
    assert.equal(before.total, after.total);
    const suggested = await repo.matches.lines({ order: 'score', status: 'suggested' }, 5000);
    assert.equal(suggested.total, lines.total - 1, 'the moved match left the suggested lines');
    const again = await impactReport(repo);
    assert.notEqual(again.potential, report.potential, 'the potential was read again');
    assert.equal(moved.status, 'negotiating');
  });

  test('a flow written (change log) is seen by the next sites.map', async () => {
    const sites = await mapSites(repo);
    assert.equal(await mapSites(repo), sites, 'nothing written: the kept sites');
    assert.deepEqual(sites, toColumns(await repo.mapSites()), 'by column, the rows of the query');
    const at = sites.supply_count.findIndex((n) => n > 0);
    await repo.createFlow({ id: 'test-flow-extra', site_id: sites.id[at]!, direction: 'supply', type: 'heat', name: 'Extra heat', quantity: { amount: 100, unit: 'kW' }, temporal: { profile: 'flat' } });
    const next = await mapSites(repo);
    assert.notEqual(next, sites);
    assert.equal(next.supply_count[at], sites.supply_count[at]! + 1);
  });
});
