/**
 * Two hub instances on one real PostgreSQL: a laptop on instance 1 pushes, a laptop subscribed on
 * instance 2 is signalled (LISTEN/NOTIFY) and pulls the messages; concurrent pushes through both
 * instances into one workspace get distinct sequence numbers, lose nothing, and the merkle trie
 * counts every message once; a node id raced for by two users through both instances goes to
 * exactly one of them; the per-account sign-in backoff is shared by both instances.
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
      // Laptop b also re-pushes its first batch at the same time, as after a lost acknowledgement.
      clientB.sync.push.mutate({ workspace: b.workspaceId, client: 'laptop-b', messages: fromB.slice(0, 100) }),
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

  it('two users racing for one node id through both instances: exactly one gets it', async () => {
    const a = await seedMember(one.store, 'racer-a@example.org', 'race', 'engineer');
    const b = await seedMember(two.store, 'racer-b@example.org', 'race', 'engineer');
    const node = messageFactory('cccccccccccccccc', Date.parse('2026-11-27T10:00:00.000Z'));
    const [first, second] = [node.make(20), node.make(20)];
    const results = await Promise.allSettled([
      httpClient(one, a.token).sync.push.mutate({ workspace: a.workspaceId, client: 'laptop-a', messages: first }),
      httpClient(two, b.token).sync.push.mutate({ workspace: b.workspaceId, client: 'laptop-b', messages: second }),
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
    assert.match((rejected.reason as Error).message, /node id cccccccccccccccc belongs to racer-[ab]@example\.org/);
    const pulled = await httpClient(one, a.token).sync.pull.query({ workspace: a.workspaceId });
    assert.equal(pulled.messages.length, 20);
    assert.equal(new Set(pulled.messages.map((m) => m.user)).size, 1);
  });

  it('failed sign-ins on one instance count on the other', async () => {
    await seedMember(one.store, 'shared-target@example.org', 'backoff', 'viewer');
    for (let i = 0; i < 5; i++) {
      const instance = i % 2 === 0 ? one : two;
      await assert.rejects(httpClient(instance).auth.signIn.mutate({ email: 'shared-target@example.org', password: `guess ${i}` }), /wrong email or password/);
    }
    await assert.rejects(httpClient(two).auth.signIn.mutate({ email: 'shared-target@example.org', password: 'correct horse battery' }), /too many failed sign-ins for shared-target@example\.org/);
    await assert.rejects(httpClient(one).auth.signIn.mutate({ email: 'shared-target@example.org', password: 'correct horse battery' }), /too many failed sign-ins/);
  });
});
