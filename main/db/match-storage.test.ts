/**
 * Compact match storage (migration 8) on a real SQLite file with the real engine: what a stored
 * match reads back is exactly what the engine computed (economics priced again on reading: the
 * sensitivity table and the exchange-cost totals), and a re-run writes only what changed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { loadDemoPortfolio } from '../interchange/demo.ts';
import type { EngineMatch } from '../matching/match.ts';
import { MatchService } from '../matching/service/match-service.ts';
import { Repository } from './repository.ts';
import { openDatabase } from './database.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-match-storage-'));
let repo: Repository;
let engine: EngineMatch[];
const NOW = { now: '2026-11-24T00:00:00Z' };

before(async () => {
  repo = await Repository.open(join(folder, 'storage.db'));
  await repo.importDocument(loadDemoPortfolio());
  engine = (await new MatchService(repo).runAll(NOW, undefined, 'npv', { engineRecords: true })).matches;
});
after(async () => {
  await repo.close();
  rmSync(folder, { recursive: true, force: true });
});

/** The stored rows as they are on disk (a second connection to the same file). */
async function rawRows(): Promise<{ id: string; packed: Uint8Array | null; economics: string; detail: string; scores: string; updated_at: string; plan_share: number | null; plan_allocation: string | null }[]> {
  const db = await openDatabase(join(folder, 'storage.db'));
  try {
    return await db.selectFrom('matches').select(['id', 'packed', 'economics', 'detail', 'scores', 'updated_at', 'plan_share', 'plan_allocation']).orderBy('id').execute();
  } finally {
    await db.destroy();
  }
}

describe('compact match storage', () => {
  test('every stored match reads back field by field equal to what the engine computed on the demo portfolio', async () => {
    assert.ok(engine.length > 20, `the demo has matches (${engine.length})`);
    const types = new Set<string>();
    for (const m of engine) {
      const stored = await repo.matches.get(m.id);
      types.add(m.type);
      assert.deepStrictEqual(stored.economics, JSON.parse(JSON.stringify(m.economics)), `${m.id}: economics`);
      assert.deepStrictEqual(stored.scores, m.scores, `${m.id}: scores`);
      const { id: _i, supply_flow_id: _s, demand_flow_id: _d, type: _t, score, scores: _sc, distance_km, route, relaxed, binding_constraint, assumptions, economics: _e, engine_version, ...detail } = m;
      assert.deepStrictEqual(stored.detail, JSON.parse(JSON.stringify(detail)), `${m.id}: explanation`);
      assert.deepStrictEqual(
        { score: stored.score, distance_km: stored.distance_km, route: stored.route, relaxed: stored.relaxed, binding_constraint: stored.binding_constraint, assumptions: stored.assumptions, engine_version: stored.engine_version },
        { score, distance_km, route, relaxed, binding_constraint, assumptions, engine_version },
        `${m.id}: headline columns`,
      );
    }
    assert.ok(types.has('heat') && types.has('waste') && types.has('material'), `piped and trucked types are covered: ${[...types].join(', ')}`);
    // The list reads the same records as the detail.
    const listed = (await repo.matches.list({ limit: 5000 })).items;
    for (const m of listed) assert.deepStrictEqual(m.economics, (await repo.matches.get(m.id)).economics, `${m.id}: list and detail agree`);
  });

  test('the sensitivity table and the exchange-cost totals are not stored but priced on reading; keyed JSON is gone', async () => {
    const rows = await rawRows();
    assert.equal(rows.length, engine.length);
    for (const r of rows) {
      assert.ok(r.packed !== null, `${r.id} is packed`);
      assert.equal(r.economics, '');
      assert.equal(r.detail, '');
      const bytes = Buffer.from(r.packed);
      assert.ok(!bytes.includes('change') && !bytes.includes('npv_eur'), `${r.id}: no keys, no sensitivity points`);
    }
    const before = rows.reduce((n, m) => n + m.packed!.byteLength, 0);
    const keyed = engine.reduce((n, m) => n + JSON.stringify(m.economics).length + JSON.stringify(m.scores).length, 0);
    assert.ok(before < keyed / 2, `packed ${before} bytes vs ${keyed} bytes of keyed economics and scores`);
  });

  test('a re-run of the same portfolio writes nothing; an edited flow rewrites only its own matches', async () => {
    const rows = await rawRows();
    const again = await new MatchService(repo).runAll(NOW);
    assert.deepEqual({ created: again.created, updated: again.updated, removed: again.removed, unchanged: again.unchanged }, { created: 0, updated: 0, removed: 0, unchanged: engine.length });
    assert.deepEqual(await rawRows(), rows, 'not a byte changed');
    const m = engine.find((x) => x.type === 'heat')!;
    const flow = await repo.getFlow(m.supply_flow_id);
    await repo.updateFlow(flow.id, { quantity: { amount: flow.quantity.amount * 2, unit: flow.quantity.unit } });
    const service = new MatchService(repo);
    const edited = await service.rematchFlow(flow.id, NOW);
    assert.ok(edited.updated + edited.created >= 1, 'its matches changed');
    const after = await rawRows();
    const changed = after.filter((r) => !isDeepStrictEqual(r, rows.find((x) => x.id === r.id)));
    assert.ok(changed.length > 0 && changed.every((r) => r.id.includes(flow.id)), `only matches of ${flow.id} changed: ${changed.map((r) => r.id).join(', ')}`);
  });
});
