/**
 * A browser host (`startHost`) on a fresh temporary database, for end-to-end tests. The database
 * is seeded with the demo portfolio (real Hotmaps sites of the Rhine-Ruhr plus labelled synthetic
 * records) unless told otherwise. The renderer must have been built first
 * (`npx vite build --config renderer/vite.config.ts`).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCore, type Core } from '../../main/core.ts';
import type { Repository } from '../../main/db/repository.ts';
import { startHost, type RunningHost } from '../../main/host/server.ts';
import { loadDemoPortfolio } from '../../main/interchange/demo.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const RENDERER_DIR = join(REPO_ROOT, 'out', 'renderer');

/** Throws a clear message when the renderer has not been built. */
export function assertRendererBuilt(rendererDir = RENDERER_DIR): void {
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new Error(
      `the renderer is not built: ${join(rendererDir, 'index.html')} is missing. Run "npx vite build --config renderer/vite.config.ts" first.`,
    );
  }
}

export interface TestHost {
  core: Core;
  repo: Repository;
  host: RunningHost;
  dir: string;
  dbPath: string;
  close(): Promise<void>;
}

export async function startTestHost(options: { seed?: 'demo' | 'empty' | ((repo: Repository) => Promise<unknown>); token?: string } = {}): Promise<TestHost> {
  assertRendererBuilt();
  const dir = await mkdtemp(join(tmpdir(), 'turash-e2e-'));
  const dbPath = join(dir, 'turash.db');
  const core = await openCore(dbPath);
  try {
    const seed = options.seed ?? 'demo';
    if (seed === 'demo') await core.repo.importDocument(loadDemoPortfolio());
    else if (typeof seed === 'function') await seed(core.repo);
    const host = await startHost({ core, port: 0, rendererDir: RENDERER_DIR, ...(options.token ? { token: options.token } : {}) });
    return {
      core,
      repo: core.repo,
      host,
      dir,
      dbPath,
      close: async () => {
        await host.close();
        await core.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await core.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
