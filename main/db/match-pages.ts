/**
 * The match list as the UI shows it: one page at a time (100 rows, or 40 groups of the matches
 * competing for one flow), in light rows (matches.ts `MatchListRow`), and the map's lines of the
 * same filtered list. The UI used to fetch the first 5,000 full records and page, group and draw
 * them itself (0.8 s at p95 on 50,000 flows); now it asks for what it shows.
 *
 * Grouping on the server keeps the UI's rule: a group stands where its first match stands in the
 * list's order, and holds every match of its flow that passes the filter. The groups of a page are
 * found by walking the list index in order (the page's ids, then their flow) until enough distinct
 * flows are seen; the walk is kept per filter and data generation (MatchStore.generation), so the
 * next page continues it instead of starting again. Counts (matches, groups) are kept the same way.
 * Everything is cached only under the generation token read before the data: a write in between
 * makes the next request read again.
 */
import { sql, type Transaction } from 'kysely';
import type { Db } from './database.ts';
import type { Page } from './repository.ts';
import type { Database } from './schema.ts';
import { EXPORT_ECONOMICS, filtered, LIST_ECONOMICS, lightRows, orderOf, toListRows, type MatchFilter, type MatchListRow } from './match-list-rows.ts';

export type MatchGrouping = 'supply' | 'demand' | 'none';

export interface MatchPageRequest extends Omit<MatchFilter, 'offset' | 'limit'> {
  group?: MatchGrouping;
  /** 0-based page number. */
  page?: number;
  /** Rows (ungrouped) or groups per page: 100 and 40 by default. */
  size?: number;
  /** The page that holds this match instead (a line clicked on the map); `page` when it is not in the list. */
  around_id?: string;
}

export interface MatchPage {
  /** Ungrouped: the page's rows in order; grouped: every listed match of the page's flows, in the list's order. */
  items: MatchListRow[];
  /** Matches that pass the filter. */
  total: number;
  /** Rows, or groups (flows), that pass the filter: `units / size` pages. */
  units: number;
  page: number;
  size: number;
  group: MatchGrouping;
  /** Grouped: the page's flows in order, with how many plan members and alternatives of each pass the filter (`items` holds every member and the first GROUP_ALTERNATIVES alternatives). */
  groups?: { flow_id: string; members: number; alternatives: number }[];
}

/** A line of the map: the match's columns and its two sites (the map has their places and names from sites.map). */
export interface MatchLine {
  id: string;
  type: string;
  score: number;
  distance_km: number;
  route: 'automated' | 'facilitated';
  status: string;
  /** The plan member's NPV at its share, or the stand-alone NPV of an alternative. */
  npv_eur: number | null;
  in_plan: boolean;
  share: number | null;
  allocated: { amount: number; unit: string } | null;
  supply_site_id: string;
  demand_site_id: string;
}

export interface MatchLines {
  items: MatchLine[];
  /** Matches that pass the filter (the map draws the first `items.length`). */
  total: number;
}

const ROW_PAGE = 100;
const GROUP_PAGE = 40;
/** Alternatives of a group sent with a page (all its plan members are): the list of one flow's matches shows the rest. */
export const GROUP_ALTERNATIVES = 5;
/** Up to this many listed matches, the groups are counted by walking the list to its end. */
const WALK_TO_COUNT = 20_000;
/** Kept walks and counts: a few filters' worth (each walk holds at most one id per flow). */
const KEEP = 48;

interface Walk {
  /** Flows in the order of their first match. */
  flows: string[];
  seen: Set<string>;
  /** Index entries read so far. */
  read: number;
  done: boolean;
}

type Read = Db | Transaction<Database>;

const round = (x: number | null | undefined) => (x === null || x === undefined ? null : Math.round(x));

function flowColumn(side: 'supply' | 'demand') {
  return side === 'supply' ? ('m.supply_flow_id' as const) : ('m.demand_flow_id' as const);
}

