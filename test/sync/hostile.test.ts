/**
 * The hostile-member suite (issue #14): a member of the workspace pushes every malformed and forged
 * message of the issue, in seeded random mixes, against a SQLite hub and against two hub instances
 * on one PostgreSQL, while three honest laptops edit and sync; they must still converge and keep
 * their private data. See hostile.ts for the attacks and the checks.
 *
 * TURASH_HOSTILE_SEEDS (SQLite, one test per seed), TURASH_HOSTILE_PG_SEEDS (PostgreSQL; by default
 * the first two SQLite seeds + 1000) and TURASH_HOSTILE_STEPS replay or lengthen a run.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { HubLimits } from '../../sync/hub/limits.ts';
import { startHub, type RunningHub } from '../../sync/hub/server.ts';
import { seedMember } from '../../sync/hub/testing/clients.ts';
import { startPostgres, type RunningPostgres } from '../../sync/hub/testing/postgres.ts';
import { SyncClient } from '../../sync/client/client.ts';
import { httpClient } from '../../sync/hub/testing/clients.ts';
import { HybridLogicalClock } from '../../sync/protocol/hlc.ts';
import { describeTally, runHostile, type HostilePool, type HostileReport } from './hostile.ts';
import { openReplica } from './support.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-hostile-'));
const hubs: RunningHub[] = [];
let postgres: RunningPostgres | undefined;
after(async () => {
  for (const hub of hubs) await hub.close().catch(() => undefined);
  await postgres?.stop();
  rmSync(folder, { recursive: true, force: true });
});

const SEEDS = (process.env.TURASH_HOSTILE_SEEDS ?? '3,41,77').split(',').map(Number);
const PG_SEEDS = (process.env.TURASH_HOSTILE_PG_SEEDS ?? SEEDS.slice(0, 2).map((s) => s + 1000).join(',')).split(',').map(Number);
const STEPS = Number(process.env.TURASH_HOSTILE_STEPS ?? 120);

/** Hub instances on one database, three honest members and the attacker in one workspace. */
async function pool(database: string, instances: number, limits: Partial<HubLimits> = {}): Promise<HostilePool> {
  const running: RunningHub[] = [];
  for (let i = 0; i < instances; i++) running.push(await startHub({ database, port: 0, limits }));
  hubs.push(...running);
  const store = running[0]!.store;
  const honest = [];
  let workspace = '';
  for (const [email, role] of [['anna@example.org', 'facilitator'], ['ben@example.org', 'engineer'], ['carla@example.org', 'engineer']] as const) {
    const { token, workspaceId } = await seedMember(store, email, 'hostile', role);
    honest.push({ email, token });
    workspace = workspaceId;
  }
  const attacker = await seedMember(store, 'mallory@example.org', 'hostile', 'engineer');
  return { urls: () => running.map((h) => h.url), workspace, honest, attacker: { email: 'mallory@example.org', token: attacker.token } };
}

function verdict(label: string, report: HostileReport): void {
  console.log(
    `${label} seed ${report.seed}: ${report.steps} steps, ${report.honestEdits} honest edits, ${report.honestRounds} honest rounds, ` +
      `${report.attackerActions} attacker actions, ${report.messagesOnHub} messages on the hub; checked ${JSON.stringify(report.checked)}\n${describeTally(report)}`,
  );
  // The run did something: honest work, attacks of most kinds, refusals counted.
  assert.ok(report.honestEdits > report.steps / 4, `only ${report.honestEdits} honest edits in ${report.steps} steps`);
  assert.ok(report.honestRounds > report.steps / 8, `only ${report.honestRounds} honest rounds in ${report.steps} steps`);
  const untried = Object.entries(report.tally).filter(([, t]) => t.sent === 0).map(([kind]) => kind);
  assert.deepEqual(untried, [], `attacks never tried (nothing to aim at): ${untried.join(', ')}`);
  // Every check looked at something.
  const c = report.checked;
  assert.ok(c.privateRecords >= 6 && c.privateChecks > report.honestRounds, `the private records were hardly checked: ${JSON.stringify(c)}`);
  assert.ok(c.witnessRecords > 0 && c.fields > 0, `nothing was compared: ${JSON.stringify(c)}`);
  if (report.tally['member-edit'].stored > 0) assert.ok(c.historyByAttacker > 0, `the member's stored edits appear in no history: ${JSON.stringify(c)}`);
  assert.ok(c.historyByHonest > 0, `no remote honest change appears in any history: ${JSON.stringify(c)}`);
  const lines = report.violations.map((v) => `- [${v.check}]${v.attacks.length ? ` (${v.attacks.join(', ')})` : ''} ${v.detail}`);
  assert.deepEqual(lines, [], `${label} seed ${report.seed}: ${lines.length} checks failed:\n${lines.join('\n')}`);
}

