/**
 * The convergence scenario shared by the SQLite-hub and PostgreSQL runs: three replicas (three
 * SQLite files, three SyncClients) make random edits and deletes (seeded), including conflicting
 * edits of the same field and delete-vs-edit, while replicas go offline, rounds are cut off by hub
 * restarts and (on PostgreSQL) clients are spread over two hub instances. Then everyone syncs until
 * nothing moves, and the checks a user would make hold: every replica shows the same records, the
 * hub holds every shared change ever committed (once), every field's value is the last-writer-wins
 * winner of everything committed, every table shows what its cells say, the last round found no
 * divergence and every cursor is at the hub's head. Private organizations never reach the hub.
 */
import assert from 'node:assert/strict';
import { SyncClient, type RoundReport } from '../../sync/client/client.ts';
import { winners } from '../../sync/protocol/lww.ts';
import type { PortfolioDocument } from '../../main/db/repository.ts';
import type { LocalReplica } from '../../main/sync/replica.ts';
import { allHubMessages, cellLine, hubHead, openReplica, parseCellLine, privateByCells, prng, quiesce, randomEdit, tablesAgreeWithCells } from './support.ts';

export interface HubPool {
  /** One URL per hub instance (clients are spread over them). */
  urls(): string[];
  token: string;
  workspace: string;
  /** Stops and restarts instance i on the same port and database. */
  restart(i: number): Promise<void>;
}

export interface ScenarioReport {
  steps: number;
  committed: number;
  rounds: number;
  failedRounds: number;
  restarts: number;
  /** Restarts made while at least one round was still running. */
  restartsMidRound: number;
  messagesOnHub: number;
}

/** The document without private organizations and what hangs under them. */
function sharedPart(doc: PortfolioDocument): PortfolioDocument {
  const privateOrgs = new Set(doc.organizations.filter((o) => o.sharing === 'private').map((o) => o.id));
  const privateSites = new Set(doc.sites.filter((s) => privateOrgs.has(s.organization_id)).map((s) => s.id));
  return {
    organizations: doc.organizations.filter((o) => !privateOrgs.has(o.id)),
    sites: doc.sites.filter((s) => !privateSites.has(s.id)),
    flows: doc.flows.filter((f) => !privateSites.has(f.site_id)),
  };
}

