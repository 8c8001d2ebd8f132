/**
 * Staging computes the messages in SQL (json_each over change_log). These tests hold it to the
 * definition, `messagesOfEntry` over every staged entry: the same timestamps, columns and value
 * texts, byte for byte, including values JSON makes tricky and the entries staged the JS way
 * (written before migration 5, odd field names, a counter that carries into the next millisecond).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import type { ChangeMessage } from '../../sync/protocol/messages.ts';
import type { LocalReplica } from './replica.ts';
import { tempReplicas } from './temp-replicas.ts';
import { messagesOfEntry } from './stage.ts';

const replica = tempReplicas('stage');

const text = (m: ChangeMessage) => `${m.timestamp} ${m.dataset}/${m.row}/${m.column} = ${m.value}`;

/** What staging must have produced: every local entry's messages (by definition), and the cells. */
async function expected(r: LocalReplica): Promise<{ messages: string[]; cells: string[] }> {
  return r.repo.write(async (w) => {
    const entries = await w.tx
      .selectFrom('change_log')
      .select(['entity', 'entity_id', 'op', 'fields', 'hlc'])
      .where('origin', '=', 'local')
      .where('entity', 'in', ['organization', 'site', 'flow'])
      .orderBy('seq')
      .execute();
    const messages = entries.flatMap((e) => messagesOfEntry({ ...e, hlc: e.hlc! }));
    const newest = new Map<string, ChangeMessage>();
    for (const m of messages) {
      const key = `${m.dataset}/${m.row}/${m.column}`;
      const had = newest.get(key);
      if (!had || m.timestamp > had.timestamp) newest.set(key, m);
    }
    return { messages: messages.map(text).sort(), cells: [...newest.values()].map(text).sort() };
  });
}

async function staged(r: LocalReplica): Promise<{ messages: string[]; cells: string[] }> {
  await r.pending(); // stages
  return r.repo.write(async (w) => {
    const messages = await w.tx.selectFrom('sync_messages').select(['timestamp', 'dataset', 'row', 'column', 'value']).execute();
    const cells = await w.tx.selectFrom('sync_fields').select(['timestamp', 'dataset', 'row', 'column', 'value']).execute();
    return { messages: messages.map(text).sort(), cells: cells.map(text).sort() };
  });
}

describe('staging in SQL', () => {
  test('gives exactly the messages of every entry: tricky values, updates, deletes', async () => {
    const r = await replica();
    const tricky = 'quote " backslash \\ newline \n tab \t nul \u0000 bell \u0007 é 😀 lone \ud800 end \udc00 </script> \u2028';
    await r.repo.createOrganization({ id: 'o-1', name: tricky, sector: 'Paper', sharing: 'partners' });
    await r.repo.createOrganization({ id: 'o-2', name: 'Zweite', sector: 'Energy', employees: 2147483648 });
    await r.repo.createSite({ id: 's-1', organization_id: 'o-1', name: 'Mill "Nord"', country: 'DE', lat: 0.1 + 0.2, lon: -1e-7, address: 'Mühlenweg 1' });
    await r.repo.createFlow({
      id: 'f-1',
      site_id: 's-1',
      direction: 'supply',
      type: 'heat',
      name: 'Dryer 😀',
      description: tricky,
      quantity: { amount: 123456789.12345679, unit: 'MWh/yr' },
      quality: { temperature_c: { min: -0.5, max: 1999.9999999999998 } },
    });
    await r.repo.updateOrganization('o-1', { name: 'Renamed \ud83d' });
    await r.repo.updateSite('s-1', { lat: 5e-324, address: null });
    await r.repo.deleteOrganization('o-2');
    const want = await expected(r);
    assert.ok(want.messages.length > 20);
    assert.deepEqual(await staged(r), want);
  });

  test('entries SQLite cannot stage exactly take the JS way and give the same messages', async () => {
    const r = await replica();
    await r.repo.createOrganization({ id: 'o-js', name: 'Before', sharing: 'partners' });
    const node = await r.nodeId();
    await r.repo.write(async (w) => {
      const entry = (hlc: string | null, fields: Record<string, unknown>, entity = 'organization', id = 'o-js') =>
        w.tx.insertInto('change_log').values({ at: '2026-11-25T00:00:00.000Z', entity, entity_id: id, op: 'upsert', fields: JSON.stringify(fields), origin: 'local', shipped: 0, hlc, actor: 'test' }).execute();
      // The counter carries into the next millisecond within the entry.
      await entry(`2049-01-01T00:00:00.000Z-FFFE-${node}`, { name: 'Carry', sector: 'A', notes: 'B', legal_form: 'GmbH' });
      // Field names that are not plain identifiers (byte order and JS sort could differ).
      await entry(`2049-01-01T00:00:01.000Z-0000-${node}`, { 'odd-key': 1, 'é': 2, '\ue000': 3, '😀': 4, name: 'Odd' });
      // Written before migration 5: no clock yet, stamped when staged.
      await entry(null, { name: 'Old', sector: 'C' });
      // Not a synced dataset: no message at all.
      await entry(`2049-01-01T00:00:02.000Z-0000-${node}`, { name: 'x' }, 'device', 'd-1');
      // An entry with no fields and one with a single field.
      await entry(`2049-01-01T00:00:03.000Z-0000-${node}`, {});
      await entry(`2049-01-01T00:00:04.000Z-0005-${node}`, { name: 'One' });
    });
    const got = await staged(r);
    const want = await expected(r);
    assert.deepEqual(got, want);
    assert.ok(got.messages.some((m) => m.startsWith(`2049-01-01T00:00:00.001Z-0000-${node} organization/o-js/`)), 'the carry into the next millisecond');
    assert.ok(got.messages.some((m) => m.includes('/o-js/odd-key = 1')));
    const { rows } = await r.repo.write((w) => sql<{ n: number }>`SELECT count(*) AS n FROM change_log WHERE hlc IS NULL`.execute(w.tx));
    assert.equal(rows[0]!.n, 0, 'the old entry got its clock');
  });

  test('a large import is staged in passes with the same result', async () => {
    const r = await replica();
    const organizations = Array.from({ length: 600 }, (_, i) => ({ id: `o${i}`, name: `Org ${i}`, sector: 'Chemicals', sharing: 'partners' as const }));
    const sites = organizations.map((o, i) => ({ id: `s${i}`, organization_id: o.id, name: `Site ${i}`, country: 'DE', lat: 50 + i / 1000, lon: 7 }));
    const flows = sites.flatMap((s, i) => [0, 1, 2].map((k) => ({ id: `f${i}-${k}`, site_id: s.id, direction: k ? ('demand' as const) : ('supply' as const), type: 'heat' as const, name: `F ${i}.${k}`, quantity: { amount: 100 + k, unit: 'MWh/yr' } })));
    await r.repo.importDocument({ organizations, sites, flows });
    const want = await expected(r);
    assert.ok(want.messages.length > 10_000);
    assert.deepEqual(await staged(r), want);
  });
});
