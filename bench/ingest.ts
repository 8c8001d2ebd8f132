/**
 * `turash bench ingest`: ingestion against the quality.md targets (at least 50,000 samples per
 * second sustained into SQLite, and an API call answering in under 50 ms p99 during ingestion and
 * during a full re-match).
 *
 * Workload: the demo portfolio plus one metered plant with `points` meter points (default 1,000)
 * in a fresh database file (WAL, synchronous=FULL, as the application runs). A producer writes one
 * sample per point per tick through the Core's Recorder, with up to 8 writes in flight (a busy set
 * of connectors), for `seconds` (default 5); samples/s counts only committed samples and includes
 * the final flush.
 *
 * Baseline of the same run: the naive way, one INSERT per sample in its own transaction, on the
 * same file for `baselineSeconds`; reported as a ratio.
 *
 * API latency: `sites.map` (the map's call: every site with its counts) through the appRouter's
 * caller over the same Core, called back to back with a 10 ms pause: first idle, then during the
 * ingestion, then during a full re-match of the demo portfolio (core.matching.runAll). p50 / p99.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase } from '../main/db/database.ts';
import { seedPlant } from '../main/ingest/fixtures/seed.ts';
import { loadDemoPortfolio } from '../main/interchange/demo.ts';

export interface IngestBenchOptions {
  points?: number;
  seconds?: number;
  baselineSeconds?: number;
  /** Measure the API during a full re-match too (default true). */
  rematch?: boolean;
  /** Load the demo portfolio (default true; the smoke test skips it). */
  demo?: boolean;
}

export const TARGETS = { samples_per_s: 50_000, api_p99_ms: 50 } as const;
/** Writes in flight at once: many devices delivering at the same time, none waiting for another. */
const IN_FLIGHT = 8;

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentiles(times: number[]): { calls: number; p50_ms: number | null; p99_ms: number | null; max_ms: number | null } {
  if (times.length === 0) return { calls: 0, p50_ms: null, p99_ms: null, max_ms: null };
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { calls: times.length, p50_ms: round(at(0.5), 2), p99_ms: round(at(0.99), 2), max_ms: round(sorted.at(-1)!, 2) };
}

/** Calls `call` back to back (10 ms apart) until `until` resolves; returns the latencies. */
async function timeCalls(call: () => Promise<unknown>, until: Promise<unknown>): Promise<number[]> {
  let done = false;
  void until.finally(() => (done = true));
  const times: number[] = [];
  while (!done) {
    const started = performance.now();
    await call();
    times.push(performance.now() - started);
    await sleep(10);
  }
  return times;
}

export async function runIngestBench(options: IngestBenchOptions = {}): Promise<object> {
  const points = options.points ?? 1000;
  const seconds = options.seconds ?? 5;
  const baselineSeconds = options.baselineSeconds ?? 2;
  const folder = mkdtempSync(join(tmpdir(), 'turash-bench-ingest-'));
  const dbPath = join(folder, 'bench.db');
  // The Core pulls in every service; loaded lazily so `turash bench match` does not pay for it.
  const { openCore, contextFor } = await import('../main/core.ts');
  const { appRouter } = await import('../main/api/router.ts');
  const { createCallerFactory } = await import('../main/api/trpc.ts');
  const core = await openCore(dbPath);
  try {
    if (options.demo !== false) await core.repo.importDocument(loadDemoPortfolio() as never);
    await seedPlant(core.repo, { points });
    const counts = await core.repo.counts();
    const caller = createCallerFactory(appRouter)(contextFor(core) as never) as unknown as { sites: { map(): Promise<unknown[]> } };
    const apiCall = () => caller.sites.map();
    const BASE = Date.UTC(2026, 0, 1);

    // ---- baseline: one transaction per sample, on a second connection to the same file --------
    const naiveDb = await openDatabase(dbPath);
    let naive = 0;
    const naiveStart = performance.now();
    while (performance.now() - naiveStart < baselineSeconds * 1000) {
      const k = naive++;
      await sql`INSERT INTO measurements (point_id, ts_ms, received_ms, value, quality) VALUES (${`p-${k % points}`}, ${BASE - 1e9 + k}, ${BASE}, ${k}, 'good')`.execute(naiveDb);
    }
    const naivePerS = naive / ((performance.now() - naiveStart) / 1000);
    await naiveDb.destroy();

    // ---- API idle -----------------------------------------------------------------------------
    await apiCall(); // warm-up
    const idle = await timeCalls(apiCall, sleep(Math.max(1000, seconds * 300)));

    // ---- ingestion with the API called alongside ----------------------------------------------
    const recorder = core.ingest.recorder;
    const before = recorder.counters();
    let tick = 0;
    let stop = false;
    const started = performance.now();
    const producer = (async () => {
      const inFlight = new Set<Promise<unknown>>();
      while (!stop) {
        const t = tick++;
        const samples = Array.from({ length: points }, (_, p) => ({ pointId: `p-${p}`, sourceMs: BASE + t * 100, receivedMs: BASE + t * 100, value: Math.sin(t / 50 + p), quality: 'good' as const }));
        const write = recorder.write(samples);
        inFlight.add(write);
        void write.finally(() => inFlight.delete(write));
        if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
      await recorder.flush();
    })();
    const duringIngest = await timeCalls(apiCall, sleep(seconds * 1000).then(() => (stop = true)));
    await producer;
    const elapsedS = (performance.now() - started) / 1000;
    const after = recorder.counters();
    const stored = after.written - before.written;
    const perS = stored / elapsedS;

    // ---- API during a full re-match -----------------------------------------------------------
    let duringRematch: number[] = [];
    let rematchMs: number | null = null;
    if (options.rematch !== false) {
      const t0 = performance.now();
      const run = core.matching.runAll();
      duringRematch = await timeCalls(apiCall, run);
      await run;
      rematchMs = performance.now() - t0;
    }

    const api = { idle: percentiles(idle), during_ingestion: percentiles(duringIngest), during_rematch: percentiles(duringRematch) };
    return {
      workload: {
        description: `${points} meter points, one sample each per write, up to ${IN_FLIGHT} writes in flight, for ${seconds} s through the Core's Recorder into a fresh SQLite file (WAL, synchronous=FULL); the database also holds ${counts.sites} sites and ${counts.flows} flows`,
        points,
        seconds,
        recorder: { batches: after.batches - before.batches, duplicates: after.duplicates - before.duplicates, rejected: after.rejected - before.rejected, last_commit_ms: after.lastCommitDurationMs },
      },
      samples_stored: stored,
      samples_per_s: Math.round(perS),
      baseline: { description: 'one INSERT per sample, each its own transaction, same file', samples: naive, samples_per_s: Math.round(naivePerS) },
      ratio_vs_naive: round(perS / naivePerS, 1),
      api: { call: 'sites.map (appRouter caller over the same Core)', ...api },
      rematch_ms: rematchMs === null ? null : Math.round(rematchMs),
      targets: {
        samples_per_s: { target: TARGETS.samples_per_s, pass: perS >= TARGETS.samples_per_s },
        api_p99_during_ingestion_ms: { target: TARGETS.api_p99_ms, pass: api.during_ingestion.p99_ms !== null && api.during_ingestion.p99_ms < TARGETS.api_p99_ms },
        api_p99_during_rematch_ms: { target: TARGETS.api_p99_ms, pass: api.during_rematch.p99_ms === null ? null : api.during_rematch.p99_ms < TARGETS.api_p99_ms },
      },
    };
  } finally {
    await core.close();
    rmSync(folder, { recursive: true, force: true });
  }
}
