import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Sample } from '../../connectors/types.ts';
import { Repository } from '../db/repository.ts';
import { seedPlant } from './fixtures/seed.ts';
import { IngestService } from './service.ts';
import { Recorder, RecorderClosedError, RecorderOverloadedError } from './recorder.ts';
import { INGEST_SETTINGS } from './settings.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-ingest-'));
after(() => rmSync(folder, { recursive: true, force: true }));
let n = 0;

async function plant(points = 4): Promise<Repository> {
  const repo = await Repository.open(join(folder, `r${n++}.db`));
  await seedPlant(repo, { points });
  return repo;
}

const T0 = Date.UTC(2026, 10, 20, 8, 0, 0);
const sample = (pointId: string, sourceMs: number, value: number | null, quality: Sample['quality'] = 'good'): Sample => ({ pointId, sourceMs, receivedMs: sourceMs + 5, value, quality });

/** What is really in the file, read through a second connection (not the recorder's). */
async function storedCount(path: string, pointId?: string): Promise<number> {
  const other = await Repository.open(path);
  try {
    const rows = await other.measurements.raw(pointId ?? 'p-0', 0, Number.MAX_SAFE_INTEGER);
    return rows.length;
  } finally {
    await other.close();
  }
}

describe('Recorder: batching and acknowledgement', () => {
  test('a write resolves only after its batch is committed, and several writes share one transaction', async () => {
    const repo = await plant();
    // No timer in reach: only flush() (or a full batch) commits, so "not yet" is deterministic.
    const recorder = new Recorder(repo.measurements, { flushIntervalMs: 3_600_000, flushSamples: 1000, now: () => T0 });
    let acknowledged = false;
    const first = recorder.write([sample('p-0', T0, 1), sample('p-0', T0 + 1000, 2)]).then((r) => {
      acknowledged = true;
      return r;
    });
    const second = recorder.write([sample('p-0', T0 + 2000, 3)]);
    for (let i = 0; i < 1000 && recorder.counters().queueDepth < 3; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    // Queued, not yet committed: not acknowledged, not in the file.
    assert.equal(recorder.counters().queueDepth, 3);
    assert.equal(acknowledged, false);
    assert.equal(await storedCount(repo.path), 0);
    await recorder.flush();
    const [a, b] = await Promise.all([first, second]);
    assert.deepEqual(a, { stored: 2, duplicates: 0, rejected: [] });
    assert.deepEqual(b, { stored: 1, duplicates: 0, rejected: [] });
    const c = recorder.counters();
    assert.equal(c.batches, 1, 'both writes went into one transaction');
    assert.equal(c.written, 3);
    assert.equal(c.queueDepth, 0);
    assert.ok(c.lastCommitMs !== null);
    // Another connection sees every acknowledged sample.
    assert.equal(await storedCount(repo.path), 3);
    await recorder.close();
    await repo.close();
  });

  test('samples of a point deleted while they wait are dropped; the rest of the batch is stored with its aggregates', async () => {
    const repo = await plant();
    const recorder = new Recorder(repo.measurements, { flushIntervalMs: 3_600_000, flushSamples: 1_000_000, now: () => T0 });
    // Known when written (validated against the recorder's cache of points), gone when the batch
    // commits: the fast path's foreign key failure must fall back to the filtering path, not fail
    // the other point's samples.
    await Promise.all([recorder.write([sample('p-1', T0 - 60_000, 0)]), recorder.flush()]);
    const write = recorder.write([sample('p-0', T0, 1), sample('p-1', T0, 2), sample('p-0', T0 + 1000, 3)]);
    await new Promise((resolve) => setTimeout(resolve, 20)); // validated and queued, not committed
    assert.equal(recorder.counters().batches, 1);
    await repo.field.deletePoint('p-1');
    await recorder.flush();
    const result = await write;
    assert.equal(result.stored, 2);
    assert.equal(result.rejected.length, 0, 'validated while p-1 existed');
    assert.equal(recorder.counters().failedBatches, 0);
    assert.equal(await storedCount(repo.path, 'p-0'), 2);
    const [minute] = await repo.measurements.aggregates('p-0', 'minute', 0, Number.MAX_SAFE_INTEGER);
    assert.equal(minute?.count, 2);
    assert.equal(minute?.sum, 4);
    await recorder.close();
    await repo.close();
  });

  test('a full batch commits at once without waiting for the interval', async () => {
    const repo = await plant();
    // An interval far longer than the test: only the sample threshold can trigger the commit.
    const recorder = new Recorder(repo.measurements, { flushIntervalMs: 3_600_000, flushSamples: 10, now: () => T0 });
    const result = await recorder.write(Array.from({ length: 10 }, (_, i) => sample('p-1', T0 + i * 1000, i)));
    assert.equal(result.stored, 10);
    assert.equal(recorder.counters().batches, 1);
    await recorder.close();
    await repo.close();
  });

  test('flush() commits what is queued; close() flushes and then refuses writes', async () => {
    const repo = await plant();
    const recorder = new Recorder(repo.measurements, { flushIntervalMs: 3_600_000, flushSamples: 1_000_000, now: () => T0 });
    const pending = recorder.write([sample('p-0', T0, 1)]);
    await recorder.flush();
    assert.equal((await pending).stored, 1);
    const last = recorder.write([sample('p-0', T0 + 1000, 2)]);
    await recorder.close();
    assert.equal((await last).stored, 1, 'close() committed the queued write');
    await assert.rejects(recorder.write([sample('p-0', T0 + 2000, 3)]), RecorderClosedError);
    assert.equal(await storedCount(repo.path), 2);
    await repo.close();
  });

  test('a bounded queue: a write that would overflow it is refused whole, with a clear error', async () => {
    const repo = await plant();
    const recorder = new Recorder(repo.measurements, { flushIntervalMs: 3_600_000, flushSamples: 1_000_000, maxQueue: 5, now: () => T0 });
    const queued = recorder.write([sample('p-0', T0, 1), sample('p-0', T0 + 1, 2), sample('p-0', T0 + 2, 3)]);
    await assert.rejects(
      recorder.write([sample('p-0', T0 + 3, 4), sample('p-0', T0 + 4, 5), sample('p-0', T0 + 5, 6)]),
      (error: Error) => error instanceof RecorderOverloadedError && /queue full \(3 samples waiting, limit 5\).*3 samples not stored/.test(error.message),
    );
    assert.equal(recorder.counters().overflowed, 3);
    await recorder.close();
    assert.equal((await queued).stored, 3);
    assert.equal(await storedCount(repo.path), 3, 'the refused write stored nothing');
    await repo.close();
  });
});

describe('Recorder: duplicates and rejected samples', () => {
  test('the same point and source timestamp again is ignored and counted, not an error', async () => {
    const repo = await plant();
    const recorder = new Recorder(repo.measurements, { flushIntervalMs: 10, now: () => T0 });
    await recorder.write([sample('p-0', T0, 1), sample('p-0', T0 + 1000, 2)]);
    // A reconnect replays the last value, and one sample comes twice within a write.
    const again = await recorder.write([sample('p-0', T0 + 1000, 99), sample('p-0', T0 + 2000, 3), sample('p-0', T0 + 2000, 3)]);
    assert.deepEqual(again, { stored: 1, duplicates: 2, rejected: [] });
    assert.equal(recorder.counters().duplicates, 2);
    const rows = await repo.measurements.raw('p-0', 0, T0 + 10_000);
    assert.deepEqual(rows.map((r) => r.value), [1, 2, 3], 'the first value stays; the replay did not overwrite it');
    // The aggregates counted each sample once.
    const [minute] = await repo.measurements.aggregates('p-0', 'minute', 0, T0 + 60_000);
    assert.equal(minute!.count, 3);
    assert.equal(minute!.sum, 6);
    await recorder.close();
    await repo.close();
  });

  test('unknown points, non-finite values and timestamps far in the future are rejected with reasons; the rest is stored', async () => {
    const repo = await plant();
    const recorder = new Recorder(repo.measurements, { flushIntervalMs: 10, maxFutureMs: 60_000, now: () => T0 });
    const result = await recorder.write([
      sample('p-0', T0, 1),
      sample('no-such-point', T0, 1),
      sample('p-0', T0 + 1000, Number.NaN),
      sample('p-0', T0 + 2000, Number.POSITIVE_INFINITY),
      sample('p-0', T0 + 3 * 3600_000, 5),
      sample('p-0', T0 + 4000, null, 'bad'),
      sample('p-0', T0 + 5000, 7),
    ]);
    assert.equal(result.stored, 3, 'the good sample, the bad-quality one (a visible gap) and the last');
    assert.deepEqual(
      result.rejected.map((r) => [r.index, r.pointId]),
      [
        [1, 'no-such-point'],
        [2, 'p-0'],
        [3, 'p-0'],
        [4, 'p-0'],
      ],
    );
    assert.match(result.rejected[0]!.reason, /unknown point "no-such-point"/);
    assert.match(result.rejected[1]!.reason, /value NaN is not a finite number/);
    assert.match(result.rejected[2]!.reason, /value Infinity is not a finite number/);
    assert.match(result.rejected[3]!.reason, /2026-11-20T11:00:00.000Z is 10800 s in the future/);
    assert.equal(recorder.counters().rejected, 4);
    const rows = await repo.measurements.raw('p-0', 0, T0 + 10 * 3600_000);
    assert.deepEqual(rows.map((r) => [r.ts_ms - T0, r.value, r.quality]), [
      [0, 1, 'good'],
      [4000, null, 'bad'],
      [5000, 7, 'good'],
    ]);
    await recorder.close();
    await repo.close();
  });

  test('connector ids are mapped to point ids; a point created after the first miss is accepted', async () => {
    const repo = await plant(1);
    const recorder = new Recorder(repo.measurements, { flushIntervalMs: 10, now: () => T0 });
    const mapped = await recorder.write([{ ...sample('3:100', T0, 42) }], new Map([['3:100', 'p-0']]));
    assert.equal(mapped.stored, 1);
    const miss = await recorder.write([sample('p-new', T0, 1)]);
    assert.equal(miss.rejected.length, 1);
    await repo.field.createPoint({ id: 'p-new', device_id: 'dev-ingest', name: 'New', address: '3:200' });
    assert.equal((await recorder.write([sample('p-new', T0, 1)])).stored, 1);
    await recorder.close();
    await repo.close();
  });
});

describe('aggregates and retention', () => {
  test('per-minute and per-hour aggregates equal a recomputation from the raw samples', async () => {
    const repo = await plant(3);
    const recorder = new Recorder(repo.measurements, { flushIntervalMs: 5, flushSamples: 97, now: () => T0 + 10 * 3600_000 });
    // Three hours of irregular samples on three points, written in shuffled order over many
    // batches (late samples must update first/last correctly), with bad and uncertain ones.
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const samples: Sample[] = [];
    for (let p = 0; p < 3; p++) {
      for (let t = T0; t < T0 + 3 * 3600_000; t += 5000 + Math.floor(random() * 20_000)) {
        const r = random();
        samples.push(sample(`p-${p}`, t, r < 0.05 ? null : Math.round((50 + 30 * Math.sin(t / 600_000 + p) + random()) * 1000) / 1000, r < 0.05 ? 'bad' : r < 0.1 ? 'uncertain' : 'good'));
      }
    }
    for (let i = samples.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [samples[i], samples[j]] = [samples[j]!, samples[i]!];
    }
    // Groups of concurrent writes, one group after the other: many batches of several writes.
    for (let i = 0; i < samples.length; i += 37 * 4) {
      await Promise.all([0, 1, 2, 3].map((k) => recorder.write(samples.slice(i + k * 37, i + (k + 1) * 37))));
    }
    await recorder.close();
    assert.ok(recorder.counters().batches > 5, 'many batches');

    for (const [resolution, size] of [['minute', 60_000], ['hour', 3_600_000]] as const) {
      for (let p = 0; p < 3; p++) {
        const raw = await repo.measurements.raw(`p-${p}`, 0, Number.MAX_SAFE_INTEGER);
        const expected = new Map<number, { count: number; good: number; values: { ts: number; v: number }[] }>();
        for (const r of raw) {
          const bucket = Math.floor(r.ts_ms / size) * size;
          const e = expected.get(bucket) ?? { count: 0, good: 0, values: [] };
          e.count += 1;
          if (r.quality === 'good') {
            e.good += 1;
            if (r.value !== null) e.values.push({ ts: r.ts_ms, v: r.value });
          }
          expected.set(bucket, e);
        }
        const stored = await repo.measurements.aggregates(`p-${p}`, resolution, 0, Number.MAX_SAFE_INTEGER);
        assert.deepEqual(stored.map((b) => b.bucket_ms), [...expected.keys()].sort((a, b) => a - b), `${resolution} buckets of p-${p}`);
        for (const b of stored) {
          const e = expected.get(b.bucket_ms)!;
          const vs = e.values.map((x) => x.v);
          const where = `${resolution} ${new Date(b.bucket_ms).toISOString()} p-${p}`;
          assert.equal(b.count, e.count, `count, ${where}`);
          assert.equal(b.good_count, e.good, `good count, ${where}`);
          assert.equal(b.min, vs.length ? Math.min(...vs) : null, `min, ${where}`);
          assert.equal(b.max, vs.length ? Math.max(...vs) : null, `max, ${where}`);
          if (vs.length) assert.ok(Math.abs(b.sum! - vs.reduce((a, x) => a + x, 0)) < 1e-6, `sum, ${where}`);
          const byTs = [...e.values].sort((a, c) => a.ts - c.ts);
          assert.equal(b.first, byTs[0]?.v ?? null, `first, ${where}`);
          assert.equal(b.last, byTs.at(-1)?.v ?? null, `last, ${where}`);
        }
      }
    }
    await repo.close();
  });

  test('pruning deletes raw samples past the retention setting and keeps the aggregates', async () => {
    const repo = await plant(1);
    const day = 24 * 3600_000;
    const now = T0 + 40 * day;
    await repo.setSetting(INGEST_SETTINGS.rawRetentionDays, 30);
    const ingest = new IngestService(repo, { now: () => now, autoEvaluate: false, pruneIntervalMs: 0 });
    // One sample a day for 40 days.
    await ingest.recorder.write(Array.from({ length: 40 }, (_, i) => sample('p-0', T0 + i * day, i)));
    const hoursBefore = await repo.measurements.aggregates('p-0', 'hour', 0, now);
    const pruned = await ingest.prune();
    assert.equal(pruned.raw, 10, 'days 0-9 are older than 30 days');
    const raw = await repo.measurements.raw('p-0', 0, now);
    assert.equal(raw.length, 30);
    assert.equal(raw[0]!.ts_ms, T0 + 10 * day);
    assert.deepEqual(await repo.measurements.aggregates('p-0', 'hour', 0, now), hoursBefore, 'hour aggregates untouched');
    assert.equal((await repo.measurements.aggregates('p-0', 'minute', 0, now)).length, 40, 'minute aggregates kept (400 days by default)');
    // The chart query falls back to aggregates where raw is gone.
    const series = await ingest.series('p-0', T0, now, 100);
    assert.equal(series.resolution, 'hour');
    assert.equal(series.points.length, 40);
    await ingest.close();
    await repo.close();
  });
});