/**
 * How many groups (distinct flows of `side`) a filtered list has. `+flow`: counted from the list
 * index's entries (migration 12 put the flows in them), not by walking the flows' unique index and
 * reading each row for the filters (query-plans.test.ts).
 */
export function groupCount(tx: Db | Transaction<Database>, filter: MatchFilter, side: 'supply' | 'demand') {
  return filtered(tx, filter).select(sql<number>`count(DISTINCT +${sql.ref(flowColumn(side))})`.as('n'));
}

/** The filter's own terms (no paging, no grouping), as a cache key. */
function filterKey(f: MatchFilter): string {
  return JSON.stringify([f.type, f.min_score, f.route, f.status, f.max_km, f.flow_id, f.site_id, f.order ?? 'score', f.in_plan]);
}

export class MatchPages {
  readonly #read: Db;
  readonly #generation: () => Promise<string>;
  #kept = new Map<string, unknown>();
  #keptAt = '';

  constructor(read: Db, generation: () => Promise<string>) {
    this.#read = read;
    this.#generation = generation;
  }

  /** What is kept under `key` for this generation (everything kept is dropped when the generation moves on). */
  #keep<T>(generation: string, key: string, make: () => T): T {
    if (this.#keptAt !== generation) {
      this.#kept = new Map();
      this.#keptAt = generation;
    }
    if (this.#kept.has(key)) return this.#kept.get(key) as T;
    if (this.#kept.size >= KEEP) this.#kept.delete(this.#kept.keys().next().value!);
    const value = make();
    this.#kept.set(key, value);
    return value;
  }

  async #count(tx: Read, generation: string, filter: MatchFilter): Promise<number> {
    const key = `count|${filterKey(filter)}`;
    const kept = this.#keep<{ n?: number }>(generation, key, () => ({}));
    if (kept.n === undefined) {
      const { n } = await filtered(tx, filter).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      kept.n = Number(n);
    }
    return kept.n;
  }

  async #groups(tx: Read, generation: string, filter: MatchFilter, side: 'supply' | 'demand'): Promise<number> {
    const key = `groups|${side}|${filterKey(filter)}`;
    const kept = this.#keep<{ n?: number }>(generation, key, () => ({}));
    if (kept.n === undefined) {
      const walk = this.#walkOf(generation, filter, side);
      // a short list: walking it to its end (by primary key) beats a scan of the table for a filtered distinct count
      if (!walk.done && (await this.#count(tx, generation, filter)) <= WALK_TO_COUNT) await this.#extend(tx, walk, filter, side, Number.MAX_SAFE_INTEGER);
      if (walk.done) kept.n = walk.flows.length;
      else {
        const { n } = await groupCount(tx, filter, side).executeTakeFirstOrThrow();
        kept.n = Number(n);
      }
    }
    return kept.n;
  }

  #walkOf(generation: string, filter: MatchFilter, side: 'supply' | 'demand'): Walk {
    return this.#keep<Walk>(generation, `walk|${side}|${filterKey(filter)}`, () => ({ flows: [], seen: new Set(), read: 0, done: false }));
  }

