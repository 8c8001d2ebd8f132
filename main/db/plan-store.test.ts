/**
 * Storing a regional plan over stored matches (a real SQLite file, the demo's matches): members
 * get their share and allocation, matches that left the plan lose theirs, the summary replaces the
 * last one, and a failed transaction leaves the previous plan as it was.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { loadDemoPortfolio } from '../interchange/demo.ts';
import { MatchService } from '../matching/service/match-service.ts';
import { openDatabase } from './database.ts';
import type { PlanSummary } from './plan-store.ts';
import { Repository } from './repository.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-plan-store-'));
const file = join(folder, 'plan.db');
let repo: Repository;
let ids: string[];
let summary: PlanSummary;

before(async () => {
  repo = await Repository.open(file);
  await repo.importDocument(loadDemoPortfolio());
  const service = new MatchService(repo);
  try {
    await service.runAll({ now: '2026-11-24T00:00:00Z' });
  } finally {
    await service.close();
  }
  ids = [...(await storedPlan()).keys()].sort();
  summary = (await repo.plan.summary())!;
});
after(async () => {
  await repo.close();
  rmSync(folder, { recursive: true, force: true });
});

/** Every match's stored plan share and allocation, by id (read from another connection). */
async function storedPlan(): Promise<Map<string, { share: number | null; allocation: unknown }>> {
  const db = await openDatabase(file);
  try {
    const { rows } = await sql<{ id: string; plan_share: number | null; plan_allocation: string | null }>`SELECT id, plan_share, plan_allocation FROM matches`.execute(db);
    return new Map(rows.map((r) => [r.id, { share: r.plan_share, allocation: r.plan_allocation === null ? null : JSON.parse(r.plan_allocation) }]));
  } finally {
    await db.destroy();
  }
}

test('a new plan sets every member, clears the matches that left it and keeps the rest untouched', async () => {
  assert.ok(ids.length >= 20, `the demo has matches to plan (${ids.length})`);
  const members = ids.slice(0, 15).map((id, i) => ({ match_id: id, share: (i + 1) / 16, allocation: { delivered: i, note: `member ${i} "quoted"` } }));
  await repo.plan.save({ ...summary, created_at: '2026-12-08T01:00:00.000Z' }, members);
  let plan = await storedPlan();
  for (const m of members) assert.deepEqual(plan.get(m.match_id), { share: m.share, allocation: m.allocation });
  for (const id of ids.slice(15)) assert.deepEqual(plan.get(id), { share: null, allocation: null }, id);
  assert.equal((await repo.plan.summary())!.created_at, '2026-12-08T01:00:00.000Z');

  // the next plan: five stay as they were, five change share, five leave, five join
  const next = [
    ...members.slice(0, 5),
    ...members.slice(5, 10).map((m) => ({ ...m, share: m.share / 2, allocation: { delivered: 99 } })),
    ...ids.slice(15, 20).map((id) => ({ match_id: id, share: 1, allocation: { joined: true } })),
  ];
  await repo.plan.save({ ...summary, created_at: '2026-12-08T02:00:00.000Z' }, next);
  plan = await storedPlan();
  for (const m of next) assert.deepEqual(plan.get(m.match_id), { share: m.share, allocation: m.allocation });
  for (const m of members.slice(10)) assert.deepEqual(plan.get(m.match_id), { share: null, allocation: null });
});

test('a plan saved inside a transaction that fails leaves the previous plan', async () => {
  const before = await storedPlan();
  await assert.rejects(
    repo.write(async (w) => {
      await repo.plan.save({ ...summary, created_at: '2026-12-08T03:00:00.000Z' }, ids.slice(0, 3).map((id) => ({ match_id: id, share: 0.25, allocation: {} })), w.tx);
      throw new Error('the run was cancelled');
    }),
    /cancelled/,
  );
  assert.deepEqual(await storedPlan(), before);
  assert.equal((await repo.plan.summary())!.created_at, '2026-12-08T02:00:00.000Z');
});
