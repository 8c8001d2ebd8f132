/**
 * `turash bench match`: the matching benchmark against the quality.md targets (full match of
 * 50,000 flows under 1 s on one core, at least 50x faster than the naive all-pairs scan giving
 * the same result, one changed flow re-matched in under 5 ms median).
 *
 * Workload: the synthetic expansion of main/matching/synthetic.ts (documented in
 * docs/matching.md): flows placed around real industrial sites. With `anchors` (the CLI passes the
 * Hotmaps Industrial Database sites) every real site is an anchor of equal weight and its flows sit
 * within a few km of it (sigma 3 km; 15 % of flows regional, sigma 60 km, as for every anchor);
 * without, the 50 European industrial areas of synthetic.ts.
 *
 * Method (main/matching/bench.ts `benchMatch`): warm-up on a 2,000-flow portfolio, then the indexed
 * matching and the naive all-pairs scan each run on the same table; their decisions are compared
 * pair by pair (fallback step, score, NPV, both ranks). The indexed matching runs `repeat` times
 * (default 5) and the median is reported, as the machine is shared; the first run, on fresh
 * memory, is reported on its own too. The naive scan runs once (it is the slow baseline of the
 * same run, not sampled: every one of its pairs is enumerated).
 * Incremental: `upsert` + `matchFlow` of 200 random edited flows (quantity x 1.1), median and p95.
 * Building the match records (EngineMatch objects) for every match is timed on its own.
 */
import { resolveConfig } from '../main/matching/config.ts';
import { benchMatch, type BenchResult } from '../main/matching/bench.ts';
import type { Anchor } from '../main/matching/synthetic.ts';
import { withCountryMeans } from '../main/matching/hourly/source.ts';
import { hotmapsProfileSource } from '../main/data/profile-source.ts';

export interface MatchBenchOptions {
  flows?: number;
  seed?: number;
  /** Real site coordinates to expand around (e.g. the Hotmaps sites). */
  anchors?: { lat: number; lon: number; country: string }[];
  /** Run the naive scan (default true; about a minute at 50,000 flows). */
  naive?: boolean;
  /** Indexed runs, median reported (default 5). */
  repeat?: number;
}

/** Spread of the flows around one real site, km (Gaussian sigma): the site and its industrial estate. */
export const SITE_SIGMA_KM = 3;

export const TARGETS = { full_match_ms: 1000, naive_ratio: 50, incremental_median_ms: 5 } as const;

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

export async function runMatchBench(options: MatchBenchOptions = {}): Promise<object> {
  const flows = options.flows ?? 50_000;
  const seed = options.seed ?? 42;
  const anchors: Anchor[] | undefined =
    options.anchors && options.anchors.length > 0
      ? options.anchors.map((a, i) => ({ name: `site ${i + 1}`, lat: a.lat, lon: a.lon, country: a.country, weight: 1, sigmaKm: SITE_SIGMA_KM }))
      : undefined;
  const config = resolveConfig({ now: Date.UTC(2025, 0, 1) });
  const r: BenchResult = benchMatch({
    flows,
    seed,
    ...(anchors ? { anchors } : {}),
    naive: options.naive ?? true,
    repeat: options.repeat ?? 5,
    config,
    // heat by the hour (5.2): half the heat supplies on an industrial profile, 40 % of the heat demands residential
    profiles: withCountryMeans(hotmapsProfileSource()),
  });
  const pass = {
    full_match: r.indexed_ms < TARGETS.full_match_ms,
    naive_ratio: r.ratio === null ? null : r.ratio >= TARGETS.naive_ratio,
    results_equal: r.equal,
    incremental_median: r.incremental_median_ms < TARGETS.incremental_median_ms,
  };
  return {
    workload: {
      description: anchors
        ? `${flows} synthetic flows around ${anchors.length} real sites (sigma ${SITE_SIGMA_KM} km; 15 % regional, sigma 60 km), seed ${seed}; types, quantities, schedules, prices and precision as main/matching/synthetic.ts`
        : r.workload,
      flows: r.flows,
      active_flows: r.active_flows,
      anchors: anchors?.length ?? null,
      seed,
      config: 'defaults (top 20, 2 per partner organization, fallback on), now = 2025-01-01',
    },
    flows: r.flows,
    full_match_ms: round(r.indexed_ms),
    full_match_runs_ms: r.indexed_runs_ms.map((x) => round(x)),
    // The first run of the process maps its memory fresh (first-touch page faults: ~13 us per 4 KiB
    // page on the benchmark VM); later runs reuse it. The app's full re-match runs in a fresh
    // worker thread, so a user's run is like this one (plus building the index).
    full_match_first_run_ms: round(r.indexed_runs_ms[0]!),
    full_match_phases_ms: { candidates: round(r.indexed_phases_ms.candidates), ranking: round(r.indexed_phases_ms.ranking), fallback: round(r.indexed_phases_ms.fallback) },
    full_match_cpu_ms: round(r.indexed_cpu_ms),
    naive_ms: r.naive_ms === null ? null : round(r.naive_ms),
    naive_sampled: false,
    ratio: r.ratio === null ? null : round(r.ratio),
    results_equal: r.equal,
    incremental_median_ms: round(r.incremental_median_ms, 3),
    incremental_p95_ms: round(r.incremental_p95_ms, 3),
    incremental_samples: r.incremental_samples,
    pairs_examined: r.pairs_examined_indexed,
    pairs_skipped_by_bound: r.pairs_skipped_indexed,
    pairs_examined_naive: r.pairs_examined_naive,
    matches: r.matches,
    relaxed_matches: r.relaxed_matches,
    fallback_flows: r.fallback_flows,
    index_build_ms: round(r.index_build_ms),
    records_ms: round(r.records_ms),
    // the global share is a reported figure, not a target (domain.md 5.3); per type of the supply
    routes: {
      automated_share: round(r.routes.automated_share, 3),
      reasons: r.routes.reasons,
      by_type: Object.fromEntries(
        Object.entries(r.routes.by_type).map(([type, t]) => [
          type,
          { matches: t.matches, automated: t.automated, automated_share: round(t.automated_share, 3), reasons: Object.fromEntries(Object.entries(t.reasons).filter(([, n]) => n > 0)) },
        ]),
      ),
    },
    targets: {
      full_match_ms: { target: `< ${TARGETS.full_match_ms}`, value: round(r.indexed_ms), pass: pass.full_match },
      naive_ratio: { target: `>= ${TARGETS.naive_ratio}`, value: r.ratio === null ? null : round(r.ratio), pass: pass.naive_ratio },
      results_equal: { target: true, value: r.equal, pass: pass.results_equal },
      incremental_median_ms: { target: `< ${TARGETS.incremental_median_ms}`, value: round(r.incremental_median_ms, 3), pass: pass.incremental_median },
    },
    pass: pass.full_match && pass.naive_ratio !== false && pass.results_equal !== false && pass.incremental_median,
  };
}
