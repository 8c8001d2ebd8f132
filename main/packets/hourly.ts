/**
 * The hour-by-hour series of a heat, steam or cooling match for the packet's chart: the engine's
 * own hourly computation (matching/engine.ts `heatSeries`, the Hotmaps method of domain.md 5.2)
 * on the match's two flows as stored, with the bundled Hotmaps profiles.
 *
 * The series is recomputed from the flows, so it is only put in a packet when it reproduces the
 * stored match: the delivered energy of the series must equal the stored figure. A flow edited
 * since the match was priced (or a match priced with a what-if configuration) gets no chart rather
 * than a chart that contradicts the packet's numbers.
 */
import { hotmapsProfileSource } from '../data/profile-source.ts';
import type { MatchRecord } from '../db/matches.ts';
import type { Repository } from '../db/repository.ts';
import { resolveConfig } from '../matching/config.ts';
import { heatSeries, Matcher } from '../matching/engine.ts';
import { toMatchFlow } from '../matching/input.ts';
import type { PacketHourly } from './bundle.ts';

const PROFILES = hotmapsProfileSource();

/** MW to 10 W: the bundle stays about 200 kB for a year of three series. */
const round = (mw: number) => Math.round(mw * 1e5) / 1e5;

/**
 * The year's series of `match` with the delivered heat at `share` of the exchange priced alone
 * (the plan's allocation, or 1), stating `deliveredMwh` (the stored figure at that share); null
 * when the match is not priced by the hour or the flows no longer give its stored numbers.
 */
export async function hourlyOf(repo: Repository, match: MatchRecord, share: number, deliveredMwh: number): Promise<PacketHourly | null> {
  const heat = (match.economics as { heat?: { delivered_mwh_per_year?: number } | null }).heat;
  if (match.priced_by !== 'v2' || !heat || typeof heat.delivered_mwh_per_year !== 'number') return null;
  const rows = [...(await repo.flowsInContext(match.supply.flow_id)), ...(await repo.flowsInContext(match.demand.flow_id))];
  if (rows.length !== 2) return null;
  let series;
  try {
    const matcher = new Matcher({ flows: rows.map((r) => toMatchFlow(r.flow, r.site, r.organization)), profiles: PROFILES });
    series = heatSeries(matcher, match.supply.flow_id, match.demand.flow_id, match.distance_km, resolveConfig());
  } catch {
    return null; // a flow the engine cannot read any more: no chart, the figures stand as stored
  }
  if (series === null) return null;
  const stored = heat.delivered_mwh_per_year;
  if (Math.abs(series.delivered_mwh_per_year - stored) > 1e-6 * Math.max(1, Math.abs(stored))) return null;
  return {
    unit: 'MW',
    share,
    available: Array.from(series.available, round),
    demand: Array.from(series.demand, round),
    delivered: Array.from(series.delivered, (q) => round(q * share)),
    delivered_mwh_per_year: deliveredMwh,
  };
}
