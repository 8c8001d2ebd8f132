/**
 * The edit stream of one simulated laptop in `turash bench hub`: change messages shaped as the
 * app writes them (main/sync/stage.ts: one message per field of an organization, site or flow,
 * its value as JSON text, a `__deleted` tombstone for a delete), each with its own HLC timestamp.
 *
 * A burst is 1 to `maxEdits` field edits (most of them small: a facilitator saving a form, an
 * engineer fixing a quantity, a name, a temperature), mostly on the laptop's own records and
 * sometimes on a teammate's (so last-writer-wins meets real conflicts); now and then a new flow or
 * a deleted one; and a share `importShare` of the bursts is a facilitator importing an
 * organization with its sites and flows (50-300 messages). The shape is the pace's
 * (bench/hub.ts: a person's, or the stress stream). Seeded, so a run can be replayed.
 */
import { HybridLogicalClock } from '../sync/protocol/hlc.ts';
import { TOMBSTONE_COLUMN, type ChangeMessage } from '../sync/protocol/messages.ts';
import { mulberry32 } from '../main/domain/random.ts';

const SECTORS = ['Chemicals', 'Food and drink', 'Paper', 'Steel', 'Data centre', 'Brewery', 'Dairy', 'Cement', 'Laundry', 'Greenhouse'];
const COUNTRIES = ['DE', 'NL', 'AT', 'FR', 'BE', 'DK'];
const FLOW_TYPES = ['heat', 'cooling', 'steam', 'water', 'co2', 'material', 'waste'];
/** A unit the app accepts for each flow type (steam as thermal energy, as main/domain/units.ts wants). */
const UNITS: Record<string, string> = { heat: 'MWh/yr', cooling: 'MWh/yr', steam: 'MWh/yr', water: 'm3/yr', co2: 't/yr', material: 't/yr', waste: 't/yr' };
const NOTES = 'Measured over the winter campaign; the return line runs at night only. Check with the site manager before the next visit: the heat exchanger may be replaced in spring.';

export interface EditBurst {
  messages: ChangeMessage[];
  /** A facilitator's import (a larger batch), not an engineer's edit. */
  import: boolean;
}

/** How big a laptop's bursts are: at most `maxEdits` field edits, a share of them an import. */
export interface BurstShape {
  maxEdits: number;
  importShare: number;
}

/** The stress stream's bursts (the bench's first workload): 1-50 edits, one in ten an import. */
export const STRESS_BURSTS: BurstShape = { maxEdits: 50, importShare: 0.1 };

export class EditStream {
  readonly clock: HybridLogicalClock;
  readonly #shape: BurstShape;
  readonly #random: () => number;
  readonly #name: string;
  #serial = 0;
  /** Records this laptop created and still has. */
  readonly #own = { organization: [] as string[], site: [] as string[], flow: [] as string[] };
  /** Records it learnt from teammates (through pulls). */
  readonly #theirs = { organization: [] as string[], site: [] as string[], flow: [] as string[] };
  readonly #known = new Set<string>();
  /** The quantity unit of each flow it knows (an edit of the amount keeps the flow's unit). */
  readonly #units = new Map<string, string>();

  constructor(node: string, name: string, seed: number, shape: BurstShape = STRESS_BURSTS) {
    this.clock = new HybridLogicalClock(node);
    this.#shape = shape;
    this.#random = mulberry32(seed);
    this.#name = name;
  }

