// bench match-process on a small portfolio: the report is complete and its figures agree with each
// other (never a timed assertion: the machine is shared).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runMatchProcessBench } from './match-process.ts';

interface Run {
  exit_code: number;
  wall_ms: number;
  cpu_ms: number | null;
  peak_rss_mb: number | null;
  stdout_bytes: number;
  db_mb_before: number;
  db_mb_after: number;
  matches_rows: number;
  alerts_table: string | null;
}

test('bench match-process: three real processes on one database, the engine and PostGIS beside them', { timeout: 600_000 }, async () => {
  const r = (await runMatchProcessBench({ flows: 800, seed: 3, phases: false })) as Record<string, unknown> & {
    match: Run;
    match_json: Run;
    plan: Run;
    baseline_engine_in_process: { matches: number; index_plus_match_ms: number };
    baseline_postgis: { available: boolean; pairs?: number; reason?: string };
    targets: Record<string, { pass: boolean | null }>;
  };
  for (const name of ['match', 'match_json', 'plan'] as const) {
    const run = r[name];
    assert.equal(run.exit_code, 0, `${name} exited ${run.exit_code}`);
    assert.ok(run.wall_ms > 0 && run.stdout_bytes > 0, name);
    assert.ok(run.peak_rss_mb === null || run.peak_rss_mb > 20, `${name}: a node process holds more than 20 MB (${run.peak_rss_mb})`);
    assert.ok(run.db_mb_after >= run.db_mb_before * 0.9, `${name}: the database does not shrink much`);
    assert.ok(run.alerts_table === 'match_alerts' || run.alerts_table === 'match_digests', `${name}: alerts counted in ${run.alerts_table}`);
  }
  // the process stored what the engine finds on the same flows
  assert.ok(r.baseline_engine_in_process.matches > 0);
  assert.equal(r.match.matches_rows, r.baseline_engine_in_process.matches);
  // the JSON of every match is far larger than the table of the best 20
  assert.ok(r.match_json.stdout_bytes > 5 * r.match.stdout_bytes, `${r.match_json.stdout_bytes} bytes of JSON, ${r.match.stdout_bytes} of table`);
  if (r.baseline_postgis.available) assert.ok((r.baseline_postgis.pairs ?? 0) > 0, 'PostGIS finds candidate pairs');
  else assert.match(r.baseline_postgis.reason ?? '', /not installed/);
  assert.deepEqual(Object.keys(r.targets), ['match_faster_than_postgis', 'plan_s', 'peak_memory_mb', 'db_after_match', 'db_after_rematch']);
  // a re-match on the matched database rewrites rows in place: it does not double the file
  assert.equal(r.targets.db_after_rematch!.pass, true);
});
