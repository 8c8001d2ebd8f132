/**
 * The hub's behaviour, the same on every storage backend: hub.sqlite.test.ts and
 * hub.postgres.test.ts run this suite against a real SQLite file and a real PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TRPCClientError } from '@trpc/client';
import { build, diff } from '../protocol/merkle.ts';
import type { HubRouter, RunningHub } from './server.ts';
import { startHub } from './server.ts';
import { httpClient, seedMember, wsClient } from './testing/clients.ts';
import { messageFactory } from './testing/messages.ts';

export function codeOf(error: unknown): string | undefined {
  return error instanceof TRPCClientError ? (error as TRPCClientError<HubRouter>).data?.code : undefined;
}

export function hubContract(backend: string, databaseFor: (name: string) => Promise<string>): void {
  describe(`the hub on ${backend}`, () => {
    let hub: RunningHub;
    let database: string;
    let owner: { token: string; workspaceId: string };
    let engineer: { token: string; workspaceId: string };

    before(async () => {
      database = await databaseFor('contract');
      hub = await startHub({ database });
      owner = await seedMember(hub.store, 'owner@example.org', 'rhine-ruhr', 'owner');
      engineer = await seedMember(hub.store, 'engineer@example.org', 'rhine-ruhr', 'engineer');
    });
    after(async () => {
      await hub?.close();
    });

    it('a push from one laptop is pulled identically by another', async () => {
      const { workspaceId } = await seedMember(hub.store, 'owner@example.org', 'round-trip', 'owner');
      const laptopA = httpClient(hub, owner.token);
      const laptopB = httpClient(hub, engineer.token);
      await hub.store.grant(workspaceId, (await hub.store.findUserByEmail('engineer@example.org'))!.id, 'engineer');
      const sent = messageFactory('aaaaaaaaaaaaaaaa').make(20);
      const pushed = await laptopA.sync.push.mutate({ workspace: workspaceId, client: 'laptop-a', messages: sent });
      assert.equal(pushed.acknowledged, 20);
      assert.equal(pushed.stored, 20);
      const pulled = await laptopB.sync.pull.query({ workspace: workspaceId, since: 0 });
      assert.equal(pulled.done, true);
      assert.deepEqual(
        pulled.messages.map(({ timestamp, dataset, row, column, value }) => ({ timestamp, dataset, row, column, value })),
        sent,
      );
      assert.ok(pulled.messages.every((m) => m.client === 'laptop-a'));
      // The hub's trie is the protocol's trie over the same timestamps (the push answers no
      // trie: sync.merkle does, with the head it covers).
      assert.equal('merkle' in pushed, false);
      const { merkle, head } = await laptopB.sync.merkle.query({ workspace: workspaceId });
      assert.equal(diff(merkle, build(sent.map((m) => m.timestamp))), null);
      assert.equal(head, pushed.head);
    });

    it('re-pushing the same messages stores nothing twice and leaves the merkle trie as it was', async () => {
      const { workspaceId } = await seedMember(hub.store, 'owner@example.org', 'idempotent', 'owner');
      const client = httpClient(hub, owner.token);
      const batch = messageFactory('bbbbbbbbbbbbbbbb').make(15);
      await client.sync.push.mutate({ workspace: workspaceId, client: 'laptop-a', messages: batch });
      const first = await client.sync.merkle.query({ workspace: workspaceId });
      // A retry after a lost acknowledgement, with a few new messages appended.
      const more = messageFactory('bbbbbbbbbbbbbbbb', Date.parse('2026-11-25T02:00:00.000Z')).make(3);
      const pushed = await client.sync.push.mutate({ workspace: workspaceId, client: 'laptop-a', messages: [...batch, ...more] });
      assert.equal(pushed.acknowledged, 18);
      assert.equal(pushed.stored, 3);
      const second = await client.sync.merkle.query({ workspace: workspaceId });
      const again = await client.sync.push.mutate({ workspace: workspaceId, client: 'laptop-a', messages: [...batch, ...more] });
      assert.equal(again.stored, 0);
      const third = await client.sync.merkle.query({ workspace: workspaceId });
      assert.deepEqual(third.merkle, second.merkle);
      assert.notDeepEqual(first.merkle, second.merkle);
      const all = await client.sync.pull.query({ workspace: workspaceId, since: 0, limit: 100 });
      assert.equal(all.messages.length, 18);
      assert.equal(new Set(all.messages.map((m) => m.timestamp)).size, 18);
      // Skipped duplicates leave gaps in the numbering; a complete pull still ends at the head.
      assert.equal(all.done, true);
      assert.equal(all.cursor, third.head);
    });

    it('pulls page by page with a cursor, and the cursor still works after a hub restart', async () => {
      const { workspaceId } = await seedMember(hub.store, 'owner@example.org', 'paging', 'owner');
      const sent = messageFactory('cccccccccccccccc').make(25);
      await httpClient(hub, owner.token).sync.push.mutate({ workspace: workspaceId, client: 'laptop-a', messages: sent });
      const client = httpClient(hub, owner.token);
      const page1 = await client.sync.pull.query({ workspace: workspaceId, since: 0, limit: 10 });
      const page2 = await client.sync.pull.query({ workspace: workspaceId, since: page1.cursor, limit: 10 });
      assert.equal(page1.messages.length, 10);
      assert.equal(page1.done, false);
      assert.equal(page2.messages.length, 10);

      await hub.close();
      hub = await startHub({ database });
      const again = httpClient(hub, owner.token); // tokens live in the database
      const page3 = await again.sync.pull.query({ workspace: workspaceId, since: page2.cursor, limit: 10 });
      assert.equal(page3.messages.length, 5);
      assert.equal(page3.done, true);
      const got = [...page1.messages, ...page2.messages, ...page3.messages].map((m) => m.timestamp);
      assert.deepEqual(got, sent.map((m) => m.timestamp));
      const empty = await again.sync.pull.query({ workspace: workspaceId, since: page3.cursor });
      assert.deepEqual(empty, { messages: [], cursor: page3.cursor, done: true });
    });

    it('a batch with one bad message is refused whole: nothing stored, the error names index and field', async () => {
      const { workspaceId } = await seedMember(hub.store, 'owner@example.org', 'atomic', 'owner');
      const client = httpClient(hub, owner.token);
      const batch = messageFactory('dddddddddddddddd').make(5);
      batch[3] = { ...batch[3]!, timestamp: '2026-11-25 01:00' };
      const refused = await client.sync.push.mutate({ workspace: workspaceId, client: 'laptop-a', messages: batch }).catch((e: unknown) => e);
      assert.equal(codeOf(refused), 'BAD_REQUEST');
      assert.match((refused as Error).message, /messages\[3\]\.timestamp: not an HLC timestamp/);
      const after = await client.sync.pull.query({ workspace: workspaceId, since: 0 });
      assert.equal(after.messages.length, 0);
      assert.equal((await client.sync.merkle.query({ workspace: workspaceId })).head, 0);
    });

    it('pull names the user who pushed each message; a node id belongs to the first user who pushed it', async () => {
      const { workspaceId } = await seedMember(hub.store, 'owner@example.org', 'provenance', 'owner');
      await hub.store.grant(workspaceId, (await hub.store.findUserByEmail('engineer@example.org'))!.id, 'engineer');
      const ownerLaptop = messageFactory('0a0a0a0a0a0a0a0a', Date.parse('2026-11-26T08:00:00.000Z'));
      await httpClient(hub, owner.token).sync.push.mutate({ workspace: workspaceId, client: 'owner-laptop', messages: ownerLaptop.make(3) });
      // The engineer forges a message as if the owner's laptop wrote it (the owner's node id):
      // history would name the owner for the engineer's edit.
      const forged = messageFactory('0a0a0a0a0a0a0a0a', Date.parse('2026-11-26T09:00:00.000Z')).make(1);
      const own = messageFactory('0b0b0b0b0b0b0b0b', Date.parse('2026-11-26T09:00:00.000Z')).make(2);
      const refused = await httpClient(hub, engineer.token)
        .sync.push.mutate({ workspace: workspaceId, client: 'engineer-laptop', messages: [...own, ...forged] })
        .catch((e: unknown) => e);
      assert.equal(codeOf(refused), 'FORBIDDEN');
      assert.match((refused as Error).message, /messages\[2\]\.timestamp: node id 0a0a0a0a0a0a0a0a belongs to owner@example\.org/);
      const engineerClient = httpClient(hub, engineer.token);
      assert.equal((await engineerClient.sync.pull.query({ workspace: workspaceId })).messages.length, 3, 'nothing of the refused push stored');
      // Its own node id works, and so does re-sending the owner's messages the hub already holds
      // (a laptop repairing after a merkle difference sends what it has).
      const held = (await engineerClient.sync.pull.query({ workspace: workspaceId })).messages.map(({ timestamp, dataset, row, column, value }) => ({ timestamp, dataset, row, column, value }));
      const pushed = await engineerClient.sync.push.mutate({ workspace: workspaceId, client: 'engineer-laptop', messages: [...own, ...held] });
      assert.equal(pushed.stored, 2);
      const pulled = await httpClient(hub, owner.token).sync.pull.query({ workspace: workspaceId });
      assert.deepEqual(
        pulled.messages.map((m) => [m.timestamp.slice(-16), m.user]),
        [...Array(3).fill(['0a0a0a0a0a0a0a0a', 'owner@example.org']), ...Array(2).fill(['0b0b0b0b0b0b0b0b', 'engineer@example.org'])],
      );
    });

    it('a message timestamped more than 60 s ahead of the hub clock refuses the whole push', async () => {
      const { workspaceId } = await seedMember(hub.store, 'owner@example.org', 'future', 'owner');
      const client = httpClient(hub, owner.token);
      const now = messageFactory('0c0c0c0c0c0c0c0c', Date.now() - 1000).make(2);
      const soon = messageFactory('0c0c0c0c0c0c0c0c', Date.now() + 30_000).make(1);
      const late = [{ ...now[0]!, timestamp: '2050-12-31T23:59:59.000Z-0000-0c0c0c0c0c0c0c0c' }];
      const refused = await client.sync.push.mutate({ workspace: workspaceId, client: 'laptop-a', messages: [...now, ...late] }).catch((e: unknown) => e);
      assert.equal(codeOf(refused), 'BAD_REQUEST');
      assert.match((refused as Error).message, /^messages\[2\]\.timestamp: 2050-12-31T23:59:59\.000Z-0000-0c0c0c0c0c0c0c0c is \d+ s ahead of the hub's clock \(at most 60 s/);
      assert.equal((await client.sync.pull.query({ workspace: workspaceId })).messages.length, 0, 'nothing stored');
      // Within the window (a laptop clock a little fast) is fine.
      assert.equal((await client.sync.push.mutate({ workspace: workspaceId, client: 'laptop-a', messages: [...now, ...soon] })).stored, 3);
    });

    it('a subscriber on the WebSocket is told about new messages and pulls them', async () => {
      const { workspaceId } = await seedMember(hub.store, 'owner@example.org', 'live', 'owner');
      const listener = wsClient(hub, engineer.token);
      await hub.store.grant(workspaceId, (await hub.store.findUserByEmail('engineer@example.org'))!.id, 'viewer');
      const heads: number[] = [];
      let signalled!: () => void;
      const second = new Promise<void>((resolve) => (signalled = resolve));
      const subscription = listener.client.sync.live.subscribe(
        { workspace: workspaceId },
        {
          onData: (event) => {
            heads.push(event.head);
            if (heads.length === 2) signalled();
          },
        },
      );
      try {
        while (heads.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
        assert.equal(heads[0], 0);
        await httpClient(hub, owner.token).sync.push.mutate({ workspace: workspaceId, client: 'laptop-a', messages: messageFactory('ffffffffffffffff').make(3) });
        await second;
        assert.equal(heads[1], 3);
        const pulled = await listener.client.sync.pull.query({ workspace: workspaceId, since: heads[0]! });
        assert.equal(pulled.messages.length, 3);
      } finally {
        subscription.unsubscribe();
        await listener.close();
      }
    });
  });
}
