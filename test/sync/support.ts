/**
 * Helpers of the sync suites: replicas on real SQLite files and a seeded PRNG.
 */
import { join } from 'node:path';
import { Repository } from '../../main/db/repository.ts';
import { LocalReplica } from '../../main/sync/replica.ts';
import { mulberry32 } from '../../main/domain/random.ts';

export async function openReplica(folder: string, name: string): Promise<LocalReplica> {
  return new LocalReplica(await Repository.open(join(folder, `${name}.db`)));
}

/** The project's seeded generator, so a failing run can be replayed with its seed. */
export const prng = mulberry32;

export function pick<T>(random: () => number, items: readonly T[]): T | undefined {
  return items.length ? items[Math.floor(random() * items.length)] : undefined;
}

export function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const poll = async () => {
      try {
        const value = await check();
        if (value) return resolve(value);
      } catch {
        /* not yet */
      }
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(poll, 50);
    };
    void poll();
  });
}
