import { syntheticPlan } from './synthetic.ts';
import { solvePlan } from './solve.ts';
const p = syntheticPlan({ flows: 50000, seed: 1, neighbours: 4 });
const idx = new Map(p.flows.map((f, i) => [f.id, i]));
const parent = p.flows.map((_, i) => i);
const find = (a: number): number => { while (parent[a] !== a) { parent[a] = parent[parent[a]!]!; a = parent[a]!; } return a; };
for (const c of p.candidates) { const a = find(idx.get(c.supply)!), b = find(idx.get(c.demand)!); if (a !== b) parent[a] = b; }
const groups = new Map<number, typeof p.candidates>();
for (const c of p.candidates) { const r = find(idx.get(c.supply)!); if (!groups.has(r)) groups.set(r, []); groups.get(r)!.push(c); }
const arr = [...groups.entries()].filter(([, g]) => g.length >= Number(process.argv[2]) && g.length <= Number(process.argv[3]) && (process.argv[4] !== 'h' || g.some(c => c.hourly)));
console.log(arr.length, 'components');
for (const [root, cands] of arr.slice(0, Number(process.argv[5] ?? 8))) {
  const fl = p.flows.filter((f, i) => find(i) === root);
  const t = performance.now(); const cpu0 = process.cpuUsage();
  const r = await solvePlan(fl, cands, { objective: 'npv', timeLimitSec: 30 });
  const cpu = process.cpuUsage(cpu0); (r as any).cpu = ((cpu.user + cpu.system) / 1000).toFixed(0);
  console.log(cands.length, cands.filter(c => c.hourly).length, 'h', fl.length, 'flows', 'cpu', (r as any).cpu, 'hs', r.solver_ms.toFixed(0), r.status, 'gap', r.gap.toExponential(2), 'rounds', r.rounds, 'rows+', r.rows_added, 'max', r.maximality_added, (r.objective_value/r.greedy_value).toFixed(3));
}
