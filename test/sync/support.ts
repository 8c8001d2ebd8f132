/**
 * Helpers of the sync suites: replicas on real SQLite files, a seeded PRNG, the random edits an
 * honest user makes, and the checks a user would make after a sync (what the hub holds, what is
 * private, whether a replica's tables say what its cells say).
 */
import { join } from 'node:path';
import { TRPCClientError } from '@trpc/client';
import { Repository, type PortfolioDocument } from '../../main/db/repository.ts';
import { LocalReplica } from '../../main/sync/replica.ts';
import { mulberry32 } from '../../main/domain/random.ts';
import type { SyncClient, RoundReport } from '../../sync/client/client.ts';
import { httpClient } from '../../sync/hub/testing/clients.ts';
import { TOMBSTONE_COLUMN, type ChangeMessage } from '../../sync/protocol/messages.ts';

export async function openReplica(folder: string, name: string): Promise<LocalReplica> {
  return new LocalReplica(await Repository.open(join(folder, `${name}.db`)));
}

/** The project's seeded generator, so a failing run can be replayed with its seed. */
export const prng = mulberry32;

export function pick<T>(random: () => number, items: readonly T[]): T | undefined {
  return items.length ? items[Math.floor(random() * items.length)] : undefined;
}

export function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const poll = async () => {
      try {
        const value = await check();
        if (value) return resolve(value);
      } catch {
        /* not yet */
      }
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(poll, 50);
    };
    void poll();
  });
}

const SECTORS = ['Paper', 'Chemicals', 'Food', 'Utility', 'Steel'];

/**
 * One random edit a user could make on a replica (seeded): creates (some organizations private),
 * field edits concentrated on few records so replicas edit the same fields, and deletes.
 * Returns whether something was committed (the local store refuses a delete with dependents).
 */
export async function randomEdit(replica: LocalReplica, random: () => number, tag: string): Promise<boolean> {
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
    if (error instanceof Error && ['StillReferencedError', 'ValidationError', 'NotFoundError'].includes(error.name)) return false;
    throw error;
  }
}

