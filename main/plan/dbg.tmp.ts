import { syntheticPlan } from './synthetic.ts';
const N = Number(process.argv[2] ?? 50000);
let t = performance.now();
const p = syntheticPlan({ flows: N, seed: 1, neighbours: Number(process.argv[3] ?? 4) });
console.log('gen ms', (performance.now() - t).toFixed(0), 'flows', p.flows.length, 'hourly flows', p.hourlyFlows, 'cands', p.candidates.length, 'hourly cands', p.hourlyCandidates);
// components
const idx = new Map(p.flows.map((f, i) => [f.id, i]));
const parent = p.flows.map((_, i) => i);
const find = (a: number): number => { while (parent[a] !== a) { parent[a] = parent[parent[a]!]!; a = parent[a]!; } return a; };
for (const c of p.candidates) { const a = find(idx.get(c.supply)!), b = find(idx.get(c.demand)!); if (a !== b) parent[a] = b; }
const sizes = new Map<number, number>(); const hsz = new Map<number, boolean>();
for (const c of p.candidates) { const r = find(idx.get(c.supply)!); sizes.set(r, (sizes.get(r) ?? 0) + 1); if (c.hourly) hsz.set(r, true); }
const arr = [...sizes.entries()].sort((a, b) => b[1] - a[1]);
console.log('components', arr.length, 'top', arr.slice(0, 15).map(([r, s]) => `${s}${hsz.get(r) ? 'h' : ''}`).join(' '));
const hist: Record<string, number> = {};
for (const [, s] of arr) { const b = s === 1 ? '1' : s <= 3 ? '2-3' : s <= 10 ? '4-10' : s <= 100 ? '11-100' : s <= 1000 ? '101-1000' : '>1000'; hist[b] = (hist[b] ?? 0) + 1; }
console.log(hist);
t = performance.now();
let k = 0; for (const c of p.candidates) { if (c.hourly && k++ < 2000) c.hourly(); }
console.log('hourly() us per call', ((performance.now() - t) * 1000 / Math.min(k, 2000)).toFixed(1));
