/**
 * The sync service hears local changes through the repository's `localChange` event (it used to
 * set the repository's one `onLocalChange` callback, which any later caller could overwrite): a
 * real hub on a SQLite file, two laptops signed in through SyncService with live sync. An edit on
 * one reaches the other without "sync now" (the live client pushes only when told of a change),
 * while another listener of the same event keeps hearing it too.
 *
 *   node --import tsx --test main/sync/service-local-change.test.ts
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startHub, type RunningHub } from '../../sync/hub/server.ts';
import { seedMember } from '../../sync/hub/testing/clients.ts';
import { Repository } from '../db/repository.ts';
import { SyncService } from './service.ts';

const PASSWORD = 'correct horse battery';

/** Polls `check` until it gives a value (errors count as "not yet"); fails after 20 s naming `what`. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>): Promise<T> {
  const until = Date.now() + 20_000;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
let folder: string;
let hub: RunningHub;
const services: SyncService[] = [];

before(async () => {
  folder = mkdtempSync(join(tmpdir(), 'turash-sync-local-change-'));
  hub = await startHub({ database: join(folder, 'hub.db') });
  await seedMember(hub.store, 'anna@example.org', 'rhine', 'facilitator', PASSWORD);
});
after(async () => {
  for (const service of services) {
    await service.close();
    await service.replica.repo.close();
  }
  await hub?.close();
  rmSync(folder, { recursive: true, force: true });
});

async function laptop(name: string): Promise<SyncService> {
  const service = new SyncService(await Repository.open(join(folder, `${name}.db`)));
  services.push(service);
  // One workspace: signing in starts live sync (SyncService.signIn).
  await service.signIn({ hub: hub.url, email: 'anna@example.org', password: PASSWORD });
  await service.syncNow();
  return service;
}

test("a local edit is pushed by the live sync, beside the repository's other listeners", async () => {
  const a = await laptop('a');
  const b = await laptop('b');
  const heard: number[] = [];
  const stop = a.replica.repo.events.on('localChange', (e) => void heard.push(e.entries));
  assert.equal(a.replica.repo.events.listenerCount('localChange'), 2, 'the sync service and this test');
  await waitFor('both live', async () => (await a.view()).live && (await b.view()).live);

  await a.replica.repo.createOrganization({ id: 'org-live', name: 'Stadtwerke Live' });
  const seen = await waitFor("the edit on the other laptop", async () => (await b.replica.repo.getOrganization('org-live')).name);
  assert.equal(seen, 'Stadtwerke Live');
  assert.deepEqual(heard, [1]);
  stop();

  // Closed, the service stops listening (it no longer pushes for a repository it let go of).
  await a.close();
  assert.equal(a.replica.repo.events.listenerCount('localChange'), 0);
});
