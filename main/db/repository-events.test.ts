/**
 * The repository's change events on real SQLite files: what each committed write announces, once,
 * after its commit; nothing for a write that rolled back; several listeners; and the same events
 * for every way a flow changes (an edit, an import, a hub page applied, the ingest's measured rule,
 * a site that moved, an organization whose trust changed).
 *
 *   node --import tsx --test main/db/repository-events.test.ts
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { tempReplicas } from '../sync/temp-replicas.ts';
import { flows } from './entities.ts';
import { ValidationError } from './errors.ts';
import type { FlowsChanged, LocalChange } from './repository-events.ts';
import { Repository } from './repository.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-repo-events-'));
after(() => rmSync(folder, { recursive: true, force: true }));
const replica = tempReplicas('repo-events');
let n = 0;

const org = { id: 'org-1', name: 'Acme Paper', sector: 'Paper', trust: 0.8 };
const site = { id: 'site-1', organization_id: 'org-1', name: 'Mill', country: 'DE', lat: 51.23, lon: 6.78, kind: 'plant' as const };
const flow = (id: string, direction: 'supply' | 'demand' = 'supply') => ({
  id,
  site_id: 'site-1',
  direction,
  type: 'heat' as const,
  name: `Flow ${id}`,
  quantity: { amount: 20, unit: 'GWh/yr' },
  quality: { temperature_c: { min: 70, max: 90 } },
});

/** Every event the repository announces, in order. */
function listen(repo: Repository) {
  const heard: (['flowsChanged', FlowsChanged] | ['localChange', LocalChange])[] = [];
  const stops = [repo.events.on('flowsChanged', (e) => void heard.push(['flowsChanged', e])), repo.events.on('localChange', (e) => void heard.push(['localChange', e]))];
  return {
    heard,
    flows: () => heard.filter((h) => h[0] === 'flowsChanged').map((h) => h[1] as FlowsChanged),
    local: () => heard.filter((h) => h[0] === 'localChange').length,
    clear: () => void heard.splice(0),
    stop: () => stops.forEach((s) => s()),
  };
}

async function seeded(): Promise<Repository> {
  const repo = await Repository.open(join(folder, `r${n++}.db`));
  await repo.createOrganization(org);
  await repo.createSite(site);
  await repo.createFlow(flow('flow-1'));
  await repo.createFlow(flow('flow-2', 'demand'));
  return repo;
}

