/**
 * Applying hub pages under attack (issue #14), on real SQLite replicas: whatever a hostile member
 * or a wrong clock puts in a page, the page is applied (the cursor moves), the bad message becomes
 * a sync problem for its record, and nothing touches this laptop's private records. Each test
 * reproduces an attack that stopped sync, won forever or changed private data before the fix.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { formatTimestamp } from '../../sync/protocol/hlc.ts';
import { build, diff } from '../../sync/protocol/merkle.ts';
import type { PulledMessage } from '../../sync/protocol/messages.ts';
import type { LocalReplica } from './replica.ts';
import { tempReplicas } from './temp-replicas.ts';

const replica = tempReplicas('apply');

const MALLORY = '00000000000000bb';
const org = { id: 'org-1', name: 'Acme Paper', sector: 'Paper', sharing: 'partners' as const };
const site = { id: 'site-1', organization_id: 'org-1', name: 'Mill', country: 'DE', lat: 51.23, lon: 6.78 };
const flow = { id: 'flow-1', site_id: 'site-1', direction: 'supply' as const, type: 'heat' as const, name: 'Dryer exhaust', quantity: { amount: 20, unit: 'GWh/yr' } };

/** A message of Mallory's, `offsetMs` from now, with its own counter so every stamp is unique. */
let counter = 0;
function from(node: string, offsetMs: number, dataset: string, row: string, column: string, value: unknown): PulledMessage {
  return { timestamp: formatTimestamp({ millis: Date.now() + offsetMs, counter: counter++ % 0xffff, node }), dataset, row, column, value: JSON.stringify(value) };
}
const mallory = (offsetMs: number, dataset: string, row: string, column: string, value: unknown) => from(MALLORY, offsetMs, dataset, row, column, value);

/** Moves everything a's outbox holds into b (what a push and a pull through a hub amount to). */
async function ship(a: LocalReplica, b: LocalReplica): Promise<void> {
  const messages = await a.outbox(100_000);
  await a.acknowledge(messages.map((m) => m.timestamp));
  await b.apply(messages, (await b.cursor()) + 1);
}

/** The LWW cell of one field (what the merkle check and every other laptop agree on). */
async function cell(r: LocalReplica, dataset: string, row: string, column: string): Promise<string | undefined> {
  return r.repo.write(async (w) => (await w.tx.selectFrom('sync_fields').select('value').where('dataset', '=', dataset).where('row', '=', row).where('column', '=', column).executeTakeFirst())?.value);
}

/** A shared organization (with a site) that b received from a. */
async function sharedPair() {
  const a = await replica();
  const b = await replica();
  await a.repo.createOrganization(org);
  await a.repo.createSite(site);
  await ship(a, b);
  return { a, b };
}

