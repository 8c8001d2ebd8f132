/**
 * The matcher's flow table: every flow compiled once (compiled.ts), organizations and countries
 * interned to small integers, ids to table positions. Positions are never reused, so a removed
 * flow leaves an inactive slot behind (it fails the status constraint like a paused one).
 */
import { compileFlow, type CompiledFlow } from './compiled.ts';
import { checkMatchFlow, type MatchFlow, type MatchInput } from './input.ts';

export class FlowTable {
  readonly flows: CompiledFlow[] = [];
  readonly byId = new Map<string, number>();
  private readonly orgs = new Map<string, number>();
  private readonly countries = new Map<string, number>();

  constructor(input: MatchInput) {
    for (const f of input.flows) {
      if (this.byId.has(f.id)) throw new Error(`flow ${f.id} appears twice in the input`);
      this.upsert(f);
    }
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
    const compiled = compileFlow(f, idx, this.intern(this.orgs, f.organization_id), this.intern(this.countries, f.country), idx);
    this.flows[idx] = compiled;
    this.byId.set(f.id, idx);
    return compiled;
  }

  /** Removes a flow; returns its (now inactive) slot, or undefined when unknown. */
  remove(id: string): CompiledFlow | undefined {
    const idx = this.byId.get(id);
    if (idx === undefined) return undefined;
    const f = this.flows[idx]!;
    f.active = false;
    this.byId.delete(id);
    return f;
  }
}
