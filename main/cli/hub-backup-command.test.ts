/**
 * `turash hub backup | restore` as hub-commands.ts dispatches it (hubBackupCommand), against a real
 * SQLite hub running in this process: what the operator reads, --json, exit statuses and usage.
 * sync/hub/backup.test.ts covers the backup taken mid-push and laptops syncing with the restore.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startHub, type RunningHub } from '../../sync/hub/server.ts';
import { seedMember } from '../../sync/hub/testing/clients.ts';
import { hubBackupCommand } from './hub-backup-command.ts';

class UsageError extends Error {}

async function run(sub: 'backup' | 'restore', args: string[], database: string) {
  const out: string[] = [];
  const err: string[] = [];
  const status = await hubBackupCommand(sub, args, database, { out: (t) => out.push(t), err: (t) => err.push(t) }, (m) => new UsageError(m));
  return { status, out: out.join('\n'), err: err.join('\n') };
}

describe('turash hub backup | restore', () => {
  const folder = mkdtempSync(join(tmpdir(), 'turash-hub-backup-cli-'));
  const database = join(folder, 'hub.db');
  let hub: RunningHub;
  before(async () => {
    hub = await startHub({ database, port: 0 });
    await seedMember(hub.store, 'op@example.org', 'ops', 'owner');
  });
  after(async () => {
    await hub.close();
    rmSync(folder, { recursive: true, force: true });
  });

  test('backup of the running hub, then restore to a new file: one line each, or JSON', async () => {
    const file = join(folder, 'nightly.db');
    const backup = await run('backup', [file], database);
    assert.equal(backup.status, 0, backup.err);
    assert.match(backup.out, /^backed up .*hub\.db to .*nightly\.db: 0 message\(s\) in 1 workspace\(s\), 1 user\(s\), \d+\.\d MiB, schema \d{4}-/);

    const target = join(folder, 'restored', 'hub.db');
    const restored = await run('restore', [file, '--json'], target);
    assert.equal(restored.status, 0, restored.err);
    const json = JSON.parse(restored.out) as { restored: string; database: string; workspaces: number; users: number };
    assert.deepEqual([json.restored, json.database, json.workspaces, json.users], [file, target, 1, 1]);

    // The raw arguments may carry --database: it names the target.
    const again = await run('restore', [file, '--database', target, '--force'], database);
    assert.equal(again.status, 0, again.err);
    assert.match(again.out, /^restored .*nightly\.db to .*restored\/hub\.db: /);
  });

  test('refusals are exit status 1 with the reason; PostgreSQL gets the pg_dump and pg_restore commands', async () => {
    const refused = await run('restore', [join(folder, 'nightly.db')], database);
    assert.equal(refused.status, 1);
    assert.match(refused.err, /^turash hub restore: .*hub\.db already exists: add --force/);
    const json = await run('restore', [join(folder, 'nightly.db'), '--json'], database);
    assert.match(JSON.parse(json.out).error.message, /already exists/);

    const pg = await run('backup', [join(folder, 'pg.db')], 'postgres://hub:pw@db.example:5432/turash');
    assert.equal(pg.status, 1);
    assert.match(pg.err, /pg_dump --format=custom --file=hub\.dump 'postgres:\/\/hub:\*\*\*@db\.example:5432\/turash'/);
    assert.match(pg.err, /pg_restore --clean --if-exists/);
  });

  test('usage: exactly one file', async () => {
    await assert.rejects(run('backup', [], database), (e: Error) => e instanceof UsageError && /hub backup needs one file to write/.test(e.message));
    await assert.rejects(run('restore', ['a.db', 'b.db'], database), (e: Error) => e instanceof UsageError && /hub restore needs one backup file/.test(e.message));
    await assert.rejects(run('backup', ['a.db', '--nope'], database), UsageError);
  });
});