export async function runConvergence(folder: string, pool: HubPool, seed: number, steps: number): Promise<ScenarioReport> {
  const random = prng(seed);
  const replicas: LocalReplica[] = [];
  for (let i = 0; i < 3; i++) replicas.push(await openReplica(folder, `conv-${seed}-${i}`));
  const clientFor = (i: number) => {
    const urls = pool.urls();
    return new SyncClient(replicas[i]!, { url: urls[i % urls.length]!, token: pool.token, workspace: pool.workspace }, { pushBatch: 7 + i * 5, pullLimit: 11 + i * 3 });
  };
  let clients = replicas.map((_, i) => clientFor(i));
  const offlineUntil = [0, 0, 0];
  const inFlight = new Set<Promise<unknown>>();
  const report: ScenarioReport = { steps, committed: 0, rounds: 0, failedRounds: 0, restarts: 0, restartsMidRound: 0, messagesOnHub: 0 };
  const startRound = (i: number) => {
    report.rounds += 1;
    const round: Promise<RoundReport | void> = clients[i]!.syncOnce().catch(() => {
      report.failedRounds += 1;
    });
    inFlight.add(round);
    void round.finally(() => inFlight.delete(round));
    return round;
  };
  const restart = async (which: number) => {
    if (inFlight.size > 0) report.restartsMidRound += 1;
    await pool.restart(which);
    report.restarts += 1;
    clients = replicas.map((_, k) => clientFor(k));
  };
  // Besides the random ones, every instance is restarted once on purpose while every replica has
  // a round running (a restart that never cuts a round tests nothing).
  const plannedRestarts = new Map(pool.urls().map((_, i) => [Math.floor(((i + 1) * steps) / (pool.urls().length + 1)), i]));
  try {
    for (let step = 0; step < steps; step++) {
      const planned = plannedRestarts.get(step);
      if (planned !== undefined) {
        for (let k = 0; k < 3; k++) startRound(k);
        await restart(planned);
      }
      const i = Math.floor(random() * 3);
      const roll = random();
      if (roll < 0.6) {
        if (await randomEdit(replicas[i]!, random, `${seed}-${step}`)) report.committed += 1;
      } else if (roll < 0.88) {
        if (step < offlineUntil[i]!) continue;
        const round = startRound(i);
        // Sometimes wait, sometimes let the round run into the next steps (and into restarts).
        if (random() < 0.5) await round;
      } else if (roll < 0.96) {
        offlineUntil[i] = step + 1 + Math.floor(random() * 15);
      } else {
        // Restart a hub instance with rounds possibly in the middle of a push or a pull.
        await restart(Math.floor(random() * pool.urls().length));
      }
    }
    await Promise.all(inFlight);
    // Quiesce: rounds until a whole pass moves nothing. That last pass must also have found the
    // hub's merkle trie equal to the replica's (nothing repaired) and left the cursor at the head
    // of the instance it talks to.
    const last = await quiesce(clients);
    const urls = pool.urls();
    for (const [k, r] of last.entries()) {
      assert.equal(r.repaired, false, `replica ${k}: the last round still found its messages differ from the hub's (merkle)`);
      assert.equal(r.cursor, await hubHead(urls[k % urls.length]!, pool.token, pool.workspace), `replica ${k}: its cursor is not at the hub's head after the last round`);
    }

    // 1. Every replica shows the same shared records; private ones stayed home.
    const docs = await Promise.all(replicas.map((r) => r.repo.exportDocument()));
    for (let k = 1; k < 3; k++) assert.deepEqual(sharedPart(docs[k]!), sharedPart(docs[0]!), `replica ${k} differs from replica 0`);
    // 2. The hub holds every shared message each replica committed, once, and nothing private.
    const onHub = await allHubMessages(urls[0]!, pool.token, pool.workspace);
    report.messagesOnHub = onHub.length;
    const hubTimestamps = new Set(onHub.map((m) => m.timestamp));
    assert.equal(hubTimestamps.size, onHub.length, 'the hub stored a message twice');
    if (urls.length > 1) {
      // Every instance serves the same log.
      for (const url of urls.slice(1)) assert.deepEqual(await allHubMessages(url, pool.token, pool.workspace), onHub, `hub instance ${url} serves another log than ${urls[0]}`);
    }
    const privateRecords = new Set<string>();
    const cells = await Promise.all(replicas.map(async (r) => (await r.cellsDump()).map(parseCellLine)));
    for (const list of cells) for (const key of privateByCells(list)) privateRecords.add(key);
    assert.deepEqual(onHub.filter((m) => privateRecords.has(`${m.dataset}/${m.row}`)).map(cellLine), [], 'private records reached the hub');
    for (const [k, replica] of replicas.entries()) {
      // Every cell this replica wrote itself, of a record that is not private (decided by the
      // cells, as staging decides it; not only what the replica put in its outbox): on the hub.
      const node = await replica.nodeId();
      const mine = cells[k]!.filter((c) => c.timestamp.endsWith(node) && !privateRecords.has(`${c.dataset}/${c.row}`));
      assert.deepEqual(mine.filter((c) => !hubTimestamps.has(c.timestamp)).map((c) => c.line), [], `replica ${k}: committed shared changes are not on the hub`);
      assert.ok(mine.length > 0, `replica ${k} wrote no shared change at all: the scenario tests nothing`);
    }
    // 3. Every field holds the last-writer-wins winner of all messages (the hub has them all).
    const expected = winners(onHub).map(cellLine).sort();
    for (const [k, replica] of replicas.entries()) {
      assert.deepEqual(await replica.cellsDump({ sharedOnly: true }), expected, `replica ${k}'s fields are not the LWW winners`);
    }
    // 4. Every table shows what the cells say (a record is there exactly when its merged cells
    //    are not a delete and it has no sync problem, with its cells' values).
    for (const [k, replica] of replicas.entries()) {
      assert.deepEqual(tablesAgreeWithCells(docs[k]!, cells[k]!, await replica.problems()), [], `replica ${k}: the tables do not show what the cells say`);
    }
    return report;
  } finally {
    await Promise.all(inFlight);
    for (const client of clients) await client.stop();
    for (const replica of replicas) await replica.repo.close();
  }
}
