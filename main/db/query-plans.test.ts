/**
 * The hot list queries use indexes (issue 13, item 5): every statement the match list, the alert
 * digests and the reminders run is captured as it is sent to SQLite (a logging read connection
 * handed to the stores) and explained with EXPLAIN QUERY PLAN on the real file. A page in score
 * order reads the list index in order (no sort of every match, no scan of the table); a flow's or
 * a site's matches and a digest's matches are searched by index, never by a scan of `matches`.
 *
 * SQLite plans without statistics here (no ANALYZE is ever run on the laptop's file), as on a
 * user's database, so the plans do not depend on how many rows the test stored.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CompiledQuery, Kysely } from 'kysely';
import { loadDemoPortfolio } from '../interchange/demo.ts';
import { MatchService } from '../matching/service/match-service.ts';
import { configureReader } from '../../sync/storage/sqlite-pragmas.ts';
import { Sqlite3Dialect } from '../../sync/storage/sqlite3-dialect.ts';
import { AlertDigestStore } from './alert-digests.ts';
import { openDatabase, type Db } from './database.ts';
import { MatchStore, type MatchFilter } from './matches.ts';
import { groupCount, type MatchPageRequest } from './match-pages.ts';
import { Repository } from './repository.ts';
import type { Database } from './schema.ts';
import { WorkflowStore } from './workflow.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-query-plans-'));
const file = join(folder, 'plans.db');
let writer: Db;
let reader: Db;
const sent: CompiledQuery[] = [];
let sample: { flowId: string; siteId: string; digestId: number; matchId: string };

before(async () => {
  const repo = await Repository.open(file);
  await repo.importDocument(loadDemoPortfolio());
  await new MatchService(repo).runAll({ now: '2026-11-24T00:00:00Z' });
  const [best] = (await repo.matches.list({ limit: 1 })).items;
  await repo.close();
  writer = await openDatabase(file);
  // A digest with matches behind it (what a re-match after the baseline makes).
  const { id } = await writer.insertInto('match_digests').values({ at: '2026-11-24T00:00:00Z', threshold: 0.5, matches: 3, in_region: null, region: null, best_score: 0.9 }).returning('id').executeTakeFirstOrThrow();
  await writer.updateTable('matches').set({ alert_digest: id }).where('score', '>=', 0.5).execute();
  const [last] = (await new MatchStore(writer).list({ order: 'score', offset: 40, limit: 1 })).items;
  sample = { flowId: best!.supply.flow_id, siteId: best!.supply.site_id, digestId: id, matchId: (last ?? best)!.id };
  reader = new Kysely<Database>({
    dialect: new Sqlite3Dialect({ filename: file, readOnly: true, onOpen: configureReader }),
    log: (event) => {
      if (event.level === 'query') sent.push(event.query);
    },
  });
});
after(async () => {
  await reader?.destroy();
  await writer?.destroy();
  rmSync(folder, { recursive: true, force: true });
});

/** The plan of every statement `run` sends to the read connection (transaction statements left out). */
async function plansOf(run: () => Promise<unknown>): Promise<{ sql: string; plan: string[] }[]> {
  sent.length = 0;
  await run();
  const statements = sent.filter((q) => /^\s*(select|with)\b/i.test(q.sql));
  const out = [];
  for (const q of statements) {
    const { rows } = await writer.executeQuery<{ detail: string }>(CompiledQuery.raw(`EXPLAIN QUERY PLAN ${q.sql}`, [...q.parameters]));
    out.push({ sql: q.sql, plan: rows.map((r) => r.detail) });
  }
  return out;
}

const show = (p: { sql: string; plan: string[] }) => `${p.sql}\n  ${p.plan.join('\n  ')}`;
/** A full scan of the matches table (a covering index scan reads the index alone, ~100 bytes an entry). */
const scansMatches = (plan: string[]) => plan.some((d) => /^SCAN (m|matches)\b/.test(d) && !/USING (COVERING )?INDEX/.test(d));
const sortsAll = (plan: string[]) => plan.some((d) => d === 'USE TEMP B-TREE FOR ORDER BY');

/** The statements of one `list` call: the count, the page's ids, the page's joined rows. */
async function listPlans(filter: MatchFilter) {
  const plans = await plansOf(() => new MatchStore(writer, reader).list(filter));
  const page = plans.find((p) => /^select "m"\."id" from "matches" as "m"/i.test(p.sql));
  const rows = plans.find((p) => /json_each/.test(p.sql));
  assert.ok(page, `the page query was sent:\n${plans.map(show).join('\n')}`);
  assert.ok(rows, `the rows query was sent:\n${plans.map(show).join('\n')}`);
  return { plans, page, rows };
}

