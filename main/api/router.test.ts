import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TRPCError } from '@trpc/server';
import { contextFor, openCore, type Core } from '../core.ts';
import { loadDemoPortfolio } from '../interchange/demo.ts';
import type { ImportEvent } from '../portfolio/import-jobs.ts';
import { appRouter } from './router.ts';
import { createCallerFactory } from './trpc.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-api-'));
let core: Core;
const callerOf = createCallerFactory(appRouter);
let api: ReturnType<typeof callerOf>;

before(async () => {
  core = await openCore(join(folder, 'api.db'));
  api = callerOf(contextFor(core));
});
after(async () => {
  await core.close();
  rmSync(folder, { recursive: true, force: true });
});

async function events(jobId: string) {
  const seen: ImportEvent[] = [];
  // Events are tracked (resumable): over the wire they arrive as {id, data}; a server-side caller
  // sees the raw envelope [id, data].
  for await (const event of await api.imports.watch({ jobId })) {
    seen.push((Array.isArray(event) ? event[1] : event.data) as ImportEvent);
  }
  return seen;
}

describe('appRouter', () => {
  test('an import job reports progress, then the summary, and the data is queryable', async () => {
    const demo = loadDemoPortfolio();
    const text = JSON.stringify(demo);
    const { jobId } = await api.imports.start({ files: [{ name: 'demo.json', text }] });
    const seen = await events(jobId);
    const last = seen.at(-1)!;
    assert.equal(last.kind, 'done', JSON.stringify(last));
    assert.ok(last.kind === 'done' && last.report.ok);
    const progress = seen.filter((e) => e.kind === 'progress' && e.phase === 'writing');
    assert.ok(progress.length >= 1, 'at least one progress event while writing');
    const info = await api.meta.info();
    assert.equal(info.counts.sites, demo.sites.length);
    assert.match(info.attribution, /CC BY 4\.0/);
    const map = await api.sites.map(); // by column (main/db/sites-map.ts)
    assert.equal(map.id.length, demo.sites.length);
    assert.ok(map.synthetic.some((s) => s) && map.synthetic.some((s) => !s), 'synthetic and real sites told apart');
  });

  test('a broken import reports its problems and writes nothing', async () => {
    const before = await api.meta.info();
    const { jobId } = await api.imports.start({ files: [{ name: 'bad.json', text: '{"format": "turash-exchange", "version": 1, "sites": [{"id": "s"}' }] });
    const last = (await events(jobId)).at(-1)!;
    assert.ok(last.kind === 'done' && !last.report.ok && last.report.problems[0]!.line !== undefined, JSON.stringify(last));
    assert.deepEqual((await api.meta.info()).counts, before.counts);
  });

  test('lists are paged and filtered; search finds a real Hotmaps site', async () => {
    const page = await api.sites.list({ limit: 10, country: 'DE' });
    assert.equal(page.items.length, 10);
    assert.ok(page.total > 10);
    assert.ok(page.items.every((s) => s.country === 'DE'));
    const site = page.items.find((s) => !s.id.startsWith('demo-'))!;
    const hits = await api.search({ query: site.name.split(/\s+/).slice(0, 2).join(' ') });
    assert.ok(hits.some((h) => h.id === site.id), `search for "${site.name}" finds ${site.id}`);
    const detail = await api.sites.get({ id: site.id });
    assert.equal(detail.organization.id, site.organization_id);
  });

  test('an invalid flow edit is BAD_REQUEST with the field named, and a stale version is CONFLICT', async () => {
    const flow = (await api.flows.list({ type: 'heat', direction: 'supply', limit: 1 })).items[0]!;
    const error = await api.flows.update({ id: flow.id, patch: { quantity: { amount: 5, unit: 't/month' } } }).catch((e: unknown) => e);
    assert.ok(error instanceof TRPCError && error.code === 'BAD_REQUEST', String(error));
    assert.match(error.message, /quantity\.unit/);
    const saved = await api.flows.update({ id: flow.id, patch: { quantity: { amount: 12, unit: 'MW' } }, version: flow.version });
    assert.equal(saved.canonical.amount, 12_000);
    const stale = await api.flows.update({ id: flow.id, patch: { name: 'x' }, version: flow.version }).catch((e: unknown) => e);
    assert.ok(stale instanceof TRPCError && stale.code === 'CONFLICT', String(stale));
    const missing = await api.flows.get({ id: 'no-such-flow' }).catch((e: unknown) => e);
    assert.ok(missing instanceof TRPCError && missing.code === 'NOT_FOUND');
  });

  test('the vocabulary lists the heat profiles, fuels, recovery operations and material categories; a bad profile is named', async () => {
    const v = await api.meta.vocabulary();
    assert.deepEqual(v.profiles.general, ['flat', 'measured']);
    assert.ok(v.profiles.residential.includes('hotmaps:residential:DEA1'));
    assert.ok(v.profiles.industry.some((g) => g.process === 'paper' && g.names.includes('hotmaps:industry:paper:DE')));
    assert.ok(v.currentFuels.includes('natural_gas') && v.recoveryOperations.length === 13 && v.wasteStatuses.includes('end_of_waste'));
    assert.ok(v.materialCategories.some((c) => c.id === 'sludge'));
    const flow = (await api.flows.list({ type: 'heat', direction: 'demand', limit: 1 })).items[0]!;
    const error = await api.flows.update({ id: flow.id, patch: { temporal: { profile: 'hotmaps:residential:XX99' } } }).catch((e: unknown) => e);
    assert.ok(error instanceof TRPCError && error.code === 'BAD_REQUEST', String(error));
    assert.match(error.message, /temporal\.profile/);
    assert.match(error.message, /"hotmaps:residential:XX99" is not a known profile/);
    const saved = await api.flows.update({ id: flow.id, patch: { temporal: { ...flow.temporal, profile: 'hotmaps:residential:DEA2' }, economics: { ...flow.economics, current_fuel: 'lpg' } } });
    assert.equal(saved.temporal?.profile, 'hotmaps:residential:DEA2');
    assert.equal(saved.economics?.current_fuel, 'lpg');
  });

  test('after a matching run, editing a flow re-matches it in the background (incrementally)', async () => {
    const { jobId } = await api.matching.run({});
    let last;
    for await (const event of await api.matching.watch({ jobId })) last = event;
    assert.equal(last?.kind, 'done', JSON.stringify(last));
    const best = (await api.matches.list({ limit: 1 })).items[0]!;
    const supply = await api.flows.get({ id: best.supply.flow_id });
    const before = best.economics.annual_value_eur as number;
    // Cut the supply to a thousandth: below the demand, so less is delivered and the value falls
    // (or the match no longer pays and is dropped).
    await api.flows.update({ id: supply.id, patch: { quantity: { amount: supply.quantity.amount / 1000, unit: supply.quantity.unit } }, version: supply.version });
    // As the UI does after a save (renderer/src/cache/flows.ts): wait for the flow's re-match, then read.
    await api.flows.rematched({ id: supply.id });
    const after = await api.matches.get({ id: best.id }).catch(() => undefined);
    assert.ok(after === undefined || (after.economics.annual_value_eur as number) < before, `value ${before} -> ${after?.economics.annual_value_eur}`);
    assert.notDeepEqual(after?.economics, best.economics, 'the stored match changed without a new run');
  });

  test('hostile inputs are refused by the input parser', async () => {
    await assert.rejects(api.sites.list({ limit: 1e9 } as never), (e: unknown) => e instanceof TRPCError && e.code === 'BAD_REQUEST');
    await assert.rejects(api.search({ query: 'x'.repeat(10_000) }), (e: unknown) => e instanceof TRPCError && e.code === 'BAD_REQUEST');
    await assert.rejects(api.organizations.create({ id: '../../etc', name: 'x' }), (e: unknown) => e instanceof TRPCError && e.code === 'BAD_REQUEST');
    assert.ok(readFileSync(join(folder, 'api.db')).length > 0);
  });
});
