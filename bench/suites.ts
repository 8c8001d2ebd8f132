/**
 * The benchmark suites of `turash bench [suite]` (quality.md "Performance"). Each suite lives in
 * its own file and is loaded only when asked for; `all` runs every suite in this order. A suite
 * returns a JSON-able report that prints each figure with its workload and its baseline of the
 * same run, as a ratio: never a timed assertion.
 */
import { loadBenchAnchors } from '../main/cli/bench-anchors.ts';

export interface BenchArgs {
  /** --flows (match) or a suite's own size option. */
  flows?: number;
  seed?: number;
  /** --hotmaps: the Hotmaps CSV the matching workload expands around. */
  hotmaps?: string;
  /** A suite's own options from the command line (`turash bench hub --laptops N ...`). */
  options?: Record<string, string | boolean | undefined>;
}

export type BenchSuite = (args: BenchArgs) => Promise<unknown>;

export const BENCH_SUITES: Record<string, BenchSuite> = {
  match: async (args) => {
    const { runMatchBench } = await import('./match.ts');
    const anchors = loadBenchAnchors(args.hotmaps);
    const report = await runMatchBench({ ...(args.flows ? { flows: args.flows } : {}), ...(args.seed !== undefined ? { seed: args.seed } : {}), anchors: anchors.sites });
    return { ...report, anchors: anchors.source };
  },
  plan: async (args) => {
    const { runPlanBench } = await import('./plan.ts');
    const anchors = loadBenchAnchors(args.hotmaps);
    const report = await runPlanBench({ ...(args.flows ? { flows: args.flows } : {}), ...(args.seed !== undefined ? { seed: args.seed } : {}), anchors: anchors.sites });
    return { ...report, anchors: anchors.source };
  },
  // issue 13: what the user waits for (whole processes, the UI's click, the API), on the portfolio in SQLite
  'match-process': async (args) => (await import('./match-process.ts')).runMatchProcessBench({ ...(args.flows ? { flows: args.flows } : {}), ...(args.seed !== undefined ? { seed: args.seed } : {}), ...(args.hotmaps ? { hotmaps: args.hotmaps } : {}) }),
  'ui-click': async (args) => (await import('./ui-click.ts')).runUiClickBench({ ...(args.flows ? { flows: args.flows } : {}), ...(args.seed !== undefined ? { seed: args.seed } : {}), ...(args.hotmaps ? { hotmaps: args.hotmaps } : {}) }),
  'api-latency': async (args) => (await import('./api-latency.ts')).runApiLatencyBench({ ...(args.flows ? { flows: args.flows } : {}), ...(args.seed !== undefined ? { seed: args.seed } : {}), ...(args.hotmaps ? { hotmaps: args.hotmaps } : {}), ...(typeof args.options?.samples === 'string' ? { samples: Number(args.options.samples) } : {}) }),
  opcua: async () => (await import('./opcua.ts')).runOpcUaBench(),
  modbus: async () => (await import('./modbus.ts')).runModbusBench(),
  packet: async () => (await import('./packet.ts')).runPacketBench(),
  ingest: async () => (await import('./ingest.ts')).runIngestBench(),
  sync: async (args) => (await import('./sync.ts')).runSyncBench(args.flows ? { changes: args.flows } : {}),
  hub: async (args) => (await import('./hub-options.ts')).runHubBenchFromCli(args),
};
