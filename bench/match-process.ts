/**
 * `turash bench match-process`: what a user waits for at the command line (issue 13, item 1). The
 * whole `turash match` and `turash plan` processes (start, load, match/plan, store, print) on the
 * benchmark portfolio in SQLite (bench/portfolio-db.ts, 50,000 flows by default), each a child
 * process measured from outside (bench/child-run.ts): wall, CPU, peak memory, bytes on stdout, the
 * database's size before and after, rows in match_alerts and matches.
 *
 * Runs, on one copy of the portfolio: `turash match` (the table; the first match of the database),
 * `turash match --json` (a re-match, its JSON counted), `turash plan` (a re-match and the plan).
 * Baselines of the same run: the in-process engine on the same flows read from the same database
 * (index build + matchAll, what `turash bench match` measures; median of 3) and, when PostgreSQL
 * with PostGIS is installed, the ST_DWithin candidate query on a GiST index (bench/postgis.ts). The
 * target (issue 13): the whole match process faster than the PostGIS query; plan under 30 s.
 *
 * With `phases` (on by default), the same service the CLI uses runs once more in this process on a
 * fresh copy with its progress callback timed: where the process's wall time goes (loading flows,
 * the worker's match and plan, storing matches, storing the plan).
 */
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { openCore } from '../main/core.ts';
import { hotmapsProfileSource } from '../main/data/profile-source.ts';
import { resolveConfig } from '../main/matching/config.ts';
import { Matcher } from '../main/matching/engine.ts';
import { toMatchFlow, type MatchFlow } from '../main/matching/input.ts';
import { runTurash, type ChildFigures } from './child-run.ts';
import { postgisCandidates } from './postgis.ts';
import { copyDatabase, databaseBytes, portfolioDb } from './portfolio-db.ts';

export interface MatchProcessOptions {
  flows?: number;
  seed?: number;
  hotmaps?: string;
  /** Time the service's phases in this process too (one more full run). Default true. */
  phases?: boolean;
  /** Run the PostGIS baseline when installed. Default true. */
  postgis?: boolean;
}

export const PROCESS_TARGETS = { plan_s: 30 } as const;

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/** Rows of a table (null when the table does not exist: a later schema may have replaced it). */
export async function countRows(path: string, table: string): Promise<number | null> {
  const db = new sqlite3.Database(path, sqlite3.OPEN_READONLY);
  try {
    return await new Promise<number | null>((resolve, reject) =>
      db.get(`SELECT count(*) AS n FROM "${table}"`, (error: Error | null, row: { n: number } | undefined) => {
        if (error) return /no such table/.test(error.message) ? resolve(null) : reject(error);
        resolve(row!.n);
      }),
    );
  } finally {
    await new Promise<void>((resolve) => db.close(() => resolve()));
  }
}

export function machineLoad() {
  const [one, five, fifteen] = loadavg();
  return { cores: cpus().length, loadavg_1_5_15: [one, five, fifteen].map((x) => Math.round(x! * 100) / 100) };
}

/** The engine's flows as the match service reads them (no measured flows in the benchmark portfolio). */
async function readFlows(path: string): Promise<{ flows: MatchFlow[]; ms: number }> {
  const core = await openCore(path);
  try {
    const t0 = performance.now();
    const flows = (await core.repo.flowsInContext()).map((r) => toMatchFlow(r.flow, r.site, r.organization));
    return { flows, ms: Math.round(performance.now() - t0) };
  } finally {
    await core.close();
  }
}

