/**
 * The hostile-member scenario: three honest laptops (real replicas, each with private
 * organizations of its own) sync through a real hub while a fourth member of the workspace, with a
 * real account (role engineer), pushes malformed and forged messages straight to the hub's tRPC
 * API (the raw HTTP client: none of the laptop's own checks stand in the way), seeded random mixes
 * of them interleaved with honest edits and rounds. Then the honest laptops sync until nothing
 * moves, and what a team needs still holds:
 *
 * - the hub refused what it must refuse (impossible dates, timestamps over 60 s ahead, another
 *   user's node id), answered every refusal with a 4xx (never "internal error, try again"), and
 *   handed back every message it stored exactly as pushed (lone surrogates included);
 * - no honest round failed and every laptop ends at the hub's head with nothing to repair;
 * - the laptops converge: the same cells, and the same records as a WITNESS replica that received
 *   the hub's log without the messages a laptop must not let take effect (so "every laptop lost
 *   the organization" is a failure, not a convergence); every field whose newest acceptable
 *   message is well-formed holds that message;
 * - every laptop keeps its private records exactly as its own user left them (checked after every
 *   round), and none of them reaches the hub from an honest laptop;
 * - the history of every record names the attacker for the attacker's changes and the right
 *   honest user for theirs.
 *
 * Problems are collected (not thrown at the first one) so one run lists every attack that got
 * through; the test fails when there is any.
 */
import { SyncClient } from '../../sync/client/client.ts';
import { formatTimestamp, HybridLogicalClock, parseTimestamp } from '../../sync/protocol/hlc.ts';
import { winners } from '../../sync/protocol/lww.ts';
import type { ChangeMessage } from '../../sync/protocol/messages.ts';
import { httpClient, type HubClient } from '../../sync/hub/testing/clients.ts';
import type { PortfolioDocument } from '../../main/db/repository.ts';
import type { LocalReplica } from '../../main/sync/replica.ts';
import {
  allHubMessages,
  canonical,
  cellLine,
  errorCode,
  hubHead,
  onlyRecords,
  openReplica,
  parseCellLine,
  pick,
  privateByCells,
  privateInDocument,
  prng,
  quiesce,
  randomEdit,
  withoutRecords,
} from './support.ts';

export interface Member {
  email: string;
  token: string;
}

export interface HostilePool {
  /** One URL per hub instance; honest laptops are spread over them, the attacker alternates. */
  urls(): string[];
  workspace: string;
  /** Three honest members, one laptop each. */
  honest: Member[];
  /** The hostile member (role engineer). */
  attacker: Member;
}

/**
 * What the attacker tries. `void` attacks are messages a laptop must never let take effect; the
 * others are messages any member may send (their effect on shared records is legitimate, but they
 * aim at something else: private records, the history, the stores' text handling).
 */
export const ATTACKS = {
  'bad-date': { void: true, hubMustRefuse: true, what: 'impossible dates in a well-shaped timestamp (T15:30:99.999Z, Feb 31, month 13, hour 24, 0000-00-00)' },
  'pre-epoch': { void: false, hubMustRefuse: false, what: 'a timestamp before 1970 (1969-12-31T23:59:59.999Z)' },
  'odd-case': { void: false, hubMustRefuse: false, what: 'a timestamp with a lower-case counter and an upper-case node id' },
  'far-future': { void: true, hubMustRefuse: true, what: 'timestamps of 9999-12-31T23:59:59.999Z and one year ahead (field edits and tombstones)' },
  'near-future': { void: true, hubMustRefuse: true, what: 'a timestamp 2 minutes ahead of the clock (10 minutes against a hub with a wider window)' },
  'deep-nesting': { void: false, hubMustRefuse: false, what: 'values nested 32,000 deep (node.actor, a new organization\'s name)' },
  'proto-column': { void: true, hubMustRefuse: false, what: 'a __proto__ column on a shared organization (and on a new one)' },
  'unknown-column': { void: true, hubMustRefuse: false, what: 'unknown columns (evil, constructor, version, created_at) on shared records' },
  'private-edit': { void: false, hubMustRefuse: false, what: 'field edits of another laptop\'s private organization, site or flow' },
  'private-delete': { void: false, hubMustRefuse: false, what: 'tombstones for another laptop\'s private records' },
  'private-publish': { void: false, hubMustRefuse: false, what: 'sharing = "public" on another laptop\'s private organization' },
  'private-child': { void: false, hubMustRefuse: false, what: 'a new site (flow) under another laptop\'s private organization (site)' },
  'forged-node': { void: true, hubMustRefuse: true, what: 'timestamps carrying an honest laptop\'s node id (forged authorship)' },
  'forged-client': { void: false, hubMustRefuse: false, what: 'a push whose client id is an honest laptop\'s node id' },
  // Naming its own node after an honest user is plain data (the history shows the hub's user
  // anyway); naming an honest node is void on every laptop (see voidStamps).
  'forged-actor': { void: false, hubMustRefuse: false, what: 'node/<id>/actor naming an honest user for the attacker\'s node, or the attacker for an honest node' },
  'lone-surrogate': { void: false, hubMustRefuse: false, what: 'lone UTF-16 surrogates in a row id and in values' },
  'huge-price': { void: false, hubMustRefuse: false, what: 'economics.price_eur 1e300 and 1.79e308 on a shared flow' },
  'odd-cursor': { void: false, hubMustRefuse: false, what: 'pulls with since/limit -1, 1.5, null, "12", 2^53, 1e308, past the head, limit 0' },
  'member-edit': { void: false, hubMustRefuse: false, what: 'ordinary edits by the member (must reach every laptop like anyone\'s)' },
} as const;

