import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Repository } from '../../db/repository.ts';
import { ConflictError, ValidationError } from '../../db/errors.ts';
import { loadDemoPortfolio } from '../../interchange/demo.ts';
import { MatchService, PREVIEW_ROWS, type MatchRunProgress } from './match-service.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-match-'));
let repo: Repository;
let service: MatchService;

before(async () => {
  repo = await Repository.open(join(folder, 'match.db'));
  await repo.importDocument(loadDemoPortfolio());
  service = new MatchService(repo);
});
after(async () => {
  await repo.close();
  rmSync(folder, { recursive: true, force: true });
});

describe('matching over the demo portfolio', () => {
  test('a full run in the worker stores explained, priced matches and reports progress', async () => {
    const phases: MatchRunProgress['phase'][] = [];
    const summary = await service.runAll({ now: '2026-11-24T00:00:00Z' }, (p) => phases.push(p.phase));
    assert.deepEqual([...new Set(phases)], ['loading', 'matching', 'saving', 'planning']);
    assert.ok(summary.created > 0, 'the demo has something to find');
    const page = await repo.matches.list({ limit: 1000 });
    assert.equal(page.total, summary.created);
    assert.equal(page.total, summary.stats!.matches);
    const best = page.items[0]!;
    assert.ok(page.items.every((m, i) => i === 0 || page.items[i - 1]!.score >= m.score), 'ordered by score');
    assert.ok(best.score > 0 && best.score <= 1);
    assert.equal(best.status, 'suggested');
    assert.ok(best.supply.organization_id !== best.demand.organization_id);
    assert.ok(typeof best.economics.npv_eur === 'number' && (best.economics.npv_eur as number) > 0);
    assert.ok(Array.isArray(best.detail.route_reasons));
    const split = await repo.matches.counts();
    assert.equal(split.automated + split.facilitated, split.total);
  });

  test('an edited flow is re-matched incrementally, equal to a full re-match', async () => {
    const heat = (await repo.listFlows({ type: 'heat', direction: 'supply', limit: 100 })).items;
    const matched = await Promise.all(heat.map(async (f) => ({ f, n: (await repo.matches.list({ flow_id: f.id })).total })));
    const flow = matched.find((x) => x.n > 0)!.f;
    await repo.updateFlow(flow.id, { quantity: { amount: flow.quantity.amount * 3, unit: flow.quantity.unit } });
    await service.rematchFlow(flow.id);
    const incremental = (await repo.matches.list({ flow_id: flow.id, limit: 1000 })).items.map((m) => [m.id, m.score, m.economics.npv_eur]);
    const fresh = new MatchService(repo);
    await fresh.runAll({ now: '2026-11-24T00:00:00Z' });
    const full = (await repo.matches.list({ flow_id: flow.id, limit: 1000 })).items.map((m) => [m.id, m.score, m.economics.npv_eur]);
    assert.deepEqual(incremental, full);
  });

  test('lifecycle transitions are versioned, validated and audited, and survive a re-run', async () => {
    const match = (await repo.matches.list({ limit: 1 })).items[0]!;
    const negotiating = await repo.matches.transition(match.id, { to: 'negotiating', version: match.version, note: 'called both plant managers' }, 'facilitator@example.org');
    assert.equal(negotiating.status, 'negotiating');
    assert.equal(negotiating.version, match.version + 1);
    assert.deepEqual(negotiating.events.map((e) => [e.from_status, e.to_status, e.actor, e.note]), [['suggested', 'negotiating', 'facilitator@example.org', 'called both plant managers']]);
    await assert.rejects(repo.matches.transition(match.id, { to: 'reserved', version: match.version }, 'someone else'), ConflictError);
    await assert.rejects(repo.matches.transition(match.id, { to: 'live', version: negotiating.version }, 'someone else'), (e: unknown) => e instanceof ValidationError && /cannot become live/.test(e.message));
    await service.runAll({ now: '2026-11-24T00:00:00Z' });
    const after = await repo.matches.get(match.id);
    assert.equal(after.status, 'negotiating', 'a re-run keeps what the facilitator did');
    const logged = (await repo.changeLog(0, 100_000)).filter((e) => e.entity === 'match');
    assert.deepEqual(logged.map((e) => JSON.parse(e.fields!).status), ['negotiating']);
  });
});

describe('after an import', () => {
  test('an incremental re-match sees the imported flows, not the kept index of the last run', async () => {
    const { openCore } = await import('../../core.ts');
    const core = await openCore(join(folder, 'import-then-match.db'));
    try {
      const demo = loadDemoPortfolio();
      await core.repo.importDocument(demo);
      await core.matching.runAll({ now: '2026-11-24T00:00:00Z' });
      const match = (await core.repo.matches.list({ type: 'heat', limit: 1 })).items[0]!;
      const supply = demo.flows.find((f) => f.id === match.supply.flow_id)!;
      const smaller = { ...supply, quantity: { amount: supply.quantity.amount / 1000, unit: supply.quantity.unit } };
      const jobId = core.imports.start([{ name: 'update.json', text: JSON.stringify({ format: 'turash-exchange', version: 1, flows: [smaller] }) }]);
      for await (const event of core.imports.watch(jobId)) if (event.kind === 'done') assert.ok(event.report.ok);
      await core.matching.rematchFlow(match.demand.flow_id);
      const after = await core.repo.matches.get(match.id).catch(() => undefined);
      assert.ok(after === undefined || (after.economics.annual_value_eur as number) < (match.economics.annual_value_eur as number), 'the re-match used the imported quantity');
    } finally {
      await core.close();
    }
  });
});

describe('the first results of a run (shown while the rest is built, stored and planned)', () => {
  test('a job reports the best matches once, before it ends, and they are the first stored rows by score, named as stored', async () => {
    const jobId = service.start({ now: '2026-11-24T00:00:00Z' });
    const events: { kind: string; phase?: string; preview?: MatchRunProgress['preview'] }[] = [];
    for await (const event of service.jobs.watch(jobId)) events.push(event as (typeof events)[number]);
    assert.equal(events.at(-1)!.kind, 'done');
    const withPreview = events.filter((e) => e.preview !== undefined);
    assert.equal(withPreview.length, 1, 'sent once');
    const preview = withPreview[0]!.preview!;
    assert.ok(events.indexOf(withPreview[0]!) < events.length - 1, 'before the end');
    const stored = (await repo.matches.list({ order: 'score', limit: preview.length })).items;
    assert.equal(preview.length, Math.min(stored.length, PREVIEW_ROWS));
    assert.deepEqual(
      preview.map((r) => [r.id, r.score]),
      stored.map((m) => [m.id, m.score]),
    );
    for (const row of preview.slice(0, 5)) {
      const match = await repo.matches.get(row.id);
      assert.equal(row.supply.site_name, match.supply.site_name);
      assert.equal(row.demand.organization_name, match.demand.organization_name);
      assert.equal(row.supply.flow_name, (await repo.getFlow(row.supply.flow_id)).name);
      assert.equal(row.npv_eur, match.economics.npv_eur);
    }
  });
});
