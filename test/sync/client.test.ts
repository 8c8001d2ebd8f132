/**
 * The sync client against a real hub (E1's startHub on a SQLite file, in-process) and real SQLite
 * replicas: a round pushes and pulls, a live edit arrives without asking, an offline hub shows in
 * the status and the client catches up when it is back, a divergence found by the merkle trie is
 * repaired.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TRPCClientError } from '@trpc/client';
import { sql } from 'kysely';
import { SyncClient } from '../../sync/client/client.ts';
import { hubHttp } from '../../sync/client/hub-link.ts';
import { hashTimestamp } from '../../sync/protocol/hlc.ts';
import { keyOfMillis } from '../../sync/protocol/merkle.ts';
import { startHub, type RunningHub } from '../../sync/hub/server.ts';
import { seedMember } from '../../sync/hub/testing/clients.ts';
import type { LocalReplica } from '../../main/sync/replica.ts';
import { openReplica, waitFor } from './support.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-sync-client-'));
let hub: RunningHub;
let tokens: { anna: string; ben: string };
let workspace: string;
const replicas: LocalReplica[] = [];
const clients: SyncClient[] = [];

before(async () => {
  hub = await startHub({ database: join(folder, 'hub.db'), port: 0 });
  const anna = await seedMember(hub.store, 'anna@example.org', 'rhine', 'facilitator');
  const ben = await seedMember(hub.store, 'ben@example.org', 'rhine', 'engineer');
  tokens = { anna: anna.token, ben: ben.token };
  workspace = anna.workspaceId;
});
after(async () => {
  for (const c of clients) await c.stop();
  for (const r of replicas) await r.repo.close();
  await hub?.close();
  rmSync(folder, { recursive: true, force: true });
});

async function pair(name: string) {
  const a = await openReplica(folder, `${name}-a`);
  const b = await openReplica(folder, `${name}-b`);
  replicas.push(a, b);
  const ca = new SyncClient(a, { url: hub.url, token: tokens.anna, workspace }, { backoff: { baseMs: 50, maxMs: 400 } });
  const cb = new SyncClient(b, { url: hub.url, token: tokens.ben, workspace }, { backoff: { baseMs: 50, maxMs: 400 } });
  clients.push(ca, cb);
  return { a, b, ca, cb };
}

const org = { id: 'org-c1', name: 'Stadtwerke Test', sector: 'Utility' };
const site = { id: 'site-c1', organization_id: 'org-c1', name: 'Heat plant', country: 'DE', lat: 51.4, lon: 7.0 };

describe('sync client with a real hub', () => {
  test('a round pushes local changes and pulls the other replica\'s', async () => {
    const { a, b, ca, cb } = await pair('round');
    await a.repo.createOrganization(org);
    await a.repo.createSite(site);
    const first = await ca.syncOnce();
    assert.equal(first.pushed, 3 + 6);
    assert.equal(await a.pending(), 0);
    const second = await cb.syncOnce();
    assert.ok(second.pulled >= 9);
    assert.deepEqual(await b.repo.exportDocument(), await a.repo.exportDocument());
    assert.equal(second.repaired, false);
    assert.equal(cb.status.state, 'idle');
    assert.ok(cb.status.lastSync);
  });

  test('live: an edit on one replica appears on the other without a manual sync', async () => {
    const { a, b, ca, cb } = await pair('live');
    await ca.syncOnce();
    await cb.syncOnce();
    a.repo.events.on('localChange', () => ca.notifyLocalChange());
    ca.start();
    cb.start();
    await waitFor('both live', async () => ca.status.live && cb.status.live);
    await a.repo.updateOrganization('org-c1', { name: 'Stadtwerke Live' });
    const seen = await waitFor('the edit on b', async () => (await b.repo.getOrganization('org-c1')).name === 'Stadtwerke Live');
    assert.equal(seen, true);
    const history = await b.history('organization', 'org-c1');
    assert.equal(history[0]!.origin, 'remote');
    assert.deepEqual(Object.keys(history[0]!.fields), ['name']);
    await ca.stop();
    await cb.stop();
  });

  test('a push right after the cursor moves it (own messages not pulled back); a push in between keeps the pull', async () => {
    // A workspace of its own, so no other test's client pushes in between.
    const anna = await seedMember(hub.store, 'anna@example.org', 'follow', 'facilitator');
    const ben = await seedMember(hub.store, 'ben@example.org', 'follow', 'engineer');
    const a = await openReplica(folder, 'follow-a');
    const b = await openReplica(folder, 'follow-b');
    replicas.push(a, b);
    const ca = new SyncClient(a, { url: hub.url, token: anna.token, workspace: anna.workspaceId }, { pushBatch: 3 });
    const cb = new SyncClient(b, { url: hub.url, token: ben.token, workspace: ben.workspaceId });
    clients.push(ca, cb);
    await a.repo.createOrganization({ id: 'org-f1', name: 'Follows', sector: 'Paper', sharing: 'partners' });
    // Four messages in batches of three: two pushes, each right after the cursor.
    const first = await ca.syncOnce();
    assert.deepEqual([first.pushed, first.pulled], [4, 0]);
    assert.equal(await a.cursor(), await hub.store.head(anna.workspaceId));
    // b pushes after a did: its push does not follow its cursor, so it pulls a's and its own.
    await b.repo.createOrganization({ id: 'org-f2', name: 'In between', sector: 'Energy', sharing: 'public' });
    const second = await cb.syncOnce();
    assert.deepEqual([second.pushed, second.pulled], [4, 8]);
    // a pulls b's messages from its cursor.
    const third = await ca.syncOnce();
    assert.deepEqual([third.pushed, third.pulled], [0, 4]);
    assert.deepEqual(await a.repo.exportDocument(), await b.repo.exportDocument());
    assert.equal(third.repaired, false);
    assert.equal(await a.cursor(), await b.cursor());
  });

  test('a hub that is down shows as offline; the next round catches up', async () => {
    const { a, ca } = await pair('offline');
    const down = new SyncClient(a, { url: 'http://127.0.0.1:9/trpc', token: tokens.anna, workspace });
    await a.repo.updateSite('site-c1', { name: 'Heat plant (offline edit)' }).catch(async () => {
      await ca.syncOnce(); // this pair's replica first needs the site
      await a.repo.updateSite('site-c1', { name: 'Heat plant (offline edit)' });
    });
    await assert.rejects(down.syncOnce());
    assert.equal(down.status.state, 'offline');
    assert.match(down.status.lastError ?? '', /cannot be reached/);
    assert.ok(down.status.pending > 0);
    const report = await ca.syncOnce();
    assert.ok(report.pushed > 0);
    assert.equal(await a.pending(), 0);
  });

  test('a bad token is an error the status names, not an endless retry', async () => {
    const { a } = await pair('token');
    const bad = new SyncClient(a, { url: hub.url, token: 'not-a-token', workspace });
    await assert.rejects(bad.syncOnce());
    assert.equal(bad.status.state, 'error');
    assert.match(bad.status.lastError ?? '', /refused the token/);
  });

  test('the merkle check repairs a hub restored from an older backup', async () => {
    const path = join(folder, 'restored-hub.db');
    let second = await startHub({ database: path, port: 0 });
    const port = second.port;
    const member = await seedMember(second.store, 'anna@example.org', 'delta', 'facilitator');
    const a = await openReplica(folder, 'repair-a');
    const b = await openReplica(folder, 'repair-b');
    replicas.push(a, b);
    const address = { url: second.url, token: member.token, workspace: member.workspaceId };
    const ca = new SyncClient(a, address);
    const cb = new SyncClient(b, address);
    await a.repo.createOrganization({ id: 'org-r1', name: 'Before the backup' });
    await ca.syncOnce();
    await second.close();
    copyFileSync(path, join(folder, 'backup.db'));
    second = await startHub({ database: path, port });
    await a.repo.createOrganization({ id: 'org-r2', name: 'After the backup' });
    await ca.syncOnce();
    await second.close();
    // The hub comes back from the backup: it lost org-r2, which a believes it delivered.
    copyFileSync(join(folder, 'backup.db'), path);
    second = await startHub({ database: path, port });
    try {
      const report = await ca.syncOnce();
      assert.equal(report.repaired, true);
      await cb.syncOnce();
      assert.deepEqual((await b.repo.exportDocument()).organizations.map((o) => o.id), ['org-r1', 'org-r2']);
      assert.equal((await ca.syncOnce()).repaired, false);
    } finally {
      await second.close();
    }
  });

  test('a malformed timestamp is refused with 400 at push (second 99 passed the old pattern and the merkle cache)', async () => {
    const anna = await seedMember(hub.store, 'anna@example.org', 'malformed', 'facilitator');
    const api = hubHttp({ url: hub.url, token: anna.token });
    const node = '00000000000000cc';
    const valid = { timestamp: `2026-11-25T15:30:00.000Z-0000-${node}`, dataset: 'organization', row: 'org-m1', column: 'name', value: '"Valid"' };
    const bogus = { ...valid, timestamp: `2026-11-25T15:30:99.999Z-0000-${node}`, column: 'sector' };
    // The valid message of the same minute first: the old merkle cache then skipped the check.
    for (const messages of [[valid, bogus], [bogus], [{ ...valid, timestamp: `2026-02-29T15:30:00.000Z-0000-${node}` }], [{ ...valid, timestamp: `9999-12-31T23:59:59.999Z-0000-${node}` }]]) {
      const refused = await api.sync.push.mutate({ workspace: anna.workspaceId, client: node, messages }).then(
        () => undefined,
        (error: unknown) => error,
      );
      assert.ok(refused instanceof TRPCClientError, `refused: ${messages.map((m) => m.timestamp).join(', ')}`);
      assert.equal((refused.data as { code?: string; httpStatus?: number }).httpStatus, 400, refused.message);
      assert.match(refused.message, /not an HLC timestamp/);
    }
    assert.equal(await hub.store.head(anna.workspaceId), 0, 'nothing stored');
    // A laptop of the workspace syncs as usual.
    const a = await openReplica(folder, 'malformed-a');
    replicas.push(a);
    const ca = new SyncClient(a, { url: hub.url, token: anna.token, workspace: anna.workspaceId });
    clients.push(ca);
    await a.repo.createOrganization({ id: 'org-m2', name: 'Still syncing' });
    assert.equal((await ca.syncOnce()).pushed, 2);
  });

  test('the history of a pulled change names the hub user who pushed it, not the replica\'s claim', async () => {
    const anna = await seedMember(hub.store, 'anna@example.org', 'who', 'facilitator');
    const ben = await seedMember(hub.store, 'ben@example.org', 'who', 'engineer');
    const a = await openReplica(folder, 'who-a');
    const b = await openReplica(folder, 'who-b');
    replicas.push(a, b);
    const ca = new SyncClient(a, { url: hub.url, token: anna.token, workspace: anna.workspaceId });
    const cb = new SyncClient(b, { url: hub.url, token: ben.token, workspace: ben.workspaceId });
    clients.push(ca, cb);
    await a.setActor('the-boss@example.org'); // a claim any replica can make
    await a.repo.createOrganization({ id: 'org-w1', name: 'Whose change' });
    await ca.syncOnce();
    await cb.syncOnce();
    const history = await b.history('organization', 'org-w1');
    assert.equal(history[0]!.actor, 'anna@example.org');
  });

  test('a bad message a hub stored before it checked timestamps in full neither stops a laptop nor makes every round re-read the workspace', async () => {
    const anna = await seedMember(hub.store, 'anna@example.org', 'legacy', 'facilitator');
    const a = await openReplica(folder, 'legacy-a');
    const b = await openReplica(folder, 'legacy-b');
    replicas.push(a, b);
    const ca = new SyncClient(a, { url: hub.url, token: anna.token, workspace: anna.workspaceId });
    const cb = new SyncClient(b, { url: hub.url, token: anna.token, workspace: anna.workspaceId });
    clients.push(ca, cb);
    await a.repo.createOrganization({ id: 'org-l1', name: 'Before', sector: 'Paper' });
    await ca.syncOnce();
    // What the old hub stored: second 99 passed its pattern, and its merkle cache put the
    // timestamp's hash under the minute it had just seen (15:30), which no replica can reproduce.
    const bogus = '2026-11-25T15:30:99.999Z-0000-00000000000000dd';
    const seq = (await hub.store.head(anna.workspaceId)) + 1;
    await hub.store.db.updateTable('workspaces').set({ next_seq: seq }).where('id', '=', anna.workspaceId).execute();
    await hub.store.db
      .insertInto('messages')
      .values({ workspace_id: anna.workspaceId, seq, timestamp: bogus, dataset: 'organization', row_id: 'org-l1', column_name: 'name', value: '"Bogus"', client_id: 'legacy', received_at: new Date().toISOString() } as never)
      .execute();
    const key = keyOfMillis(Date.parse('2026-11-25T15:30:00.000Z'));
    for (let n = 0; n <= key.length; n++) {
      await hub.store.db
        .insertInto('merkle_nodes')
        .values({ workspace_id: anna.workspaceId, prefix: key.slice(0, n), hash: hashTimestamp(bogus) })
        .onConflict((oc) => oc.columns(['workspace_id', 'prefix']).doUpdateSet({ hash: sql<number>`(merkle_nodes.hash | excluded.hash) - (merkle_nodes.hash & excluded.hash)` }))
        .execute();
    }
    // b reads the workspace: the bad message is a problem, the cursor reaches the head.
    const first = await cb.syncOnce();
    assert.ok((await b.cursor()) >= seq);
    assert.equal(await b.cursor(), await hub.store.head(anna.workspaceId));
    assert.equal((await b.repo.getOrganization('org-l1')).name, 'Before');
    assert.match((await b.problems()).find((p) => p.row === 'org-l1')?.message ?? '', /not an HLC timestamp/);
    // The tries cannot agree: one repair at most, then rounds stay cheap.
    const second = await cb.syncOnce();
    assert.equal(first.repaired || second.repaired, true);
    const third = await cb.syncOnce();
    assert.deepEqual([third.repaired, third.pulled, third.pushed], [false, 0, 0]);
  });
});
