/**
 * The convergence scenario shared by the SQLite-hub and PostgreSQL runs: three replicas (three
 * SQLite files, three SyncClients) make random edits and deletes (seeded), including conflicting
 * edits of the same field and delete-vs-edit, while replicas go offline, rounds are cut off by hub
 * restarts and (on PostgreSQL) clients are spread over two hub instances. Then everyone syncs until
 * nothing moves, and the checks a user would make hold: every replica shows the same records, the
 * hub holds every shared change ever committed, and every field's value is the last-writer-wins
 * winner of everything committed. Private organizations never reach the hub.
 */
import assert from 'node:assert/strict';
import { SyncClient, type RoundReport } from '../../sync/client/client.ts';
import { httpClient } from '../../sync/hub/testing/clients.ts';
import { winners } from '../../sync/protocol/lww.ts';
import type { ChangeMessage } from '../../sync/protocol/messages.ts';
import type { PortfolioDocument } from '../../main/db/repository.ts';
import type { LocalReplica } from '../../main/sync/replica.ts';
import { openReplica, pick, prng } from './support.ts';

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
  messagesOnHub: number;
}

const SECTORS = ['Paper', 'Chemicals', 'Food', 'Utility', 'Steel'];

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

async function edit(replica: LocalReplica, random: () => number, tag: string): Promise<boolean> {
  const doc = await replica.repo.exportDocument();
  const roll = random();
  try {
    if (roll < 0.12 || doc.organizations.length === 0) {
      await replica.repo.createOrganization({ id: `o-${tag}`, name: `Org ${tag}`, sector: pick(random, SECTORS)!, sharing: random() < 0.15 ? 'private' : 'partners' });
    } else if (roll < 0.24 || doc.sites.length === 0) {
      const org = pick(random, doc.organizations)!;
      await replica.repo.createSite({ id: `s-${tag}`, organization_id: org.id, name: `Site ${tag}`, country: 'DE', lat: 51 + random(), lon: 6 + random() });
    } else if (roll < 0.36 || doc.flows.length === 0) {
      const site = pick(random, doc.sites)!;
      await replica.repo.createFlow({ id: `f-${tag}`, site_id: site.id, direction: random() < 0.5 ? 'supply' : 'demand', type: 'heat', name: `Flow ${tag}`, quantity: { amount: 1 + Math.round(random() * 100), unit: 'MWh/yr' } });
    } else if (roll < 0.85) {
      // Field edits on a small set of records: the same field gets edited on several replicas.
      const kind = random();
      if (kind < 0.34) {
        const org = pick(random, doc.organizations)!;
        await replica.repo.updateOrganization(org.id, random() < 0.6 ? { name: `Org ${org.id} by ${tag}` } : { sector: pick(random, SECTORS)! });
      } else if (kind < 0.67) {
        const site = pick(random, doc.sites)!;
        await replica.repo.updateSite(site.id, random() < 0.5 ? { name: `Site ${site.id} by ${tag}` } : { lat: 50 + random() * 2, notes: random() < 0.3 ? null : `note ${tag}` });
      } else {
        const flow = pick(random, doc.flows)!;
        await replica.repo.updateFlow(flow.id, random() < 0.5 ? { name: `Flow ${flow.id} by ${tag}` } : { quantity: { amount: 1 + Math.round(random() * 1000), unit: 'MWh/yr' } });
      }
    } else {
      const kind = random();
      if (kind < 0.5 && doc.flows.length) await replica.repo.deleteFlow(pick(random, doc.flows)!.id);
      else if (kind < 0.8 && doc.sites.length) await replica.repo.deleteSite(pick(random, doc.sites)!.id);
      else await replica.repo.deleteOrganization(pick(random, doc.organizations)!.id);
    }
    return true;
  } catch (error) {
    // The local store refused (a delete with dependents, ...): nothing was committed.
    if (error instanceof Error && ['ReferenceError', 'ValidationError', 'NotFoundError'].includes(error.name)) return false;
    throw error;
  }
}

