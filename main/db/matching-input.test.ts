/**
 * The matching input's generation (migration 11) moves on every change the engine would see, by
 * any path (repository methods, raw SQL as a sync apply or another process writes), and only then.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { loadDemoPortfolio } from '../interchange/demo.ts';
import { openDatabase } from './database.ts';
import { Repository } from './repository.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-generation-'));
const file = join(folder, 'g.db');
let repo: Repository;

before(async () => {
  repo = await Repository.open(file);
  await repo.importDocument(loadDemoPortfolio());
});
after(async () => {
  await repo.close();
  rmSync(folder, { recursive: true, force: true });
});

/** Runs `change` and says whether the generation moved. */
async function moves(change: () => Promise<unknown>): Promise<boolean> {
  const before = await repo.matchingInput.generation();
  await change();
  return (await repo.matchingInput.generation()) !== before;
}

test('an import, a flow edit, a site edit and a deletion each move the generation', async () => {
  const flow = (await repo.listFlows({ limit: 1 })).items[0]!;
  assert.ok(await moves(() => repo.updateFlow(flow.id, { name: `${flow.name} (edited)` })));
  const site = await repo.getSite(flow.site_id);
  assert.ok(await moves(() => repo.updateSite(site.id, { name: `${site.name} (edited)` })));
  assert.ok(await moves(() => repo.deleteFlow(flow.id)));
});

test('raw writes from another connection move it too (a sync apply, the command line beside the app)', async () => {
  const other = await openDatabase(file);
  try {
    for (const statement of [
      sql`UPDATE organizations SET name = name || ' ' WHERE id = (SELECT id FROM organizations LIMIT 1)`,
      sql`UPDATE sites SET lat = lat WHERE id = (SELECT id FROM sites LIMIT 1)`,
      sql`UPDATE flows SET updated_at = updated_at WHERE id = (SELECT id FROM flows LIMIT 1)`,
    ]) {
      assert.ok(await moves(() => statement.execute(other)), statement.compile(other).sql);
    }
  } finally {
    await other.destroy();
  }
});

test("a meter bound to a flow and its recorded hours move it (a measured flow's week is engine input)", async () => {
  const flow = (await repo.listFlows({ type: 'heat', limit: 1 })).items[0]!;
  await repo.field.createDevice({ id: 'dev-g', site_id: flow.site_id, name: 'Heat meter', protocol: 'opcua', endpoint: 'opc.tcp://127.0.0.1:4840' });
  assert.ok(await moves(() => repo.field.ensurePoints([{ id: 'dev-g.power', device_id: 'dev-g', name: 'Power', address: 'ns=1;s=Power', unit: 'kW' }])));
  assert.ok(await moves(() => repo.field.bindPoints(flow.id, [{ point_id: 'dev-g.power', role: 'power' }])));
  const at = Date.parse('2026-11-24T10:15:00Z');
  assert.ok(await moves(() => repo.measurements.commitBatch([{ point_id: 'dev-g.power', ts_ms: at, received_ms: at, value: 420, quality: 'good', status: null }])));
});

test('what the engine does not read leaves it alone: settings and the match lifecycle', async () => {
  assert.equal(await moves(() => repo.setSetting('updates.channel', 'beta')), false);
  const other = await openDatabase(file);
  try {
    assert.equal(await moves(() => sql`UPDATE matches SET status = status`.execute(other)), false);
  } finally {
    await other.destroy();
  }
});
