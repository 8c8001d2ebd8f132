/**
 * The laptop side of expiring hub sessions: a real hub on a SQLite file, laptops on real SQLite
 * files signed in through SyncService as the sync dialog does. A session that ends on the hub
 * (revoked, expired, signed out everywhere) becomes an `error` status that says to sign in again,
 * and "sign out everywhere" ends the sessions of every laptop of the user.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHub, type RunningHub } from '../../sync/hub/server.ts';
import { seedMember } from '../../sync/hub/testing/clients.ts';
import { Repository } from '../db/repository.ts';
import { SESSION_ENDED, SyncService } from './service.ts';

const PASSWORD = 'correct horse battery';

describe('SyncService with expiring hub sessions', () => {
  let folder: string;
  let hub: RunningHub;
  const services: SyncService[] = [];

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'turash-sync-service-'));
    hub = await startHub({ database: join(folder, 'hub.db') });
    await seedMember(hub.store, 'anna@example.org', 'rhine', 'facilitator', PASSWORD);
  });
  after(async () => {
    for (const service of services) await service.close();
    await hub?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  async function laptop(name: string): Promise<SyncService> {
    const service = new SyncService(await Repository.open(join(folder, `${name}.db`)));
    services.push(service);
    await service.signIn({ hub: hub.url, email: 'anna@example.org', password: PASSWORD });
    await service.syncNow();
    return service;
  }

  it('a session ended on the hub shows as "your session ended: sign in again"', async () => {
    const service = await laptop('revoked');
    await service.replica.repo.createOrganization({ id: 'org-1', name: 'Before' });
    const user = (await hub.store.findUserByEmail('anna@example.org'))!;
    await hub.store.deleteSessionsOf(user.id); // `turash hub revoke anna@example.org`
    await assert.rejects(service.syncNow());
    const view = await service.view();
    assert.equal(view.state, 'error');
    assert.equal(view.lastError, SESSION_ENDED);
    // A later edit does not start another round: the refusal stays on screen until the user signs
    // in again (it used to flicker back to "syncing" when the edit's debounced round started).
    const states: string[] = [];
    const watch = (seen: { state: string }) => states.push(seen.state);
    service.on('view', watch);
    await service.replica.repo.createOrganization({ id: 'org-2', name: 'Meanwhile' });
    // Bounded watch for something that must not happen: 15x the client's 20 ms debounce.
    await new Promise((resolve) => setTimeout(resolve, 300));
    service.off('view', watch);
    assert.ok(!states.includes('syncing'), `states seen after the edit: ${states.join(', ')}`);
    assert.equal((await service.view()).state, 'error');
    // Signing in again carries on, and the change made meanwhile goes out.
    await service.signIn({ hub: hub.url, email: 'anna@example.org', password: PASSWORD });
    const report = await service.syncNow();
    assert.ok(report.pushed > 0);
    assert.equal((await service.view()).lastError, null);
  });

  it('sign out everywhere ends the sessions of every laptop of the user', async () => {
    const first = await laptop('first');
    const second = await laptop('second');
    const view = await first.signOut({ everywhere: true });
    assert.equal(view.signedIn, false);
    await assert.rejects(second.syncNow());
    assert.equal((await second.view()).lastError, SESSION_ENDED);
  });
});
