/**
 * The first results of a full run, before every match is built: the `n` best matches of a ranked
 * run (rankAll), as full records. Ranking prices and filters every pair already; building the
 * records of all of them (materialise) is what takes most of a large run. A user who clicked
 * "Run matching" sees these first, and they are exactly the first `n` records the full run
 * returns: same pairs, same order (compareMatches), same figures (buildMatch).
 */
import type { FlowTable } from './table.ts';
import { buildMatch, type EngineMatch } from './match.ts';
import { compareMatches, type Ranked } from './pipeline.ts';

/** Whether kept pair `a` comes before kept pair `b` in the output order (score, then ids). */
function before(table: FlowTable, r: Ranked, a: number, b: number): boolean {
  const { pairs } = r;
  if (pairs.score[a] !== pairs.score[b]) return pairs.score[a]! > pairs.score[b]!;
  const sa = table.flows[pairs.s[a]!]!.id;
  const sb = table.flows[pairs.s[b]!]!.id;
  if (sa !== sb) return sa < sb;
  return table.flows[pairs.d[a]!]!.id < table.flows[pairs.d[b]!]!.id;
}

/** The `n` best matches of a ranked run, best first, built as the full run builds them. */
export function bestMatches(table: FlowTable, r: Ranked, n: number): EngineMatch[] {
  const { pairs, rankS, rankD, ctx } = r;
  // the best n kept pairs so far, best first: a sorted insert, cheap for the few dozen a preview shows
  const best: number[] = [];
  for (let p = 0; p < pairs.length; p++) {
    if (rankS[p] === 0 && rankD[p] === 0) continue;
    if (best.length === n && !before(table, r, p, best[n - 1]!)) continue;
    let at = best.length;
    while (at > 0 && before(table, r, p, best[at - 1]!)) at--;
    best.splice(at, 0, p);
    if (best.length > n) best.pop();
  }
  const out = best.map((p) => buildMatch(table.cols, table.flows[pairs.s[p]!]!, table.flows[pairs.d[p]!]!, ctx.th, ctx.ec, ctx.scale, { supply: rankS[p]! || null, demand: rankD[p]! || null }));
  // the stored score is the record's own (buildMatch recomputes it): order by that, as the run does
  return out.sort(compareMatches);
}