export type AttackKind = keyof typeof ATTACKS;
const KINDS = Object.keys(ATTACKS) as AttackKind[];
/** Attacks whose message content is plain, valid data: a laptop applies it like any other. */
const PLAIN: ReadonlySet<AttackKind> = new Set(['member-edit', 'private-edit', 'private-delete', 'private-publish', 'private-child', 'forged-client', 'forged-actor', 'pre-epoch', 'odd-case']);

export interface AttackTally {
  sent: number;
  stored: number;
  /** Refusals by tRPC code (BAD_REQUEST, FORBIDDEN, ...). */
  refused: Record<string, number>;
}

export interface Violation {
  /** What failed, in the words of the check. */
  check: string;
  detail: string;
  /** The attacks whose messages touched the record concerned (empty: not attributable). */
  attacks: AttackKind[];
}

export interface HostileReport {
  seed: number;
  steps: number;
  honestEdits: number;
  honestRounds: number;
  attackerActions: number;
  messagesOnHub: number;
  /** How much each check looked at (a check that saw nothing proves nothing). */
  checked: { privateRecords: number; privateChecks: number; witnessRecords: number; fields: number; historyByAttacker: number; historyByHonest: number };
  tally: Record<AttackKind, AttackTally>;
  violations: Violation[];
}

/** 16 hex digits from the seeded generator (a node id). */
function nodeId(random: () => number): string {
  let out = '';
  for (let i = 0; i < 16; i++) out += Math.floor(random() * 16).toString(16);
  return out;
}

const DEEP_ARRAY = `${'['.repeat(32_000)}${']'.repeat(32_000)}`;
const DEEP_OBJECT = `${'{"a":'.repeat(10_900)}1${'}'.repeat(10_900)}`;

/**
 * The scripted attacker: learns the workspace by pulling it (as any member can), takes private
 * record ids from the honest replicas (ids of private records are never on the hub; the attack
 * assumes they leaked or were guessed), and pushes with the raw HTTP client.
 */
export class Attacker {
  readonly email: string;
  readonly node: string;
  readonly #honestEmails: string[];
  readonly #random: () => number;
  readonly #hubs: HubClient[];
  readonly #workspace: string;
  readonly #clock: HybridLogicalClock;
  #turn = 0;
  /** Each kind of attack twice, shuffled by the seed. */
  readonly #agenda: AttackKind[];
  #cursor = 0;
  #counter = 0;
  /** What the attacker has learnt from the hub: shared rows and honest node ids. */
  readonly known = { organization: new Set<string>(), site: new Set<string>(), flow: new Set<string>(), nodes: new Set<string>() };
  /** Every message the attacker pushed, by timestamp, with its attack. */
  readonly sent = new Map<string, { kind: AttackKind; message: ChangeMessage; mustRefuse: boolean }>();
  /** How far ahead of its clock the hub takes timestamps (its limits.maxClockAheadMs). */
  readonly #hubWindowMs: number;
  /** Timestamps of the pushes the hub acknowledged. */
  readonly acknowledged = new Set<string>();
  readonly tally = Object.fromEntries(KINDS.map((k) => [k, { sent: 0, stored: 0, refused: {} }])) as Record<AttackKind, AttackTally>;
  readonly violations: Violation[] = [];

  constructor(pool: HostilePool, random: () => number, hubWindowMs = 60_000) {
    this.#hubWindowMs = hubWindowMs;
    this.email = pool.attacker.email;
    this.#honestEmails = pool.honest.map((m) => m.email);
    this.#random = random;
    this.#hubs = pool.urls().map((url) => httpClient({ url }, pool.attacker.token));
    this.#workspace = pool.workspace;
    this.node = nodeId(random);
    this.#clock = new HybridLogicalClock(this.node);
    this.#agenda = [...KINDS, ...KINDS].map((k) => [random(), k] as const).sort((a, b) => a[0] - b[0]).map(([, k]) => k);
  }

  /** Kinds of attack still waiting for their turn. */
  get pending(): number {
    return this.#agenda.length;
  }

