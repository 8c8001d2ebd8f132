import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { openDatabase } from '../db/database.ts';
import { Repository } from '../db/repository.ts';
import { seedPlant } from './fixtures/seed.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-kill-'));
after(() => rmSync(folder, { recursive: true, force: true }));
const WRITER = fileURLToPath(new URL('./fixtures/kill-writer.ts', import.meta.url));
const POINTS = 20;
const ROUNDS = 5;

/** Runs the writer until `delayMs` after its first acknowledgement, then SIGKILLs it. */
function recordAndKill(db: string, firstK: number, delayMs: number): Promise<{ acks: [number, number][] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, db, String(firstK), String(POINTS)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    // A safety net so a writer that never acknowledges cannot hang the suite.
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (!timer && out.includes('ack ')) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (timer) clearTimeout(timer);
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited with ${code ?? signal} before the kill: ${err}`));
      // Only complete lines: the kill may cut the last one.
      const acks = out
        .split('\n')
        .slice(0, -1)
        .filter((line) => line.startsWith('ack '))
        .map((line) => line.split(' ').slice(1).map(Number) as [number, number]);
      resolve({ acks });
    });
  });
}

test('kill -9 while recording, 5 times at random points: the file is intact and every acknowledged sample is there', { timeout: 600_000 }, async (t) => {
  const db = join(folder, 'kill.db');
  const repo = await Repository.open(db);
  await seedPlant(repo, { points: POINTS });
  await repo.close();

  let nextK = 0;
  let acknowledged = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const delay = 50 + Math.floor(Math.random() * 1500);
    const { acks } = await recordAndKill(db, nextK, delay);
    assert.ok(acks.length > 0, `round ${round}: the writer acknowledged something before the kill`);

    const check = await openDatabase(db);
    try {
      const integrity = await sql<{ integrity_check: string }>`PRAGMA integrity_check`.execute(check);
      assert.deepEqual(integrity.rows.map((r) => r.integrity_check), ['ok'], `round ${round}: integrity_check`);
      // Every acknowledged write is there in full (values are the sample numbers k).
      for (const [first, last] of acks) {
        const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM measurements WHERE ts_ms BETWEEN ${Date.UTC(2026, 0, 1) + first} AND ${Date.UTC(2026, 0, 1) + last}`.execute(check);
        assert.equal(rows[0]!.n, last - first + 1, `round ${round} (killed after ${delay} ms): acknowledged samples ${first}-${last}`);
      }
      const roundAcks = acks.reduce((sum, [first, last]) => sum + last - first + 1, 0);
      acknowledged += roundAcks;
      t.diagnostic(`round ${round}: killed ${delay} ms after the first ack; ${roundAcks} samples acknowledged, all present`);
      // Raw and aggregates were committed together, so they agree after the crash too.
      const counts = await sql<{ raw: number; minutes: number; hours: number }>`
        SELECT (SELECT count(*) FROM measurements) AS raw,
               (SELECT total(count) FROM measurement_minutes) AS minutes,
               (SELECT total(count) FROM measurement_hours) AS hours`.execute(check);
      const c = counts.rows[0]!;
      assert.equal(c.minutes, c.raw, `round ${round}: minute aggregates count every raw sample`);
      assert.equal(c.hours, c.raw, `round ${round}: hour aggregates count every raw sample`);
      // The next round continues after whatever was committed (acknowledged or not).
      const max = await sql<{ k: number | null }>`SELECT max(value) AS k FROM measurements`.execute(check);
      nextK = (max.rows[0]!.k ?? -1) + 1;
    } finally {
      await check.destroy();
    }
  }
  assert.ok(acknowledged > 0);
});
