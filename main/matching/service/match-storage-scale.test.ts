/**
 * Storage and alerts at scale, on a real SQLite file with the real engine and the benchmark's
 * generator (5,000 synthetic flows around the Hotmaps sites, main/matching/synthetic.ts):
 * - the database after a full re-match is under twice its size before (issue 13's target);
 * - a second re-match of the same portfolio rewrites nothing and does not grow the file;
 * - a re-match that brings hundreds of new high-scoring matches makes one digest: one row, its
 *   matches marked by column, never one alert row per match.
 * Sizes are read after closing the database (its WAL checkpointed into the file).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadBenchAnchors } from '../../cli/bench-anchors.ts';
import { openDatabase } from '../../db/database.ts';
import { Repository } from '../../db/repository.ts';
import { MatchAlerts } from '../../workflow/alerts.ts';
import { MatchService } from './match-service.ts';
import { syntheticDocument } from '../../portfolio/synthetic-document.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-storage-scale-'));
after(() => rmSync(folder, { recursive: true, force: true }));
const file = join(folder, 'portfolio.db');
const size = () => statSync(file).size + (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0);
const anchors = loadBenchAnchors().sites.map((a, i) => ({ name: `site ${i + 1}`, ...a, weight: 1, sigmaKm: 3 }));
const NOW = { now: '2026-11-24T00:00:00Z' };

test('5,000 flows: the re-matched database stays under 2x its size, a second run writes nothing, new matches make one digest', async () => {
  let repo = await Repository.open(file);
  await repo.importDocument(syntheticDocument({ flows: 5000, seed: 42, anchors, heatProfiles: true }));
  await repo.close();
  const before = size();

  repo = await Repository.open(file);
  let service = new MatchService(repo);
  const first = await service.runAll(NOW);
  assert.ok(first.created > 3000, `the portfolio has matches (${first.created})`);
  const alerts = new MatchAlerts(repo);
  await alerts.setThreshold(0.5);
  assert.equal(await alerts.check(), null, 'the first check is the silent baseline');
  await repo.close();
  const matched = size();
  console.log(`# database: ${before} bytes of flows; ${matched} bytes after matching (${(matched / before).toFixed(2)}x); ${first.created} matches`);
  assert.ok(matched < 2 * before, `after matching ${matched} bytes, before ${before} bytes: ${(matched / before).toFixed(2)}x`);

  repo = await Repository.open(file);
  service = new MatchService(repo);
  const second = await service.runAll(NOW);
  assert.deepEqual({ created: second.created, updated: second.updated, removed: second.removed, unchanged: second.unchanged }, { created: 0, updated: 0, removed: 0, unchanged: first.created });
  await repo.close();
  assert.ok(size() <= matched * 1.01, `a second run does not grow the file: ${matched} -> ${size()} bytes`);

  // 1,000 more flows around the same sites (another batch, its own ids): a full re-match brings
  // new matches above the threshold.
  repo = await Repository.open(file);
  await repo.importDocument(syntheticDocument({ flows: 1000, seed: 7, anchors, heatProfiles: true, prefix: 'b-' }));
  service = new MatchService(repo);
  const third = await service.runAll(NOW);
  const scaled = new MatchAlerts(repo);
  const digest = await scaled.check();
  assert.ok(digest, 'the new flows bring new matches above 0.5');
  assert.ok(digest.matches >= 100, `a large digest (${digest.matches} matches; ${third.created} created)`);
  const behind = await repo.workflow.alerts.matches(digest.id, { limit: 500 });
  assert.equal(behind.total, digest.matches, 'every match of the digest is listed behind it');
  assert.ok(behind.items.every((a, i) => a.score >= 0.5 && (i === 0 || behind.items[i - 1]!.score >= a.score)), 'best first, all above the threshold');
  assert.deepEqual((await repo.workflow.alerts.list()).map((d) => d.id), [digest.id], 'one digest row for the whole re-match');
  assert.equal(await scaled.check(), null, 'nothing left to announce');
  await repo.close();
  const db = await openDatabase(file);
  try {
    const tables = (await db.selectFrom('sqlite_master' as never).select('name' as never).where('type' as never, '=', 'table' as never).execute()) as { name: string }[];
    assert.ok(!tables.some((t) => t.name === 'match_alerts'), 'no per-match alert table');
  } finally {
    await db.destroy();
  }
});
