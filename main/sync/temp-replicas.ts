/**
 * Test support: local replicas on real SQLite files in a temporary folder, closed and removed
 * after the test file. Call at a test file's top level (it registers the `after` hook there).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { Repository } from '../db/repository.ts';
import { LocalReplica } from './replica.ts';

/** A factory of fresh replicas, each on its own database file named `<prefix><n>.db`. */
export function tempReplicas(prefix: string): () => Promise<LocalReplica> {
  const folder = mkdtempSync(join(tmpdir(), `turash-${prefix}-`));
  const open: Repository[] = [];
  after(async () => {
    for (const repo of open) await repo.close();
    rmSync(folder, { recursive: true, force: true });
  });
  let n = 0;
  return async () => {
    const repo = await Repository.open(join(folder, `${prefix}${n++}.db`));
    open.push(repo);
    return new LocalReplica(repo);
  };
}