describe('a hostile page never stops sync', () => {
  test('a timestamp with second 99 is a problem of its record; the page and the cursor move on', async () => {
    const { b } = await sharedPair();
    const good = mallory(0, 'organization', 'org-1', 'name', 'Acme (renamed)');
    const bogus = { ...mallory(0, 'organization', 'org-1', 'sector', 'Bogus'), timestamp: `${good.timestamp.slice(0, 17)}99.999Z-0000-${MALLORY}` };
    const outcome = await b.apply([bogus, good], 7);
    assert.equal(await b.cursor(), 7);
    assert.equal((await b.repo.getOrganization('org-1')).name, 'Acme (renamed)');
    assert.equal((await b.repo.getOrganization('org-1')).sector, 'Paper');
    assert.ok(outcome.problems >= 1);
    const problem = (await b.problems()).find((p) => p.row === 'org-1');
    assert.match(problem?.message ?? '', /skipped.*not an HLC timestamp/);
  });

  test('a node.actor nested 32,000 deep and a field nested too deep are problems, not a stack overflow', async () => {
    const { b } = await sharedPair();
    const deep = JSON.parse('['.repeat(32_000) + ']'.repeat(32_000)) as unknown;
    const page: unknown[] = [
      { ...mallory(0, 'node', MALLORY, 'actor', null), value: '['.repeat(32_000) + ']'.repeat(32_000) },
      { ...mallory(0, 'flow', 'flow-x', 'temporal', null), value: '{"a":'.repeat(40) + '1' + '}'.repeat(40) },
      mallory(0, 'organization', 'org-1', 'name', 'Acme (after the deep ones)'),
    ];
    assert.ok(Array.isArray(deep));
    await b.apply(page as PulledMessage[], 9);
    assert.equal(await b.cursor(), 9);
    assert.equal((await b.repo.getOrganization('org-1')).name, 'Acme (after the deep ones)');
    const problems = await b.problems();
    assert.match(problems.find((p) => p.dataset === 'node')?.message ?? '', /nested more than 32 levels/);
    assert.match(problems.find((p) => p.row === 'flow-x')?.message ?? '', /nested more than 32 levels/);
    // Mallory's change still says who made it, without his unusable actor.
    const history = await b.history('organization', 'org-1');
    assert.equal(typeof history[0]!.actor, 'string');
  });

  test('anything else unusable in a message (not an object, wrong types, unknown dataset) is skipped with a reason', async () => {
    const { b } = await sharedPair();
    const page: unknown[] = [null, 'text', 42, { timestamp: 1 }, { ...mallory(0, 'organization', 'org-1', 'name', 'x'), extra: 1 }, mallory(0, 'organization', 'org-1', 'trust', 'high'), mallory(0, 'organization', 'org-1', 'notes', 'still applied')];
    await b.apply(page as PulledMessage[], 3);
    assert.equal(await b.cursor(), 3);
    const problems = await b.problems();
    assert.ok(problems.some((p) => p.dataset === 'message'), 'a message with no record to name is a problem of its own');
    // trust "high" makes the merged record invalid: out of the table, a problem, nothing lost.
    assert.match(problems.find((p) => p.row === 'org-1' && p.kind === 'record')?.message ?? '', /trust/);
    assert.match(problems.find((p) => p.row === 'org-1' && p.kind === 'message')?.message ?? '', /skipped/);
    assert.equal(await cell(b, 'organization', 'org-1', 'notes'), '"still applied"');
  });
});

describe('a hostile page never stops sync (clock and trie)', () => {
  test('a counter at its maximum does not overflow this clock', async () => {
    const { b } = await sharedPair();
    const now = Date.now();
    const page = [{ ...mallory(0, 'organization', 'org-1', 'name', 'Max counter'), timestamp: formatTimestamp({ millis: now, counter: 0xffff, node: MALLORY }) }];
    await b.apply(page, 3);
    assert.equal(await b.cursor(), 3);
    await b.repo.updateOrganization('org-1', { name: 'Later, here' });
    const [mine] = (await b.outbox(10)).filter((m) => m.column === 'name');
    assert.ok(mine && mine.timestamp > page[0]!.timestamp, 'a later local edit sorts after it');
    assert.equal((await b.repo.getOrganization('org-1')).name, 'Later, here');
  });

  test('messages kept aside (private here, refused) count in the trie, as the hub holds them', async () => {
    const a = await replica();
    await a.repo.createOrganization({ ...org, sharing: 'private' });
    const page: PulledMessage[] = [
      mallory(0, 'organization', 'org-1', 'name', 'Private here'),
      { ...mallory(0, 'organization', 'org-2', 'name', null), value: '['.repeat(40) + ']'.repeat(40) },
      mallory(0, 'organization', 'org-3', 'name', 'Fine'),
    ];
    await a.apply(page, 3);
    assert.equal(diff(await a.merkle(), build(page.map((m) => m.timestamp))), null);
    // Read again (a merkle repair re-reads the workspace): decided once, the trie unchanged.
    await a.apply(page, 3);
    assert.equal(diff(await a.merkle(), build(page.map((m) => m.timestamp))), null);
  });
});

