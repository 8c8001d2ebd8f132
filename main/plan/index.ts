/**
 * The regional plan (domain.md 5.1, docs/plan.md): a mixed-integer allocation of every flow's
 * capacity among its candidates, solved with HiGHS. Pure: no database, no file I/O.
 */
export * from './model.ts';
export { solvePlan } from './solve.ts';
export { resetHighsRuntime } from './highs.ts';
