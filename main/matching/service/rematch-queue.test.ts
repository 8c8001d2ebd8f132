/**
 * Background re-matching of changed flows, wired as the core wires it (openCore: the repository's
 * flowsChanged event -> RematchQueue -> MatchService.rematchFlow), on real SQLite files with the
 * demo portfolio and the real matching worker. The real re-match is observed, and held where a
 * test needs it to be still running, by wrapping the service's method (the queue looks it up at
 * call time).
 *
 *   node --import tsx --test main/matching/service/rematch-queue.test.ts
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { openCore, type Core } from '../../core.ts';
import { Repository } from '../../db/repository.ts';
import { loadDemoPortfolio } from '../../interchange/demo.ts';
import { tempReplicas } from '../../sync/temp-replicas.ts';
import { observeRematches } from './rematch-observer.ts';
import { RematchQueue, type Rematcher } from './rematch-queue.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-rematch-queue-'));
const replica = tempReplicas('rematch-queue');
const NOW = '2026-11-24T00:00:00Z';
let n = 0;

after(() => rmSync(folder, { recursive: true, force: true }));

async function coreWithDemo(): Promise<Core> {
  const core = await openCore(join(folder, `core${n++}.db`));
  await core.repo.importDocument(loadDemoPortfolio());
  await core.matching.runAll({ now: NOW });
  return core;
}

/** A heat supply of the demo that has matches, and its best one. */
async function matchedSupply(core: Core) {
  const best = (await core.repo.matches.list({ order: 'score', type: 'heat', limit: 1 })).items[0]!;
  return { best, supply: await core.repo.getFlow(best.supply.flow_id) };
}

test('flows changed by a hub page are re-matched in the background, as one batch', async () => {
  const partner = await replica();
  const demo = loadDemoPortfolio();
  await partner.repo.importDocument(demo);
  const core = await openCore(join(folder, `core${n++}.db`));
  try {
    let cursor = 1;
    const ship = async () => {
      const messages = await partner.outbox(100_000);
      await partner.acknowledge(messages.map((m) => m.timestamp));
      await core.sync.replica.apply(messages, cursor++);
    };
    await ship();
    await core.rematches.idle(); // nothing to keep up to date before the first run
    await core.matching.runAll({ now: NOW });
    const seen = observeRematches(core);
    const { supply } = await matchedSupply(core);
    const demand = (await core.repo.matches.list({ flow_id: supply.id, limit: 1 })).items[0]!.demand.flow_id;
    const original = await partner.repo.getFlow(demand);
    // The partner adds a second line beside a matched demand and edits the supply.
    await partner.repo.createFlow({ ...demo.flows.find((f) => f.id === demand)!, id: 'synced-demand', name: `${original.name} (second line)` });
    await partner.repo.updateFlow(supply.id, { description: 'metered again' });
    const batches = core.rematches.stats.batches;
    await ship();
    await core.rematches.idle();
    assert.deepEqual([...seen.calls].sort(), ['synced-demand', supply.id].sort());
    assert.equal(core.rematches.stats.batches - batches, 1);
    assert.ok((await core.repo.matches.list({ flow_id: 'synced-demand' })).total >= 1, 'the synced flow has its matches without a new run');
  } finally {
    await core.close();
  }
});

test('closing the core re-matches what was just changed before the database closes', async () => {
  const core = await coreWithDemo();
  const path = core.repo.path;
  const { best, supply } = await matchedSupply(core);
  await core.repo.updateFlow(supply.id, { quantity: { amount: supply.quantity.amount / 1000, unit: supply.quantity.unit } });
  assert.equal(core.rematches.isIdle, false);
  await core.close();
  const repo = await Repository.open(path);
  try {
    const after = await repo.matches.get(best.id).catch(() => undefined);
    assert.ok(after === undefined || (after.economics.annual_value_eur as number) < (best.economics.annual_value_eur as number));
  } finally {
    await repo.close();
  }
});

describe('RematchQueue on its own', () => {
  test('a failed re-match is logged and the batch goes on; nothing runs before matching has run; closed, it takes no more', async () => {
    let run = false;
    const done: string[] = [];
    const logged: string[] = [];
    const matching: Rematcher = {
      hasRun: () => Promise.resolve(run),
      rematchFlow: (id) => {
        if (id === 'broken') return Promise.reject(new Error('the worker stopped'));
        done.push(id);
        return Promise.resolve();
      },
    };
    const queue = new RematchQueue(matching, { gatherMs: 0, log: (message) => void logged.push(message) });
    queue.add(['a']);
    await queue.idle();
    assert.deepEqual(done, [], 'no run yet: nothing to keep up to date');
    run = true;
    queue.add(['b', 'broken', 'c', 'b']);
    await queue.settled(['c']);
    assert.deepEqual(done, ['b', 'c']);
    assert.equal(queue.stats.failures, 1);
    assert.match(logged[0]!, /re-matching flow "broken" after its change failed/);
    queue.add(['d']);
    await queue.close();
    assert.deepEqual(done, ['b', 'c', 'd'], 'what was queued is re-matched on close');
    queue.add(['e']);
    await queue.idle();
    assert.deepEqual(done, ['b', 'c', 'd']);
  });
});
