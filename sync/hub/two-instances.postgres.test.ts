/**
 * Two hub instances on one real PostgreSQL: a laptop on instance 1 pushes, a laptop subscribed on
 * instance 2 is signalled (LISTEN/NOTIFY) and pulls the messages; concurrent pushes through both
 * instances into one workspace get distinct sequence numbers, lose nothing, and the merkle trie
 * counts every message once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { build, diff } from '../protocol/merkle.ts';
import { startHub, type RunningHub } from './server.ts';
import { httpClient, seedMember, wsClient } from './testing/clients.ts';
import { messageFactory } from './testing/messages.ts';
import { startPostgres, type RunningPostgres } from './testing/postgres.ts';

describe('two hub instances sharing one PostgreSQL', () => {
  let server: RunningPostgres;
  let one: RunningHub;
  let two: RunningHub;

  before(async () => {
    server = await startPostgres();
    [one, two] = await Promise.all([startHub({ database: server.url }), startHub({ database: server.url })]);
  });
  after(async () => {
    await one?.close();
    await two?.close();
    await server?.stop();
  });

  it('a push on instance 1 reaches a subscriber on instance 2, which pulls it', async () => {
    const pusher = await seedMember(one.store, 'pusher@example.org', 'shared', 'facilitator');
    const listener = await seedMember(two.store, 'listener@example.org', 'shared', 'viewer');
    const ws = wsClient(two, listener.token);
    const heads: number[] = [];
    const subscription = ws.client.sync.live.subscribe({ workspace: listener.workspaceId }, { onData: (event) => heads.push(event.head) });
    try {
      while (heads.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      const sent = messageFactory('1111111111111111').make(4);
      await httpClient(one, pusher.token).sync.push.mutate({ workspace: pusher.workspaceId, client: 'laptop-1', messages: sent });
      while (heads.length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(heads[1], 4);
      const pulled = await ws.client.sync.pull.query({ workspace: listener.workspaceId, since: heads[0]! });
      assert.deepEqual(pulled.messages.map((m) => m.timestamp), sent.map((m) => m.timestamp));
    } finally {
      subscription.unsubscribe();
      await ws.close();
    }
  });

  it('concurrent pushes through both instances lose nothing and number every message once', async () => {
    const a = await seedMember(one.store, 'a@example.org', 'busy', 'engineer');
    const b = await seedMember(two.store, 'b@example.org', 'busy', 'engineer');
    const fromA = messageFactory('aaaaaaaaaaaaaaaa').make(600);
    const fromB = messageFactory('bbbbbbbbbbbbbbbb').make(600);
    const batches = (messages: typeof fromA) => Array.from({ length: 6 }, (_, i) => messages.slice(i * 100, i * 100 + 100));
    const clientA = httpClient(one, a.token);
    const clientB = httpClient(two, b.token);
    await Promise.all([
      (async () => {
        for (const batch of batches(fromA)) await clientA.sync.push.mutate({ workspace: a.workspaceId, client: 'laptop-a', messages: batch });
      })(),
      (async () => {
        for (const batch of batches(fromB)) await clientB.sync.push.mutate({ workspace: b.workspaceId, client: 'laptop-b', messages: batch });
      })(),
      // Both laptops also re-push each other's first batch, as after a lost acknowledgement.
      clientB.sync.push.mutate({ workspace: b.workspaceId, client: 'laptop-b', messages: fromA.slice(0, 100) }),
    ]);
    const all = [];
    let cursor = 0;
    for (;;) {
      const page = await clientA.sync.pull.query({ workspace: a.workspaceId, since: cursor, limit: 250 });
      all.push(...page.messages);
      cursor = page.cursor;
      if (page.done) break;
    }
    assert.equal(all.length, 1200);
    assert.equal(new Set(all.map((m) => m.seq)).size, 1200);
    assert.deepEqual(new Set(all.map((m) => m.timestamp)), new Set([...fromA, ...fromB].map((m) => m.timestamp)));
    const { merkle } = await clientB.sync.merkle.query({ workspace: b.workspaceId });
    assert.equal(diff(merkle, build([...fromA, ...fromB].map((m) => m.timestamp))), null);
  });
});