describe('query plans of the hot list queries', () => {
  for (const [what, filter] of [
    ['the default first page (score order)', { order: 'score', limit: 5000 }],
    ['filtered by type', { type: 'heat', limit: 100 }],
    ['filtered by status', { status: 'suggested', limit: 100 }],
    ['filtered by status and type, plan members', { status: 'suggested', type: 'heat', in_plan: true, limit: 100 }],
    ['plan members', { in_plan: true, limit: 100 }],
    ['alternatives with route and distance', { in_plan: false, route: 'automated', max_km: 20, min_score: 0.2, limit: 100 }],
  ] as [string, MatchFilter][]) {
    test(`matches.list, ${what}: the page reads the list index in order, no scan of matches, no sort`, async () => {
      const { plans, page, rows } = await listPlans(filter);
      for (const p of plans) assert.ok(!scansMatches(p.plan), `no full scan of matches:\n${show(p)}`);
      for (const p of plans.filter((x) => /^select count\(\*\)/i.test(x.sql))) {
        assert.ok(p.plan.some((d) => /USING COVERING INDEX/.test(d)), `the count reads an index alone:\n${show(p)}`);
      }
      assert.ok(page.plan.some((d) => /USING COVERING INDEX matches_list\b/.test(d)), `the page reads matches_list:\n${show(page)}`);
      assert.ok(!page.plan.some((d) => /TEMP B-TREE/.test(d)), `the page is read in index order, no sort:\n${show(page)}`);
      assert.ok(rows.plan.some((d) => /^SEARCH m USING INDEX sqlite_autoindex_matches_1 \(id=\?\)/.test(d)), `the page's rows are read by id:\n${show(rows)}`);
    });
  }

  for (const [what, filter] of [
    ["a flow's matches", () => ({ flow_id: sample.flowId, limit: 100 })],
    ["a flow's plan members (the match panel)", () => ({ flow_id: sample.flowId, in_plan: true, limit: 50 })],
    ["a site's matches", () => ({ site_id: sample.siteId, limit: 100 })],
    ["a site's suggestions of one type by distance", () => ({ site_id: sample.siteId, type: 'heat', status: 'suggested', order: 'distance', limit: 100 })],
  ] as [string, () => MatchFilter][]) {
    test(`matches.list, ${what}: the count and the page search the flow indexes, no scan of matches`, async () => {
      const { plans, page } = await listPlans(filter());
      const count = plans.find((p) => /^select count\(\*\)/i.test(p.sql));
      assert.ok(count, `the count was sent:\n${plans.map(show).join('\n')}`);
      for (const p of plans) assert.ok(!scansMatches(p.plan), `no full scan of matches:\n${show(p)}`);
      for (const p of [count, page]) {
        assert.ok(p.plan.some((d) => /MULTI-INDEX OR/.test(d)), `searches the supply and demand indexes (not matches_status):\n${show(p)}`);
        assert.ok(p.plan.some((d) => /sqlite_autoindex_matches_2|matches_demand/.test(d)), `by flow:\n${show(p)}`);
      }
    });
  }

  test('matches.list in NPV or distance order: the index alone is read (a bounded sort of ids, never of the joined rows)', async () => {
    for (const order of ['npv', 'distance'] as const) {
      const { plans, page, rows } = await listPlans({ order, limit: 100 });
      for (const p of plans) assert.ok(!scansMatches(p.plan), `no full scan of matches:\n${show(p)}`);
      assert.ok(page.plan.some((d) => /USING COVERING INDEX matches_list\b/.test(d)), `${order}: the page reads matches_list alone:\n${show(page)}`);
      assert.ok(!sortsAll(rows.plan), `${order}: the joined rows are not sorted:\n${show(rows)}`);
    }
  });

  for (const [what, request] of [
    ['the default first page, grouped by supply', () => ({ order: 'score', group: 'supply' })],
    ['grouped by demand, plan members of one type', () => ({ order: 'score', group: 'demand', type: 'heat', in_plan: true })],
    ['grouped by supply in NPV order, a page further on', () => ({ order: 'npv', group: 'supply', page: 1, size: 5 })],
    ['flat, a page further on', () => ({ order: 'score', group: 'none', page: 1, size: 10 })],
    ['grouped, around a match (a line clicked on the map)', () => ({ order: 'score', group: 'supply', around_id: sample.matchId })],
  ] as [string, () => MatchPageRequest][]) {
    test(`matches.page, ${what}: ids from the list index, flows and rows by key, no scan of matches`, async () => {
      const plans = await plansOf(() => new MatchStore(writer, reader).page(request()));
      for (const p of plans) assert.ok(!scansMatches(p.plan), `no full scan of matches:\n${show(p)}`);
      const ids = plans.filter((p) => /^select "m"\."id" from "matches" as "m"/i.test(p.sql) && !/ in \(/i.test(p.sql));
      assert.ok(ids.length > 0, `the list's ids were read:\n${plans.map(show).join('\n')}`);
      for (const p of ids) assert.ok(p.plan.some((d) => /USING COVERING INDEX matches_list\b/.test(d)), `the ids come from matches_list alone:\n${show(p)}`);
      for (const p of plans.filter((x) => /json_each/.test(x.sql))) {
        assert.ok(p.plan.some((d) => /^SEARCH m USING (INDEX|PRIMARY KEY|COVERING INDEX) sqlite_autoindex_matches_1 \(id=\?\)/.test(d)), `rows by id:\n${show(p)}`);
      }
      const groups = plans.filter((x) => /"m"\."(supply|demand)_flow_id" in \(/i.test(x.sql));
      if (request().group !== 'none') assert.ok(groups.length > 0, `the page's groups were read:\n${plans.map(show).join('\n')}`);
      for (const p of groups) {
        assert.ok(p.plan.some((d) => /sqlite_autoindex_matches_2|matches_demand/.test(d)), `a page's groups by the flow indexes:\n${show(p)}`);
      }
    });
  }

  test('the groups of a long filtered list are counted from the list index alone (no row read for its flow)', async () => {
    for (const [side, filter] of [
      ['supply', { type: 'heat', in_plan: true, order: 'npv' }],
      ['demand', { status: 'suggested', route: 'automated', max_km: 20 }],
      ['supply', {}],
    ] as ['supply' | 'demand', MatchFilter][]) {
      const count = groupCount(reader, filter, side).compile();
      const { rows } = await writer.executeQuery<{ detail: string }>(CompiledQuery.raw(`EXPLAIN QUERY PLAN ${count.sql}`, [...count.parameters]));
      const plan = { sql: count.sql, plan: rows.map((r) => r.detail) };
      assert.ok(!scansMatches(plan.plan), `no full scan of matches:\n${show(plan)}`);
      // the list index (filters and flow in one entry), or with no filter the flows' own unique index: an index alone either way
      assert.ok(plan.plan.some((d) => /^SCAN m USING COVERING INDEX (matches_list|sqlite_autoindex_matches_2)\b/.test(d)), `${side}, ${JSON.stringify(filter)}: the count reads an index alone:\n${show(plan)}`);
    }
  });

  test('matches.lines and the CSV export: the list index in order, rows by id, no scan or sort of matches', async () => {
    for (const run of [() => new MatchStore(writer, reader).lines({ order: 'score' }, 5000), () => new MatchStore(writer, reader).exportRows({ in_plan: false, order: 'distance' }, 0, 5000)]) {
      const plans = await plansOf(run);
      for (const p of plans) assert.ok(!scansMatches(p.plan), `no full scan of matches:\n${show(p)}`);
      const rows = plans.find((p) => /json_each/.test(p.sql));
      assert.ok(rows, `the rows query was sent:\n${plans.map(show).join('\n')}`);
      assert.ok(!sortsAll(rows.plan), `the rows are not sorted:\n${show(rows)}`);
      assert.ok(rows.plan.some((d) => /^SEARCH m USING (INDEX|PRIMARY KEY|COVERING INDEX) sqlite_autoindex_matches_1 \(id=\?\)/.test(d)), `rows by id:\n${show(rows)}`);
    }
  });

  test("matches.summary: the counts read indexes alone, no sort", async () => {
    // besides the data generation's two index reads (change_log, plan_runs: it keeps the counts until a write)
    const plans = (await plansOf(() => new MatchStore(writer, reader).counts())).filter((p) => /from "matches"/i.test(p.sql));
    assert.equal(plans.length, 2);
    for (const p of plans) {
      assert.ok(!scansMatches(p.plan), `no full scan of matches:\n${show(p)}`);
      assert.ok(!p.plan.some((d) => /TEMP B-TREE/.test(d)), `no sort:\n${show(p)}`);
    }
  });

  test("an alert digest's matches: the partial index matches_alert_digest, no scan of matches", async () => {
    const plans = await plansOf(() => new AlertDigestStore(writer, reader).matches(sample.digestId, { limit: 50 }));
    const onMatches = plans.filter((p) => /from "matches" as "m"/i.test(p.sql));
    assert.equal(onMatches.length, 2, 'the count and the page');
    for (const p of onMatches) {
      assert.ok(!scansMatches(p.plan), `no full scan of matches:\n${show(p)}`);
      assert.ok(p.plan.some((d) => /matches_alert_digest/.test(d)), `the digest's matches by index:\n${show(p)}`);
      assert.ok(!sortsAll(p.plan), `no sort of every match of the digest:\n${show(p)}`);
    }
  });

  test('the alert digests list and the reservation reminders: by index, no sort', async () => {
    const digests = await plansOf(() => new AlertDigestStore(writer, reader).list({ limit: 50 }));
    const reminders = await plansOf(() => new WorkflowStore(writer, reader).reservationReminders(7));
    for (const p of [...digests, ...reminders]) {
      assert.ok(!scansMatches(p.plan), `no full scan of matches:\n${show(p)}`);
    }
    assert.ok(!sortsAll(digests[0]!.plan), `the digests come newest first in rowid order:\n${show(digests[0]!)}`);
    assert.ok(reminders[0]!.plan.some((d) => /matches_status/.test(d)), `reserved matches by matches_status:\n${show(reminders[0]!)}`);
  });
});
