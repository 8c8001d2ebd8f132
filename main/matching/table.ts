/**
 * The matcher's flow table: every flow compiled once (compiled.ts), organizations and countries
 * interned to small integers, ids to table positions. Positions are never reused, so a removed
 * flow leaves an inactive slot behind (it fails the status constraint like a paused one).
 */
import { compileFlow, FlowColumns, HOURLY_TYPES, isHazardous, TYPE_CODE, type CompiledFlow } from './compiled.ts';
import { ShapeCache } from './hourly/shapes.ts';
import { NO_PROFILES, withCountryMeans } from './hourly/source.ts';
import { stripHeightDeg } from './index.ts';
import { checkMatchFlow, type MatchFlow, type MatchInput } from './input.ts';

export class FlowTable {
  readonly flows: CompiledFlow[] = [];
  /** The hot fields of `flows`, as typed columns (same positions). */
  readonly cols = new FlowColumns(64);
  readonly byId = new Map<string, number>();
  private readonly orgs = new Map<string, number>();
  private readonly countries = new Map<string, number>();
  /** Hourly shapes of the heat, steam and cooling flows, shared between flows made of the same profile and schedule. */
  readonly shapes: ShapeCache;

  constructor(input: MatchInput) {
    this.shapes = new ShapeCache(withCountryMeans(input.profiles ?? NO_PROFILES));
    const seen = new Set<string>();
    for (const f of input.flows) {
      checkMatchFlow(f);
      if (seen.has(f.id)) throw new Error(`flow ${f.id} appears twice in the input`);
      seen.add(f.id);
    }
    // Positions in the spatial index's own order (direction, type, hazard class, latitude strip of
    // that bucket's height, longitude): the flows one strip returns for a search are then
    // consecutive positions, so the pair evaluator reads each column in sequence instead of one
    // cache line per flow. Positions are internal; the order changes no result. (Flows added
    // later go to the end.)
    const bucket = new Float64Array(input.flows.length);
    input.flows.forEach((f, i) => {
      const supply = f.direction === 'supply';
      const strip = Math.floor((f.lat + 90) / stripHeightDeg(supply, f.type));
      const hazard = (supply ? isHazardous(f) : f.quality.accepts_hazardous === true) ? 1 : 0; // index.ts hazardClass
      bucket[i] = (((supply ? 0 : 16) + TYPE_CODE[f.type]) * 2 + hazard) * 1_000_000 + strip;
    });
    const order = Array.from(input.flows.keys()).sort((a, b) => bucket[a]! - bucket[b]! || input.flows[a]!.lon - input.flows[b]!.lon || a - b);
    for (const i of order) this.upsert(input.flows[i]!);
  }

  get orgCount(): number {
    return this.orgs.size;
  }

  get(id: string): CompiledFlow | undefined {
    const i = this.byId.get(id);
    return i === undefined ? undefined : this.flows[i];
  }

  private intern(map: Map<string, number>, key: string): number {
    let n = map.get(key);
    if (n === undefined) map.set(key, (n = map.size));
    return n;
  }

  /** Adds a flow or replaces the one with its id; returns the compiled form. */
  upsert(f: MatchFlow): CompiledFlow {
    checkMatchFlow(f);
    const idx = this.byId.get(f.id) ?? this.flows.length;
    const shape = HOURLY_TYPES.has(f.type) ? this.shapes.shapeOf(f, f.id) : null;
    const compiled = compileFlow(f, idx, this.intern(this.orgs, f.organization_id), this.intern(this.countries, f.country), idx, shape);
    this.flows[idx] = compiled;
    this.cols.write(idx, compiled);
    this.byId.set(f.id, idx);
    return compiled;
  }

  /** Removes a flow; returns its (now inactive) slot, or undefined when unknown. */
  remove(id: string): CompiledFlow | undefined {
    const idx = this.byId.get(id);
    if (idx === undefined) return undefined;
    const f = this.flows[idx]!;
    f.active = false;
    this.cols.active[idx] = 0;
    this.byId.delete(id);
    return f;
  }
}
