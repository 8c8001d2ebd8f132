/**
 * kill -9 of the hub in the middle of pushes, several times at random moments: after each
 * restart the SQLite file passes integrity_check, every push the hub acknowledged is there in
 * full, and no push is there in part (a push is all or nothing).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { openHubDatabase } from './database.ts';
import { HubStore } from './store.ts';
import { httpClient, seedMember } from './testing/clients.ts';
import { messageFactory } from './testing/messages.ts';

const BIN = fileURLToPath(new URL('../../bin/turash.mjs', import.meta.url));

async function startHubProcess(database: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, 'hub', '--database', database, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`turash hub exited with ${code}`)));
  });
  return { child, url: (JSON.parse(line) as { url: string }).url };
}

async function kill9(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(child.pid!, 'SIGKILL');
  await exited;
}

describe('the hub killed with -9 during pushes', () => {
  const folder = mkdtempSync(join(tmpdir(), 'turash-hub-crash-'));
  const database = join(folder, 'hub.db');
  let running: ChildProcess | undefined;
  after(async () => {
    if (running) await kill9(running);
    rmSync(folder, { recursive: true, force: true });
  });

  it('keeps every acknowledged push whole and never a part of one', async () => {
    const { db, dialect } = await openHubDatabase(database);
    const seedStore = new HubStore(db, dialect);
    const { token, workspaceId } = await seedMember(seedStore, 'eng@example.org', 'crash', 'engineer');
    await seedStore.close();

    const factory = messageFactory('9999999999999999');
    const acknowledged: string[][] = [];
    const attempted: string[][] = [];
    for (let round = 0; round < 3; round++) {
      const hub = await startHubProcess(database);
      running = hub.child;
      const client = httpClient({ url: hub.url }, token);
      // After the first acknowledged push, kill at a random moment while pushes go on back to back.
      let killer: Promise<void> | undefined;
      let killed = false;
      for (;;) {
        const batch = factory.make(800);
        attempted.push(batch.map((m) => m.timestamp));
        try {
          await client.sync.push.mutate({ workspace: workspaceId, client: 'laptop', messages: batch });
          acknowledged.push(batch.map((m) => m.timestamp));
        } catch {
          break; // the connection died with the hub: this push may or may not have committed
        }
        if (killed) break;
        killer ??= new Promise<void>((resolve) =>
          setTimeout(() => void kill9(hub.child).then(() => ((killed = true), resolve())), Math.floor(Math.random() * 300)),
        );
      }
      await killer;
      running = undefined;
    }

    const { db: after, dialect: afterDialect } = await openHubDatabase(database);
    const store = new HubStore(after, afterDialect);
    try {
      const { rows } = await sql<{ integrity_check: string }>`PRAGMA integrity_check`.execute(after);
      assert.deepEqual(rows, [{ integrity_check: 'ok' }]);
      const stored = new Set((await store.pull(workspaceId, 0, 1_000_000)).messages.map((m) => m.timestamp));
      assert.ok(acknowledged.length > 0, 'some pushes were acknowledged before the kills');
      for (const batch of acknowledged) assert.ok(batch.every((t) => stored.has(t)), 'an acknowledged push lost messages');
      for (const batch of attempted) {
        const present = batch.filter((t) => stored.has(t)).length;
        assert.ok(present === 0 || present === batch.length, `a push stored in part: ${present} of ${batch.length}`);
      }
      // The trie matches the messages that survived.
      const { merkle } = await store.merkle(workspaceId);
      const { build, diff } = await import('../protocol/merkle.ts');
      assert.equal(diff(merkle, build(stored)), null);
    } finally {
      await store.close();
    }
  });
});
