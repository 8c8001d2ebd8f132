/**
 * A flow saved through the API answers once it is stored; its re-match follows in the background
 * (the core follows the repository's flowsChanged event: main/matching/service/rematch-queue.ts),
 * and `flows.rematched` answers when it has finished, which is what the UI waits for before it
 * reads the flow's matches again (renderer/src/cache/flows.ts). Real SQLite file, the demo
 * portfolio, the real matching worker; the real re-match is observed, and held where a test needs
 * it to be still running, by wrapping the service's method (the queue looks it up at call time).
 *
 *   node --import tsx --test main/api/flows-rematch.test.ts
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { contextFor, openCore, type Core } from '../core.ts';
import { loadDemoPortfolio } from '../interchange/demo.ts';
import { observeRematches } from '../matching/service/rematch-observer.ts';
import { appRouter } from './router.ts';
import { createCallerFactory } from './trpc.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-flows-rematch-'));
const callerOf = createCallerFactory(appRouter);
after(() => rmSync(folder, { recursive: true, force: true }));

/** A heat supply of the demo that has matches, and its best one. */
async function matchedSupply(core: Core) {
  const best = (await core.repo.matches.list({ order: 'score', type: 'heat', limit: 1 })).items[0]!;
  return { best, supply: await core.repo.getFlow(best.supply.flow_id) };
}

describe('flow saves through the API, re-matched in the background', () => {
  let core: Core;
  let api: ReturnType<typeof callerOf>;
  let seen: ReturnType<typeof observeRematches>;

  before(async () => {
    core = await openCore(join(folder, 'api.db'));
    await core.repo.importDocument(loadDemoPortfolio());
    await core.matching.runAll({ now: '2026-11-24T00:00:00Z' });
    api = callerOf(contextFor(core));
    seen = observeRematches(core);
  });
  after(() => core.close());

  test('a flow saved through the API answers before its re-match; idle() then shows the new matches stored', async () => {
    const { best, supply } = await matchedSupply(core);
    const held = seen.hold();
    // Cut the supply to a thousandth: less is delivered, so the match's value falls (or it goes).
    const saved = await api.flows.update({ id: supply.id, patch: { quantity: { amount: supply.quantity.amount / 1000, unit: supply.quantity.unit } }, version: supply.version });
    assert.equal(saved.version, supply.version + 1, 'the save answered while its re-match is held');
    await held.running;
    let answered = false;
    const rematched = api.flows.rematched({ id: supply.id }).then(() => (answered = true));
    assert.deepEqual((await core.repo.matches.get(best.id)).economics, best.economics, 'the old match is still stored while the re-match runs');
    assert.equal(answered, false, 'flows.rematched waits for the re-match');
    held.release();
    await rematched;
    const after = await core.repo.matches.get(best.id).catch(() => undefined);
    assert.ok(after === undefined || (after.economics.annual_value_eur as number) < (best.economics.annual_value_eur as number), `value ${best.economics.annual_value_eur} -> ${after?.economics.annual_value_eur}`);
    await core.rematches.idle();
    assert.deepEqual(seen.calls.slice(-1), [supply.id]);
    assert.equal(core.rematches.stats.failures, 0);
    // A flow with nothing queued is answered at once.
    await api.flows.rematched({ id: supply.id });
  });

  test('a burst of 50 edits while a re-match runs becomes one more batch, each flow re-matched once', async () => {
    const flows = (await core.repo.listFlows({ limit: 26 })).items;
    const [first, ...rest] = flows;
    const held = seen.hold();
    const batches = core.rematches.stats.batches;
    const from = seen.calls.length;
    await api.flows.update({ id: first!.id, patch: { description: 'edited first' } });
    await held.running;
    // 50 saves of 25 flows (two each) while the first re-match is held.
    for (let round = 0; round < 2; round++) {
      for (const f of rest) await api.flows.update({ id: f.id, patch: { description: `edit ${round}` } });
    }
    held.release();
    await core.rematches.idle();
    const calls = seen.calls.slice(from);
    assert.equal(core.rematches.stats.batches - batches, 2, 'the held batch and one for the whole burst');
    assert.equal(calls[0], first!.id);
    assert.deepEqual([...calls.slice(1)].sort(), rest.map((f) => f.id).sort(), 'each edited flow re-matched once');
    assert.equal(core.rematches.stats.failures, 0);
  });

  test('an import drops the held portfolio instead of re-matching flow by flow', async () => {
    const from = seen.calls.length;
    const batches = core.rematches.stats.batches;
    const demo = loadDemoPortfolio();
    await core.repo.importDocument({ ...demo, flows: demo.flows.map((f) => ({ ...f, description: 'imported again' })) });
    await core.rematches.idle();
    assert.equal(seen.calls.length, from);
    assert.equal(core.rematches.stats.batches, batches);
  });
});

