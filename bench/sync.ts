/**
 * `turash bench sync`: the sync against the quality targets: 100,000 changes pushed to a hub and
 * pulled by another replica over loopback in under 10 s, and one change reaching another client
 * through the live subscription in under 200 ms (median and p95).
 *
 * Workload: a portfolio written on replica A (organizations, sites and flows; every field is one
 * change message) sized to `changes` messages; the hub is the real hub (sync/hub, SQLite, in
 * process, HTTP on 127.0.0.1). Baseline of the same run: writing the same portfolio locally
 * without any sync (A's own import), so the figure is a ratio on this machine, not an absolute
 * promise. Push includes staging the change log into messages; pull includes applying every
 * message and writing the records on B (validation, indexes, change log).
 *
 * Live latency: with both clients live, `samples` single-field edits on A, one at a time; the time
 * from A's committed write to B's applied page holding it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Repository } from '../main/db/repository.ts';
import { LocalReplica } from '../main/sync/replica.ts';
import { SyncClient } from '../sync/client/client.ts';
import { startHub } from '../sync/hub/server.ts';
import { seedMember } from '../sync/hub/testing/clients.ts';

export const TARGETS = { push_pull_ms: 10_000, live_median_ms: 200, live_p95_ms: 200 } as const;

export interface SyncBenchOptions {
  /** Change messages to move (default 100,000). */
  changes?: number;
  /** Live edits timed (default 40). */
  samples?: number;
}

/** Messages per record as written: organization 4 fields, site 6, flow 6 (see the workload). */
function portfolio(changes: number) {
  const perGroup = 4 + 6 + 3 * 6; // one organization, one site, three flows
  const groups = Math.max(1, Math.round(changes / perGroup));
  const organizations = Array.from({ length: groups }, (_, i) => ({ id: `b-o${i}`, name: `Bench Org ${i}`, sector: 'Chemicals', sharing: 'partners' as const }));
  const sites = organizations.map((o, i) => ({ id: `b-s${i}`, organization_id: o.id, name: `Bench Site ${i}`, country: 'DE', lat: 50 + (i % 1000) / 1000, lon: 7 + Math.floor(i / 1000) / 100 }));
  const flows = sites.flatMap((s, i) =>
    [0, 1, 2].map((k) => ({ id: `b-f${i}-${k}`, site_id: s.id, direction: k ? ('demand' as const) : ('supply' as const), type: 'heat' as const, name: `Flow ${i}.${k}`, quantity: { amount: 100 + k, unit: 'MWh/yr' } })),
  );
  return { organizations, sites, flows };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const round = (x: number) => Math.round(x * 10) / 10;

export async function runSyncBench(options: SyncBenchOptions = {}): Promise<object> {
  const changes = options.changes ?? 100_000;
  const samples = options.samples ?? 40;
  const folder = mkdtempSync(join(tmpdir(), 'turash-bench-sync-'));
  const hub = await startHub({ database: join(folder, 'hub.db'), port: 0 });
  const repos: Repository[] = [];
  const clients: SyncClient[] = [];
  try {
    const { token, workspaceId } = await seedMember(hub.store, 'bench@example.org', 'bench', 'facilitator');
    const open = async (name: string) => {
      const repo = await Repository.open(join(folder, `${name}.db`));
      repos.push(repo);
      return new LocalReplica(repo);
    };
    const [a, b, base] = [await open('a'), await open('b'), await open('baseline')];
    const doc = portfolio(changes);

    // Baseline: the same rows written locally, no sync.
    let t = performance.now();
    await base.repo.importDocument(doc);
    const baselineMs = performance.now() - t;

    await a.repo.importDocument(doc);
    const address = { url: hub.url, token, workspace: workspaceId };
    const ca = new SyncClient(a, address, { pushBatch: 10_000, pullLimit: 10_000 });
    const cb = new SyncClient(b, address, { pushBatch: 10_000, pullLimit: 10_000 });
    clients.push(ca, cb);
    // CPU time of the whole process (client, replicas and the in-process hub, all threads) beside
    // wall time: on a shared machine wall time varies with the load, CPU time much less.
    const cpuMs = (since: NodeJS.CpuUsage) => {
      const used = process.cpuUsage(since);
      return (used.user + used.system) / 1000;
    };
    t = performance.now();
    let cpu = process.cpuUsage();
    const pushed = await ca.syncOnce();
    const pushMs = performance.now() - t;
    const pushCpuMs = cpuMs(cpu);
    t = performance.now();
    cpu = process.cpuUsage();
    const pulled = await cb.syncOnce();
    const pullMs = performance.now() - t;
    const pullCpuMs = cpuMs(cpu);
    const equal = JSON.stringify(await a.repo.exportDocument()) === JSON.stringify(await b.repo.exportDocument());

    // Live: one edit at a time, from A's commit to B's applied page.
    a.repo.events.on('localChange', () => ca.notifyLocalChange());
    ca.start();
    cb.start();
    const deadline = Date.now() + 10_000;
    while (!(ca.status.live && cb.status.live) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    const latencies: number[] = [];
    for (let i = 0; i < samples; i++) {
      const id = `b-o${i % doc.organizations.length}`;
      const name = `Live edit ${i}`;
      const seen = new Promise<void>((resolve) => {
        const check = () => {
          void b.repo.getOrganization(id).then((o) => {
            if (o.name === name) {
              b.off('applied', check);
              resolve();
            }
          });
        };
        b.on('applied', check);
      });
      const start = performance.now();
      await a.repo.updateOrganization(id, { name });
      await seen;
      latencies.push(performance.now() - start);
    }
    latencies.sort((x, y) => x - y);
    const median = percentile(latencies, 0.5);
    const p95 = percentile(latencies, 0.95);
    const total = pushMs + pullMs;
    return {
      workload: {
        description: `${doc.organizations.length} organizations, ${doc.sites.length} sites, ${doc.flows.length} flows written on replica A, pushed to a SQLite hub over loopback HTTP and pulled by replica B`,
        messages_pushed: pushed.pushed,
        messages_pulled: pulled.pulled,
        live_samples: samples,
      },
      push_ms: round(pushMs),
      pull_ms: round(pullMs),
      push_pull_ms: round(total),
      cpu_ms: { push: round(pushCpuMs), pull: round(pullCpuMs), total: round(pushCpuMs + pullCpuMs) },
      messages_per_s: Math.round((pushed.pushed + pulled.pulled) / (total / 1000)),
      baseline: { description: 'the same portfolio written locally without sync (one import)', ms: round(baselineMs) },
      ratio_to_baseline: round(total / baselineMs),
      replicas_equal: equal,
      live_latency_ms: { median: round(median), p95: round(p95), min: round(latencies[0]!), max: round(latencies.at(-1)!) },
      targets: TARGETS,
      pass: { push_pull: total < TARGETS.push_pull_ms, live_median: median < TARGETS.live_median_ms, live_p95: p95 < TARGETS.live_p95_ms, replicas_equal: equal },
    };
  } finally {
    for (const client of clients) await client.stop();
    for (const repo of repos) await repo.close();
    await hub.close();
    rmSync(folder, { recursive: true, force: true });
  }
}
