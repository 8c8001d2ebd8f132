/**
 * The regional plan of the last run (domain.md 5.1): which matches are plan members, at which
 * share, with their economics at that share, and the plan's figures (objective, bound, gap,
 * totals). Derived data like the engine's matches: recomputed on every laptop, never change-logged.
 */
import { CompiledQuery, sql, type Transaction } from 'kysely';
import type { Db } from './database.ts';
import type { Database } from './schema.ts';
import { EconomicsKeys } from './match-figures.ts';
import { joinedMatches } from './match-join.ts';

export const PLAN_MIGRATION: string[] = [
  `ALTER TABLE matches ADD COLUMN plan_share REAL`,
  `ALTER TABLE matches ADD COLUMN plan_allocation TEXT`,
  `CREATE INDEX matches_plan ON matches(plan_share) WHERE plan_share IS NOT NULL`,
  `CREATE TABLE plan_runs (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     objective TEXT NOT NULL,
     summary TEXT NOT NULL,
     created_at TEXT NOT NULL
   )`,
];

export type PlanObjectiveName = 'npv' | 'co2' | 'energy';

export interface PlanTotals {
  npv_eur: number;
  annual_value_eur: number;
  co2_t_per_year: number;
  delivered_mwh_per_year: number;
  capex_eur: number;
}

/** What a plan says about itself: the headline figures every view shows (never sums of competing alternatives). */
export interface PlanSummary {
  objective: PlanObjectiveName;
  objective_value: number;
  bound: number;
  gap: number;
  status: string;
  members: number;
  /** Alternatives considered (the profitable and held matches of the run). */
  candidates: number;
  totals: PlanTotals;
  by_type: Record<string, PlanTotals & { members: number }>;
  solve_ms: number;
  components: number;
  largest_component: number;
  greedy_value: number;
  notes: string[];
  engine_version: string;
  created_at: string;
}

export interface PlanMemberRow {
  match_id: string;
  share: number;
  /** AllocatedEconomics (matching/plan-input.ts), as JSON. */
  allocation: object;
}

/** A plan member as the impact's potential counts it (main/workflow/impact.ts `potentialRow`). */
export interface PlanMemberFigures {
  id: string;
  type: string;
  status: string;
  supply_organization: string;
  demand_organization: string;
  share: number;
  /** The stored allocation (AllocatedEconomics), parsed. */
  allocation: Record<string, unknown>;
  /** The match's economics.delivered_per_year as stored (undefined when it has none). */
  delivered_per_year: unknown;
}

/** The lifecycle states whose allocation the next plan holds (5.1). */
export const HOLDING_STATUSES = ['reserved', 'contracted', 'live'] as const;

/** Members written by one statement: 3 parameters each, well inside SQLite's 32,766. */
const PLAN_ROWS_PER_STATEMENT = 400;

export class PlanStore {
  readonly #db: Db;
  /** The summary: the read connection beside the writer (repository.ts), or the writer itself. */
  readonly #read: Db;
  constructor(db: Db, read: Db = db) {
    this.#db = db;
    this.#read = read;
  }

  /**
   * Replaces the plan: matches that left it lose their share, the members get theirs with their
   * allocation. Only rows whose share or allocation changed are written (a re-run that plans the
   * same way rewrites no match).
   */
  async save(summary: PlanSummary, members: readonly PlanMemberRow[], within?: Transaction<Database>): Promise<void> {
    // `within`: the run's own transaction (its matches and its plan commit together, match-service.ts)
    const write = async (tx: Transaction<Database>) => {
      const current = new Map(
        (await tx.selectFrom('matches').select(['id', 'plan_share', 'plan_allocation']).where('plan_share', 'is not', null).execute()).map((r) => [r.id, r]),
      );
      const next = new Set(members.map((m) => m.match_id));
      const left = [...current.keys()].filter((id) => !next.has(id));
      for (let i = 0; i < left.length; i += 500) await tx.updateTable('matches').set({ plan_share: null, plan_allocation: null }).where('id', 'in', left.slice(i, i + 500)).execute();
      const changed: unknown[][] = [];
      for (const m of members) {
        const allocation = JSON.stringify(m.allocation);
        const was = current.get(m.match_id);
        if (!was || was.plan_share !== m.share || was.plan_allocation !== allocation) changed.push([m.match_id, m.share, allocation]);
      }
      // Many rows a statement (UPDATE ... FROM a VALUES list): a first plan of the 50,000-flow
      // portfolio sets tens of thousands of members, and one statement each was seconds of round trips.
      for (let i = 0; i < changed.length; i += PLAN_ROWS_PER_STATEMENT) {
        const chunk = changed.slice(i, i + PLAN_ROWS_PER_STATEMENT);
        await tx.executeQuery(
          CompiledQuery.raw(
            `UPDATE matches SET plan_share = v.column2, plan_allocation = v.column3 FROM (VALUES ${chunk.map(() => '(?, ?, ?)').join(', ')}) AS v WHERE matches.id = v.column1`,
            chunk.flat(),
          ),
        );
      }
      const row = { id: 1, objective: summary.objective, summary: JSON.stringify(summary), created_at: summary.created_at };
      await tx
        .insertInto('plan_runs')
        .values(row)
        .onConflict((oc) => oc.column('id').doUpdateSet({ objective: row.objective, summary: row.summary, created_at: row.created_at }))
        .execute();
    };
    if (within) await write(within);
    else await this.#db.transaction().execute(write);
  }

  /** The last plan's summary, or null when no plan has been made in this database. */
  async summary(): Promise<PlanSummary | null> {
    const row = await this.#read.selectFrom('plan_runs').select('summary').where('id', '=', 1).executeTakeFirst();
    return row ? (JSON.parse(row.summary) as PlanSummary) : null;
  }

  /**
   * The plan members with what the impact's potential needs, in the match list's NPV order: the
   * members by their partial index (matches_plan), and of each one's economics only
   * `delivered_per_year` (match-figures.ts), not the whole unpacked record.
   */
  async memberFigures(): Promise<PlanMemberFigures[]> {
    const rows = await joinedMatches(this.#read)
      .where('m.plan_share', 'is not', null)
      .select(['m.id', 'm.type', 'm.status', 'm.plan_share', 'm.plan_allocation', 'm.packed', 'm.economics', 'so.name as supply_organization', 'do.name as demand_organization'])
      .orderBy(sql`m.npv_eur DESC`)
      .orderBy('m.id')
      .execute();
    const keys = new EconomicsKeys(this.#read, ['delivered_per_year']);
    await keys.ready(rows);
    return rows.map((r) => ({
      id: r.id,
      type: r.type,
      status: r.status,
      supply_organization: r.supply_organization,
      demand_organization: r.demand_organization,
      share: r.plan_share!,
      allocation: JSON.parse(r.plan_allocation ?? '{}') as Record<string, unknown>,
      delivered_per_year: keys.read(r).delivered_per_year,
    }));
  }

  /** Shares held by reserved, contracted and live matches (their plan share, or the whole stand-alone quantity when they were never in a plan). */
  async heldShares(): Promise<Map<string, number>> {
    // the read connection: a run or a hold check starts without queueing behind a write in progress
    const rows = await this.#read.selectFrom('matches').select(['id', 'plan_share']).where('status', 'in', [...HOLDING_STATUSES]).execute();
    return new Map(rows.map((r) => [r.id, r.plan_share ?? 1]));
  }
}
