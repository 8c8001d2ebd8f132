/**
 * The hub's limits and its answers to hostile input, over raw HTTP and WebSocket (what a broken
 * or malicious client would send, not what the tRPC client lets through): request body size,
 * WebSocket frame size, messages per push, request rate per token, sign-in attempts, and fuzzed
 * payloads. Each is a clear 4xx, and nothing is stored.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { startHub, type RunningHub } from './server.ts';
import { seedMember } from './testing/clients.ts';
import { messageFactory } from './testing/messages.ts';

const MAX_BODY = 64 * 1024;

async function post(hub: RunningHub, path: string, body: string, token?: string) {
  const response = await fetch(`${hub.url}/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body,
  });
  const json = (await response.json().catch(() => ({}))) as { error?: { message?: string; data?: { code?: string } } };
  return { status: response.status, code: json.error?.data?.code, message: json.error?.message ?? '' };
}

describe('hub limits and hostile input', () => {
  let folder: string;
  let hub: RunningHub;
  let token: string;
  let workspace: string;

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'turash-hub-limits-'));
    hub = await startHub({
      database: join(folder, 'hub.db'),
      limits: { maxBodyBytes: MAX_BODY, maxMessagesPerPush: 50, rate: { perSecond: 1000, burst: 1000 }, signInRate: { perSecond: 0.001, burst: 3 } },
    });
    ({ token, workspaceId: workspace } = await seedMember(hub.store, 'eng@example.org', 'limits', 'engineer'));
  });
  after(async () => {
    await hub?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  const stored = async () => (await hub.store.pull(workspace, 0, 10_000)).messages.length;

  it('a request body over the limit is refused with 413, nothing stored', async () => {
    const messages = messageFactory().make(40).map((m) => ({ ...m, value: JSON.stringify('x'.repeat(2000)) }));
    const body = JSON.stringify({ workspace, client: 'laptop', messages });
    assert.ok(body.length > MAX_BODY);
    const answer = await post(hub, 'sync.push', body, token);
    assert.equal(answer.status, 413);
    assert.equal(answer.code, 'PAYLOAD_TOO_LARGE');
    assert.equal(await stored(), 0);
  });

  it('a WebSocket frame over the limit closes the connection (1009), nothing stored', async () => {
    const socket = new WebSocket(hub.wsUrl, { headers: { authorization: `Bearer ${token}` } });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    const messages = messageFactory().make(40).map((m) => ({ ...m, value: JSON.stringify('x'.repeat(2000)) }));
    socket.send(JSON.stringify({ id: 1, method: 'mutation', params: { path: 'sync.push', input: { workspace, client: 'laptop', messages } } }));
    assert.equal(await closed, 1009);
    assert.equal(await stored(), 0);
  });

  it('more messages in one push than the limit: 413 naming the limit', async () => {
    const answer = await post(hub, 'sync.push', JSON.stringify({ workspace, client: 'laptop', messages: messageFactory().make(51) }), token);
    assert.equal(answer.status, 413);
    assert.match(answer.message, /51 in one push; the limit is 50/);
    assert.equal(await stored(), 0);
  });

  it('hostile payloads get clear 400s (never a 500) and store nothing', async () => {
    const good = messageFactory('abcdefabcdefabcd').make(1)[0]!;
    let deep = '1';
    for (let i = 0; i < 5000; i++) deep = `[${deep}]`;
    const cases: [string, string, RegExp][] = [
      ['not JSON', '{"workspace":', /./],
      ['an array body', '[1,2,3]', /./],
      ['null body', 'null', /./],
      ['messages not an array', JSON.stringify({ workspace, client: 'laptop', messages: 'everything' }), /messages: /],
      ['a number as timestamp', JSON.stringify({ workspace, client: 'laptop', messages: [{ ...good, timestamp: 12 }] }), /messages\[0\]\.timestamp/],
      ['a missing column', JSON.stringify({ workspace, client: 'laptop', messages: [{ ...good, column: undefined }] }), /messages\[0\]\.column/],
      ['an extra field', JSON.stringify({ workspace, client: 'laptop', messages: [{ ...good, admin: true }] }), /messages\[0\]/],
      ['a huge row id', JSON.stringify({ workspace, client: 'laptop', messages: [{ ...good, row: 'r'.repeat(50_000) }] }), /messages\[0\]\.row/],
      ['a NUL in a row id', JSON.stringify({ workspace, client: 'laptop', messages: [{ ...good, row: 'a\u0000b' }] }), /messages\[0\]\.row: a row id has no control characters/],
      ['a value that is not JSON', JSON.stringify({ workspace, client: 'laptop', messages: [{ ...good, value: 'undefined' }] }), /messages\[0\]\.value: the value is not JSON text/],
      ['deep nesting as a message', `{"workspace":"${workspace}","client":"laptop","messages":[${deep}]}`, /messages\[0\]/],
      ['deep nesting in a value', `{"workspace":"${workspace}","client":"laptop","messages":[{"timestamp":"${good.timestamp}","dataset":"flow","row":"r","column":"c","value":${deep}}]}`, /messages\[0\]\.value/],
      ['deep nesting in the body', `{"workspace":"${workspace}","client":"laptop","messages":${deep}}`, /messages/],
      ['a __proto__ key in a message', `{"workspace":"${workspace}","client":"laptop","messages":[{"timestamp":"${good.timestamp}","dataset":"flow","row":"r","column":"c","value":"1","__proto__":{"isAdmin":true}}]}`, /messages\[0\]/],
      ['an object as client id', JSON.stringify({ workspace, client: { $ne: null }, messages: [good] }), /client/],
      ['an SQL-looking dataset', JSON.stringify({ workspace, client: 'laptop', messages: [{ ...good, dataset: "flow'; drop table messages; --" }] }), /messages\[0\]\.dataset/],
    ];
    for (const [name, body, expected] of cases) {
      const answer = await post(hub, 'sync.push', body, token);
      assert.equal(answer.status, 400, `${name}: status ${answer.status} ${answer.message}`);
      assert.match(answer.message, expected, name);
    }
    assert.equal(await stored(), 0);
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined, 'no prototype pollution');
    // The hub is still fine, and its tables are all there.
    const ok = await post(hub, 'sync.push', JSON.stringify({ workspace, client: 'laptop', messages: [good] }), token);
    assert.equal(ok.status, 200);
    assert.equal(await stored(), 1);
  });

  it('the request rate per user: 429 over the limit, other users unaffected', async () => {
    const strict = await startHub({ database: join(folder, 'rate.db'), limits: { rate: { perSecond: 0.001, burst: 5 } } });
    try {
      const a = await seedMember(strict.store, 'a@example.org', 'rate', 'viewer');
      const b = await seedMember(strict.store, 'b@example.org', 'rate', 'viewer');
      const merkle = (t: string, ws: string) =>
        fetch(`${strict.url}/sync.merkle?input=${encodeURIComponent(JSON.stringify({ workspace: ws }))}`, { headers: { authorization: `Bearer ${t}` } });
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await merkle(a.token, a.workspaceId)).status);
      assert.deepEqual(statuses, [200, 200, 200, 200, 200]);
      const limited = await merkle(a.token, a.workspaceId);
      assert.equal(limited.status, 429);
      const body = (await limited.json()) as { error: { message: string; data: { code: string } } };
      assert.equal(body.error.data.code, 'TOO_MANY_REQUESTS');
      assert.match(body.error.message, /rate limit: too many requests \(a@example\.org\); retry in \d+ s/);
      const other = await merkle(b.token, b.workspaceId);
      assert.equal(other.status, 200);
    } finally {
      await strict.close();
    }
  });

  it('a pull page stops at the byte budget (at least one message), and paging still gets everything', async () => {
    const small = await startHub({ database: join(folder, 'pull.db'), limits: { maxPullBytes: 100_000 } });
    try {
      const member = await seedMember(small.store, 'p@example.org', 'pull', 'engineer');
      const big = messageFactory('5555555555555555').make(7).map((m) => ({ ...m, value: JSON.stringify('v'.repeat(40_000)) }));
      await small.store.push(member.workspaceId, 'laptop', (await small.store.findUserByEmail('p@example.org'))!.id, big);
      const pages: number[] = [];
      let cursor = 0;
      for (;;) {
        const response = await fetch(`${small.url}/sync.pull?input=${encodeURIComponent(JSON.stringify({ workspace: member.workspaceId, since: cursor, limit: 1000 }))}`, {
          headers: { authorization: `Bearer ${member.token}` },
        });
        const page = ((await response.json()) as { result: { data: { messages: unknown[]; cursor: number; done: boolean } } }).result.data;
        pages.push(page.messages.length);
        cursor = page.cursor;
        if (page.done) break;
      }
      assert.deepEqual(pages, [2, 2, 2, 1]);
      const huge = messageFactory('6666666666666666').make(1).map((m) => ({ ...m, value: JSON.stringify('w'.repeat(60_000)) }));
      await small.store.push(member.workspaceId, 'laptop', (await small.store.findUserByEmail('p@example.org'))!.id, huge);
      const one = await small.store.pull(member.workspaceId, cursor, 1000, 10);
      assert.equal(one.messages.length, 1, 'a message larger than the budget still comes, alone');
    } finally {
      await small.close();
    }
  });

  it('sign-in attempts are limited per address, even with the right password after the limit', async () => {
    await hub.store.ensureUser('guess@example.org', 'the right password');
    const attempt = (password: string) => post(hub, 'auth.signIn', JSON.stringify({ email: 'guess@example.org', password }));
    assert.equal((await attempt('guess 1')).status, 401);
    assert.equal((await attempt('guess 2')).status, 401);
    assert.equal((await attempt('the right password')).status, 200);
    const blocked = await attempt('the right password');
    assert.equal(blocked.status, 429);
    assert.match(blocked.message, /too many sign-in attempts/);
  });
});
