// The desktop bundle's matching worker: built by scripts/build-electron.mjs and run as Electron's
// main process would run it (a worker thread on the bundled file, no tsx loader).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { buildElectron } from '../../scripts/build-electron.mjs';
import { loadDemoPortfolio } from '../interchange/demo.ts';
import { canonicalQuantity } from '../db/entities.ts';
import { toMatchFlow } from '../matching/input.ts';
import { matchAll } from '../matching/engine.ts';
import { resolveConfig } from '../matching/config.ts';

const outDir = mkdtempSync(join(tmpdir(), 'turash-worker-bundle-'));
after(() => rmSync(outDir, { recursive: true, force: true }));

test('the bundled matching worker returns what the engine returns in-process', async () => {
  const outputs = await buildElectron({ outDir, quiet: true });
  const demo = loadDemoPortfolio();
  const sites = new Map(demo.sites.map((s) => [s.id, s]));
  const trust = new Map(demo.organizations.map((o) => [o.id, o.trust]));
  const flows = demo.flows.map((flow) => {
    const site = sites.get(flow.site_id)!;
    const { canonical, hours } = canonicalQuantity(flow);
    return toMatchFlow({ ...flow, canonical, hours_per_year: hours }, site, { trust: trust.get(site.organization_id) });
  });
  const query = { now: '2026-11-24T00:00:00Z' };
  const fromWorker = await new Promise<{ ok: boolean; result: ReturnType<typeof matchAll> }>((resolve, reject) => {
    const worker = new Worker(outputs.matchWorker, { workerData: { flows, query } });
    worker.once('message', (m) => (resolve(m), void worker.terminate()));
    worker.once('error', reject);
  });
  assert.equal(fromWorker.ok, true);
  const inProcess = matchAll({ flows }, resolveConfig(query));
  assert.ok(inProcess.matches.length > 0);
  assert.deepEqual(fromWorker.result.matches, inProcess.matches);
});
