/**
 * The local replica on real SQLite files: local changes become per-field messages, two replicas
 * that exchange their outboxes (no hub here: the hub's relaying is E1's and the convergence suite's
 * business) converge by last-writer-wins, tombstones, private organizations stay home, invalid
 * merged records become sync problems instead of errors.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LocalReplica } from './replica.ts';
import { tempReplicas } from './temp-replicas.ts';

const replica = tempReplicas('replica');

const org = { id: 'org-1', name: 'Acme Paper', sector: 'Paper', sharing: 'partners' as const };
const site = { id: 'site-1', organization_id: 'org-1', name: 'Mill', country: 'DE', lat: 51.23, lon: 6.78 };
const flow = { id: 'flow-1', site_id: 'site-1', direction: 'supply' as const, type: 'heat' as const, name: 'Dryer exhaust', quantity: { amount: 20, unit: 'GWh/yr' } };

/** Moves everything a's outbox holds into b (what a push and a pull through a hub amount to). */
async function ship(from: LocalReplica, to: LocalReplica): Promise<number> {
  const messages = await from.outbox(100_000);
  await from.acknowledge(messages.map((m) => m.timestamp));
  const cursor = (await to.cursor()) + 1;
  return (await to.apply(messages, cursor)).applied;
}

describe('local replica', () => {
  test('a local create becomes one message per field with increasing HLC timestamps', async () => {
    const a = await replica();
    await a.repo.createOrganization(org);
    const messages = await a.outbox(100);
    assert.deepEqual(messages.map((m) => m.column), ['id', 'name', 'sector', 'sharing']);
    const node = await a.nodeId();
    assert.ok(messages.every((m) => m.timestamp.endsWith(node) && m.dataset === 'organization' && m.row === 'org-1'));
    assert.deepEqual([...messages.map((m) => m.timestamp)].sort(), messages.map((m) => m.timestamp));
    assert.equal(new Set(messages.map((m) => m.timestamp)).size, 4);
    assert.equal(await a.pending(), 4);
    await a.acknowledge(messages.map((m) => m.timestamp));
    assert.equal(await a.pending(), 0);
  });

  test('two replicas converge; applying the same page twice changes nothing', async () => {
    const a = await replica();
    const b = await replica();
    await a.repo.createOrganization(org);
    await a.repo.createSite(site);
    await a.repo.createFlow(flow);
    const messages = await a.outbox(1000);
    const first = await b.apply(messages, 1);
    assert.equal(first.applied, messages.length);
    assert.deepEqual(await b.repo.exportDocument(), await a.repo.exportDocument());
    const again = await b.apply(messages, 2);
    assert.equal(again.applied, 0);
    assert.deepEqual(await b.repo.exportDocument(), await a.repo.exportDocument());
    // What b received is not shipped back.
    assert.equal(await b.pending(), 0);
    assert.equal(await b.cursor(), 2);
  });

  test('conflicting edits of one field: the later edit wins on both sides, other fields merge', async () => {
    const a = await replica();
    const b = await replica();
    await a.repo.createOrganization(org);
    await ship(a, b);
    await a.repo.updateOrganization('org-1', { name: 'Acme (a)' });
    await b.repo.updateOrganization('org-1', { sector: 'Pulp' });
    await new Promise((r) => setTimeout(r, 5));
    await b.repo.updateOrganization('org-1', { name: 'Acme (b, later)' });
    await ship(a, b);
    await ship(b, a);
    const docA = await a.repo.exportDocument();
    const docB = await b.repo.exportDocument();
    assert.deepEqual(docA, docB);
    assert.equal(docA.organizations[0]!.name, 'Acme (b, later)');
    assert.equal(docA.organizations[0]!.sector, 'Pulp');
  });

  test('an older remote message loses against an unshipped local edit', async () => {
    const a = await replica();
    const b = await replica();
    await a.repo.createOrganization(org);
    await ship(a, b);
    await a.repo.updateOrganization('org-1', { name: 'older, from a' });
    const older = await a.outbox(100);
    await new Promise((r) => setTimeout(r, 5));
    await b.repo.updateOrganization('org-1', { name: 'newer, local to b' });
    await b.apply(older, 5);
    assert.equal((await b.repo.getOrganization('org-1')).name, 'newer, local to b');
  });

  test('a delete reaches the other replica; a later edit elsewhere brings the record back', async () => {
    const a = await replica();
    const b = await replica();
    await a.repo.createOrganization(org);
    await a.repo.createSite(site);
    await ship(a, b);
    await a.repo.deleteSite('site-1');
    await ship(a, b);
    assert.equal((await b.repo.exportDocument()).sites.length, 0);
    const history = await b.history('site', 'site-1');
    assert.equal(history[0]!.op, 'delete');
    assert.equal(history[0]!.origin, 'remote');
    // c edited the site without having seen the delete, later than it: the edit wins everywhere.
    const c = await replica();
    await c.repo.createOrganization(org);
    await c.repo.createSite(site);
    await c.acknowledge((await c.outbox(100)).map((m) => m.timestamp));
    await new Promise((r) => setTimeout(r, 5));
    await c.repo.updateSite('site-1', { name: 'Mill (renamed)' });
    await ship(c, b);
    await ship(b, c);
    assert.equal((await b.repo.getSite('site-1')).name, 'Mill (renamed)');
    assert.deepEqual(await b.repo.exportDocument(), await c.repo.exportDocument());
  });

  test('a site whose organization was deleted elsewhere becomes a sync problem, not an error', async () => {
    const a = await replica();
    const b = await replica();
    await a.repo.createOrganization(org);
    await ship(a, b);
    await a.repo.deleteOrganization('org-1');
    await b.repo.createSite(site);
    await ship(a, b);
    await ship(b, a);
    assert.deepEqual(await a.repo.exportDocument(), await b.repo.exportDocument());
    assert.equal((await b.repo.exportDocument()).sites.length, 0);
    const problems = await b.problems();
    assert.equal(problems.length, 1);
    assert.match(problems[0]!.message, /organization "org-1" is not here/);
    assert.deepEqual((await a.problems()).map((p) => p.row), ['site-1']);
  });

  test('an invalid merged record is kept as a problem and applied once a later change fixes it', async () => {
    const a = await replica();
    const b = await replica();
    await a.repo.createOrganization(org);
    await ship(a, b);
    // trust must lie between 0 and 1: the hub relays values without interpreting them.
    const bad = { timestamp: `${new Date(Date.now() + 1000).toISOString()}-0000-00000000000000aa`, dataset: 'organization', row: 'org-1', column: 'trust', value: '7' };
    const outcome = await b.apply([bad], 10);
    assert.equal(outcome.problems, 1);
    const [problem] = await b.problems();
    assert.match(problem!.message, /trust/);
    // Not in the table any more, but nothing is lost: a later fix brings it back.
    assert.equal((await b.repo.exportDocument()).organizations.length, 0);
    const fix = { ...bad, timestamp: new Date(Date.now() + 2000).toISOString() + '-0000-00000000000000aa', value: '0.5' };
    await b.apply([fix], 11);
    assert.equal((await b.repo.getOrganization('org-1')).trust, 0.5);
    assert.equal((await b.problems()).length, 0);
  });

  test('a private organization and everything under it never leave; becoming shared sends it all', async () => {
    const a = await replica();
    await a.repo.createOrganization({ ...org, sharing: 'private' });
    await a.repo.createSite(site);
    await a.repo.createFlow(flow);
    await a.repo.createOrganization({ ...org, id: 'org-2', name: 'Open Co', sharing: 'public' });
    const outbox = await a.outbox(1000);
    assert.deepEqual([...new Set(outbox.map((m) => m.row))], ['org-2']);
    await a.repo.updateOrganization('org-1', { sharing: 'partners' });
    const after = await a.outbox(1000);
    assert.deepEqual([...new Set(after.map((m) => m.row))].sort(), ['flow-1', 'org-1', 'org-2', 'site-1']);
    const b = await replica();
    await b.apply(after, 1);
    assert.deepEqual(await b.repo.exportDocument(), await a.repo.exportDocument());
  });

  test('records arrive as written whether a page creates them whole or they span pages', async () => {
    const a = await replica();
    // Text JSON makes tricky, lone surrogates included (written through bound parameters).
    const name = 'Mühle "Nord" \\ \n 😀 lone \ud800 end';
    await a.repo.createOrganization({ ...org, name, employees: 2147483648, trust: 0.1 + 0.2 });
    await a.repo.createOrganization({ ...org, id: 'org-2', name: 'Plain' });
    await a.repo.createSite({ ...site, name: 'Site \udc00', lat: 5e-324 });
    await a.repo.createFlow(flow);
    // An edit of the same fields: the page carries the older and the newer value of each.
    await a.repo.updateOrganization('org-2', { name: 'Plain (renamed)', sector: 'Glass' });
    await a.repo.updateFlow('flow-1', { name: 'Dryer exhaust (2)' });
    const messages = await a.outbox(1000);
    const whole = await replica();
    await whole.apply(messages, 1);
    const paged = await replica();
    for (let i = 0; i < messages.length; i += 5) await paged.apply(messages.slice(i, i + 5), i + 1);
    const expected = await a.repo.exportDocument();
    assert.deepEqual(await whole.repo.exportDocument(), expected);
    assert.deepEqual(await paged.repo.exportDocument(), expected);
    assert.equal((await whole.repo.getOrganization('org-1')).name, 'Mühle "Nord" \\ \n 😀 lone \ufffd end');
    assert.equal((await whole.repo.getOrganization('org-2')).name, 'Plain (renamed)');
    assert.deepEqual(await whole.cellsDump(), await a.cellsDump());
    assert.deepEqual(await paged.cellsDump(), await a.cellsDump());
    const history = await whole.history('organization', 'org-1');
    assert.equal(history[0]!.origin, 'remote');
    // The change log keeps the fields as JSON text: the escape, as the message carried it.
    assert.equal(history[0]!.fields.name, name);
  });

  test('a merkle repair re-queues only this replica\'s own messages, never a colleague\'s', async () => {
    const a = await replica();
    const b = await replica();
    await a.repo.createOrganization(org);
    await ship(a, b);
    await b.repo.createSite(site);
    const own = await b.outbox(100);
    await b.acknowledge(own.map((m) => m.timestamp));
    assert.equal(await b.pending(), 0);
    // b holds a's four organisation messages and its own site messages, all pushed.
    const requeued = await b.requeueSince(0);
    assert.equal(requeued, own.length);
    const again = await b.outbox(100);
    const node = await b.nodeId();
    assert.deepEqual(again.map((m) => m.timestamp).sort(), own.map((m) => m.timestamp).sort());
    assert.ok(again.every((m) => m.timestamp.endsWith(node)));
  });

  test('history names who changed which field, local and remote', async () => {
    const a = await replica();
    const b = await replica();
    await a.setActor('anna@example.org');
    await a.repo.createOrganization(org);
    await a.repo.updateOrganization('org-1', { name: 'Acme Paper GmbH' });
    await ship(a, b);
    const local = await a.history('organization', 'org-1');
    assert.deepEqual(local.map((h) => [h.actor, h.origin, Object.keys(h.fields)]), [
      ['anna@example.org', 'local', ['name']],
      ['anna@example.org', 'local', ['id', 'name', 'sector', 'sharing']],
    ]);
    const remote = await b.history('organization', 'org-1');
    assert.equal(remote[0]!.actor, 'anna@example.org');
    assert.equal(remote[0]!.origin, 'remote');
  });
});
