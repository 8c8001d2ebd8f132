/**
 * `buildPacketData(repo, matchId)`: assembles the `turash-packet` v1 bundle for one stored match,
 * for both partner organisations. Every number comes from the stored match (the engine's own
 * output, main/db/matches.ts) and its stored plan allocation (main/db/plan-store.ts); nothing is
 * recomputed here, so the packet cannot disagree with `turash explain` or `turash plan`. The one
 * exception is the hourly chart of a heat exchange, which the engine recomputes from the two flows
 * and which is kept only when it reproduces the stored delivered energy (hourly.ts). Contacts
 * pass the sharing rule (sharing.ts) here, before anything renders.
 */
import type { MatchRecord } from '../db/matches.ts';
import type { Repository } from '../db/repository.ts';
import { DEFAULT_SHARING } from '../domain/entities.ts';
import { HOTMAPS_SOURCE } from '../interchange/hotmaps.ts';
import { DEFAULT_CONFIG } from '../matching/config.ts';
import { APP_VERSION } from '../version.ts';
import { PACKET_FORMAT, PACKET_VERSION, packetDataSchema, type PacketAllocation, type PacketData, type PacketParty, type PacketPlan } from './bundle.ts';
import { isoDate } from './format.ts';
import { hourlyOf } from './hourly.ts';
import { t } from './i18n.ts';
import { meterSeriesOf } from './meter.ts';
import { risksFor } from './risks.ts';
import { visibleContact } from './sharing.ts';

export interface BuildOptions {
  /** The generation time (tests pin it). */
  now?: Date;
  /** Governing law named in the NDA template. */
  law?: string;
}

const DAY = 86_400_000;

async function party(repo: Repository, side: MatchRecord['supply']): Promise<PacketParty & { hotmapsRecord: boolean }> {
  const [organization, site, flow, meter] = await Promise.all([
    repo.getOrganization(side.organization_id),
    repo.getSite(side.site_id),
    repo.getFlow(side.flow_id),
    meterSeriesOf(repo, side.flow_id),
  ]);
  const { version: _v, created_at: _c, updated_at: _u, ...flowData } = flow;
  const sharing = organization.sharing ?? DEFAULT_SHARING;
  // Both packets and the bundle go to the two partners of this match only: viewer 'partner'.
  const contact = visibleContact(sharing, organization.contact, 'partner');
  const synthetic = flow.provenance?.synthetic === true || /\(synthetic\)/.test(organization.name);
  return {
    organization: {
      id: organization.id,
      name: organization.name,
      ...(organization.nace ? { nace: organization.nace } : {}),
      ...(organization.sector ? { sector: organization.sector } : {}),
      sharing,
      ...(contact ? { contact } : {}),
      synthetic,
    },
    site: { id: site.id, name: site.name, ...(site.address ? { address: site.address } : {}), country: site.country, lat: site.lat, lon: site.lon },
    flow: flowData,
    meter,
    hotmapsRecord: [organization.notes, site.notes].some((n) => n?.includes(HOTMAPS_SOURCE.split(',')[0]!)),
  };
}

export async function buildPacketData(repo: Repository, matchId: string, options: BuildOptions = {}): Promise<PacketData> {
  const now = options.now ?? new Date();
  const match = await repo.matches.get(matchId);
  const [supplyFull, demandFull] = await Promise.all([party(repo, match.supply), party(repo, match.demand)]);
  const { hotmapsRecord: _s, ...supply } = supplyFull;
  const { hotmapsRecord: _d, ...demand } = demandFull;
  const detail = match.detail as { route_reasons?: string[] };
  const sq = supply.flow.quality ?? {};
  const words = [supply.flow.name, demand.flow.name, sq.category, demand.flow.quality?.category].filter(Boolean).join(' ').toLowerCase();
  const risks = risksFor({
    supplyType: supply.flow.type,
    demandType: demand.flow.type,
    distanceKm: match.distance_km,
    crossBorder: supply.site.country !== demand.site.country,
    ewc: sq.ewc,
    hazardous: sq.hazardous === true,
    modes: [...new Set([...(supply.flow.logistics?.modes ?? []), ...(demand.flow.logistics?.modes ?? [])])],
    maxTemperatureC: sq.temperature_c?.max,
    maxPressureBar: sq.pressure_bar?.max,
    words,
  }).map((r) => ({ id: r.id, title: t(r.title_key), why: t(r.why_key), source: r.source }));
  // Hotmaps data is involved when a flow's numbers or an organisation/site record came from it.
  const hotmapsName = HOTMAPS_SOURCE.split(',')[0]!;
  const hotmaps = [supplyFull, demandFull].some((p) => p.flow.provenance?.source?.includes(hotmapsName) || p.hotmapsRecord);
  const e = DEFAULT_CONFIG.economics;
  const plan = await planOf(repo, match);
  const heat = (match.economics as PacketData['economics']).heat ?? null;
  // the chart shows the heat delivered at the plan's allocation when the match is a member
  const share = plan.allocation?.share ?? 1;
  const deliveredMwh = plan.allocation?.delivered_mwh_per_year ?? heat?.delivered_mwh_per_year ?? 0;
  const hourly = heat ? await hourlyOf(repo, match, share, deliveredMwh) : null;
  const hotmapsProfiles = heat !== null && [heat.supply_profile, heat.demand_profile].some((p) => p.startsWith('hotmaps:'));
  const data: PacketData = {
    format: PACKET_FORMAT,
    version: PACKET_VERSION,
    generated_at: now.toISOString(),
    app_version: APP_VERSION,
    engine_version: match.engine_version,
    match: {
      id: match.id,
      type: match.type as PacketData['match']['type'],
      status: match.status,
      route: match.route,
      route_reasons: detail.route_reasons ?? [],
      score: match.score,
      scores: match.scores,
      binding_constraint: match.binding_constraint,
      relaxed: match.relaxed,
      distance_km: match.distance_km,
      assumptions: match.assumptions,
      computed_at: match.updated_at,
      priced_by: match.priced_by,
    },
    economics: match.economics as PacketData['economics'],
    plan,
    hourly,
    basis: { discount_rate: e.discount_rate, horizon_years: e.horizon_years, maintenance_rate: e.maintenance_rate },
    supply,
    demand,
    risks,
    templates: { date: isoDate(now), decision_date: isoDate(new Date(now.getTime() + 90 * DAY)), law: options.law ?? lawOf(supply.site.country), nda_years: 3 },
    attributions: {
      hotmaps,
      synthetic: supply.organization.synthetic || demand.organization.synthetic,
      hotmaps_method: heat !== null,
      hotmaps_profiles: hotmapsProfiles,
    },
  };
  // The bundle is a published format: check it against its own schema before anyone gets it.
  return packetDataSchema.parse(data);
}

/** Where the match stands in the last regional plan: its stored allocation, or an alternative, or no plan yet. */
async function planOf(repo: Repository, match: MatchRecord): Promise<PacketPlan> {
  const summary = await repo.plan.summary();
  const head = { objective: summary?.objective ?? null, made_at: summary?.created_at ?? null, members: summary?.members ?? null, gap: summary?.gap ?? null };
  if (match.plan) return { role: 'member', ...head, allocation: match.plan.allocation as PacketAllocation };
  return { role: summary ? 'alternative' : 'none', ...head, allocation: null };
}

const LAW: Record<string, string> = { DE: 'the law of the Federal Republic of Germany', NL: 'the law of the Netherlands', BE: 'Belgian law', FR: 'French law', AT: 'Austrian law' };
const lawOf = (country: string) => LAW[country] ?? `the law of ${country} (to be confirmed)`;
