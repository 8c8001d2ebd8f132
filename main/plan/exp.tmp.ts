import { resolveConfig } from '../matching/config.ts';
import { Matcher } from '../matching/engine.ts';
import { withCountryMeans } from '../matching/hourly/source.ts';
import { planInput } from '../matching/plan-input.ts';
import { syntheticPortfolio, type Anchor } from '../matching/synthetic.ts';
import { hotmapsProfileSource } from '../data/profile-source.ts';
import { loadBenchAnchors } from '../cli/bench-anchors.ts';
import { solvePlan } from './solve.ts';
import { SITE_SIGMA_KM } from '../../bench/match.ts';
const a = loadBenchAnchors();
const anchors: Anchor[] = a.sites.map((x: any, i: number) => ({ name: `site ${i + 1}`, lat: x.lat, lon: x.lon, country: x.country, weight: 1, sigmaKm: SITE_SIGMA_KM }));
const config = resolveConfig({ now: Date.UTC(2025, 0, 1) });
const flows = syntheticPortfolio({ flows: Number(process.env.N ?? 50000), seed: 42, anchors, heatProfiles: true });
const matcher = new Matcher({ flows, profiles: withCountryMeans(hotmapsProfileSource()) });
const result = matcher.matchAll(config);
const input = planInput(matcher, result.matches, config);
console.log('input', input.flows.length, input.candidates.length);
// component stats
const idx = new Map(input.flows.map((f, i) => [f.id, i]));
const parent = input.flows.map((_, i) => i);
const find = (x: number): number => { while (parent[x] !== x) { parent[x] = parent[parent[x]!]!; x = parent[x]!; } return x; };
const ok = input.candidates.filter(c => c.coef.npv.unit > 0 && c.coef.npv.fixed + c.coef.npv.unit > 0);
for (const c of ok) { const p = find(idx.get(c.supply)!), q = find(idx.get(c.demand)!); if (p !== q) parent[p] = q; }
const sizes = new Map<number, number>(); const hz = new Map<number, number>();
for (const c of ok) { const r = find(idx.get(c.supply)!); sizes.set(r, (sizes.get(r) ?? 0) + 1); if (c.hourly) hz.set(r, (hz.get(r) ?? 0) + 1); }
const arr = [...sizes.entries()].sort((x, y) => y[1] - x[1]);
console.log('plannable', ok.length, 'components', arr.length, 'top', arr.slice(0, 10).map(([r, s]) => `${s}/${hz.get(r) ?? 0}h`).join(' '));
const byType = new Map<string, number>();
const root = arr[0]![0];
const fl = new Map(flows.map(f => [f.id, f]));
for (const c of ok) if (find(idx.get(c.supply)!) === root) { const t = (fl.get(c.supply) as any)?.type ?? '?'; byType.set(t, (byType.get(t) ?? 0) + 1); }
console.log('giant by type', [...byType]);
if (process.env.SOLVE) {
  const c0 = process.cpuUsage(); const t0 = performance.now();
  const r = await solvePlan(input.flows, input.candidates, { objective: 'npv', timeLimitSec: Number(process.env.T ?? 20), onProgress: (p) => { if (p.done === p.total || p.done % 50 === 0 || p.phase !== 'solve' || p.done < 5) console.log('progress', p.phase, p.done, p.total, p.elapsed_ms.toFixed(0)); } });
  const c = process.cpuUsage(c0);
  const { members, ...rest } = r;
  console.log('wall', (performance.now() - t0).toFixed(0), 'cpu', ((c.user + c.system) / 1000).toFixed(0), JSON.stringify({ ...rest, members: members.length }, null, 1));
}
if (process.env.HCOST) {
  const hs = input.candidates.filter(c => c.hourly);
  let t = performance.now();
  for (const c of hs.slice(0, 300)) c.hourly!();
  console.log('lead hourly() ms per call', ((performance.now() - t) / 300).toFixed(3));
}
