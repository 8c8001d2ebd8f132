/**
 * kill -9 in the middle of a sync: the hub (`turash hub`) and the client (`turash sync`) run as
 * child processes and are killed with SIGKILL at random points (seeded) while thousands of changes
 * are pushed and pulled. After restarts nothing is lost (every committed change is on the hub and
 * on the other replica) and nothing is applied twice (the hub stores each message once; pulling
 * everything again changes nothing).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { Repository } from '../../main/db/repository.ts';
import { LocalReplica } from '../../main/sync/replica.ts';
import { httpClient } from '../../sync/hub/testing/clients.ts';
import { winners } from '../../sync/protocol/lww.ts';
import { prng } from './support.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-kill-'));
const TURASH = join(import.meta.dirname, '..', '..', 'bin', 'turash.mjs');
const children = new Set<ChildProcess>();
after(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(folder, { recursive: true, force: true });
});

function turash(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawn(process.execPath, [TURASH, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function output(child: ChildProcess): Promise<string> {
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  await exited(child);
  return text;
}

const hubDb = join(folder, 'hub.db');
let hubPort = 0;
let hub: ChildProcess | undefined;

async function startHubProcess(): Promise<string> {
  hub = turash(['hub', '--database', hubDb, '--port', String(hubPort), '--json']);
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: hub!.stdout! }).once('line', resolve);
    hub!.once('exit', (code) => reject(new Error(`turash hub exited with ${code}`)));
  });
  const { url, port } = JSON.parse(line) as { url: string; port: number };
  hubPort = port;
  return url;
}

/** A portfolio of `n` organizations with a site and three flows each, written locally. */
async function seedPortfolio(path: string, n: number): Promise<void> {
  const repo = await Repository.open(path);
  const organizations = Array.from({ length: n }, (_, i) => ({ id: `k-o${i}`, name: `Kill Org ${i}`, sector: 'Paper' }));
  const sites = organizations.map((o, i) => ({ id: `k-s${i}`, organization_id: o.id, name: `Site ${i}`, country: 'DE', lat: 51 + i / 1e4, lon: 7 }));
  const flows = sites.flatMap((s, i) =>
    [0, 1, 2].map((k) => ({ id: `k-f${i}-${k}`, site_id: s.id, direction: k === 0 ? ('supply' as const) : ('demand' as const), type: 'heat' as const, name: `Flow ${i}.${k}`, quantity: { amount: 10 + k, unit: 'MWh/yr' } })),
  );
  await repo.importDocument({ organizations, sites, flows });
  await repo.close();
}

test('kill -9 of hub and client at random points: nothing lost, nothing applied twice', { timeout: 600_000 }, async () => {
  const random = prng(Number(process.env.TURASH_KILL_SEED ?? 7));
  const grant = turash(['hub', 'grant', 'kill@example.org', '--workspace', 'kill', '--role', 'facilitator', '--database', hubDb, '--json']);
  const granted = JSON.parse(await output(grant)) as { token: string; workspace: { id: string } };
  let url = await startHubProcess();
  const a = join(folder, 'a.db');
  const b = join(folder, 'b.db');
  await seedPortfolio(a, 400);

  const sync = (db: string) => turash(['sync', '--db', db, '--hub', url, '--workspace', 'kill', '--json'], { TURASH_HUB_TOKEN: granted.token });
  let kills = 0;
  for (const db of [a, a, a, a, b, b, b, b]) {
    const client = sync(db);
    const done = output(client);
    // tsx needs about a second to start; the push or pull runs after that.
    await new Promise((resolve) => setTimeout(resolve, 900 + random() * 2500));
    if (random() < 0.5) {
      client.kill('SIGKILL');
    } else {
      hub!.kill('SIGKILL');
      await exited(hub!);
      url = await startHubProcess();
    }
    kills += 1;
    await done;
  }
  assert.equal(kills, 8);
  // Unkilled runs finish the job.
  for (const db of [a, b]) {
    const text = await output(sync(db));
    assert.match(text, /"pushed"/, text);
  }

  const hubApi = httpClient({ url }, granted.token);
  const onHub = [];
  for (let since = 0; ; ) {
    const page = await hubApi.sync.pull.query({ workspace: granted.workspace.id, since, limit: 10_000 });
    onHub.push(...page.messages);
    since = page.cursor;
    if (page.done) break;
  }
  assert.equal(new Set(onHub.map((m) => m.timestamp)).size, onHub.length, 'the hub stored a message twice');

  const ra = new LocalReplica(await Repository.open(a));
  const rb = new LocalReplica(await Repository.open(b));
  try {
    assert.equal(await ra.pending(), 0);
    const docA = await ra.repo.exportDocument();
    assert.equal(docA.flows.length, 1200);
    assert.deepEqual(await rb.repo.exportDocument(), docA, 'b does not hold what a committed');
    const expected = winners(onHub).map((m) => `${m.dataset}/${m.row}/${m.column} = ${m.value} @ ${m.timestamp}`).sort();
    assert.deepEqual(await rb.cellsDump({ sharedOnly: true }), expected);
    // Pulling everything again applies nothing and logs nothing.
    const logged = (await rb.repo.changeLog(0, 1_000_000)).length;
    await rb.resetCursor();
    const page = await hubApi.sync.pull.query({ workspace: granted.workspace.id, since: 0, limit: 10_000 });
    const outcome = await rb.apply(page.messages.map(({ timestamp, dataset, row, column, value }) => ({ timestamp, dataset, row, column, value })), page.cursor);
    assert.equal(outcome.applied, 0);
    assert.equal((await rb.repo.changeLog(0, 1_000_000)).length, logged);
  } finally {
    await ra.repo.close();
    await rb.repo.close();
    hub!.kill('SIGTERM');
    await exited(hub!);
  }
});