describe('the outbox holds only what the hub takes', () => {
  test('a local change stamped ahead of this clock waits; one the protocol refuses stays home without blocking the rest', async () => {
    const a = await replica();
    await a.repo.createOrganization(org);
    const later = Date.now() - 10 * 60_000;
    a.now = () => later; // the computer's clock was set back by ten minutes
    assert.deepEqual(await a.outbox(100), []);
    a.now = Date.now;
    assert.equal((await a.outbox(100)).length, 4);
    // A value the protocol refuses (written into the log as another version might have).
    await a.repo.write((w) => sql`UPDATE sync_messages SET value = ${'['.repeat(40) + ']'.repeat(40)} WHERE "column" = 'sector'`.execute(w.tx));
    const outbox = await a.outbox(100);
    assert.deepEqual(outbox.map((m) => m.column), ['id', 'name', 'sharing']);
    assert.match((await a.problems()).find((p) => p.row === 'org-1')?.message ?? '', /cannot be shared/);
    assert.equal(await a.pending(), 3);
  });
});

describe('a wrong clock never wins forever', () => {
  test('a message far ahead of the local clock is held aside, reported, and applied once the clock reaches it', async () => {
    const { b } = await sharedPair();
    let now = Date.now();
    b.now = () => now;
    const ahead = mallory(10 * 60_000, 'organization', 'org-1', 'name', 'From the future');
    await b.apply([ahead], 4);
    assert.equal(await b.cursor(), 4);
    assert.equal((await b.repo.getOrganization('org-1')).name, 'Acme Paper', 'not applied');
    assert.equal(await cell(b, 'organization', 'org-1', 'name'), '"Acme Paper"', 'not in the cells');
    assert.equal(await b.waiting(), 1);
    assert.match((await b.problems()).find((p) => p.row === 'org-1')?.message ?? '', /held: its clock is 10 min ahead/);
    // A later local edit wins over nothing it cannot see; the held message is newer and wins later.
    now += 9 * 60_000 - 1000; // 61 s before it: still held
    assert.deepEqual(await b.applyDue(), { applied: 0, problems: 0 });
    assert.equal(await b.waiting(), 1);
    now += 2000; // 59 s before it: within the minute the hub allows too
    // A round asks even when the hub has no page for it (a quiet workspace).
    assert.equal((await b.applyDue()).applied, 1);
    assert.equal(await b.cursor(), 4);
    assert.equal((await b.repo.getOrganization('org-1')).name, 'From the future');
    assert.equal(await b.waiting(), 0);
    assert.equal((await b.problems()).find((p) => p.row === 'org-1'), undefined, 'the held problem is gone');
  });

  test('year 9999 cannot beat later corrections: the author\'s table and its LWW cell agree', async () => {
    const { a, b } = await sharedPair();
    const forever = { ...mallory(0, 'organization', 'org-1', 'name', 'Mallory forever'), timestamp: `2051-11-05T13:20:59.999Z-0000-${MALLORY}` };
    await b.apply([forever], 5);
    await b.repo.updateOrganization('org-1', { name: 'Corrected by b' });
    await b.outbox(1000); // stages
    assert.equal((await b.repo.getOrganization('org-1')).name, 'Corrected by b');
    assert.equal(await cell(b, 'organization', 'org-1', 'name'), '"Corrected by b"');
    await ship(b, a);
    assert.equal((await a.repo.getOrganization('org-1')).name, 'Corrected by b');
  });

  test('a cell already ahead (stored before the fix) cannot leave the table disagreeing with it', async () => {
    const { b } = await sharedPair();
    await b.repo.write((w) => sql`UPDATE sync_fields SET timestamp = ${`2051-01-01T00:00:00.000Z-0000-${MALLORY}`}, value = '"Stale future"' WHERE dataset = 'organization' AND row = 'org-1' AND "column" = 'name'`.execute(w.tx));
    await b.repo.updateOrganization('org-1', { name: 'Edited here' });
    await b.outbox(1000);
    assert.equal(JSON.stringify((await b.repo.getOrganization('org-1')).name), await cell(b, 'organization', 'org-1', 'name'));
  });
});

