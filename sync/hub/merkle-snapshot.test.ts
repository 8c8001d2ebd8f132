/**
 * `sync.merkle` answers a trie and a head from one snapshot. Read apart, a push committing in
 * between gave a trie ahead of the head, and a laptop caught up to that head saw a difference
 * and re-read the whole workspace (`turash bench hub`: 290 false repairs in 20 s). Here pushes and
 * merkle reads race on a real SQLite hub and a real PostgreSQL; every answer must be exactly the
 * trie of the messages numbered up to its head.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { build, diff } from '../protocol/merkle.ts';
import { openHubDatabase } from './database.ts';
import { HubStore } from './store.ts';
import { seedMember } from './testing/clients.ts';
import { messageFactory } from './testing/messages.ts';
import { startPostgres, type RunningPostgres } from './testing/postgres.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-merkle-snapshot-'));
let postgres: RunningPostgres | undefined;
after(async () => {
  await postgres?.stop();
  rmSync(folder, { recursive: true, force: true });
});

async function raceOn(database: string): Promise<void> {
  const { db, dialect } = await openHubDatabase(database);
  const store = new HubStore(db, dialect);
  try {
    const { workspaceId } = await seedMember(store, 'racer@example.org', 'race', 'engineer');
    const user = (await store.findUserByEmail('racer@example.org'))!.id;
    const factory = messageFactory('00000000000000aa');
    const batches = Array.from({ length: 40 }, () => factory.make(25));
    const readings: { head: number; merkle: unknown }[] = [];
    // Waves of a merkle read started just before pushes: unguarded, the read's second query
    // queues behind the pushes on the hub's connection (SQLite) or sees them committed
    // (PostgreSQL), while its head does not.
    for (let i = 0; i < batches.length; i += 4) {
      const wave = batches.slice(i, i + 4);
      const [reading] = await Promise.all([store.merkle(workspaceId), ...wave.map((batch) => store.push(workspaceId, 'racer', user, batch))]);
      readings.push(reading);
    }
    const { messages } = await store.pull(workspaceId, 0, 10_000);
    assert.equal(messages.length, 1000);
    for (const reading of readings) {
      const expected = build(messages.filter((m) => m.seq <= reading.head).map((m) => m.timestamp));
      assert.equal(diff(expected, reading.merkle as typeof expected), null, `the trie read with head ${reading.head} holds other messages than 1..${reading.head}`);
    }
  } finally {
    await store.close();
  }
}

describe('sync.merkle reads its trie and head from one snapshot', () => {
  it('on SQLite, with pushes racing', () => raceOn(join(folder, 'hub.db')));
  it('on PostgreSQL, with pushes racing', async () => {
    postgres = await startPostgres();
    await raceOn(postgres.url);
  });
});
