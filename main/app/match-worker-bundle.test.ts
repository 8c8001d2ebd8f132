// The desktop bundle's matching worker: built by scripts/build-electron.mjs and run as Electron's
// main process would run it (a worker thread on the bundled file, no tsx loader).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { buildElectron } from '../../scripts/build-electron.mjs';
import { loadDemoPortfolio } from '../interchange/demo.ts';
import { canonicalQuantity } from '../db/entities.ts';
import { toMatchFlow } from '../matching/input.ts';
import { matchAll } from '../matching/engine.ts';
import { resolveConfig } from '../matching/config.ts';
import { hotmapsProfileSource } from '../data/profile-source.ts';
import type { PlanRun } from '../matching/service/regional-plan.ts';
import { MatchWorkerClient } from '../matching/service/match-worker-client.ts';
import { annuityFactor } from '../matching/finance.ts';
import type { EngineMatch } from '../matching/match.ts';

// Inside the repository's out/ (as in the packaged app, out/app beside node_modules): the bundle
// leaves packages that load files from their own folder (highs.wasm) to node_modules.
const OUT = fileURLToPath(new URL('../../out/', import.meta.url));
mkdirSync(OUT, { recursive: true });
const outDir = mkdtempSync(join(OUT, 'test-worker-bundle-'));
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
  const config = resolveConfig(query);
  const pricing = { annuity: annuityFactor(config.economics.discount_rate, config.economics.horizon_years), maintenance_rate: config.economics.maintenance_rate };
  const client = new MatchWorkerClient(pathToFileURL(outputs.matchWorker));
  const fromWorker: { result?: { matches: EngineMatch[] }; plan?: PlanRun } = {};
  try {
    await client.call({ kind: 'run', flows, query, held: [], objective: 'npv', pricing, engineRecords: true }, { matches: (_rows, _stats, matches) => (fromWorker.result = { matches: matches! }), plan: (plan) => (fromWorker.plan = plan) });
  } finally {
    await client.close();
  }
  assert.ok(fromWorker.result && fromWorker.plan, 'the worker answered with matches and a plan');
  // the bundle reads the Hotmaps profiles from its own assets and runs HiGHS from node_modules
  const inProcess = matchAll({ flows, profiles: hotmapsProfileSource() }, resolveConfig(query));
  assert.ok(inProcess.matches.length > 0);
  assert.deepEqual(fromWorker.result.matches, inProcess.matches);
  assert.ok(fromWorker.plan.summary.members > 0, 'the worker made the regional plan');
  assert.equal(fromWorker.plan.summary.gap, 0);
});