/** Every message the hub holds for the workspace, in sequence order (paged like a client). */
export async function allHubMessages(url: string, token: string, workspace: string): Promise<ChangeMessage[]> {
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

/** The hub's head (its last sequence number) for the workspace. */
export async function hubHead(url: string, token: string, workspace: string): Promise<number> {
  return (await httpClient({ url }, token).sync.merkle.query({ workspace })).head;
}

/**
 * Rounds on every client until a whole pass pushes and applies nothing; returns the last pass's
 * reports (one per client). Throws when that takes more than `passes` passes.
 */
export async function quiesce(clients: SyncClient[], passes = 10): Promise<RoundReport[]> {
  let reports: RoundReport[] = [];
  for (let pass = 0; pass < passes; pass++) {
    reports = [];
    for (const client of clients) reports.push(await client.syncOnce());
    if (pass > 0 && reports.every((r) => r.pushed + r.applied === 0)) return reports;
  }
  const last = reports.map((r, i) => `client ${i}: pushed ${r.pushed}, pulled ${r.pulled}, applied ${r.applied}, repaired ${r.repaired}`).join('; ');
  throw new Error(`the replicas did not quiesce within ${passes} passes (every pass still pushed or applied something; the last: ${last})`);
}

/** The tRPC error code of a failed hub call (BAD_REQUEST, FORBIDDEN, ...), or the error's name. */
export function errorCode(error: unknown): string {
  if (error instanceof TRPCClientError) return (error.data as { code?: string } | undefined)?.code ?? 'NO_ANSWER';
  return error instanceof Error ? error.name : 'UNKNOWN';
}

/** One line of `LocalReplica.cellsDump` taken apart. */
export interface CellLine {
  dataset: string;
  row: string;
  column: string;
  value: string;
  timestamp: string;
  line: string;
}

export function parseCellLine(line: string): CellLine {
  const at = line.lastIndexOf(' @ ');
  const eq = line.indexOf(' = ');
  const [dataset, ...rest] = line.slice(0, eq).split('/');
  const column = rest.pop()!;
  return { dataset: dataset!, row: rest.join('/'), column, value: line.slice(eq + 3, at), timestamp: line.slice(at + 3), line };
}

/** `dataset/row/column = value @ timestamp`: the line format of `cellsDump`, for expected cells. */
export function cellLine(m: ChangeMessage): string {
  return `${m.dataset}/${m.row}/${m.column} = ${m.value} @ ${m.timestamp}`;
}

/**
 * The records that are private by the cells, as the laptop's staging decides it: an organization
 * whose `sharing` cell is "private", the sites whose `organization_id` names one, the flows whose
 * `site_id` names such a site. Keys `dataset/row`.
 */
export function privateByCells(cells: CellLine[]): Set<string> {
  const orgs = new Set(cells.filter((c) => c.dataset === 'organization' && c.column === 'sharing' && c.value === '"private"').map((c) => c.row));
  const reference = (dataset: string, column: string, parents: Set<string>) =>
    new Set(cells.filter((c) => c.dataset === dataset && c.column === column && parents.has(JSON.parse(c.value) as string)).map((c) => c.row));
  const sites = reference('site', 'organization_id', orgs);
  const flows = reference('flow', 'site_id', sites);
  return new Set([...[...orgs].map((r) => `organization/${r}`), ...[...sites].map((r) => `site/${r}`), ...[...flows].map((r) => `flow/${r}`)]);
}

/** The records of a document that are private (an organization marked private and all under it), as `dataset/row`. */
export function privateInDocument(doc: PortfolioDocument): Set<string> {
  const orgs = new Set(doc.organizations.filter((o) => o.sharing === 'private').map((o) => o.id));
  const sites = new Set(doc.sites.filter((s) => orgs.has(s.organization_id)).map((s) => s.id));
  const flows = doc.flows.filter((f) => sites.has(f.site_id)).map((f) => f.id);
  return new Set([...[...orgs].map((r) => `organization/${r}`), ...[...sites].map((r) => `site/${r}`), ...flows.map((r) => `flow/${r}`)]);
}

/** The document without the records in `excluded` (`dataset/row` keys). */
export function withoutRecords(doc: PortfolioDocument, excluded: Set<string>): PortfolioDocument {
  return {
    organizations: doc.organizations.filter((o) => !excluded.has(`organization/${o.id}`)),
    sites: doc.sites.filter((s) => !excluded.has(`site/${s.id}`)),
    flows: doc.flows.filter((f) => !excluded.has(`flow/${f.id}`)),
  };
}

/** Only the records in `included` (`dataset/row` keys). */
export function onlyRecords(doc: PortfolioDocument, included: Set<string>): PortfolioDocument {
  return {
    organizations: doc.organizations.filter((o) => included.has(`organization/${o.id}`)),
    sites: doc.sites.filter((s) => included.has(`site/${s.id}`)),
    flows: doc.flows.filter((f) => included.has(`flow/${f.id}`)),
  };
}

/**
 * Whether a replica's tables say what its cells say (the materialising the sync does): every
 * record in a table is not deleted by its cells and each of its fields with a cell holds that
 * cell's value; every record whose cells are not a delete is in its table unless the replica
 * lists a sync problem for it. Cells with a timestamp in `ignore` (messages a laptop must not
 * apply) are left out. Returns the disagreements, one line each.
 */
export function tablesAgreeWithCells(doc: PortfolioDocument, cells: CellLine[], problems: { dataset: string; row: string }[], ignore: Set<string> = new Set()): string[] {
  const out: string[] = [];
  const byRecord = new Map<string, CellLine[]>();
  for (const c of cells) {
    if (ignore.has(c.timestamp) || !['organization', 'site', 'flow'].includes(c.dataset)) continue;
    const key = `${c.dataset}/${c.row}`;
    if (!byRecord.has(key)) byRecord.set(key, []);
    byRecord.get(key)!.push(c);
  }
  const deleted = (key: string) => {
    const list = byRecord.get(key) ?? [];
    const tombstone = list.find((c) => c.column === TOMBSTONE_COLUMN && c.value === 'true');
    return tombstone !== undefined && list.every((c) => c.column === TOMBSTONE_COLUMN || c.timestamp < tombstone.timestamp);
  };
  const inTables = new Map<string, Record<string, unknown>>();
  for (const o of doc.organizations) inTables.set(`organization/${o.id}`, o as Record<string, unknown>);
  for (const s of doc.sites) inTables.set(`site/${s.id}`, s as Record<string, unknown>);
  for (const f of doc.flows) inTables.set(`flow/${f.id}`, f as Record<string, unknown>);
  for (const [key, record] of inTables) {
    const list = byRecord.get(key);
    if (!list) continue; // never synced (e.g. written before the sync existed)
    if (deleted(key)) out.push(`${key} is in its table although its cells delete it`);
    for (const c of list) {
      if (c.column === TOMBSTONE_COLUMN) continue;
      const want = JSON.parse(c.value) as unknown;
      const have = record[c.column];
      if (canonical(want === null ? undefined : want) !== canonical(have)) {
        out.push(`${key}.${c.column} is ${JSON.stringify(have)} in the table but ${c.value} in its cell (@ ${c.timestamp})`);
      }
    }
  }
  const withProblem = new Set(problems.map((p) => `${p.dataset}/${p.row}`));
  for (const key of byRecord.keys()) {
    if (!inTables.has(key) && !deleted(key) && !withProblem.has(key)) out.push(`${key} has live cells but is neither in its table nor listed as a sync problem`);
  }
  return out;
}

/** JSON text with object keys sorted, so two equal values compare equal whatever their key order. */
export function canonical(value: unknown): string | undefined {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