describe('remote messages never touch private records', () => {
  test('edits, deletes and a "public" sharing of a private organization, its site and flow are ignored', async () => {
    const a = await replica();
    await a.repo.createOrganization({ ...org, sharing: 'private' });
    await a.repo.createSite(site);
    await a.repo.createFlow(flow);
    assert.deepEqual(await a.outbox(100), []);
    const before = await a.repo.exportDocument();
    await a.apply(
      [
        mallory(0, 'organization', 'org-1', 'name', 'Taken over'),
        mallory(0, 'organization', 'org-1', 'sharing', 'public'),
        mallory(0, 'site', 'site-1', 'name', 'Renamed'),
        mallory(0, 'flow', 'flow-1', '__deleted', true),
        // A site of someone else's moved under the private organization.
        mallory(0, 'site', 'site-m', 'organization_id', 'org-1'),
        mallory(0, 'site', 'site-m', 'name', 'Planted'),
        mallory(0, 'site', 'site-m', 'country', 'DE'),
        mallory(0, 'site', 'site-m', 'lat', 51),
        mallory(0, 'site', 'site-m', 'lon', 7),
      ],
      3,
    );
    assert.equal(await a.cursor(), 3);
    assert.deepEqual(await a.repo.exportDocument(), before);
    assert.equal(await cell(a, 'organization', 'org-1', 'sharing'), '"private"');
    // The next edit of the private organization still leaves nothing for the hub.
    await a.repo.updateOrganization('org-1', { notes: 'still mine' });
    assert.deepEqual(await a.outbox(100), []);
    assert.match((await a.problems()).find((p) => p.row === 'org-1')?.message ?? '', /private/);
  });

  test('a remote "private" never makes a shared organization private here', async () => {
    const { a, b } = await sharedPair();
    await b.apply([mallory(0, 'organization', 'org-1', 'sharing', 'private')], 9);
    assert.equal((await b.repo.getOrganization('org-1')).sharing, 'partners');
    await b.repo.updateOrganization('org-1', { notes: 'shared as before' });
    assert.ok((await b.outbox(100)).some((m) => m.column === 'notes'));
    assert.ok(a);
  });
});

describe('records are built from known columns only', () => {
  test('a __proto__ column feeds no field; an unknown column does not take a shared record away', async () => {
    const { b } = await sharedPair();
    await b.apply([mallory(0, 'organization', 'org-1', '__proto__', { notes: 'injected', legal_form: 'GmbH' }), mallory(0, 'organization', 'org-1', 'colour', 'red')], 5);
    const record = await b.repo.getOrganization('org-1');
    assert.equal(record.notes, undefined);
    assert.equal(record.legal_form, undefined);
    assert.equal(record.name, 'Acme Paper', 'still in its table');
    const problem = (await b.problems()).find((p) => p.row === 'org-1');
    assert.match(problem?.message ?? '', /colour/);
  });
});

describe('history names the hub\'s user', () => {
  test('the user the hub recorded wins over the node\'s self-declared actor', async () => {
    const { b } = await sharedPair();
    await b.apply([mallory(0, 'node', MALLORY, 'actor', 'ceo@example.org')], 2);
    await b.apply([{ ...mallory(0, 'organization', 'org-1', 'name', 'Renamed by ana'), user: 'ana@example.org' }], 3);
    const history = await b.history('organization', 'org-1');
    assert.equal(history[0]!.actor, 'ana@example.org');
    // From an old hub (no user), the node's claim is all there is.
    await b.apply([mallory(0, 'organization', 'org-1', 'name', 'Renamed again')], 4);
    assert.equal((await b.history('organization', 'org-1'))[0]!.actor, 'ceo@example.org');
  });
});
