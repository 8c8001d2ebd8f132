import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Repository } from '../../db/repository.ts';
import { loadDemoPortfolio } from '../../interchange/demo.ts';
import { CancelledError } from './match-worker-client.ts';
import { MatchService } from './match-service.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-worker-'));
const NOW = { now: '2026-11-24T00:00:00Z' };
let repo: Repository;

before(async () => {
  repo = await Repository.open(join(folder, 'worker.db'));
  await repo.importDocument(loadDemoPortfolio());
});
after(async () => {
  await repo.close();
  rmSync(folder, { recursive: true, force: true });
});

/** What a user sees of the stored result: every match's id, score, NPV and plan share. */
async function stored(): Promise<string[]> {
  const page = await repo.matches.list({ limit: 5000 });
  return page.items.map((m) => `${m.id} ${m.score} ${String(m.economics.npv_eur)} ${m.plan?.share ?? '-'}`).sort();
}

/** A fresh (cold) worker's run with `query` finds nothing to change in what the warm one stored. */
async function assertColdWorkerAgrees(query: typeof NOW): Promise<void> {
  const fromWarm = await stored();
  const cold = new MatchService(repo);
  try {
    const again = await cold.runAll(query);
    assert.equal(again.created + again.updated + again.removed, 0, 'a cold worker finds nothing to change');
    assert.deepEqual(await stored(), fromWarm);
  } finally {
    await cold.close();
  }
}

describe('the long-lived matching worker', () => {
  test('a second run on the warm worker, after a flow changed, stores what a cold worker stores', async () => {
    const warm = new MatchService(repo);
    try {
      await warm.runAll(NOW);
      const heat = (await repo.listFlows({ type: 'heat', direction: 'supply', limit: 100 })).items[0]!;
      await repo.updateFlow(heat.id, { quantity: { amount: heat.quantity.amount * 2, unit: heat.quantity.unit } });
      // the warm worker patches its held index (one flow changed) instead of building it again
      const second = await warm.runAll(NOW);
      assert.ok(second.updated > 0 || second.created > 0 || second.removed > 0, 'the changed flow changed some matches');
      await assertColdWorkerAgrees(NOW);
    } finally {
      await warm.close();
    }
  });

  test('a re-run with nothing changed reuses the held portfolio (not read again) and stores the same', async () => {
    const warm = new MatchService(repo);
    try {
      const first = await warm.runAll(NOW);
      assert.equal(first.portfolioReused, false, 'a cold worker reads the portfolio');
      const before = await stored();
      const second = await warm.runAll(NOW);
      assert.equal(second.portfolioReused, true);
      assert.equal(second.created + second.updated + second.removed, 0);
      assert.deepEqual(await stored(), before);
      // other weights on the same held portfolio: still not read again, and what a cold worker finds
      const weighted = { ...NOW, weights: { temporal: 0.5 } };
      const third = await warm.runAll(weighted);
      assert.equal(third.portfolioReused, true);
      await assertColdWorkerAgrees(weighted);
    } finally {
      await warm.close();
    }
  });

  test('a change written by another connection (the command line beside the app) is read by the next run', async () => {
    const warm = new MatchService(repo);
    const other = await Repository.open(join(folder, 'worker.db'));
    try {
      await warm.runAll(NOW);
      const heat = (await other.listFlows({ type: 'heat', direction: 'supply', limit: 100 })).items[1]!;
      await other.updateFlow(heat.id, { quantity: { amount: heat.quantity.amount * 3, unit: heat.quantity.unit } });
      const next = await warm.runAll(NOW);
      assert.equal(next.portfolioReused, false, 'the change is seen');
      assert.ok(next.created + next.updated + next.removed > 0, 'and changes matches');
      await assertColdWorkerAgrees(NOW);
    } finally {
      await other.close();
      await warm.close();
    }
  });

  test('a run cancelled before it commits stores nothing, and the next run works', async () => {
    const service = new MatchService(repo);
    try {
      await service.runAll(NOW);
      const before = await stored();
      const flow = (await repo.listFlows({ type: 'heat', direction: 'supply', limit: 100 })).items[0]!;
      await repo.updateFlow(flow.id, { quantity: { amount: flow.quantity.amount / 4, unit: flow.quantity.unit } });
      const abort = new AbortController();
      const run = service.runAll(NOW, (p) => {
        if (p.phase === 'matching') abort.abort();
      }, 'npv', { signal: abort.signal });
      await assert.rejects(run, CancelledError);
      assert.deepEqual(await stored(), before, 'nothing of the cancelled run was stored');
      const next = await service.runAll(NOW);
      assert.ok(next.updated + next.created + next.removed > 0, 'the next run stores the change');
    } finally {
      await service.close();
    }
  });

  test('a job cancelled through the service ends "cancelled" for its watchers', async () => {
    const service = new MatchService(repo);
    try {
      const id = service.start(NOW);
      const kinds: string[] = [];
      for await (const event of service.jobs.watch(id)) {
        kinds.push(event.kind);
        if (event.kind === 'progress' && event.phase === 'matching') assert.equal(service.cancel(id), true);
      }
      assert.equal(kinds.at(-1), 'cancelled');
      assert.equal(service.cancel(id), false, 'an ended job cannot be cancelled again');
    } finally {
      await service.close();
    }
  });

  test('a worker warmed up at start runs like a cold one, and closing during the warm-up is quiet', async () => {
    const before = await stored();
    const warm = new MatchService(repo);
    try {
      await warm.warmUp();
      const run = await warm.runAll(NOW);
      assert.equal(run.created + run.updated + run.removed, 0, 'the warmed worker finds what is stored');
      assert.equal(run.portfolioReused, true, 'and uses the portfolio it was given at the warm-up');
      assert.deepEqual(await stored(), before);
    } finally {
      await warm.close();
    }
    // a click during the warm-up waits for it rather than reading the portfolio a second time
    const early = new MatchService(repo);
    try {
      void early.warmUp();
      const run = await early.runAll(NOW);
      assert.equal(run.portfolioReused, true);
      assert.deepEqual(await stored(), before);
    } finally {
      await early.close();
    }
    const closing = new MatchService(repo);
    const warming = closing.warmUp();
    await closing.close();
    await warming; // resolves (a cancelled warm-up is not an error)
  });

  test('the hour-by-hour view and an incremental re-match work on the held index', async () => {
    const service = new MatchService(repo);
    try {
      // no full run on this service: the worker is sent the portfolio on first use
      const heat = (await repo.matches.list({ type: 'heat', limit: 1 })).items[0]!;
      const series = await service.hourly(heat.id);
      assert.ok(series && series.delivered.length === 8760 && series.delivered_mwh_per_year > 0);
      const result = await service.rematchFlow(heat.supply.flow_id);
      assert.ok(result.matches.some((m) => m.id === heat.id), 'the flow keeps its match');
    } finally {
      await service.close();
    }
  });
});
