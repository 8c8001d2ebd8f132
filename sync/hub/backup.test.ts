/**
 * Hub backup and restore with real parts: a SQLite hub on loopback, laptops on real SQLite files
 * syncing through SyncClient, backupHub and restoreHub as `turash hub backup | restore` run them
 * (main/cli/hub-backup-command.test.ts covers the command's own output and exit statuses).
 *
 * The backup is taken while the hub runs and a laptop's push is in flight (its first batches
 * stored, the rest on their way). Restored to a new file, a hub started on it serves a fresh laptop
 * everything the backup holds; the laptop that pushed after the backup syncs against the restored
 * hub, its merkle check finds what the hub lacks and pushes it again, and every laptop converges.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { allHubMessages, hubHead, openReplica, waitFor } from '../../test/sync/support.ts';
import { SyncClient } from '../client/client.ts';
import type { Replica } from '../client/replica.ts';
import { backupHub, checkHubFile, HubBackupError, restoreHub } from './backup.ts';
import { startHub, type RunningHub } from './server.ts';
import { seedMember } from './testing/clients.ts';

/** A laptop's replica (main/sync/replica.ts, through the sync suites' helpers). */
type LocalReplica = Awaited<ReturnType<typeof openReplica>>;

const folder = mkdtempSync(join(tmpdir(), 'turash-hub-backup-'));
const hubs: RunningHub[] = [];
const replicas: LocalReplica[] = [];
const clients: SyncClient[] = [];
after(async () => {
  for (const c of clients) await c.stop();
  for (const r of replicas) await r.repo.close();
  for (const h of hubs) await h.close().catch(() => undefined);
  rmSync(folder, { recursive: true, force: true });
});

/** As the command runs them: status 0 with a summary, or 1 with the operator's error. */
async function cli(sub: 'backup' | 'restore', args: string[], database: string) {
  const file = args.find((a) => !a.startsWith('--'))!;
  const force = args.includes('--force');
  try {
    const summary = sub === 'backup' ? await backupHub(database, file, { force }) : await restoreHub(file, database, { force });
    return { status: 0, summary, err: '' };
  } catch (error) {
    if (!(error instanceof HubBackupError)) throw error;
    return { status: 1, summary: undefined, err: error.message };
  }
}

