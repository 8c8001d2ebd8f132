/**
 * A pull page on the SQLite hub is one statement (the byte budget applied inside SQLite). These
 * tests hold it to the rule it implements, computed here the slow way: the longest run of
 * messages after `since`, at most `limit`, whose sizes (UTF-8 bytes of value, row, column and
 * dataset, plus 100 each) stay within the budget, at least one; `done` when that is all there is,
 * and then the cursor is the head (duplicates leave gaps in the numbering).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { StoredMessage } from '../protocol/messages.ts';
import { startHub, type RunningHub } from './server.ts';
import { seedMember } from './testing/clients.ts';
import { messageFactory } from './testing/messages.ts';

/** A seeded generator, so a failure replays (sync/ never imports main/, tests included). */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
const size = (m: StoredMessage) => bytes(m.value) + bytes(m.row) + bytes(m.column) + bytes(m.dataset) + 100;

describe('pull pages on the SQLite hub', () => {
  const folder = mkdtempSync(join(tmpdir(), 'turash-hub-pull-'));
  let hub: RunningHub;
  let workspace: string;
  let all: StoredMessage[];
  let head: number;

  before(async () => {
    hub = await startHub({ database: join(folder, 'hub.db'), port: 0 });
    ({ workspaceId: workspace } = await seedMember(hub.store, 'p@example.org', 'pages', 'engineer'));
    const user = (await hub.store.findUserByEmail('p@example.org'))!.id;
    const random = seeded(5);
    const texts = ['x', 'é', '😀', 'Mühlenweg', '"quoted"', 'a\\b'];
    const messages = messageFactory('7777777777777777').make(400).map((m, i) => ({
      ...m,
      row: i % 5 === 0 ? `ré-${i}` : m.row,
      value: JSON.stringify(texts[i % texts.length]!.repeat(1 + Math.floor(random() * (i % 17 === 0 ? 3000 : 40)))),
    }));
    // Pushed in parts, some twice: the duplicates leave gaps in the numbering (also at the end).
    await hub.store.push(workspace, 'laptop', user, messages.slice(0, 150));
    await hub.store.push(workspace, 'laptop', user, messages.slice(100, 300));
    await hub.store.push(workspace, 'laptop', user, messages.slice(300));
    await hub.store.push(workspace, 'laptop', user, messages.slice(350));
    ({ messages: all } = await hub.store.pull(workspace, 0, 1_000_000));
    head = await hub.store.head(workspace);
    assert.equal(all.length, 400);
    assert.ok(head > all.at(-1)!.seq, 'a gap at the end');
  });
  after(async () => {
    await hub?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  function expected(since: number, limit: number, budget: number) {
    const rest = all.filter((m) => m.seq > since);
    const page: StoredMessage[] = [];
    let used = 0;
    for (const m of rest.slice(0, limit)) {
      if (page.length > 0 && used + size(m) > budget) break;
      used += size(m);
      page.push(m);
    }
    const done = page.length === rest.length;
    return { messages: page, cursor: done ? Math.max(page.at(-1)?.seq ?? since, head) : page.at(-1)!.seq, done };
  }

  it('every page is the longest run within the limit and the byte budget', async () => {
    const random = seeded(11);
    const seqs = [0, ...all.map((m) => m.seq)];
    for (let k = 0; k < 300; k++) {
      const since = seqs[Math.floor(random() * seqs.length)]!;
      const limit = 1 + Math.floor(random() * (k % 3 === 0 ? 500 : 30));
      const budget = k % 4 === 0 ? Number.POSITIVE_INFINITY : 50 + Math.floor(random() * 20_000);
      const got = await hub.store.pull(workspace, since, limit, budget);
      assert.deepEqual(got, expected(since, limit, budget), `since ${since}, limit ${limit}, budget ${budget}`);
    }
  });

  it('paging with a small budget gets every message once, in order, and ends at the head', async () => {
    const seen: StoredMessage[] = [];
    let cursor = 0;
    for (let pages = 0; ; pages++) {
      assert.ok(pages < 1000);
      const page = await hub.store.pull(workspace, cursor, 50, 3000);
      seen.push(...page.messages);
      cursor = page.cursor;
      if (page.done) break;
    }
    assert.deepEqual(seen, all);
    assert.equal(cursor, head);
    const empty = await hub.store.pull(workspace, cursor, 50, 3000);
    assert.deepEqual(empty, { messages: [], cursor: head, done: true });
  });
});
