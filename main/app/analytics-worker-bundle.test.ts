// The desktop bundle's graph analytics worker: built by scripts/build-electron.mjs and run as
// Electron's main process runs it (a worker thread on the bundled file, no tsx loader), over a
// real SQLite file after a matching run on the demo portfolio.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { buildElectron } from '../../scripts/build-electron.mjs';
import { Repository } from '../db/repository.ts';
import { loadDemoPortfolio } from '../interchange/demo.ts';
import { computeSuggestions } from '../matching/service/analytics.ts';
import { AnalyticsWorkers } from '../matching/service/analytics-worker-client.ts';
import { MatchService } from '../matching/service/match-service.ts';

// Inside the repository's out/, as in the packaged app (out/app beside node_modules).
const OUT = fileURLToPath(new URL('../../out/', import.meta.url));
mkdirSync(OUT, { recursive: true });
const outDir = mkdtempSync(join(OUT, 'test-analytics-bundle-'));
after(() => rmSync(outDir, { recursive: true, force: true }));

test('the bundled analytics worker answers what the in-thread computation answers', async () => {
  const outputs = await buildElectron({ outDir, quiet: true });
  const path = join(outDir, 'a.db');
  const repo = await Repository.open(path);
  const workers = new AnalyticsWorkers(pathToFileURL(outputs.analyticsWorker));
  try {
    await repo.importDocument(loadDemoPortfolio());
    await new MatchService(repo).runAll({ now: '2026-11-24T00:00:00Z' });
    const inThread = await computeSuggestions(repo, { radiusKm: 15 });
    assert.ok(inThread.plan && inThread.network.exchanges > 0);
    assert.deepEqual(await workers.compute(path, { radiusKm: 15 }), inThread);
  } finally {
    await workers.close();
    await repo.close();
  }
});
