/**
 * One graph analytics computation off the API's thread (analytics-worker-client.ts starts one per
 * computation): it opens the database file read-only beside the app's writer (WAL: it sees every
 * committed write and never waits for the writer), reads every match and flow through the same
 * stores as the main thread, computes the suggestions (analytics.ts) and posts them back. Reading
 * ~240,000 rows and building the graph takes seconds on a large portfolio; the thread, its
 * connection and its memory end with the answer.
 *
 * The worker is never terminated from outside while its connection is open: ending a thread with
 * an open sqlite3 database aborts the whole process (TryGhost/node-sqlite3#1666). Asked to stop, it
 * skips what is left, closes its connection and ends on its own; it answers only once closed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Repository } from '../../db/repository.ts';
import { computeSuggestions } from './analytics.ts';
import type { AnalyticsWorkerData, AnalyticsWorkerReply, AnalyticsWorkerStop } from './analytics-worker-protocol.ts';

const { path, options, gate } = workerData as AnalyticsWorkerData;
const stop = new AbortController();
parentPort!.on('message', (message: AnalyticsWorkerStop) => message.kind === 'stop' && stop.abort());
// listening for a stop must not keep the thread alive once it has answered
parentPort!.unref();

async function compute(): Promise<AnalyticsWorkerReply> {
  if (gate) {
    Atomics.store(gate, 1, 1);
    Atomics.notify(gate, 1);
    Atomics.wait(gate, 0, 0);
    // a stop sent while the gate held the thread is read now
    await new Promise((resolve) => setImmediate(resolve));
  }
  stop.signal.throwIfAborted();
  const repo = await Repository.openReadOnly(path);
  try {
    return { kind: 'done', value: await computeSuggestions(repo, options, stop.signal) };
  } finally {
    await repo.close();
  }
}

const answer = await compute().catch((error: unknown): AnalyticsWorkerReply => ({ kind: 'error', message: error instanceof Error ? error.message : String(error) }));
parentPort!.postMessage(answer);
