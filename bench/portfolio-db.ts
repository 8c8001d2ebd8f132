/**
 * The benchmark portfolio as a user has it: the synthetic flows of `turash bench match` (synthetic.ts
 * expanded around the Hotmaps sites, heat on Hotmaps hourly profiles) written to a real SQLite
 * database through the repository's import, so the whole-process, UI and API benchmarks load,
 * match and list exactly what a user's `turash match --db p.db` would.
 *
 * The engine's flat view (MatchFlow) is turned back into interchange records by
 * main/portfolio/synthetic-document.ts. Written once per process for a given size and seed
 * (memoized), then copied.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCore } from '../main/core.ts';
import type { Anchor } from '../main/matching/synthetic.ts';
import { syntheticDocument } from '../main/portfolio/synthetic-document.ts';
import { loadBenchAnchors } from '../main/cli/bench-anchors.ts';
import { SITE_SIGMA_KM } from './match.ts';

export interface PortfolioDb {
  /** The imported portfolio, never matched: copy it, do not write to it. */
  path: string;
  folder: string;
  flows: number;
  seed: number;
  import_ms: number;
  bytes: number;
  description: string;
}

const made = new Map<string, Promise<PortfolioDb>>();

/** The 50,000-flow (or `flows`) portfolio in a SQLite file of a fresh temp folder, once per process. */
export function portfolioDb(options: { flows: number; seed?: number; hotmaps?: string }): Promise<PortfolioDb> {
  const seed = options.seed ?? 42;
  const key = `${options.flows}:${seed}:${options.hotmaps ?? ''}`;
  let p = made.get(key);
  if (!p) {
    p = writePortfolioDb(options.flows, seed, options.hotmaps);
    made.set(key, p);
  }
  return p;
}

async function writePortfolioDb(n: number, seed: number, hotmaps: string | undefined): Promise<PortfolioDb> {
  const source = loadBenchAnchors(hotmaps);
  const anchors: Anchor[] = source.sites.map((a, i) => ({ name: `site ${i + 1}`, lat: a.lat, lon: a.lon, country: a.country, weight: 1, sigmaKm: SITE_SIGMA_KM }));
  const doc = syntheticDocument({ flows: n, seed, anchors, heatProfiles: true });
  const folder = mkdtempSync(join(tmpdir(), 'turash-bench-portfolio-'));
  // hundreds of MB once matched: gone when the benchmark process ends
  process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
  const path = join(folder, 'portfolio.db');
  const core = await openCore(path);
  const t0 = performance.now();
  try {
    await core.repo.importDocument(doc);
  } finally {
    await core.close();
  }
  return {
    path,
    folder,
    flows: n,
    seed,
    import_ms: Math.round(performance.now() - t0),
    bytes: databaseBytes(path),
    description: `${n.toLocaleString('en')} synthetic flows around ${anchors.length} Hotmaps sites (${doc.sites.length} sites, ${doc.organizations.length} organizations), heat on Hotmaps hourly profiles, seed ${seed}, imported into SQLite`,
  };
}

/** The database's bytes on disk: the file and its WAL (a checkpoint may not have run yet). */
export function databaseBytes(path: string): number {
  let total = 0;
  for (const f of [path, `${path}-wal`]) if (existsSync(f)) total += statSync(f).size;
  return total;
}

/** A private copy of the portfolio (the file and any WAL beside it) to run a process on. */
export function copyDatabase(from: string, to: string): string {
  copyFileSync(from, to);
  for (const suffix of ['-wal', '-shm']) if (existsSync(from + suffix)) copyFileSync(from + suffix, to + suffix);
  return to;
}
