/**
 * The Node-side core that every runtime mode hosts (Electron main, browser host, command line):
 * the repository over the local graph and the services built on it.
 */
import type { ApiContext } from './api/trpc.ts';
import { Repository } from './db/repository.ts';
import { ImportJobs } from './portfolio/import-jobs.ts';
import { MatchService } from './portfolio/match-service.ts';

export interface Core {
  repo: Repository;
  imports: ImportJobs;
  matching: MatchService;
  close(): Promise<void>;
}

export interface CoreOptions {
  /** The matching worker's entry (the Electron bundle has its own built file). */
  matchWorkerUrl?: URL;
}

export async function openCore(databasePath: string, options: CoreOptions = {}): Promise<Core> {
  const repo = await Repository.open(databasePath);
  const matching = new MatchService(repo, options.matchWorkerUrl);
  return { repo, imports: new ImportJobs(repo, () => matching.invalidate()), matching, close: () => repo.close() };
}

export function contextFor(core: Core, options: { actor?: string; updates?: ApiContext['updates'] } = {}): ApiContext {
  return { repo: core.repo, imports: core.imports, matching: core.matching, actor: options.actor ?? 'local user', updates: options.updates };
}
