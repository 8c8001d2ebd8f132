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
import { runConvergence, type ScenarioReport } from './convergence.ts';

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

/**
 * The scenario did what it claims (the convergence checks themselves are in runConvergence and
 * throw): edits were committed, rounds ran and most of them went through, hub instances were
 * restarted while rounds were running, and the shared changes reached the hub.
 */
function assertScenarioRan(report: ScenarioReport): void {
  assert.ok(report.committed > STEPS / 3, `only ${report.committed} of ${STEPS} steps committed an edit`);
  assert.ok(report.rounds >= STEPS / 10, `only ${report.rounds} sync rounds ran in ${STEPS} steps`);
  // Rounds cut by a restart fail (that is the point of the restarts); the others must not.
  assert.ok(report.rounds - report.failedRounds >= STEPS / 20, `only ${report.rounds - report.failedRounds} of ${report.rounds} rounds went through`);
  assert.ok(report.restarts > 0 && report.restartsMidRound > 0, `no hub restart cut a round (restarts ${report.restarts}, with a round running ${report.restartsMidRound})`);
  assert.ok(report.messagesOnHub >= report.committed, `the hub holds ${report.messagesOnHub} messages for ${report.committed} committed edits (each writes at least one, most are shared)`);
}

describe('convergence of three replicas', () => {
  for (const seed of SEEDS) {
    test(`SQLite hub with restarts (seed ${seed})`, async () => {
      const report = await runConvergence(folder, await pool(join(folder, `hub-${seed}.db`), 1), seed, STEPS);
      console.log(`seed ${seed}: ${JSON.stringify(report)}`);
      assertScenarioRan(report);
    });
  }

  test('PostgreSQL, two hub instances on one database, clients spread over both', async () => {
    postgres = await startPostgres();
    const database = await postgres.createDatabase('convergence');
    const report = await runConvergence(folder, await pool(database, 2), SEEDS[0]! + 1000, STEPS);
    console.log(`postgres: ${JSON.stringify(report)}`);
    assertScenarioRan(report);
    // Both instances were restarted with rounds running (the planned restarts).
    assert.ok(report.restartsMidRound >= 2, `only ${report.restartsMidRound} restarts cut a round`);
  });
});
