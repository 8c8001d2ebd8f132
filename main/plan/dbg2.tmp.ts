import highsModule from 'highs';
const load = (highsModule as any).default ?? highsModule;
const highs = await load();
const m = highs.createModel();
for (const n of ['mip_lifting_for_probing','mip_heuristic_effort','mip_detect_symmetry','mip_feasibility_tolerance','primal_feasibility_tolerance','mip_abs_gap','mip_rel_gap','small_matrix_value', 'mip_pool_soft_limit', 'mip_allow_restart']) console.log(JSON.stringify(m.options.describe(n)));