/** A replica whose push stops after its first batch until `release()`: a push caught in flight. */
function pausedAfterFirstBatch(replica: LocalReplica): { replica: Replica; firstBatchStored: Promise<void>; release: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let stored!: () => void;
  const firstBatchStored = new Promise<void>((resolve) => (stored = resolve));
  const wrapped = new Proxy(replica, {
    get(target, prop) {
      if (prop === 'outbox') {
        return async (limit: number, afterTimestamp?: string) => {
          // The client reads batch k+1 while the hub stores batch k; it asks for the first batch's
          // successor only after sending it, and uses it only once the hub acknowledged the first.
          if (afterTimestamp !== undefined) {
            stored();
            await gate;
          }
          return target.outbox(limit, afterTimestamp);
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  }) as Replica;
  return { replica: wrapped, firstBatchStored, release };
}

const organizations = (from: number, n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => ({ id: `bk-o${from + i}`, name: `Backup Org ${from + i} ${tag}`, sector: 'Paper', sharing: 'partners' as const }));

describe('turash hub backup and restore', () => {
  const hubDb = join(folder, 'hub.db');
  const backupFile = join(folder, 'backups', 'hub-backup.db');
  const restoredDb = join(folder, 'restored.db');
  let hub: RunningHub;
  let anna: { token: string; workspaceId: string };
  let ben: { token: string; workspaceId: string };
  let laptopA: LocalReplica;

  test('a backup taken while the hub runs and a push is in flight is a sound hub database', async () => {
    hub = await startHub({ database: hubDb, port: 0 });
    hubs.push(hub);
    anna = await seedMember(hub.store, 'anna@example.org', 'backup', 'facilitator');
    ben = await seedMember(hub.store, 'ben@example.org', 'backup', 'engineer');

    laptopA = await openReplica(folder, 'laptop-a');
    replicas.push(laptopA);
    await laptopA.repo.importDocument({ organizations: organizations(0, 20, 'first'), sites: [], flows: [] });
    const direct = new SyncClient(laptopA, { url: hub.url, token: anna.token, workspace: anna.workspaceId });
    clients.push(direct);
    assert.ok((await direct.syncOnce()).pushed > 0);
    const synced = await hubHead(hub.url, anna.token, anna.workspaceId);

    // A second, larger change set, pushed in small batches that stop after the first one.
    await laptopA.repo.importDocument({ organizations: organizations(20, 200, 'second'), sites: [], flows: [] });
    const paused = pausedAfterFirstBatch(laptopA);
    const inFlight = new SyncClient(paused.replica, { url: hub.url, token: anna.token, workspace: anna.workspaceId }, { pushBatch: 25 });
    clients.push(inFlight);
    const round = inFlight.syncOnce();
    await paused.firstBatchStored;
    await waitFor('the first batch on the hub', async () => (await hubHead(hub.url, anna.token, anna.workspaceId)) > synced);
    const midPush = await hubHead(hub.url, anna.token, anna.workspaceId);

    // The backup runs while the rest of the push streams in.
    const backingUp = cli('backup', [backupFile], hubDb);
    paused.release();
    const [backup, pushedRound] = await Promise.all([backingUp, round]);
    assert.equal(backup.status, 0, backup.err);
    assert.equal(backup.summary!.file, backupFile);
    assert.deepEqual([backup.summary!.workspaces, backup.summary!.users], [1, 2]);
    assert.ok(pushedRound.pushed > 25);

    const copy = await checkHubFile(backupFile);
    const final = await hubHead(hub.url, anna.token, anna.workspaceId);
    assert.ok(copy.messages >= midPush && copy.messages <= final, `the backup holds ${copy.messages} messages: between ${midPush} (mid-push) and ${final}`);
    assert.equal(existsSync(`${backupFile}-wal`), false, 'the backup is one self-contained file');

    // One more edit after the backup: the restored hub will lack it for sure.
    await laptopA.repo.updateOrganization('bk-o0', { name: 'Renamed after the backup' });
    assert.ok((await direct.syncOnce()).pushed > 0);
  });

  test('restore refuses what is not a hub backup, an existing target without --force, and a target a hub has open', async () => {
    const garbage = join(folder, 'garbage.db');
    writeFileSync(garbage, 'this is not a database, just text long enough to look like a file'.repeat(100));
    const notDb = await cli('restore', [garbage], join(folder, 'x.db'));
    assert.equal(notDb.status, 1);
    assert.match(notDb.err, /the backup .*garbage\.db is not a SQLite database/);

    const laptopFile = await cli('restore', [join(folder, 'laptop-a.db')], join(folder, 'x.db'));
    assert.equal(laptopFile.status, 1);
    assert.match(laptopFile.err, /laptop-a\.db is not a hub database \(it has no kysely_migration table; it looks like a laptop's database\)/);

    const missing = await cli('restore', [join(folder, 'nope.db')], join(folder, 'x.db'));
    assert.equal(missing.status, 1);
    assert.match(missing.err, /nope\.db does not exist/);

    const existing = await cli('restore', [backupFile], hubDb);
    assert.equal(existing.status, 1);
    assert.match(existing.err, /hub\.db already exists: add --force/);
    const inUse = await cli('restore', [backupFile, '--force'], hubDb);
    assert.equal(inUse.status, 1);
    assert.match(inUse.err, /hub\.db is in use .*stop the hub first/);
    assert.equal(existsSync(join(folder, 'x.db')), false, 'nothing was written for a refused restore');

    const overwrite = await cli('backup', [backupFile], hubDb);
    assert.equal(overwrite.status, 1);
    assert.match(overwrite.err, /hub-backup\.db already exists: choose another name, or add --force/);
    const postgres = await cli('backup', [join(folder, 'pg.db')], 'postgres://turash:secret@127.0.0.1:5432/hub');
    assert.equal(postgres.status, 1);
    assert.match(postgres.err, /pg_dump --format=custom/);
    assert.doesNotMatch(postgres.err, /secret/);
  });

  test('restored to a new file: a hub on it serves a fresh laptop, and the laptop that pushed after the backup converges', async () => {
    const restored = await cli('restore', [backupFile], restoredDb);
    assert.equal(restored.status, 0, restored.err);
    const summary = restored.summary!;
    assert.equal(summary.file, restoredDb);
    assert.equal(summary.workspaces, 1);

    await hub.close();
    hubs.splice(hubs.indexOf(hub), 1);
    const original = hubDb;
    const second = await startHub({ database: restoredDb, port: 0 });
    hubs.push(second);

    // A fresh laptop: everything the backup holds, through the restored hub (same tokens).
    const laptopB = await openReplica(folder, 'laptop-b');
    replicas.push(laptopB);
    const fresh = new SyncClient(laptopB, { url: second.url, token: ben.token, workspace: ben.workspaceId });
    clients.push(fresh);
    const first = await fresh.syncOnce();
    assert.equal(first.pulled, summary.messages);
    const early = await laptopB.repo.exportDocument();
    assert.ok(early.organizations.some((o) => o.id === 'bk-o19'), 'the first sync\'s organisations came back');
    assert.notEqual(early.organizations.find((o) => o.id === 'bk-o0')?.name, 'Renamed after the backup');

    // The original laptop: its cursor is past the restored hub's head; the merkle check finds the
    // difference and it pushes again what the hub lacks.
    const back = new SyncClient(laptopA, { url: second.url, token: anna.token, workspace: anna.workspaceId });
    clients.push(back);
    const repair = await back.syncOnce();
    assert.equal(repair.repaired, true);
    assert.ok(repair.pushed > 0);
    assert.equal((await back.syncOnce()).repaired, false, 'one repair is enough');

    await fresh.syncOnce();
    const docA = await laptopA.repo.exportDocument();
    assert.deepEqual(await laptopB.repo.exportDocument(), docA);
    assert.equal(docA.organizations.length, 220);
    assert.equal(docA.organizations.find((o) => o.id === 'bk-o0')?.name, 'Renamed after the backup');
    const onRestored = await allHubMessages(second.url, ben.token, ben.workspaceId);
    const ids = new Set(onRestored.filter((m) => m.dataset === 'organization').map((m) => m.row));
    assert.equal(ids.size, 220);
    assert.ok(existsSync(original));
  });
});