describe('a hostile member cannot break or hijack the team\'s sync', () => {
  // The mixes below found it; this replays it directly: a member renames another member's node
  // (node/<id>/actor) and then makes that member's shared flow invalid (a price over the limit),
  // so the flow leaves the victim's table by a remote change stamped with the victim's own edit.
  test('a forged node name never shows in the victim\'s own history (SQLite)', async () => {
    const hostile = await pool(join(folder, 'hub-forged-name.db'), 1);
    const anna = hostile.honest[0]!;
    const replica = await openReplica(folder, 'forged-name-anna');
    const client = new SyncClient(replica, { url: hostile.urls()[0]!, token: anna.token, workspace: hostile.workspace });
    try {
      await replica.setActor(anna.email);
      await replica.repo.createOrganization({ id: 'o-fn', name: 'Stadtwerke', sector: 'Utility' });
      await replica.repo.createSite({ id: 's-fn', organization_id: 'o-fn', name: 'Plant', country: 'DE', lat: 51.4, lon: 7 });
      await replica.repo.createFlow({ id: 'f-fn', site_id: 's-fn', direction: 'supply', type: 'heat', name: 'Waste heat', quantity: { amount: 40, unit: 'MWh/yr' } });
      await client.syncOnce();
      const node = await replica.nodeId();
      const mallory = httpClient({ url: hostile.urls()[0]! }, hostile.attacker.token);
      const clock = new HybridLogicalClock('f0f0f0f0f0f0f0f0');
      const messages = [
        { timestamp: clock.send(), dataset: 'node', row: node, column: 'actor', value: JSON.stringify(hostile.attacker.email) },
        { timestamp: clock.send(), dataset: 'flow', row: 'f-fn', column: 'economics', value: JSON.stringify({ price_eur: 1e300, price_per: 'MWh' }) },
      ];
      // A later edit of Anna's makes her stamp the newest cell of the flow.
      await mallory.sync.push.mutate({ workspace: hostile.workspace, client: 'f0f0f0f0f0f0f0f0', messages });
      await replica.repo.updateFlow('f-fn', { name: 'Waste heat, line 2' });
      await client.syncOnce();
      await client.syncOnce();
      const wrong = (await replica.history('flow', 'f-fn')).filter((e) => e.hlc?.endsWith(node) && e.actor !== anna.email);
      assert.deepEqual(wrong.map((e) => `${e.origin} ${e.op} @ ${e.hlc} names ${e.actor}`), [], 'Anna\'s own changes are named after someone else');
    } finally {
      await client.stop();
      await replica.repo.close();
    }
  });

  for (const seed of SEEDS) {
    test(`SQLite hub (seed ${seed})`, async () => {
      const report = await runHostile(folder, 'sqlite', await pool(join(folder, `hub-${seed}.db`), 1), seed, STEPS);
      verdict('SQLite', report);
    });
  }

  // A hub that takes timestamps up to a year ahead (a hub whose clock is wrong, or one that stored
  // them before the 60 s rule): the future messages reach the laptops, which must hold them aside.
  test(`SQLite hub with a one-year clock window: laptops hold future messages aside (seed ${SEEDS[0]! + 500})`, async () => {
    const window = 366 * 86_400_000 + 60_000;
    const seed = SEEDS[0]! + 500;
    const report = await runHostile(folder, 'wide', await pool(join(folder, `hub-wide-${seed}.db`), 1, { maxClockAheadMs: window }), seed, STEPS, { hubWindowMs: window });
    verdict('SQLite (wide window)', report);
    assert.ok(report.tally['near-future'].stored > 0, 'no future message got through the wide window: the laptops\' side was not tested');
  });

  for (const seed of PG_SEEDS) {
    test(`PostgreSQL, two hub instances on one database (seed ${seed})`, async () => {
      postgres ??= await startPostgres();
      const database = await postgres.createDatabase(`hostile_${seed}`);
      const report = await runHostile(folder, 'pg', await pool(database, 2), seed, STEPS);
      verdict('PostgreSQL', report);
    });
  }
});
