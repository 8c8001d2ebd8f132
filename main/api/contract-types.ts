/**
 * Types of the API's answers that the renderer names by themselves (the renderer may import
 * types from main/api only: docs/architecture.md). One definition each, in the engine.
 */
export type { HeatCapexView, HeatView } from '../matching/economics.ts';
export type { AllocatedEconomics } from '../matching/plan-input.ts';
