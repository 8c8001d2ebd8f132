/**
 * Convergence of three replicas through a real hub: SQLite hub (restarted in between), and a real
 * PostgreSQL with two hub instances on one database (clients spread over both). See convergence.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { startHub, type RunningHub } from '../../sync/hub/server.ts';
import { seedMember } from '../../sync/hub/testing/clients.ts';
import { startPostgres, type RunningPostgres } from '../../sync/hub/testing/postgres.ts';
import { runConvergence } from './convergence.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-convergence-'));
const hubs: RunningHub[] = [];
let postgres: RunningPostgres | undefined;
after(async () => {
  for (const hub of hubs) await hub.close().catch(() => undefined);
  await postgres?.stop();
  rmSync(folder, { recursive: true, force: true });
});

const SEEDS = (process.env.TURASH_SYNC_SEEDS ?? '11,29').split(',').map(Number);
const STEPS = Number(process.env.TURASH_SYNC_STEPS ?? 120);

async function pool(database: string, instances: number) {
  const running: RunningHub[] = [];
  for (let i = 0; i < instances; i++) running.push(await startHub({ database, port: 0 }));
  hubs.push(...running);
  const { token, workspaceId } = await seedMember(running[0]!.store, 'team@example.org', 'convergence', 'facilitator');
  return {
    urls: () => running.map((h) => h.url),
    token,
    workspace: workspaceId,
    restart: async (i: number) => {
      const old = running[i]!;
      await old.close();
      running[i] = await startHub({ database, port: old.port });
      hubs.push(running[i]!);
    },
  };
}

describe('convergence of three replicas', () => {
  for (const seed of SEEDS) {
    test(`SQLite hub with restarts (seed ${seed})`, async () => {
      const report = await runConvergence(folder, await pool(join(folder, `hub-${seed}.db`), 1), seed, STEPS);
      assert.ok(report.committed > STEPS / 3, `only ${report.committed} edits committed`);
      console.log(`seed ${seed}: ${JSON.stringify(report)}`);
    });
  }

  test('PostgreSQL, two hub instances on one database, clients spread over both', async () => {
    postgres = await startPostgres();
    const database = await postgres.createDatabase('convergence');
    const report = await runConvergence(folder, await pool(database, 2), SEEDS[0]! + 1000, STEPS);
    assert.ok(report.restarts >= 0);
    console.log(`postgres: ${JSON.stringify(report)}`);
  });
});
