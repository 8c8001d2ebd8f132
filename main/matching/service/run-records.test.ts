/**
 * `turash match --json` reads a full run's records from the worker chunk by chunk after the run
 * (`streamRecords`, MatchService.records): the same records in the same order as the run's own
 * (`engineRecords`), and the same JSON document the whole array gave.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeMatchJson } from '../../cli/match-commands.ts';
import type { OutputSink } from '../../cli/format.ts';
import { Repository } from '../../db/repository.ts';
import { loadDemoPortfolio } from '../../interchange/demo.ts';
import type { EngineMatch } from '../match.ts';
import { MatchService } from './match-service.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-records-'));
const NOW = { now: '2026-11-24T00:00:00Z' };
let repo: Repository;
let service: MatchService;

before(async () => {
  repo = await Repository.open(join(folder, 'records.db'));
  await repo.importDocument(loadDemoPortfolio());
  service = new MatchService(repo);
});
after(async () => {
  await service.close();
  await repo.close();
  rmSync(folder, { recursive: true, force: true });
});

const collect = (): OutputSink & { text: string } => {
  const sink = { text: '', write: async (t: string) => void (sink.text += t) };
  return sink;
};

test('records read chunk by chunk after a run are the run`s own records, and write the same JSON', async () => {
  const whole = await service.runAll(NOW, undefined, 'npv', { engineRecords: true });
  assert.ok(whole.matches.length > 7, `${whole.matches.length} matches: several chunks of 7`);
  const streamed = await service.runAll(NOW, undefined, 'npv', { streamRecords: true });
  const chunks: EngineMatch[][] = [];
  for await (const chunk of service.records(7)) chunks.push([...chunk]);
  assert.ok(chunks.length > 1 && chunks.every((c) => c.length <= 7));
  assert.deepEqual(chunks.flat(), whole.matches);

  const fromArray = collect();
  await writeMatchJson(fromArray, { matches: whole.matches, stats: { ...whole.stats, timings_ms: null } });
  const fromChunks = collect();
  await writeMatchJson(fromChunks, { matches: service.records(5), stats: { ...streamed.stats, timings_ms: null } });
  assert.equal(fromChunks.text, fromArray.text);
  assert.deepEqual(JSON.parse(fromChunks.text).matches, JSON.parse(JSON.stringify(whole.matches)));
});

test('records are refused once the worker was asked something else (the run they came from is forgotten)', async () => {
  await service.runAll(NOW, undefined, 'npv', { streamRecords: true });
  await service.runAll(NOW, undefined, 'npv', {});
  await assert.rejects(async () => {
    for await (const _ of service.records()) void _;
  }, /kept no run to read records of/);
});
