/** Starting the hub wrong gets an error that says what and where (and never prints a password). */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startHub } from './server.ts';
import { seedMember } from './testing/clients.ts';

describe('hub startup errors', () => {
  it('an unreachable PostgreSQL: the URL without its password, and the reason', async () => {
    await assert.rejects(startHub({ database: 'postgres://hub:s3cret-pass@127.0.0.1:1/turash' }), (error: Error) => {
      assert.match(error.message, /cannot open the hub database postgres:\/\/hub:\*\*\*@127\.0\.0\.1:1\/turash: .*ECONNREFUSED/);
      assert.doesNotMatch(error.message, /s3cret-pass/);
      return true;
    });
  });

  it('a SQLite path that is not a database', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'turash-hub-start-'));
    try {
      const notADatabase = join(folder, 'notes.txt');
      writeFileSync(notADatabase, 'these are not the tables you are looking for '.repeat(100));
      await assert.rejects(startHub({ database: notADatabase }), /cannot open the hub database .*notes\.txt: .*not a database/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('a port in use', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'turash-hub-start-'));
    const first = await startHub({ database: join(folder, 'a.db') });
    try {
      await assert.rejects(startHub({ database: join(folder, 'b.db'), port: first.port }), new RegExp(`port ${first.port} is in use: pick another with --port`));
    } finally {
      await first.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('an internal failure (fault injection: the database closed under the running hub) is a plain 500, details only in the log', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'turash-hub-start-'));
    const hub = await startHub({ database: join(folder, 'hub.db') });
    const logged: unknown[] = [];
    const original = console.error;
    try {
      const { token, workspaceId } = await seedMember(hub.store, 'e@example.org', 'w', 'engineer');
      await hub.store.db.destroy();
      console.error = (...args: unknown[]) => void logged.push(args);
      const response = await fetch(`${hub.url}/sync.merkle?input=${encodeURIComponent(JSON.stringify({ workspace: workspaceId }))}`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await response.json()) as { error: { message: string; data: { code: string } } };
      assert.equal(response.status, 500);
      assert.equal(body.error.data.code, 'INTERNAL_SERVER_ERROR');
      assert.equal(body.error.message, "internal error in the hub (details are in the hub's log); try again");
      assert.match(String(logged[0]), /turash hub: sync\.merkle failed/);
    } finally {
      console.error = original;
      await hub.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
