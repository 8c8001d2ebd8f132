/**
 * Debounced digests after syncs, with real components: two laptops on real SQLite files, the
 * receiving one wired as the core wires it (an applied page -> the repository's flowsChanged event
 * -> RematchQueue -> MatchService.rematchFlow per synced flow -> MatchAlerts.after). A partner's
 * burst of new flows, applied page after page, makes one digest, not one per page or per flow.
 * (Before digests, every re-match announced its own batch.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Repository } from '../db/repository.ts';
import { loadDemoPortfolio } from '../interchange/demo.ts';
import { MatchService } from '../matching/service/match-service.ts';
import { followFlowChanges } from '../matching/service/rematch-queue.ts';
import { SyncService } from '../sync/service.ts';
import { tempReplicas } from '../sync/temp-replicas.ts';
import { MatchAlerts, type AlertBatch } from './alerts.ts';

const replica = tempReplicas('alerts-sync');
const folder = mkdtempSync(join(tmpdir(), 'turash-alerts-sync-'));
after(() => rmSync(folder, { recursive: true, force: true }));

test('a burst of synced pages of new flows makes one digest', async () => {
  const partner = await replica();
  const demo = loadDemoPortfolio();
  await partner.repo.importDocument(demo);

  const repo = await Repository.open(join(folder, 'laptop.db'));
  const matching = new MatchService(repo);
  // A quiet time above the core's 2 s: the pages of one burst come far closer together than that,
  // but CI runs this file beside others on two cores, where one page's apply and re-match may
  // take a second.
  const alerts = new MatchAlerts(repo, { quietMs: 5_000 });
  let flowRematches = 0;
  matching.afterSave.add((run) => {
    if (run.kind === 'flow') flowRematches++;
    alerts.after(run);
  });
  const rematches = followFlowChanges(repo, matching);
  const sync = new SyncService(repo);
  try {
    let cursor = 1;
    const ship = async (pageSize: number) => {
      const messages = await partner.outbox(100_000);
      await partner.acknowledge(messages.map((m) => m.timestamp));
      for (let i = 0; i < messages.length; i += pageSize) await sync.replica.apply(messages.slice(i, i + pageSize), cursor++);
      return Math.ceil(messages.length / pageSize);
    };
    await ship(100_000);
    await rematches.idle(); // before any run: nothing to keep up to date yet
    await matching.runAll({ now: '2026-11-24T00:00:00Z' });
    await alerts.idle();
    await alerts.setThreshold(0); // every new match is news; what is there is the baseline
    assert.equal((await repo.workflow.alerts.list()).length, 0, 'the first run is the silent baseline');

    const heard: AlertBatch[] = [];
    const controller = new AbortController();
    const first = (async () => {
      for await (const batch of alerts.watch(controller.signal)) {
        heard.push(batch);
        return batch;
      }
      return undefined;
    })();

    // The partner adds a second demand beside each of twelve demands (same site, new id).
    const demands = demo.flows.filter((f) => f.direction === 'demand').slice(0, 12);
    for (const [i, f] of demands.entries()) await partner.repo.createFlow({ ...f, id: `burst-${i}`, name: `${f.name} (second line)` });
    const pages = await ship(10);
    assert.ok(pages >= 5, `the burst came in ${pages} pages`);

    const digest = (await first)!.digest;
    controller.abort();
    assert.ok(flowRematches >= 12, `every synced flow was re-matched (${flowRematches} re-matches)`);
    assert.deepEqual((await repo.workflow.alerts.list()).map((d) => d.id), [digest.id], 'one digest for the whole burst');
    const behind = await repo.workflow.alerts.matches(digest.id, { limit: 500 });
    assert.equal(behind.total, digest.matches);
    assert.ok(digest.matches >= 1 && behind.items.every((a) => a.match_id.includes('burst-')), behind.items.map((a) => a.match_id).join(', '));
    assert.equal(alerts.pending, false);
    assert.equal(await alerts.check(), null, 'nothing of the burst was left for a second digest');
    assert.equal(heard.length, 1);
    console.log(`# ${flowRematches} re-matches of synced flows from ${pages} pages: one digest, "${digest.text}"`);
  } finally {
    await sync.close();
    await rematches.close();
    await alerts.idle();
    await repo.close();
  }
});
