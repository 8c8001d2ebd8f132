import highsModule from 'highs';
const load = (highsModule as any).default ?? highsModule;
const highs = await load();
const inf = highs.infinity;
function mk() {
  return highs.createModel({ numCols: 4, numRows: 3, sense: highs.constants.objectiveSense.maximize, offset: 0,
    colCost: [7.359/8, 2.874/8, -2.119/8, -1.485/8], colLower: [0,0,0,0], colUpper: [0.94, 1, 1, 1],
    rowLower: [-inf,-inf,-inf], rowUpper: [0,0,1],
    matrix: { format: 'csr', numRows: 3, numCols: 4, starts: [0,2,4,6], indices: [0,2,1,3,0,1], values: [1,-0.94,1,-1,0.832/2.281,1.891/2.281] },
    integrality: [0,0,1,1] });
}
const variants: Record<string, any> = {
  base: {},
  nofj: { mip_heuristic_run_feasibility_jump: false },
  nosym: { mip_detect_symmetry: false },
  noheur: { mip_heuristic_effort: 0, mip_heuristic_run_feasibility_jump: false },
  nopresolve: { presolve: 'off' },
  all: { mip_heuristic_run_feasibility_jump: false, mip_detect_symmetry: false, mip_heuristic_effort: 0 },
};
for (const [name, opts] of Object.entries(variants)) {
  const ts: string[] = [];
  for (let i = 0; i < 6; i++) {
    const m = mk();
    m.options.set({ output_flag: false, random_seed: 0, mip_rel_gap: 0, time_limit: 10, ...opts });
    const t = performance.now();
    m.run();
    ts.push((performance.now() - t).toFixed(1));
    m.dispose();
  }
  console.log(name, ts.join(' '));
}
// createModel cost
let t = performance.now();
for (let i = 0; i < 100; i++) mk().dispose();
console.log('create+dispose x100', (performance.now() - t).toFixed(1));
