/**
 * Runs one full match off the main thread: the engine is CPU-bound (seconds on a large
 * portfolio), and the API, the UI's live values and ingestion must keep answering meanwhile.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { resolveConfig, type MatchQuery } from '../matching/config.ts';
import { matchAll } from '../matching/engine.ts';
import type { MatchFlow } from '../matching/input.ts';

const { flows, query } = workerData as { flows: MatchFlow[]; query: MatchQuery };
try {
  const result = matchAll({ flows }, resolveConfig(query));
  parentPort!.postMessage({ ok: true, result });
} catch (error) {
  parentPort!.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
}
