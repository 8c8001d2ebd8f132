/**
 * The Node-side core that every runtime mode hosts (Electron main, browser host, command line):
 * the repository over the local graph and the services built on it.
 */
import type { ApiContext } from './api/trpc.ts';
import { Repository } from './db/repository.ts';
import { ImportJobs } from './portfolio/import-jobs.ts';

export interface Core {
  repo: Repository;
  imports: ImportJobs;
  close(): Promise<void>;
}

export async function openCore(databasePath: string): Promise<Core> {
  const repo = await Repository.open(databasePath);
  return { repo, imports: new ImportJobs(repo), close: () => repo.close() };
}

export function contextFor(core: Core, actor = 'local user'): ApiContext {
  return { repo: core.repo, imports: core.imports, actor };
}
