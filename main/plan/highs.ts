/**
 * HiGHS (University of Edinburgh, MIT licence), compiled to WebAssembly by the `highs` package:
 * one lazily loaded runtime, and a session per component that keeps the model in memory while
 * row generation adds rows and solves again.
 *
 * The model goes in as sparse arrays (CSR), not as LP text: no names to sanitise, no number
 * formatting, the values arrive bit for bit. A call that throws (a WebAssembly abort leaves the
 * instance unusable) makes the caller drop the runtime (`resetHighsRuntime`) and rebuild the model
 * on a fresh one.
 */
import highsModule from 'highs';
import type { Highs, Model } from 'highs';

type Loader = () => Promise<Highs>;
// The package's types describe a CommonJS module (default export under `.default`); Node's ESM entry
// (build/highs.mjs) exports the loader itself. Accept both.
const loadHighs: Loader =
  typeof (highsModule as unknown) === 'function' ? (highsModule as unknown as Loader) : (highsModule as unknown as { default: Loader }).default;

let runtime: Promise<Highs> | null = null;

/** The shared runtime, loaded on first use (about 0.1 s). */
export function highsRuntime(): Promise<Highs> {
  if (runtime !== null) return runtime;
  const loading = loadHighs();
  runtime = loading;
  // A failed load is not cached: the next call tries again.
  loading.catch(() => {
    if (runtime === loading) runtime = null;
  });
  return loading;
}

/** Forget the runtime (after an abort, or to give its memory back): the next call loads a fresh one. */
export function resetHighsRuntime(): void {
  runtime = null;
}

/** Rows `sum(value * col) <= upper` in compressed sparse row form. */
export interface RowBlock {
  starts: number[];
  index: number[];
  value: number[];
  upper: number[];
}

export function emptyRows(): RowBlock {
  return { starts: [0], index: [], value: [], upper: [] };
}

export function rowCount(rows: RowBlock): number {
  return rows.upper.length;
}

export interface MipInput {
  numCols: number;
  /** Objective to maximise. */
  cost: Float64Array;
  lower: Float64Array;
  upper: Float64Array;
  /** 1 = integer column. */
  integer: Uint8Array;
  rows: RowBlock;
}

export interface MipOutcome {
  /** `optimal`: within the relative gap; `limit`: stopped (time) with a solution; `none`: no solution. */
  status: 'optimal' | 'limit' | 'none';
  x: Float64Array | null;
  /** Proven upper bound of the maximisation (Infinity when HiGHS has none). */
  dualBound: number;
}

export class MipSession {
  private constructor(
    private readonly highs: Highs,
    private model: Model | null,
  ) {}

  static create(highs: Highs, input: MipInput): MipSession {
    const inf = highs.infinity;
    const numRows = rowCount(input.rows);
    const integrality = new Int32Array(input.numCols);
    for (let j = 0; j < input.numCols; j++) integrality[j] = input.integer[j] ? highs.constants.variableType.integer : 0;
    const model = highs.createModel({
      numCols: input.numCols,
      numRows,
      sense: highs.constants.objectiveSense.maximize,
      offset: 0,
      colCost: input.cost,
      colLower: input.lower,
      colUpper: input.upper,
      rowLower: new Float64Array(numRows).fill(-inf),
      rowUpper: Float64Array.from(input.rows.upper),
      matrix: {
        format: 'csr',
        numRows,
        numCols: input.numCols,
        starts: Int32Array.from(input.rows.starts),
        indices: Int32Array.from(input.rows.index),
        values: Float64Array.from(input.rows.value),
      },
      integrality,
    });
    try {
      model.options.set({
        output_flag: false,
        // The rows are scaled to a right-hand side of 1, so these are relative to the capacity.
        primal_feasibility_tolerance: 1e-9,
        mip_feasibility_tolerance: 1e-9,
        random_seed: 0,
        // Feasibility jump costs tens of milliseconds even on a 4-column model; the greedy start
        // already gives every solve an incumbent.
        mip_heuristic_run_feasibility_jump: false,
      });
    } catch (error) {
      model.dispose();
      throw error;
    }
    return new MipSession(highs, model);
  }

  addRows(rows: RowBlock): void {
    const model = this.live();
    const n = rowCount(rows);
    if (n === 0) return;
    model.addRows({
      lower: new Float64Array(n).fill(-this.highs.infinity),
      upper: Float64Array.from(rows.upper),
      matrix: {
        format: 'csr',
        numRows: n,
        numCols: model.getDimensions().numCols,
        starts: Int32Array.from(rows.starts),
        indices: Int32Array.from(rows.index),
        values: Float64Array.from(rows.value),
      },
    });
  }

  /**
   * Solves the MIP; `start` (a feasible point) is offered as the first incumbent. Stops at
   * `hardSec`, or from `softSec` on as soon as the solver has a bound better than its trivial one
   * (the root LP is solved), so that a short budget still yields a useful bound.
   */
  run(softSec: number, hardSec: number, relGap: number, start: Float64Array | null): MipOutcome {
    const model = this.live();
    const c = this.highs.constants;
    model.options.set({ time_limit: Math.max(0.001, hardSec), mip_rel_gap: relGap });
    model.zeroAllClocks();
    if (start) model.setSolution({ colValue: start });
    const { modelStatus } = model.run({
      [c.callbackType.mipInterrupt]: (event) => {
        const d = event.data;
        if (
          (d.running_time ?? 0) >= softSec &&
          (d.mip_total_lp_iterations ?? 0n) > 0n &&
          Number.isFinite(d.mip_dual_bound ?? NaN) &&
          Number.isFinite(d.mip_primal_bound ?? NaN)
        ) {
          event.interrupt();
        }
      },
    });
    const primal = Number(model.info.get('primal_solution_status'));
    let dualBound = Number(model.info.get('mip_dual_bound'));
    if (!Number.isFinite(dualBound)) dualBound = Infinity;
    const hasSolution = primal === c.solutionStatus.feasible;
    const x = hasSolution ? model.getSolution().colValue : null;
    if (modelStatus === c.modelStatus.optimal && x) {
      // Proven within the gap: the bound is at least the incumbent's objective (and at most the gap
      // above it when HiGHS reports none, e.g. a model presolve solved outright).
      const objective = model.getObjectiveValue();
      const bound = dualBound === Infinity ? objective + relGap * Math.abs(objective) + 1e-6 : dualBound;
      return { status: 'optimal', x, dualBound: Math.max(bound, objective) };
    }
    if (
      modelStatus === c.modelStatus.infeasible ||
      modelStatus === c.modelStatus.unbounded ||
      modelStatus === c.modelStatus.unboundedOrInfeasible ||
      modelStatus === c.modelStatus.modelError ||
      modelStatus === c.modelStatus.loadError ||
      modelStatus === c.modelStatus.solveError ||
      modelStatus === c.modelStatus.presolveError ||
      modelStatus === c.modelStatus.postsolveError
    ) {
      // x = 0 is always feasible and every column is bounded: these mean the solver went wrong.
      throw new Error(`HiGHS ended with model status ${modelStatus}`);
    }
    return { status: x ? 'limit' : 'none', x, dualBound };
  }

  dispose(): void {
    try {
      this.model?.dispose();
    } catch {
      // A runtime left unusable by an abort cannot free anything; it is dropped anyway.
    }
    this.model = null;
  }

  private live(): Model {
    if (this.model === null) throw new Error('MIP session already disposed');
    return this.model;
  }
}