function kernel(flows: MatchFlow[], repeat = 3) {
  const config = resolveConfig({});
  const profiles = hotmapsProfileSource();
  const runs: { index_ms: number; match_ms: number; cpu_ms: number; matches: number }[] = [];
  for (let i = 0; i < repeat; i++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const matcher = new Matcher({ flows, profiles });
    const t1 = performance.now();
    const result = matcher.matchAll(config);
    const t2 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    runs.push({ index_ms: t1 - t0, match_ms: t2 - t1, cpu_ms: (cpu.user + cpu.system) / 1000, matches: result.matches.length });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const total = runs.map((r) => r.index_ms + r.match_ms);
  return {
    index_plus_match_ms: Math.round(median(total)),
    runs_ms: total.map((x) => Math.round(x)),
    index_ms: Math.round(median(runs.map((r) => r.index_ms))),
    match_ms: Math.round(median(runs.map((r) => r.match_ms))),
    cpu_ms: Math.round(median(runs.map((r) => r.cpu_ms))),
    matches: runs[0]!.matches,
  };
}

interface ProcessRun extends ChildFigures {
  db_mb_before: number;
  db_mb_after: number;
  db_growth: number;
  matches_rows: number | null;
  /** Where alerts are stored: one row per alerted match (match_alerts) or one digest per re-match (match_digests). */
  alerts_table: string | null;
  alert_rows_before: number | null;
  alert_rows_after: number | null;
  alert_rows_written: number | null;
}

/** The alerts table of this schema and its rows (match_alerts before migration 8, match_digests after). */
async function alertRows(db: string): Promise<{ table: string | null; rows: number | null }> {
  for (const table of ['match_alerts', 'match_digests']) {
    const rows = await countRows(db, table);
    if (rows !== null) return { table, rows };
  }
  return { table: null, rows: null };
}

async function measured(db: string, args: string[]): Promise<ProcessRun> {
  const before = databaseBytes(db);
  const alertsBefore = await alertRows(db);
  const figures = await runTurash([...args, '--db', db]);
  const after = databaseBytes(db);
  const alertsAfter = await alertRows(db);
  return {
    ...figures,
    db_mb_before: mb(before),
    db_mb_after: mb(after),
    db_growth: Math.round((after / before) * 100) / 100,
    matches_rows: await countRows(db, 'matches'),
    alerts_table: alertsAfter.table,
    alert_rows_before: alertsBefore.rows,
    alert_rows_after: alertsAfter.rows,
    alert_rows_written: alertsBefore.rows === null || alertsAfter.rows === null ? null : alertsAfter.rows - alertsBefore.rows,
  };
}

/** Phases of one full run through the match service (the CLI's path), from its progress callback. */
async function servicePhases(path: string): Promise<Record<string, unknown>> {
  const core = await openCore(path);
  try {
    const marks: { phase: string; at: number }[] = [];
    const t0 = performance.now();
    await core.matching.runAll({}, (p) => {
      if (marks[marks.length - 1]?.phase !== p.phase) marks.push({ phase: p.phase, at: performance.now() });
    });
    const end = performance.now();
    const phases: Record<string, number> = {};
    marks.forEach((m, i) => {
      const next = marks[i + 1]?.at ?? end;
      phases[`${m.phase}_ms`] = (phases[`${m.phase}_ms`] ?? 0) + Math.round(next - m.at);
    });
    const legend = {
      loading_ms: 'reading the flows',
      matching_ms: 'the worker: match, and pack the rows for storage',
      saving_ms: 'storing the matches (the worker plans meanwhile)',
      planning_ms: 'waiting for the plan, storing it in the same transaction, after-save listeners',
    };
    return { total_ms: Math.round(end - t0), ...phases, legend };
  } finally {
    await core.close();
  }
}

export async function runMatchProcessBench(options: MatchProcessOptions = {}): Promise<object> {
  const flows = options.flows ?? 50_000;
  const loadAtStart = machineLoad();
  const portfolio = await portfolioDb({ flows, ...(options.seed !== undefined ? { seed: options.seed } : {}), ...(options.hotmaps ? { hotmaps: options.hotmaps } : {}) });
  const read = await readFlows(portfolio.path);
  const engine = kernel(read.flows);
  const postgis = options.postgis === false ? { available: false as const, reason: 'not asked for' } : await postgisCandidates(read.flows);

  const db = copyDatabase(portfolio.path, join(portfolio.folder, 'process.db'));
  const match = await measured(db, ['match']);
  const matchJson = await measured(db, ['match', '--json']);
  const plan = await measured(db, ['plan']);
  const phases = options.phases === false ? null : await servicePhases(copyDatabase(portfolio.path, join(portfolio.folder, 'phases.db')));

  const vsPostgis = (ms: number) => (postgis.available ? Math.round((ms / postgis.query_ms) * 100) / 100 : null);
  const vsKernel = (ms: number) => Math.round((ms / engine.index_plus_match_ms) * 10) / 10;
  return {
    workload: { description: portfolio.description, flows, active_flows: read.flows.filter((f) => f.status === 'active').length, database_mb: mb(portfolio.bytes), import_ms: portfolio.import_ms },
    machine: { at_start: loadAtStart, at_end: machineLoad() },
    baseline_engine_in_process: { ...engine, read_flows_ms: read.ms },
    baseline_postgis: postgis,
    match,
    match_json: matchJson,
    plan,
    phases_of_a_full_run: phases,
    ratios: {
      match_wall_vs_engine: vsKernel(match.wall_ms),
      match_json_wall_vs_engine: vsKernel(matchJson.wall_ms),
      match_wall_vs_postgis: vsPostgis(match.wall_ms),
      match_json_wall_vs_postgis: vsPostgis(matchJson.wall_ms),
      plan_wall_vs_engine: vsKernel(plan.wall_ms),
    },
    targets: {
      match_faster_than_postgis: { target: '< the PostGIS candidate query', value: match.wall_ms, baseline: postgis.available ? postgis.query_ms : null, pass: postgis.available ? match.wall_ms < postgis.query_ms : null },
      plan_s: { target: `< ${PROCESS_TARGETS.plan_s} s`, value: Math.round(plan.wall_ms / 100) / 10, pass: plan.wall_ms < PROCESS_TARGETS.plan_s * 1000 },
      peak_memory_mb: { target: '< 1024', value: Math.max(match.peak_rss_mb ?? 0, matchJson.peak_rss_mb ?? 0, plan.peak_rss_mb ?? 0), pass: Math.max(match.peak_rss_mb ?? 0, matchJson.peak_rss_mb ?? 0, plan.peak_rss_mb ?? 0) < 1024 },
      // the first match of the portfolio (the issue's ~100 MB -> 708 MB); the re-match's growth is match_json.db_growth
      db_after_match: { target: '< 2x the portfolio alone', value: match.db_growth, pass: match.db_growth < 2 },
      // the target: a re-match (here `turash match --json` on the matched database)
      db_after_rematch: { target: '< 2x its size before', value: matchJson.db_growth, pass: matchJson.db_growth < 2 },
    },
  };
}
