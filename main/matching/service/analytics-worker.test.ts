/**
 * analytics.suggestions computed in a worker thread (analytics-worker-main.ts) over a real SQLite
 * file after a full matching run on the demo portfolio: the worker answers what the in-thread
 * computation answers, the API answers other requests while a computation is held open in the
 * worker, and a failing or ended worker is a clear error to the caller.
 *
 *   node --import tsx --test main/matching/service/analytics-worker.test.ts
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openCore, type Core } from '../../core.ts';
import { Repository } from '../../db/repository.ts';
import { loadDemoPortfolio } from '../../interchange/demo.ts';
import { computeSuggestions, graphSuggestions, suggestInWorkers } from './analytics.ts';
import { AnalyticsWorkers } from './analytics-worker-client.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-analytics-worker-'));
after(() => rmSync(folder, { recursive: true, force: true }));

/** Atomics.waitAsync (Node 16+, V8), not yet in the project's TypeScript lib. */
const waitAsync = (Atomics as unknown as { waitAsync(array: Int32Array, index: number, value: number): { async: boolean; value: Promise<string> | string } }).waitAsync;

/** A gate for AnalyticsWorkersOptions: [released, reached] (analytics-worker-protocol.ts). */
function newGate() {
  const gate = new Int32Array(new SharedArrayBuffer(8));
  return {
    gate,
    /** Resolves once a worker waits at the gate. */
    async reached(): Promise<void> {
      const waiting = waitAsync(gate, 1, 0);
      if (waiting.async) await waiting.value;
    },
    release(): void {
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
    },
  };
}

/** A promise's state, read without waiting for it. */
function track<T>(promise: Promise<T>) {
  const state = { settled: false, promise };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

describe('suggestions in a worker thread', () => {
  let core: Core;
  let path: string;

  before(async () => {
    path = join(folder, 'w.db');
    core = await openCore(path);
    await core.repo.importDocument(loadDemoPortfolio());
    await core.matching.runAll({ now: '2026-11-24T00:00:00Z' });
  });
  after(() => core.close());

  test('the worker answers what the in-thread computation answers', async () => {
    const workers = new AnalyticsWorkers();
    try {
      const fromWorker = await workers.compute(path, { radiusKm: 15 });
      const inThread = await computeSuggestions(core.repo, { radiusKm: 15 });
      assert.ok(inThread.plan && inThread.network.exchanges > 0 && inThread.clusters.length > 0, 'the demo after a run has a plan, a network and clusters');
      assert.deepEqual(fromWorker, inThread);
      // and as the API asks (analytics.suggestions: the core's workers)
      assert.deepEqual(await graphSuggestions(core.repo, { radiusKm: 15 }), inThread);
    } finally {
      await workers.close();
    }
  });

  test('while a computation is held in the worker, other reads of the API answer; requests of the same generation share it', async () => {
    const { gate, reached, release } = newGate();
    const gated = suggestInWorkers(core.repo, undefined, { gate });
    try {
      const first = track(graphSuggestions(core.repo, { radiusKm: 12 }));
      const second = track(graphSuggestions(core.repo, { radiusKm: 12 }));
      await reached();
      // what meta.info and the match list's counts read
      assert.ok((await core.repo.counts()).flows > 0);
      assert.ok(Object.keys(await core.repo.matches.counts()).length > 0);
      assert.equal(first.settled, false, 'the suggestions are still being computed while the counts answered');
      assert.equal(second.settled, false);
      release();
      const answer = await first.promise;
      assert.equal(await second.promise, answer, 'one computation for both requests');
      assert.deepEqual(answer, await computeSuggestions(core.repo, { radiusKm: 12 }));
    } finally {
      release();
      await gated.close();
    }
  });

  test('a computation still running when the core closes fails with a clear error; the close waits for its worker to end', async () => {
    const { gate, reached, release } = newGate();
    const workers = new AnalyticsWorkers(undefined, { gate });
    const running = track(workers.compute(path, {}));
    await reached();
    const closed = track(workers.close());
    await assert.rejects(running.promise, /the suggestions were not computed: the application closed first/);
    await assert.rejects(workers.compute(path, {}), /not computed: the application is closing/);
    // the worker is asked to stop, not terminated (analytics-worker-main.ts): it ends once released
    assert.equal(closed.settled, false, 'close waits for the worker');
    release();
    await closed.promise;
  });

  test('a database the worker cannot open is a clear error naming it', async () => {
    const workers = new AnalyticsWorkers();
    try {
      const missing = join(folder, 'missing', 'none.db');
      await assert.rejects(workers.compute(missing, {}), (error: Error) => error.message.startsWith(`the suggestions (graph analytics) over ${missing} failed: `));
    } finally {
      await workers.close();
    }
  });
});

test('an in-memory database keeps computing in this thread', async () => {
  const repo = await Repository.open(':memory:');
  const workers = suggestInWorkers(repo, new URL('file:///nonexistent-worker.mjs'));
  try {
    await repo.importDocument(loadDemoPortfolio());
    const { plan, network } = await graphSuggestions(repo);
    assert.equal(plan, null);
    assert.equal(network.exchanges, 0);
  } finally {
    await workers.close();
    await repo.close();
  }
});
