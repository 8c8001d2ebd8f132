/**
 * First run: a fresh database gets the demo portfolio (real Hotmaps sites of one region plus
 * clearly labelled synthetic demand), so a newcomer sees something to work with. Seeding happens
 * once per database: a user who deletes the demo data does not get it back on the next start.
 */
import type { ImportSummary, Repository } from '../db/repository.ts';
import { loadDemoPortfolio } from '../interchange/demo.ts';

const SEEDED = 'demo.seeded';

export async function seedDemoPortfolioOnce(repo: Repository): Promise<ImportSummary | undefined> {
  if (await repo.getSetting(SEEDED)) return undefined;
  const counts = await repo.counts();
  let summary: ImportSummary | undefined;
  if (counts.organizations === 0) summary = await repo.importDocument(loadDemoPortfolio());
  await repo.setSetting(SEEDED, new Date().toISOString());
  return summary;
}
