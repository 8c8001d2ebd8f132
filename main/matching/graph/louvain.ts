/**
 * Louvain community detection (graphology-communities-louvain 2.0.2) behind one typed function.
 *
 * Interop note: the package is CommonJS (`module.exports = fn`) but its index.d.ts declares
 * `export default`. Under `module: NodeNext` TypeScript therefore types the default import as the
 * module object ({ default: ILouvain }), while Node/tsx (and esbuild) hand over `fn` itself. The
 * shim below takes `.default` when a bundler provides one and the import itself otherwise, and
 * gives it the package's own type.
 */
import louvainImport from 'graphology-communities-louvain';
import type { Attributes, AbstractGraph } from 'graphology-types';

type LouvainFn = typeof louvainImport.default;

const louvainFn: LouvainFn = ((louvainImport as unknown as { default?: LouvainFn }).default ?? louvainImport) as unknown as LouvainFn;

export interface CommunityOptions {
  /** Seeded PRNG in [0, 1): required, so the same input always gives the same communities. */
  rng: () => number;
  /** Louvain resolution (1 = standard modularity; higher = smaller communities). */
  resolution?: number;
  /** Edge attribute holding the weight (default `weight`). */
  weightAttribute?: string;
}

/** Node key -> community number (0-based). */
export function communities<N extends Attributes, E extends Attributes>(graph: AbstractGraph<N, E>, options: CommunityOptions): Record<string, number> {
  if (graph.size === 0) {
    const out: Record<string, number> = {};
    let i = 0;
    graph.forEachNode((n) => (out[n] = i++));
    return out;
  }
  return louvainFn(graph, {
    rng: options.rng,
    resolution: options.resolution ?? 1,
    getEdgeWeight: options.weightAttribute ?? 'weight',
  });
}