  #pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#random() * items.length)]!;
  }

  #int(lo: number, hi: number): number {
    return lo + Math.floor(this.#random() * (hi - lo + 1));
  }

  #fields(dataset: string, row: string, fields: Record<string, unknown>): ChangeMessage[] {
    return Object.keys(fields)
      .sort()
      .map((column) => ({ timestamp: this.clock.send(), dataset, row, column, value: JSON.stringify(fields[column]) }));
  }

  #id(kind: string): string {
    return `${this.#name}-${kind}${this.#serial++}`;
  }

  #organization(): ChangeMessage[] {
    const id = this.#id('o');
    this.#own.organization.push(id);
    return this.#fields('organization', id, { name: `${this.#pick(SECTORS)} ${this.#name} ${this.#serial}`, sector: this.#pick(SECTORS), sharing: 'partners', nace: 'C20.14', employees: this.#int(5, 900) });
  }

  #site(organization: string): ChangeMessage[] {
    const id = this.#id('s');
    this.#own.site.push(id);
    return this.#fields('site', id, {
      organization_id: organization,
      name: `Site ${this.#serial}`,
      country: this.#pick(COUNTRIES),
      lat: 48 + this.#random() * 6,
      lon: 4 + this.#random() * 10,
      kind: 'plant',
    });
  }

  #flow(site: string): ChangeMessage[] {
    const id = this.#id('f');
    this.#own.flow.push(id);
    const type = this.#pick(FLOW_TYPES);
    this.#units.set(id, UNITS[type]!);
    return this.#fields('flow', id, {
      site_id: site,
      direction: this.#random() < 0.5 ? 'supply' : 'demand',
      type,
      name: `${type} ${this.#serial}`,
      quantity: { amount: this.#int(10, 50_000), unit: UNITS[type] },
      precision: 'estimated',
      description: NOTES,
    });
  }

  /** One field edit on a record (own mostly, a teammate's sometimes). */
  #edit(): ChangeMessage[] {
    const pool = this.#random() < 0.3 && this.#theirs.flow.length + this.#theirs.site.length + this.#theirs.organization.length > 0 ? this.#theirs : this.#own;
    const roll = this.#random();
    const dataset = roll < 0.65 && pool.flow.length ? 'flow' : roll < 0.85 && pool.site.length ? 'site' : pool.organization.length ? 'organization' : 'flow';
    const rows = pool[dataset];
    if (rows.length === 0) return this.#flow(this.#pick(this.#own.site));
    const row = this.#pick(rows);
    const fields: Record<string, () => unknown> =
      dataset === 'flow'
        ? {
            quantity: () => ({ amount: this.#int(10, 50_000), unit: this.#units.get(row) }),
            name: () => `Flow ${this.#serial++}`,
            precision: () => this.#pick(['rough', 'estimated', 'measured']),
            economics: () => ({ price_eur: this.#int(5, 90), price_per: 'MWh' }),
            temporal: () => ({ weekly: [{ days: 'mon-fri', from: this.#int(0, 8), to: this.#int(16, 24) }] }),
            description: () => NOTES.slice(0, this.#int(20, NOTES.length)),
          }
        : dataset === 'site'
          ? { name: () => `Site ${this.#serial++}`, lat: () => 48 + this.#random() * 6, lon: () => 4 + this.#random() * 10, address: () => `Industriestraße ${this.#int(1, 200)}` }
          : { name: () => `Org ${this.#serial++}`, employees: () => this.#int(5, 900), readiness: () => this.#int(1, 5), notes: () => NOTES };
    const picked = this.#pick(Object.keys(fields));
    // The amount is edited in the flow's own unit; a flow whose unit it never saw gets a new name.
    const column = picked === 'quantity' && !this.#units.has(row) ? 'name' : picked;
    return [{ timestamp: this.clock.send(), dataset, row, column, value: JSON.stringify(fields[column]!()) }];
  }

  /** The laptop's first burst: its organization, a site and three flows (as a new user types them). */
  first(): EditBurst {
    const messages = this.#organization();
    messages.push(...this.#site(this.#own.organization[0]!));
    for (let i = 0; i < 3; i++) messages.push(...this.#flow(this.#own.site[0]!));
    return { messages, import: false };
  }

  next(): EditBurst {
    if (this.#own.site.length === 0) return this.first();
    if (this.#random() < this.#shape.importShare) {
      // A facilitator imports an organization: its sites and flows (50-300 messages).
      const messages = this.#organization();
      const org = this.#own.organization.at(-1)!;
      const sites = this.#int(2, 5);
      for (let s = 0; s < sites; s++) messages.push(...this.#site(org));
      const flows = this.#int(5, 40);
      for (let f = 0; f < flows; f++) messages.push(...this.#flow(this.#own.site[this.#own.site.length - 1 - (f % sites)]!));
      return { messages, import: true };
    }
    // 1-maxEdits edits, most bursts small (square of a uniform: median about a quarter of the
    // most, 13 of 50, 4 of 15).
    const edits = 1 + Math.floor((this.#shape.maxEdits - 1) * this.#random() ** 2);
    const messages: ChangeMessage[] = [];
    for (let i = 0; i < edits; i++) {
      const roll = this.#random();
      if (roll < 0.03 && this.#own.flow.length > 3) {
        // Delete one of its own flows: a tombstone.
        const index = Math.floor(this.#random() * this.#own.flow.length);
        const [row] = this.#own.flow.splice(index, 1);
        messages.push({ timestamp: this.clock.send(), dataset: 'flow', row: row!, column: TOMBSTONE_COLUMN, value: 'true' });
      } else if (roll < 0.06) {
        messages.push(...this.#flow(this.#pick(this.#own.site)));
      } else {
        messages.push(...this.#edit());
      }
    }
    return { messages, import: false };
  }

  /** A teammate's message arrived: its record may be edited from now on (and the clock moves). */
  learn(message: ChangeMessage): void {
    this.clock.receive(message.timestamp);
    const list = (this.#theirs as Record<string, string[] | undefined>)[message.dataset];
    if (!list) return;
    const key = `${message.dataset}\u0000${message.row}`;
    if (message.column === TOMBSTONE_COLUMN) {
      const index = list.indexOf(message.row);
      if (index >= 0) list.splice(index, 1);
      return;
    }
    if (message.dataset === 'flow' && message.column === 'quantity') {
      const unit = (JSON.parse(message.value) as { unit?: string }).unit;
      if (unit) this.#units.set(message.row, unit);
    }
    if (this.#known.has(key)) return;
    this.#known.add(key);
    // Bounded: edits pick among the latest teammates' records.
    list.push(message.row);
    if (list.length > 200) list.shift();
  }
}
