/**
 * Reads do not queue behind writes (issue 13, item 5): on a real SQLite file in WAL mode the
 * repository reads through read-only connections beside its writer, so the match list, a match,
 * the impact report, the alert digests, the map and a flow answer while a write transaction is
 * open on the writer (a full re-match holds it for tens of seconds on 50,000 flows). They see
 * what was committed before, not the open transaction's rows, and once it commits they see it.
 *
 * With one connection for everything (before), every read here waited for the open transaction:
 * the test would not get past its first read until the write ended, which it only does after them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadDemoPortfolio } from '../interchange/demo.ts';
import { MatchService } from '../matching/service/match-service.ts';
import { impactReport } from '../workflow/service.ts';
import { Repository } from './repository.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-read-connection-'));
let repo: Repository;

before(async () => {
  repo = await Repository.open(join(folder, 'reads.db'));
  await repo.importDocument(loadDemoPortfolio());
  await new MatchService(repo).runAll({ now: '2026-11-24T00:00:00Z' });
});
after(async () => {
  await repo.close();
  rmSync(folder, { recursive: true, force: true });
});

/** A promise and the function that settles it: the test's conditions, awaited, never slept on. */
function signal(): { promise: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => (fire = resolve));
  return { promise, fire };
}

test('lists, a match, the impact report, digests, the map and a flow answer while a write transaction is open; they see it once it commits', { timeout: 120_000 }, async () => {
  const before = await repo.matches.list({ limit: 5 });
  assert.ok(before.items.length > 0, 'the demo portfolio has matches');
  const target = before.items[0]!;
  const flowId = target.supply.flow_id;
  const flowBefore = await repo.getFlow(flowId);

  const opened = signal();
  const release = signal();
  // The writer's transaction changes a match and a flow, then stays open until the reads are done.
  const write = repo.write(async (w) => {
    await w.tx.updateTable('matches').set({ status_reason: 'written in the open transaction' }).where('id', '=', target.id).execute();
    await w.tx.updateTable('flows').set({ description: 'edited in the open transaction' }).where('id', '=', flowId).execute();
    opened.fire();
    await release.promise;
  });
  await opened.promise;

  // Every read below would wait for the writer's connection if it shared it.
  const [page, match, report, digests, map, flow, summary, plan] = await Promise.all([
    repo.matches.list({ limit: 5 }),
    repo.matches.get(target.id),
    impactReport(repo),
    repo.workflow.alerts.list(),
    repo.mapSites(),
    repo.getFlow(flowId),
    repo.matches.counts(),
    repo.matches.list({ flow_id: flowId, in_plan: true, limit: 50 }),
  ]);
  assert.deepEqual(
    page.items.map((m) => m.id),
    before.items.map((m) => m.id),
    'the list answers with the committed matches',
  );
  assert.equal(page.total, before.total);
  assert.equal(match.status_reason, target.status_reason, 'the open transaction is not seen');
  assert.equal(flow.description, flowBefore.description, 'the open transaction is not seen');
  assert.ok(report.potential !== null, 'the impact report has the plan');
  assert.ok(Array.isArray(digests));
  assert.ok(map.length > 0);
  assert.equal(summary.total, before.total);
  assert.ok(plan.items.every((m) => m.plan !== null));

  release.fire();
  await write;
  // Committed: the caller's own write is seen by the next read.
  assert.equal((await repo.matches.get(target.id)).status_reason, 'written in the open transaction');
  assert.equal((await repo.getFlow(flowId)).description, 'edited in the open transaction');
});

test('a transition returns the match as it committed it (read back on the read connection)', async () => {
  const [m] = (await repo.matches.list({ status: 'suggested', limit: 1 })).items;
  assert.ok(m);
  const moved = await repo.matches.transition(m.id, { to: 'negotiating', version: m.version }, 'tester');
  assert.equal(moved.status, 'negotiating');
  assert.equal(moved.version, m.version + 1);
  assert.equal(moved.events.at(-1)?.to_status, 'negotiating');
  assert.equal((await repo.matches.list({ status: 'negotiating' })).items.some((x) => x.id === m.id), true);
});