async function allHubMessages(url: string, token: string, workspace: string): Promise<ChangeMessage[]> {
  const hub = httpClient({ url }, token);
  const out: ChangeMessage[] = [];
  let since = 0;
  for (;;) {
    const page = await hub.sync.pull.query({ workspace, since, limit: 5000 });
    out.push(...page.messages.map(({ timestamp, dataset, row, column, value }) => ({ timestamp, dataset, row, column, value })));
    since = page.cursor;
    if (page.done) return out;
  }
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
  const report: ScenarioReport = { steps, committed: 0, rounds: 0, failedRounds: 0, restarts: 0, messagesOnHub: 0 };
  try {
    for (let step = 0; step < steps; step++) {
      const i = Math.floor(random() * 3);
      const roll = random();
      if (roll < 0.6) {
        if (await edit(replicas[i]!, random, `${seed}-${step}`)) report.committed += 1;
      } else if (roll < 0.88) {
        if (step < offlineUntil[i]!) continue;
        report.rounds += 1;
        const round: Promise<RoundReport | void> = clients[i]!.syncOnce().catch(() => {
          report.failedRounds += 1;
        });
        inFlight.add(round);
        void round.finally(() => inFlight.delete(round));
        // Sometimes wait, sometimes let the round run into the next steps (and into restarts).
        if (random() < 0.5) await round;
      } else if (roll < 0.96) {
        offlineUntil[i] = step + 1 + Math.floor(random() * 15);
      } else {
        // Restart a hub instance with rounds possibly in the middle of a push or a pull.
        const which = Math.floor(random() * pool.urls().length);
        await pool.restart(which);
        report.restarts += 1;
        clients = replicas.map((_, k) => clientFor(k));
      }
    }
    await Promise.all(inFlight);
    // Quiesce: rounds until a whole pass moves nothing.
    for (let pass = 0; ; pass++) {
      assert.ok(pass < 10, 'the replicas did not quiesce within 10 passes');
      let moved = 0;
      for (const client of clients) {
        const r = await client.syncOnce();
        moved += r.pushed + r.applied;
      }
      if (moved === 0 && pass > 0) break;
    }

    // 1. Every replica shows the same shared records; private ones stayed home.
    const docs = await Promise.all(replicas.map((r) => r.repo.exportDocument()));
    for (let k = 1; k < 3; k++) assert.deepEqual(sharedPart(docs[k]!), sharedPart(docs[0]!), `replica ${k} differs from replica 0`);
    // 2. The hub holds every shared message each replica committed, and nothing private.
    const urls = pool.urls();
    const onHub = await allHubMessages(urls[0]!, pool.token, pool.workspace);
    report.messagesOnHub = onHub.length;
    const hubTimestamps = new Set(onHub.map((m) => m.timestamp));
    assert.equal(hubTimestamps.size, onHub.length, 'the hub stored a message twice');
    const privateIds = new Set<string>();
    for (const doc of docs) {
      const orgs = new Set(doc.organizations.filter((o) => o.sharing === 'private').map((o) => o.id));
      const sites = doc.sites.filter((s) => orgs.has(s.organization_id)).map((s) => s.id);
      for (const id of [...orgs, ...sites, ...doc.flows.filter((f) => sites.includes(f.site_id)).map((f) => f.id)]) privateIds.add(id);
    }
    assert.deepEqual(onHub.filter((m) => privateIds.has(m.row)), [], 'private records reached the hub');
    for (const replica of replicas) {
      const node = await replica.nodeId();
      for (const line of await replica.cellsDump({ sharedOnly: true })) {
        const timestamp = line.slice(line.lastIndexOf('@ ') + 2);
        if (timestamp.endsWith(node)) assert.ok(hubTimestamps.has(timestamp), `committed change ${line} is not on the hub`);
      }
    }
    // 3. Every field holds the last-writer-wins winner of all messages (the hub has them all).
    const expected = winners(onHub)
      .map((m) => `${m.dataset}/${m.row}/${m.column} = ${m.value} @ ${m.timestamp}`)
      .sort();
    for (const [k, replica] of replicas.entries()) {
      assert.deepEqual(await replica.cellsDump({ sharedOnly: true }), expected, `replica ${k}'s fields are not the LWW winners`);
    }
    return report;
  } finally {
    for (const client of clients) await client.stop();
    for (const replica of replicas) await replica.repo.close();
  }
}