  /** Reads on in the list's order until the walk has `need` flows, or has seen `until` (a flow id), or the list ends. */
  async #extend(tx: Read, walk: Walk, filter: MatchFilter, side: 'supply' | 'demand', need: number, until?: string): Promise<void> {
    let chunk = 500;
    while (!walk.done && walk.flows.length < need && !(until !== undefined && walk.seen.has(until))) {
      // the ids from the list index alone (covering), then their flows by primary key
      const ids = (await filtered(tx, filter).select('m.id').orderBy(orderOf(filter.order)).orderBy('m.id').limit(chunk).offset(walk.read).execute()).map((r) => r.id);
      if (ids.length > 0) {
        const flows = await tx
          .selectFrom('matches as m')
          .select(['m.id', `${flowColumn(side)} as flow`])
          .where(sql<boolean>`m.id IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`)
          .execute();
        const flowOf = new Map(flows.map((r) => [r.id, r.flow as string]));
        for (const id of ids) {
          const f = flowOf.get(id);
          if (f !== undefined && !walk.seen.has(f)) {
            walk.seen.add(f);
            walk.flows.push(f);
          }
        }
      }
      walk.read += ids.length;
      if (ids.length < chunk) walk.done = true;
      chunk = Math.min(chunk * 2, 8000);
    }
  }

  /** A page, kept per request and generation: the UI asks again for the page it shows after unrelated refetches. */
  async page(request: MatchPageRequest): Promise<MatchPage> {
    const generation = await this.#generation();
    const kept = this.#keep<{ page?: Promise<MatchPage> }>(generation, `page|${JSON.stringify([request.group, request.page, request.size, request.around_id])}|${filterKey(request)}`, () => ({}));
    kept.page ??= this.#page(generation, request);
    try {
      return await kept.page;
    } catch (error) {
      kept.page = undefined;
      throw error;
    }
  }

  async #page(generation: string, request: MatchPageRequest): Promise<MatchPage> {
    const { group = 'none', page: asked = 0, size: askedSize, around_id: around, ...filter } = request;
    const size = Math.max(1, Math.min(500, askedSize ?? (group === 'none' ? ROW_PAGE : GROUP_PAGE)));
    const result = await this.#read.transaction().execute(async (tx) => {
      const total = await this.#count(tx, generation, filter);
      if (group === 'none') {
        let page = Math.max(0, asked);
        if (around !== undefined) {
          // the map draws the first 5,000 of the list: the match is looked for among those
          const ids = (await filtered(tx, filter).select('m.id').orderBy(orderOf(filter.order)).orderBy('m.id').limit(5000).execute()).map((r) => r.id);
          const at = ids.indexOf(around);
          if (at >= 0) page = Math.floor(at / size);
        }
        const ids = (await filtered(tx, filter).select('m.id').orderBy(orderOf(filter.order)).orderBy('m.id').limit(size).offset(page * size).execute()).map((r) => r.id);
        return { ids, total, units: total, page };
      }
      const walk = this.#walkOf(generation, filter, group);
      let page = Math.max(0, asked);
      if (around !== undefined) {
        const flow = await tx.selectFrom('matches as m').select(`${flowColumn(group)} as flow`).where('m.id', '=', around).executeTakeFirst();
        if (flow) {
          await this.#extend(tx, walk, filter, group, Number.MAX_SAFE_INTEGER, flow.flow as string);
          const at = walk.flows.indexOf(flow.flow as string);
          if (at >= 0) page = Math.floor(at / size);
        }
      }
      await this.#extend(tx, walk, filter, group, (page + 1) * size);
      const flows = walk.flows.slice(page * size, (page + 1) * size);
      const units = await this.#groups(tx, generation, filter, group);
      if (flows.length === 0) return { ids: [], total, units, page };
      // every listed match of the page's flows (by the flow indexes), then of each flow its plan
      // members and its first alternatives: a flow may have hundreds, the group says how many
      const listed = await filtered(tx, filter)
        .where(flowColumn(group), 'in', flows)
        .select(['m.id', `${flowColumn(group)} as flow`, sql<number>`m.plan_share IS NOT NULL`.as('member')])
        .orderBy(orderOf(filter.order))
        .orderBy('m.id')
        .execute();
      const counts = new Map(flows.map((f) => [f, { flow_id: f, members: 0, alternatives: 0 }]));
      const ids: string[] = [];
      for (const r of listed) {
        const c = counts.get(r.flow as string);
        if (!c) continue;
        if (r.member) c.members++;
        else if (c.alternatives++ >= GROUP_ALTERNATIVES) continue;
        ids.push(r.id);
      }
      return { ids, total, units, page, groups: flows.map((f) => counts.get(f)!) };
    });
    const items = await this.#rows(result.ids, LIST_ECONOMICS);
    return { items, total: result.total, units: result.units, page: result.page, size, group, ...('groups' in result ? { groups: result.groups } : {}) };
  }

  /** Light rows of `ids`, in that order. */
  async #rows(ids: readonly string[], keys: readonly string[]): Promise<MatchListRow[]> {
    if (ids.length === 0) return [];
    const rows = await lightRows(this.#read, ids);
    const byId = new Map(rows.map((r) => [r.id, r]));
    const ordered = ids.flatMap((id) => byId.get(id) ?? []);
    return toListRows(this.#read, ordered, keys);
  }

  /** Kept per filter and generation: the map asks again for the same lines after every unrelated refetch. */
  async lines(filter: MatchFilter, limit: number): Promise<MatchLines> {
    const generation = await this.#generation();
    const kept = this.#keep<{ lines?: Promise<MatchLines> }>(generation, `lines|${limit}|${filterKey(filter)}`, () => ({}));
    kept.lines ??= this.#lines(generation, filter, limit);
    try {
      return await kept.lines;
    } catch (error) {
      kept.lines = undefined;
      throw error;
    }
  }

  #lines(generation: string, filter: MatchFilter, limit: number): Promise<MatchLines> {
    return this.#read.transaction().execute(async (tx) => {
      const total = await this.#count(tx, generation, filter);
      const ids = (await filtered(tx, filter).select('m.id').orderBy(orderOf(filter.order)).orderBy('m.id').limit(limit).execute()).map((r) => r.id);
      if (ids.length === 0) return { items: [], total };
      // no organization or site join, no economics: the flows' sites by primary key, the member's figures from its allocation
      const rows = await tx
        .selectFrom('matches as m')
        .innerJoin('flows as sf', 'sf.id', 'm.supply_flow_id')
        .innerJoin('flows as df', 'df.id', 'm.demand_flow_id')
        .select([
          'm.id',
          'm.type',
          'm.score',
          'm.distance_km',
          'm.route',
          'm.status',
          'm.npv_eur',
          'm.plan_share',
          sql<number | null>`json_extract(m.plan_allocation, '$.npv_eur')`.as('plan_npv'),
          sql<number | null>`json_extract(m.plan_allocation, '$.allocated.amount')`.as('allocated_amount'),
          sql<string | null>`json_extract(m.plan_allocation, '$.allocated.unit')`.as('allocated_unit'),
          'sf.site_id as supply_site_id',
          'df.site_id as demand_site_id',
        ])
        .where(sql<boolean>`m.id IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`)
        .execute();
      const byId = new Map(rows.map((r) => [r.id, r]));
      const items = ids.flatMap((id): MatchLine[] => {
        const r = byId.get(id);
        if (!r) return [];
        const member = r.plan_share !== null && r.plan_share !== undefined;
        return [
          {
            id: r.id,
            type: r.type,
            // rounded to what the map shows (its colour classes, the popup's km and euros): a third of the bytes of 5,000 lines
            score: Math.round(r.score * 1e4) / 1e4,
            distance_km: Math.round(r.distance_km * 1e3) / 1e3,
            route: r.route,
            status: r.status,
            npv_eur: member ? round(r.plan_npv) : round(r.npv_eur),
            in_plan: member,
            share: member ? Math.round(r.plan_share! * 1e4) / 1e4 : null,
            allocated: member && r.allocated_amount !== null && r.allocated_unit !== null ? { amount: r.allocated_amount, unit: r.allocated_unit } : null,
            supply_site_id: r.supply_site_id,
            demand_site_id: r.demand_site_id,
          },
        ];
      });
      return { items, total };
    });
  }

  async exportRows(filter: MatchFilter, offset: number, limit: number): Promise<Page<MatchListRow>> {
    const generation = await this.#generation();
    const { ids, total } = await this.#read.transaction().execute(async (tx) => ({
      total: await this.#count(tx, generation, filter),
      ids: (await filtered(tx, filter).select('m.id').orderBy(orderOf(filter.order)).orderBy('m.id').limit(limit).offset(offset).execute()).map((r) => r.id),
    }));
    return { items: await this.#rows(ids, EXPORT_ECONOMICS), total, offset, limit };
  }
}
