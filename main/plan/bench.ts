/**
 * The plan benchmark (quality.md "The plan"): solve the synthetic portfolio of syntheticPlan() and
 * report the time (wall and CPU of this process), components, the largest component, the gap and
 * the ratio to the one-to-one greedy pick.
 *
 *   node --import tsx main/plan/bench.ts [--flows 50000] [--seed 1] [--neighbours 6] [--objective npv] [--time 20] [--gap 1e-4] [--json]
 */
import { pathToFileURL } from 'node:url';
import type { PlanObjective, PlanResult } from './model.ts';
import { solvePlan } from './solve.ts';
import { syntheticPlan } from './synthetic.ts';

export interface PlanBenchOptions {
  flows: number;
  seed: number;
  neighbours?: number;
  objective?: PlanObjective;
  timeLimitSec?: number;
  relGap?: number;
}

export interface PlanBench {
  workload: { flows: number; hourly_flows: number; candidates: number; hourly_candidates: number; seed: number; generate_ms: number };
  wall_ms: number;
  cpu_ms: number;
  result: Omit<PlanResult, 'members'> & { members: number };
  vs_greedy: number;
}

export async function benchPlan(o: PlanBenchOptions): Promise<PlanBench> {
  const g0 = performance.now();
  const p = syntheticPlan({ flows: o.flows, seed: o.seed, neighbours: o.neighbours });
  const generate = performance.now() - g0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await solvePlan(p.flows, p.candidates, { objective: o.objective ?? 'npv', timeLimitSec: o.timeLimitSec, relGap: o.relGap });
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const { members, ...rest } = r;
  return {
    workload: { flows: p.flows.length, hourly_flows: p.hourlyFlows, candidates: p.candidates.length, hourly_candidates: p.hourlyCandidates, seed: o.seed, generate_ms: generate },
    wall_ms: wall,
    cpu_ms: (cpu.user + cpu.system) / 1000,
    result: { ...rest, members: members.length },
    vs_greedy: r.greedy_value !== 0 ? r.objective_value / r.greedy_value : NaN,
  };
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const b = await benchPlan({
    flows: Number(arg('flows', '50000')),
    seed: Number(arg('seed', '1')),
    neighbours: Number(arg('neighbours', '6')),
    objective: arg('objective', 'npv') as PlanObjective,
    timeLimitSec: Number(arg('time', '20')),
    relGap: process.argv.includes('--gap') ? Number(arg('gap', '0.0001')) : undefined,
  });
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(b, null, 2));
  } else {
    const r = b.result;
    const w = b.workload;
    console.log(`plan of ${w.flows} flows (${w.hourly_flows} hourly), ${w.candidates} candidates (${w.hourly_candidates} hourly), seed ${w.seed}`);
    console.log(`  solve ${(b.wall_ms / 1000).toFixed(2)} s wall, ${(b.cpu_ms / 1000).toFixed(2)} s CPU (inputs generated in ${(w.generate_ms / 1000).toFixed(1)} s)`);
    console.log(`  components ${r.components}, largest ${r.largest_component} candidates; status ${r.status} ${JSON.stringify(r.component_status)}`);
    console.log(`  objective ${r.objective_value.toExponential(6)}, bound ${r.bound.toExponential(6)}, gap ${(r.gap * 100).toFixed(4)} %`);
    console.log(`  greedy ${r.greedy_value.toExponential(6)}: plan / greedy = ${b.vs_greedy.toFixed(4)}`);
    console.log(`  members ${r.members}, rounds ${r.rounds}, hour rows added ${r.rows_added}, maximality ${r.maximality_added}`);
    console.log(`  in HiGHS ${(r.solver_ms / 1000).toFixed(2)} s, hourly() calls ${r.hourly_calls}`);
    for (const n of r.notes.slice(0, 10)) console.log(`  note: ${n}`);
  }
}