  #hub(): HubClient {
    return this.#hubs[this.#turn++ % this.#hubs.length]!;
  }

  /** Pulls what is new on the hub (any member may): shared record ids and the honest node ids. */
  async learn(): Promise<void> {
    for (;;) {
      const page = await this.#hub().sync.pull.query({ workspace: this.#workspace, since: this.#cursor, limit: 5000 });
      for (const m of page.messages) {
        if (this.sent.has(m.timestamp)) continue;
        const node = m.timestamp.slice(-16);
        if (node !== this.node) this.known.nodes.add(node);
        if (m.dataset === 'organization' || m.dataset === 'site' || m.dataset === 'flow') this.known[m.dataset].add(m.row);
      }
      this.#cursor = page.cursor;
      if (page.done) return;
    }
  }

  #now(): string {
    return this.#clock.send();
  }

  #message(dataset: string, row: string, column: string, value: unknown, timestamp = this.#now()): ChangeMessage {
    return { timestamp, dataset, row, column, value: typeof value === 'string' && value.startsWith('RAW:') ? value.slice(4) : JSON.stringify(value) };
  }

  /** A fresh organization's fields (valid), with the attacker's own timestamps. */
  #newOrganization(id: string, name: string): ChangeMessage[] {
    return [this.#message('organization', id, 'name', name), this.#message('organization', id, 'sector', 'Utility'), this.#message('organization', id, 'sharing', 'partners')];
  }

  #sharedOrganization(): string | undefined {
    return pick(this.#random, [...this.known.organization].filter((id) => id.startsWith('o-')).sort());
  }

  /** A timestamp text with the attacker's node, for the malformed ones. */
  #stamp(time: string, counter = '0000', node = this.node): string {
    return `${time}-${counter}-${node}`;
  }

  /** Builds the messages of one attack (undefined when there is nothing to aim at yet). */
  craft(kind: AttackKind, honest: { doc: PortfolioDocument; node: string }[]): { messages: ChangeMessage[]; client?: string } | undefined {
    const r = this.#random;
    const tag = `${this.node.slice(0, 4)}-${this.#counter++}`;
    const today = new Date().toISOString().slice(0, 10);
    const year = today.slice(0, 4);
    const target = this.#sharedOrganization();
    switch (kind) {
      case 'bad-date': {
        if (!target) return undefined;
        const times = [`${today}T15:30:99.999Z`, `${year}-02-31T10:00:00.000Z`, `${year}-13-01T00:00:00.000Z`, `${today}T24:00:00.000Z`, '0000-00-00T00:00:00.000Z'];
        return { messages: [this.#message('organization', target, 'name', `bad date ${tag}`, this.#stamp(pick(r, times)!))] };
      }
      case 'pre-epoch':
        if (!target) return undefined;
        return { messages: [this.#message('organization', target, 'name', `pre-epoch ${tag}`, this.#stamp('1969-12-31T23:59:59.999Z', (this.#counter & 0xffff).toString(16).toUpperCase().padStart(4, '0')))] };
      case 'odd-case': {
        if (!target) return undefined;
        const { millis } = parseTimestamp(this.#now());
        const counter = (0xa0 + (this.#counter & 0x5f)).toString(16).toLowerCase().padStart(4, '0');
        return { messages: [this.#message('organization', target, 'name', `odd case ${tag}`, this.#stamp(new Date(millis).toISOString(), counter, this.node.toUpperCase()))] };
      }
      case 'far-future': {
        if (!target) return undefined;
        const column = pick(r, ['name', 'sector', '__deleted'])!;
        const counter = this.#counter & 0xffff;
        const timestamp = r() < 0.5 ? this.#stamp('9999-12-31T23:59:59.999Z', counter.toString(16).toUpperCase().padStart(4, '0')) : formatTimestamp({ millis: Date.now() + 366 * 86_400_000, counter, node: this.node });
        return { messages: [this.#message('organization', target, column, column === '__deleted' ? true : `far future ${tag}`, timestamp)] };
      }
      case 'near-future': {
        if (!target) return undefined;
        // Against a hub with a wider window, far enough ahead that it cannot come due in the run.
        const aheadMs = this.#hubWindowMs > 60_000 ? 600_000 : 120_000;
        const ahead = formatTimestamp({ millis: Date.now() + aheadMs, counter: this.#counter & 0xffff, node: this.node });
        return { messages: [this.#message('organization', target, 'name', `${aheadMs / 60_000} minutes ahead ${tag}`, ahead)] };
      }
      case 'deep-nesting': {
        const choice = r();
        if (choice < 0.4) return { messages: [this.#message('node', this.node, 'actor', `RAW:${DEEP_ARRAY}`)] };
        if (choice < 0.6) return { messages: [this.#message('node', this.node, 'actor', `RAW:${DEEP_OBJECT}`)] };
        const id = `o-deep-${tag}`;
        return { messages: [this.#message('organization', id, 'name', `RAW:${DEEP_ARRAY}`), this.#message('organization', id, 'sector', 'Utility')] };
      }
      case 'proto-column': {
        const through = { name: `via the prototype ${tag}`, sector: 'Pwned', sharing: 'public' };
        if (target && r() < 0.6) return { messages: [this.#message('organization', target, '__proto__', through)] };
        return { messages: [this.#message('organization', `o-ghost-${tag}`, '__proto__', through)] };
      }
      case 'unknown-column': {
        const column = pick(r, ['evil', 'constructor', 'version', 'created_at'])!;
        const site = pick(r, [...this.known.site].sort());
        if (site && r() < 0.3) return { messages: [this.#message('site', site, column, 7)] };
        if (!target) return undefined;
        return { messages: [this.#message('organization', target, column, column === 'created_at' ? '2020-01-01T00:00:00.000Z' : 7)] };
      }
      case 'private-edit':
      case 'private-delete':
      case 'private-publish':
      case 'private-child': {
        const victim = pick(r, honest)!.doc;
        const privateKeys = privateInDocument(victim);
        const orgs = victim.organizations.filter((o) => privateKeys.has(`organization/${o.id}`)).map((o) => o.id);
        const sites = victim.sites.filter((s) => privateKeys.has(`site/${s.id}`)).map((s) => s.id);
        const flows = victim.flows.filter((f) => privateKeys.has(`flow/${f.id}`)).map((f) => f.id);
        const org = pick(r, orgs);
        if (!org) return undefined;
        if (kind === 'private-publish') return { messages: [this.#message('organization', org, 'sharing', 'public'), ...(r() < 0.5 ? [this.#message('organization', org, 'name', `published ${tag}`)] : [])] };
        if (kind === 'private-child') {
          const site = pick(r, sites);
          if (site && r() < 0.4) {
            const id = `f-planted-${tag}`;
            return { messages: [['site_id', site], ['direction', 'supply'], ['type', 'heat'], ['name', `planted ${tag}`], ['quantity', { amount: 5, unit: 'MWh/yr' }]].map(([c, v]) => this.#message('flow', id, c as string, v)) };
          }
          const id = `s-planted-${tag}`;
          return { messages: [['organization_id', org], ['name', `planted ${tag}`], ['country', 'DE'], ['lat', 51.5], ['lon', 7]].map(([c, v]) => this.#message('site', id, c as string, v)) };
        }
        const [dataset, row] = pick(r, [['organization', org], ...sites.map((s) => ['site', s]), ...flows.map((f) => ['flow', f])] as [string, string][])!;
        if (kind === 'private-delete') return { messages: [this.#message(dataset, row, '__deleted', true)] };
        return { messages: [this.#message(dataset, row, 'name', `changed by the attacker ${tag}`)] };
      }
      case 'forged-node': {
        const node = pick(r, [...this.known.nodes].sort());
        if (!node || !target) return undefined;
        // A counter no honest clock reaches in a test, so the timestamp is new to the hub.
        const forged = formatTimestamp({ millis: Date.now(), counter: 0x8000 + (this.#counter & 0x7fff), node });
        return { messages: [this.#message('organization', target, 'name', `forged ${tag}`, forged)] };
      }
      case 'forged-client': {
        const node = pick(r, [...this.known.nodes].sort());
        if (!node || !target) return undefined;
        return { client: node, messages: [this.#message('organization', target, 'name', `as another client ${tag}`)] };
      }
      case 'forged-actor': {
        const honestNode = pick(r, honest)!.node;
        if (r() < 0.5) return { messages: [this.#message('node', this.node, 'actor', pick(r, this.#honestEmails)!)] };
        return { messages: [this.#message('node', honestNode, 'actor', this.email)] };
      }
      case 'lone-surrogate': {
        const choice = r();
        if (choice < 0.4) return { messages: this.#newOrganization(`o-\ud800-${tag}`, `Surrogate id ${tag}`) };
        // The surrogate itself inside the JSON text (JSON.stringify would escape it).
        if (choice < 0.7 && target) return { messages: [this.#message('organization', target, 'name', `RAW:"raw \udc00 ${tag}"`)] };
        // The escape inside the JSON text (JSON.parse gives a lone surrogate back).
        const id = `o-sur-${tag}`;
        return { messages: [...this.#newOrganization(id, 'x').slice(1), this.#message('organization', id, 'name', `RAW:"escaped \\ud83d ${tag}"`)] };
      }
      case 'huge-price': {
        const flow = pick(r, [...this.known.flow].filter((id) => id.startsWith('f-')).sort());
        if (!flow) return undefined;
        return { messages: [this.#message('flow', flow, 'economics', { price_eur: r() < 0.5 ? 1e300 : 1.7976931348623157e308, price_per: 'MWh' })] };
      }
      case 'member-edit': {
        if (target && r() < 0.6) return { messages: [this.#message('organization', target, 'name', `renamed by the member ${tag}`)] };
        return { messages: this.#newOrganization(`o-member-${tag}`, `Member org ${tag}`) };
      }
      case 'odd-cursor':
        return undefined;
    }
  }

  /**
   * One attacker action: an attack (sometimes with an ordinary edit in the same push, which an
   * all-or-nothing hub then refuses along with it), or an odd pull.
   */
  async act(honest: { doc: PortfolioDocument; node: string }[]): Promise<void> {
    await this.learn();
    // Every kind comes up (the agenda, in seeded order); a kind with nothing to aim at yet goes
    // back on it. Once it is done, kinds are drawn at random.
    const kind = this.#agenda.shift() ?? pick(this.#random, KINDS)!;
    if (kind === 'odd-cursor') return this.#oddPull();
    const crafted = this.craft(kind, honest);
    if (!crafted) {
      this.#agenda.push(kind);
      return;
    }
    const batch = crafted.messages.map((message) => ({ kind, message }));
    if (kind !== 'member-edit' && this.#random() < 0.3) {
      const extra = this.craft('member-edit', honest);
      if (extra && !extra.client) batch.push(...extra.messages.map((message) => ({ kind: 'member-edit' as const, message })));
    }
    for (const { kind: k, message } of batch) {
      this.sent.set(message.timestamp, { kind: k, message, mustRefuse: this.#mustRefuse(k, message.timestamp) });
      this.tally[k].sent += 1;
    }
    try {
      const result = await this.#hub().sync.push.mutate({ workspace: this.#workspace, client: crafted.client ?? this.node, messages: batch.map((b) => b.message) });
      for (const { kind: k, message } of batch) {
        this.acknowledged.add(message.timestamp);
        this.tally[k].stored += 1;
      }
      if (result.acknowledged !== batch.length) this.violations.push({ check: 'push answer', detail: `the hub acknowledged ${result.acknowledged} of ${batch.length} messages (${kind})`, attacks: [kind] });
    } catch (error) {
      const code = errorCode(error);
      for (const { kind: k } of batch) this.tally[k].refused[code] = (this.tally[k].refused[code] ?? 0) + 1;
      if (!/^(BAD_REQUEST|FORBIDDEN|CONFLICT|PAYLOAD_TOO_LARGE|TOO_MANY_REQUESTS|UNPROCESSABLE_CONTENT)$/.test(code)) {
        this.violations.push({ check: 'refusal is a 4xx', detail: `a ${kind} push was answered ${code}: ${(error as Error).message.slice(0, 200)}`, attacks: [kind] });
      }
    }
  }

  /**
   * Whether the hub must refuse this message: impossible dates and another user's node id always;
   * a future timestamp when it is beyond the hub's window (or beyond what the protocol can key).
   */
  #mustRefuse(kind: AttackKind, timestamp: string): boolean {
    if (kind === 'far-future' || kind === 'near-future') {
      const millis = Date.parse(timestamp.slice(0, 24));
      return !(millis <= Date.now() + this.#hubWindowMs && millis < Date.parse('2051-11-05T00:00:00.000Z'));
    }
    return ATTACKS[kind].hubMustRefuse;
  }

  /** Pulls with cursors and limits no client would send: refused (4xx) or a proper page, never 500. */
  async #oddPull(): Promise<void> {
    const head = (await this.#hub().sync.merkle.query({ workspace: this.#workspace })).head;
    const odd: [unknown, unknown][] = [
      [-1, 10], [1.5, 10], [null, 10], ['12', 10], [2 ** 53, 10], [1e308, 10], [head + 1000, 10], [0, 0], [0, -5], [0, 1e9], [Number.MAX_SAFE_INTEGER, 1],
    ];
    const [since, limit] = pick(this.#random, odd)!;
    this.tally['odd-cursor'].sent += 1;
    try {
      const page = await this.#hub().sync.pull.query({ workspace: this.#workspace, since, limit } as never);
      this.tally['odd-cursor'].stored += 1;
      const proper = Array.isArray(page.messages) && typeof page.cursor === 'number' && Number.isSafeInteger(page.cursor) && typeof page.done === 'boolean';
      if (!proper) this.violations.push({ check: 'odd pull answer', detail: `pull since ${JSON.stringify(since)} limit ${JSON.stringify(limit)} answered ${JSON.stringify(page).slice(0, 200)}`, attacks: ['odd-cursor'] });
    } catch (error) {
      const code = errorCode(error);
      this.tally['odd-cursor'].refused[code] = (this.tally['odd-cursor'].refused[code] ?? 0) + 1;
      if (code !== 'BAD_REQUEST') this.violations.push({ check: 'refusal is a 4xx', detail: `pull since ${JSON.stringify(since)} limit ${JSON.stringify(limit)} answered ${code}`, attacks: ['odd-cursor'] });
    }
  }
}

/** An honest laptop: its replica, its member, and the private records as its user left them. */
interface Laptop {
  name: string;
  member: Member;
  replica: LocalReplica;
  client: SyncClient;
  node: string;
  /** The private part of its document after its user's last edit. */
  ledger: PortfolioDocument;
}

/** `dataset/row` of every record in a document. */
function keysOf(doc: PortfolioDocument): string[] {
  return [...doc.organizations.map((o) => `organization/${o.id}`), ...doc.sites.map((s) => `site/${s.id}`), ...doc.flows.map((f) => `flow/${f.id}`)];
}

function privatePart(doc: PortfolioDocument, also: PortfolioDocument = { organizations: [], sites: [], flows: [] }): PortfolioDocument {
  const keys = privateInDocument(doc);
  for (const o of also.organizations) keys.add(`organization/${o.id}`);
  for (const s of also.sites) keys.add(`site/${s.id}`);
  for (const f of also.flows) keys.add(`flow/${f.id}`);
  return onlyRecords(doc, keys);
}

/** The first few differences of two sorted line lists, for a readable violation. */
function lineDiff(actual: string[], expected: string[], limit = 5): string {
  const a = new Set(actual);
  const e = new Set(expected);
  const extra = actual.filter((l) => !e.has(l));
  const missing = expected.filter((l) => !a.has(l));
  return [
    ...missing.slice(0, limit).map((l) => `missing ${l.slice(0, 240)}`),
    ...extra.slice(0, limit).map((l) => `unexpected ${l.slice(0, 240)}`),
    `(${missing.length} missing, ${extra.length} unexpected)`,
  ].join('; ');
}

function recordLines(doc: PortfolioDocument): string[] {
  return [
    ...doc.organizations.map((o) => `organization/${o.id} ${canonical(o)}`),
    ...doc.sites.map((s) => `site/${s.id} ${canonical(s)}`),
    ...doc.flows.map((f) => `flow/${f.id} ${canonical(f)}`),
  ].sort();
}

const rowOfLine = (line: string) => line.slice(0, line.indexOf(' ')).replace(/^(unexpected|missing) /, '');

export interface HostileOptions {
  /** The hub's limits.maxClockAheadMs when it is not the default 60 s (then future timestamps reach the laptops). */
  hubWindowMs?: number;
}

export async function runHostile(folder: string, label: string, pool: HostilePool, seed: number, steps: number, options: HostileOptions = {}): Promise<HostileReport> {
  const random = prng(seed);
  const attacker = new Attacker(pool, prng(seed ^ 0x5eed), options.hubWindowMs);
  const violations = attacker.violations;
  const laptops: Laptop[] = [];
  const report: HostileReport = { seed, steps, honestEdits: 0, honestRounds: 0, attackerActions: 0, messagesOnHub: 0, checked: { privateRecords: 0, privateChecks: 0, witnessRecords: 0, fields: 0, historyByAttacker: 0, historyByHonest: 0 }, tally: attacker.tally, violations };
  const attacksOn = (dataset: string, row: string): AttackKind[] => {
    const kinds = new Set<AttackKind>();
    for (const { kind, message } of attacker.sent.values()) if (message.dataset === dataset && message.row === row && attacker.acknowledged.has(message.timestamp)) kinds.add(kind);
    return [...kinds].sort();
  };
  const attacksOnKey = (key: string) => {
    const slash = key.indexOf('/');
    return attacksOn(key.slice(0, slash), key.slice(slash + 1));
  };
  const seen = new Set<string>();
  const violation = (check: string, detail: string, attacks: AttackKind[] = []) => {
    // One line per check and record is enough to name the problem.
    const key = `${check}\u0000${detail.slice(0, 80)}`;
    if (seen.has(key)) return;
    seen.add(key);
    violations.push({ check, detail, attacks });
  };

  // Every record some honest user ever kept private (what an attack may have made look shared).
  const everPrivate = new Set<string>();
  const setLedger = (laptop: Laptop, ledger: PortfolioDocument) => {
    laptop.ledger = ledger;
    for (const key of keysOf(ledger)) everPrivate.add(key);
  };
  let witness: LocalReplica | undefined;
  try {
    for (let i = 0; i < pool.honest.length; i++) {
      const member = pool.honest[i]!;
      const replica = await openReplica(folder, `hostile-${label}-${seed}-${i}`);
      await replica.setActor(member.email);
      const urls = pool.urls();
      const client = new SyncClient(replica, { url: urls[i % urls.length]!, token: member.token, workspace: pool.workspace }, { pushBatch: 9 + i * 4, pullLimit: 13 + i * 5 });
      // Each laptop starts with shared records and two private organizations with a site and a flow.
      const t = `${label}${seed}-${i}`;
      await replica.repo.createOrganization({ id: `o-shared-${t}`, name: `Shared ${t}`, sector: 'Paper', sharing: 'partners' });
      await replica.repo.createSite({ id: `s-shared-${t}`, organization_id: `o-shared-${t}`, name: `Shared site ${t}`, country: 'DE', lat: 51.2, lon: 6.8 });
      await replica.repo.createFlow({ id: `f-shared-${t}`, site_id: `s-shared-${t}`, direction: 'supply', type: 'heat', name: `Shared flow ${t}`, quantity: { amount: 40, unit: 'MWh/yr' } });
      for (const p of ['a', 'b']) {
        await replica.repo.createOrganization({ id: `o-private-${t}${p}`, name: `Private ${t}${p}`, sector: 'Chemicals', sharing: 'private' });
        await replica.repo.createSite({ id: `s-private-${t}${p}`, organization_id: `o-private-${t}${p}`, name: `Private site ${t}${p}`, country: 'DE', lat: 51.4, lon: 7.1 });
        await replica.repo.createFlow({ id: `f-private-${t}${p}`, site_id: `s-private-${t}${p}`, direction: 'demand', type: 'heat', name: `Private flow ${t}${p}`, quantity: { amount: 12, unit: 'MWh/yr' } });
      }
      const doc = await replica.repo.exportDocument();
      const laptop: Laptop = { name: `laptop ${i} (${member.email})`, member, replica, client, node: await replica.nodeId(), ledger: privatePart(doc) };
      setLedger(laptop, laptop.ledger);
      laptops.push(laptop);
    }
    const emailOfNode = new Map(laptops.map((l) => [l.node, l.member.email]));

    /** A round on a laptop; it must succeed and leave the laptop's private records as they were. */
    const honestRound = async (laptop: Laptop) => {
      report.honestRounds += 1;
      try {
        await laptop.client.syncOnce();
      } catch (error) {
        violation('honest round', `${laptop.name}: a sync round failed: ${(error as Error).message.slice(0, 300)}`);
      }
      await checkPrivate(laptop);
    };
    const checkPrivate = async (laptop: Laptop) => {
      const now = privatePart(await laptop.replica.repo.exportDocument(), laptop.ledger);
      report.checked.privateChecks += 1;
      const [have, want] = [recordLines(now), recordLines(laptop.ledger)];
      if (canonical(have) !== canonical(want)) {
        const changed = new Set([...have.filter((l) => !want.includes(l)), ...want.filter((l) => !have.includes(l))].map(rowOfLine));
        violation('private records unchanged', `${laptop.name}: ${lineDiff(have, want)}`, [...new Set([...changed].flatMap(attacksOnKey))].sort());
        laptop.ledger = now; // report each change once
      }
    };
    for (const laptop of laptops) await honestRound(laptop);
    for (const laptop of laptops) await honestRound(laptop);

    const honestView = async () => Promise.all(laptops.map(async (l) => ({ doc: await l.replica.repo.exportDocument(), node: l.node })));
    for (let step = 0; step < steps; step++) {
      const roll = random();
      const laptop = laptops[Math.floor(random() * laptops.length)]!;
      if (roll < 0.45) {
        if (await randomEdit(laptop.replica, random, `${label}${seed}-${step}`)) report.honestEdits += 1;
        setLedger(laptop, privatePart(await laptop.replica.repo.exportDocument()));
      } else if (roll < 0.68) {
        await honestRound(laptop);
      } else {
        report.attackerActions += 1;
        await attacker.act(await honestView());
      }
    }
    // Kinds that never found a target in the mix get their turn now (bounded: a kind may have
    // nothing to aim at, e.g. no private record left).
    for (let extra = 0; attacker.pending > 0 && extra < 60; extra++) {
      report.attackerActions += 1;
      await attacker.act(await honestView());
      if (extra % 3 === 2) await honestRound(laptops[extra % laptops.length]!);
    }

    // Everyone syncs until nothing moves. The last pass: nothing to repair, cursors at the head.
    let last: Awaited<ReturnType<typeof quiesce>> | undefined;
    try {
      last = await quiesce(laptops.map((l) => l.client));
    } catch (error) {
      violation('quiescence', (error as Error).message.slice(0, 300));
    }
    const urls = pool.urls();
    for (const [k, laptop] of laptops.entries()) {
      await checkPrivate(laptop);
      report.checked.privateRecords += keysOf(laptop.ledger).length;
      const r = last?.[k];
      if (!r) continue;
      if (r.repaired) violation('no stuck sync', `${laptop.name}: the last round still found its messages differ from the hub's (merkle) and re-pulled everything`);
      const head = await hubHead(urls[k % urls.length]!, laptop.member.token, pool.workspace);
      if (r.cursor !== head) violation('no stuck sync', `${laptop.name}: its cursor is ${r.cursor}, the hub's head ${head}`);
    }

    // What the hub holds.
    const onHub = await allHubMessages(urls[0]!, pool.honest[0]!.token, pool.workspace);
    report.messagesOnHub = onHub.length;
    const hubByTimestamp = new Map(onHub.map((m) => [m.timestamp, m]));
    if (hubByTimestamp.size !== onHub.length) violation('hub log', 'the hub holds a message twice');
    for (const url of urls.slice(1)) {
      const other = await allHubMessages(url, pool.honest[0]!.token, pool.workspace);
      if (canonical(other) !== canonical(onHub)) violation('hub log', `instance ${url} serves another log than ${urls[0]}`);
    }
    for (const [timestamp, { kind, message, mustRefuse }] of attacker.sent) {
      const stored = hubByTimestamp.get(timestamp);
      if (mustRefuse && attacker.acknowledged.has(timestamp)) violation('hub refuses', `${kind}: the hub stored ${cellLine(message).slice(0, 160)}`, [kind]);
      if (attacker.acknowledged.has(timestamp) && (!stored || canonical(stored) !== canonical(message))) {
        violation('hub keeps messages as pushed', `${kind}: pushed ${JSON.stringify(message).slice(0, 200)}, the hub hands back ${JSON.stringify(stored).slice(0, 200)}`, [kind]);
      }
    }

    // Records private on some honest laptop (by its document and by its cells) and all under them.
    const cells = await Promise.all(laptops.map(async (l) => (await l.replica.cellsDump()).map(parseCellLine)));
    const docs = await Promise.all(laptops.map((l) => l.replica.repo.exportDocument()));
    const honestCells = cells.map((list, k) => list.filter((c) => c.timestamp.endsWith(laptops[k]!.node)));
    const excluded = privateByCells(cells.flat());
    for (const doc of docs) for (const key of privateInDocument(doc)) excluded.add(key);
    for (const key of everPrivate) excluded.add(key);
    // Rows planted under a private parent by anyone (the attacker's children of private records).
    for (const c of [...cells.flat(), ...onHub.map((m) => parseCellLine(cellLine(m)))]) {
      if ((c.column === 'organization_id' || c.column === 'site_id') && excluded.has(`${c.column === 'organization_id' ? 'organization' : 'site'}/${safeParse(c.value)}`)) excluded.add(`${c.dataset}/${c.row}`);
    }
    for (const c of [...cells.flat(), ...onHub.map((m) => parseCellLine(cellLine(m)))]) {
      if (c.column === 'site_id' && excluded.has(`site/${safeParse(c.value)}`)) excluded.add(`${c.dataset}/${c.row}`);
    }
    const isExcluded = (c: { dataset: string; row: string }) => excluded.has(`${c.dataset}/${c.row}`);

    // Private records never reach the hub from an honest laptop; every shared change does.
    for (const [k, laptop] of laptops.entries()) {
      // Its own private records, by its cells and its tables (another laptop may legitimately
      // edit a record of the same id that the attacker created there).
      const own = privateByCells(cells[k]!);
      for (const key of privateInDocument(docs[k]!)) own.add(key);
      for (const key of keysOf(laptop.ledger)) own.add(key);
      for (const m of onHub) {
        if (m.timestamp.endsWith(laptop.node) && !attacker.sent.has(m.timestamp) && own.has(`${m.dataset}/${m.row}`)) {
          violation('private records stay home', `${laptop.name} pushed ${cellLine(m).slice(0, 200)}`, attacksOn(m.dataset, m.row));
        }
      }
    }
    for (const [k, list] of honestCells.entries()) {
      const missing = list.filter((c) => !isExcluded(c) && !hubByTimestamp.has(c.timestamp));
      if (missing.length) violation('every shared change on the hub', `${laptops[k]!.name}: ${missing.length} own changes not on the hub, e.g. ${missing[0]!.line.slice(0, 200)}`, attacksOn(missing[0]!.dataset, missing[0]!.row));
    }

    // The same cells everywhere, and the well-formed newest acceptable message in every field.
    // Void: whole attack kinds a laptop never applies, and a `node` record written by another
    // node (a replica names only itself: main/sync/inbound.ts), whoever sent it.
    const voidStamps = new Set([...attacker.sent].filter(([, s]) => ATTACKS[s.kind].void).map(([t]) => t));
    for (const m of onHub) if (m.dataset === 'node' && m.row !== m.timestamp.slice(-16)) voidStamps.add(m.timestamp);
    const acceptable = onHub.filter((m) => !voidStamps.has(m.timestamp) && !isExcluded(m));
    const expected = new Map(winners(acceptable).map((m) => [`${m.dataset}/${m.row}/${m.column}`, m]));
    const shown = cells.map((list) => list.filter((c) => !isExcluded(c)));
    for (let k = 1; k < laptops.length; k++) {
      const a = shown[k]!.map((c) => c.line);
      const b = shown[0]!.map((c) => c.line);
      if (canonical(a) !== canonical(b)) {
        const rows = [...new Set(lineDiff(a, b, 1000).split('; ').map((l) => l.replace(/^(unexpected|missing) /, '').split(' = ')[0]!.split('/').slice(0, 2).join('/')))];
        violation('same cells on every laptop', `${laptops[k]!.name} vs ${laptops[0]!.name}: ${lineDiff(a, b)}`, [...new Set(rows.flatMap(attacksOnKey))].sort());
      }
    }
    for (const [k, list] of shown.entries()) {
      const byKey = new Map(list.map((c) => [`${c.dataset}/${c.row}/${c.column}`, c]));
      report.checked.fields += list.length;
      const wrong: string[] = [];
      const orphans: string[] = [];
      const attacks = new Set<AttackKind>();
      for (const [key, m] of expected) {
        const by = attacker.sent.get(m.timestamp)?.kind;
        if (by && !PLAIN.has(by)) continue; // how a laptop keeps an odd value is its own affair
        if (byKey.get(key)?.line !== cellLine(m)) {
          wrong.push(`${key} holds ${byKey.get(key)?.line.split(' = ')[1]?.slice(0, 120) ?? 'nothing'}, the newest acceptable message is ${cellLine(m).split(' = ')[1]!.slice(0, 120)}`);
          for (const a of attacksOn(m.dataset, m.row)) attacks.add(a);
        }
      }
      for (const c of list) {
        const key = `${c.dataset}/${c.row}/${c.column}`;
        if (!expected.has(key) && !attacker.sent.has(c.timestamp)) {
          orphans.push(c.line.slice(0, 200));
          for (const a of attacksOn(c.dataset, c.row)) attacks.add(a);
        }
      }
      if (wrong.length) violation('LWW winners', `${laptops[k]!.name}: ${wrong.length} fields do not hold the newest acceptable message, e.g. ${wrong.slice(0, 3).join('; ')}`, [...attacks].sort());
      if (orphans.length) violation('LWW winners', `${laptops[k]!.name}: ${orphans.length} shared fields come from no message on the hub, e.g. ${orphans.slice(0, 3).join('; ')}`, [...attacks].sort());
    }

    // The same records as a witness that got the hub's log without the messages that must not
    // take effect (so a record every laptop lost, or one fed through __proto__, shows).
    witness = await openReplica(folder, `hostile-${label}-${seed}-witness`);
    const forWitness = onHub.filter((m) => !voidStamps.has(m.timestamp));
    for (let start = 0; start < forWitness.length; start += 500) {
      try {
        await witness.apply(forWitness.slice(start, start + 500), start + 500);
      } catch (error) {
        violation('witness', `applying the hub's acceptable messages ${start}..${start + 499} failed: ${(error as Error).message.slice(0, 200)}`);
      }
    }
    const expectedRecords = recordLines(withoutRecords(await witness.repo.exportDocument(), excluded));
    report.checked.witnessRecords = expectedRecords.length;
    for (const [k, doc] of docs.entries()) {
      const lines = recordLines(withoutRecords(doc, excluded));
      if (canonical(lines) !== canonical(expectedRecords)) {
        const rows = [...new Set(lineDiff(lines, expectedRecords, 1000).split('; ').map(rowOfLine))];
        violation('same records as the witness', `${laptops[k]!.name}: ${lineDiff(lines, expectedRecords)}`, [...new Set(rows.flatMap(attacksOnKey))].sort());
      }
    }

    // History: the attacker's changes name the attacker, honest ones their author.
    for (const [k, laptop] of laptops.entries()) {
      const records = new Set<string>(keysOf(docs[k]!));
      for (const { message } of attacker.sent.values()) if (['organization', 'site', 'flow'].includes(message.dataset)) records.add(`${message.dataset}/${message.row}`);
      const wrong: string[] = [];
      const attacks = new Set<AttackKind>();
      for (const key of [...records].sort()) {
        const slash = key.indexOf('/');
        for (const entry of await laptop.replica.history(key.slice(0, slash), key.slice(slash + 1))) {
          if (!entry.hlc) continue;
          const author = attacker.sent.has(entry.hlc) ? attacker.email : emailOfNode.get(entry.hlc.slice(-16));
          if (author === attacker.email) report.checked.historyByAttacker += 1;
          else if (author && entry.origin === 'remote') report.checked.historyByHonest += 1;
          if (author && entry.actor !== author) {
            wrong.push(`${key} ${entry.origin} ${entry.op} @ ${entry.hlc} names "${entry.actor.slice(0, 60)}", made by ${author}`);
            // The node records are where a forged name would come from.
            for (const a of [...attacksOnKey(key), ...attacksOn('node', entry.hlc.slice(-16)), ...attacksOn('node', attacker.node)]) attacks.add(a);
          }
        }
      }
      if (wrong.length) violation('history names the author', `${laptop.name}: ${wrong.length} entries name someone else, e.g. ${wrong.slice(0, 3).join('; ')}`, [...attacks].sort());
    }
    return report;
  } finally {
    for (const l of laptops) {
      await l.client.stop();
      await l.replica.repo.close();
    }
    await witness?.repo.close();
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A line per attack for the log: sent, stored, refused (by code). */
export function describeTally(report: HostileReport): string {
  return KINDS.filter((k) => report.tally[k].sent > 0)
    .map((k) => {
      const t = report.tally[k];
      const refused = Object.entries(t.refused).map(([code, n]) => `${code} ${n}`).join(', ') || 'none';
      const through = report.violations.filter((v) => v.attacks.includes(k)).length;
      return `${k.padEnd(15)} sent ${String(t.sent).padStart(3)}  stored ${String(t.stored).padStart(3)}  refused: ${refused}${through ? `  VIOLATIONS ${through}` : ''}`;
    })
    .join('\n');
}