describe('repository change events', () => {
  test('a committed flow edit announces the flow once, after its commit, and a local change once', async () => {
    const repo = await seeded();
    const events = listen(repo);
    // The listener reads on a read connection, which sees committed writes only: it sees the edit.
    let readWhenHeard: Promise<{ quantity: { amount: number } }> | undefined;
    const stop = repo.events.on('flowsChanged', () => void (readWhenHeard = repo.getFlow('flow-1')));
    await repo.updateFlow('flow-1', { quantity: { amount: 30, unit: 'GWh/yr' } });
    assert.deepEqual(events.heard, [
      ['flowsChanged', { flowIds: ['flow-1'], origin: 'local' }],
      ['localChange', { entries: 1 }],
    ]);
    assert.equal((await readWhenHeard!).quantity.amount, 30);
    stop();
    events.clear();
    await repo.createFlow(flow('flow-3'));
    await repo.deleteFlow('flow-3');
    assert.deepEqual(events.flows(), [
      { flowIds: ['flow-3'], origin: 'local' },
      { flowIds: ['flow-3'], origin: 'local' },
    ]);
    assert.equal(events.local(), 2);
    await repo.close();
  });

  test('a write that rolls back announces nothing', async () => {
    const repo = await seeded();
    const events = listen(repo);
    // Refused by the store (a mass unit for heat): nothing written, nothing announced.
    await assert.rejects(repo.updateFlow('flow-1', { quantity: { amount: 5, unit: 't/month' } }), ValidationError);
    // Written, then the transaction fails after the write: rolled back with it.
    await assert.rejects(
      repo.write(async (w) => {
        await flows.update(w, 'flow-1', { name: 'Never stored' });
        await flows.create(w, flow('flow-4'));
        throw new Error('the disk is full');
      }),
      /the disk is full/,
    );
    assert.equal((await repo.getFlow('flow-1')).name, 'Flow flow-1');
    assert.deepEqual(events.heard, []);
    // Two flows in one committed transaction: one event naming both.
    await repo.write(async (w) => {
      await flows.update(w, 'flow-1', { name: 'Stored' });
      await flows.create(w, flow('flow-4'));
    });
    assert.deepEqual(events.flows(), [{ flowIds: ['flow-1', 'flow-4'], origin: 'local' }]);
    assert.equal(events.local(), 1);
    await repo.close();
  });

  test('several listeners hear each event; one that fails neither silences the others nor fails the write', async () => {
    const repo = await seeded();
    const first: string[][] = [];
    const second: string[][] = [];
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void errors.push(args);
    try {
      const stopFirst = repo.events.on('flowsChanged', (e) => void first.push(e.flowIds));
      repo.events.on('flowsChanged', () => {
        throw new Error('a listener bug');
      });
      repo.events.on('flowsChanged', () => Promise.reject(new Error('an async listener bug')));
      repo.events.on('flowsChanged', (e) => void second.push(e.flowIds));
      assert.equal(repo.events.listenerCount('flowsChanged'), 4);
      const saved = await repo.updateFlow('flow-2', { name: 'Still saved' });
      assert.equal(saved.name, 'Still saved');
      assert.deepEqual(first, [['flow-2']]);
      assert.deepEqual(second, [['flow-2']]);
      stopFirst();
      await repo.updateFlow('flow-2', { name: 'Saved again' });
      assert.deepEqual(first, [['flow-2']], 'a removed listener hears nothing more');
      assert.deepEqual(second, [['flow-2'], ['flow-2']]);
      await new Promise((resolve) => setImmediate(resolve)); // the rejected promise is reported on its own turn
      assert.equal(errors.length, 4, 'each failure is logged');
      assert.match(String((errors[0] as unknown[])[0]), /"flowsChanged" event failed \(the write itself is committed\)/);
    } finally {
      console.error = original;
    }
    await repo.close();
  });

  test("an import announces its flows once, as an import; a site's move and an organization's trust announce their flows", async () => {
    const repo = await Repository.open(join(folder, `r${n++}.db`));
    const events = listen(repo);
    const summary = await repo.importDocument({ organizations: [org], sites: [site], flows: [flow('flow-1'), flow('flow-2', 'demand')] } as never);
    assert.equal(summary.created, 4);
    assert.deepEqual(events.flows(), [{ flowIds: ['flow-1', 'flow-2'], origin: 'import' }]);
    assert.equal(events.local(), 1);

    events.clear();
    await repo.updateSite('site-1', { name: 'Mill 2' });
    await repo.updateOrganization('org-1', { name: 'Acme Paper AG' });
    assert.deepEqual(events.flows(), [], 'a name is not a matching input');
    assert.equal(events.local(), 2, 'but still a change to push');
    await repo.updateSite('site-1', { lat: 51.3 });
    await repo.updateOrganization('org-1', { trust: 0.5 });
    assert.deepEqual(
      events.flows().map((e) => ({ ...e, flowIds: e.flowIds.sort() })),
      [
        { flowIds: ['flow-1', 'flow-2'], origin: 'local' },
        { flowIds: ['flow-1', 'flow-2'], origin: 'local' },
      ],
    );

    events.clear();
    await repo.updateFlow('flow-1', { precision: 'measured' }, undefined, { origin: 'ingest' });
    assert.deepEqual(events.flows(), [{ flowIds: ['flow-1'], origin: 'ingest' }]);
    // Settings and other writes without a synced entity announce nothing.
    events.clear();
    await repo.setSetting('workflow.alert_threshold', 0.7);
    await repo.write(async () => undefined);
    assert.deepEqual(events.heard, []);
    await repo.close();
  });

  test('a hub page applied announces its flows as synced, and no local change', async () => {
    const partner = await replica();
    const laptop = await replica();
    let cursor = 1;
    const ship = async () => {
      const messages = await partner.outbox(100_000);
      await partner.acknowledge(messages.map((m) => m.timestamp));
      await laptop.apply(messages, cursor++);
    };
    await partner.repo.createOrganization(org);
    await partner.repo.createSite(site);
    await partner.repo.createFlow(flow('flow-1'));
    await partner.repo.createFlow(flow('flow-2', 'demand'));
    const events = listen(laptop.repo);
    await ship();
    assert.deepEqual(
      events.flows().map((e) => ({ ...e, flowIds: e.flowIds.sort() })),
      [{ flowIds: ['flow-1', 'flow-2'], origin: 'sync' }],
    );
    assert.equal(events.local(), 0, 'applied changes are not pushed back');

    events.clear();
    await partner.repo.updateFlow('flow-2', { quantity: { amount: 40, unit: 'GWh/yr' } });
    await partner.repo.updateSite('site-1', { lon: 6.9 });
    await ship();
    assert.equal(events.flows().length, 1, 'one page, one event');
    assert.deepEqual(events.flows()[0]!.flowIds.sort(), ['flow-1', 'flow-2']);
    assert.equal(events.flows()[0]!.origin, 'sync');
    events.stop();
  });
});
