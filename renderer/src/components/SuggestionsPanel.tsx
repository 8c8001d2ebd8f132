/**
 * The Suggestions tab (left panel): the regional plan's totals on top (`matching.plan`: plan
 * members only, never sums of competing alternatives, with the objective, the gap and what the
 * figures mean), then graph analytics over the stored matches (`analytics.suggestions`).
 *
 * - The exchange network: sites involved, alternatives, connected groups, the most central sites.
 * - Heat cascades: chains A (500 °C) -> B (60 °C) -> C of matched heat exchanges, with the energy
 *   of each exchange. Clicking one highlights its sites and exchanges on the map and fits the view.
 * - Service clusters: nearby sites that could share a collection round, a service or a purchase,
 *   for the chosen radius. Clicking one draws its circle, highlights its members and fits the view.
 *
 * Network and cascades come from the stored matches: with none, the tab asks to run matching
 * first. Clusters only need the flows, so they are listed either way.
 */
import { useEffect, useRef, useState } from 'react';
import type { HeatCascade, NetworkStats, ServiceCluster, Suggestions } from '../api.ts';
import { formatCount, formatEur, formatKm, formatNumber, label } from '../format.ts';
import type { PlanSummary } from '../matching/model.ts';
import { PlanTotals } from './PlanTotals.tsx';

export type SuggestionSelection = { kind: 'cascade' | 'cluster'; id: string };

/** Cluster radii offered (km); the core accepts up to 100. */
export const CLUSTER_RADII = [2, 5, 10, 15, 20, 30, 50] as const;
export const DEFAULT_CLUSTER_RADIUS = 10;

const KIND_LABEL: Record<ServiceCluster['kind'], string> = {
  collection: 'Shared collection',
  shared_service: 'Shared service',
  group_buying: 'Group buying',
};

type Range = { min?: number | undefined; max?: number | undefined } | null | undefined;

/** Top of a temperature range (max, else min), as the core ranks heat; one decimal at most. */
export function temperatureTop(r: Range): number | undefined {
  const t = r?.max ?? r?.min;
  return t === undefined ? undefined : Math.round(t * 10) / 10;
}

/** "20,000 MWh/yr" (whole MWh). */
export function formatMwh(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return `${formatCount(Math.round(value))} MWh/yr`;
}

interface Props {
  data: Suggestions | undefined;
  loading: boolean;
  error: string | undefined;
  /** Stored matches (undefined while loading). */
  storedMatches: number | undefined;
  canRun: boolean;
  radiusKm: number;
  onRadius(km: number): void;
  selection: SuggestionSelection | null;
  onSelect(selection: SuggestionSelection | null): void;
  onOpenSite(siteId: string): void;
  onRun(): void;
  /** The regional plan (null: none yet; undefined: loading). */
  plan: PlanSummary | null | undefined;
}

export function SuggestionsPanel(props: Props) {
  const { data, loading, error, storedMatches, selection, onSelect } = props;
  const noMatches = storedMatches === 0;
  return (
    <div className="site-list suggestions" data-testid="suggestions">
      <div className="panel-title">
        <span>Suggestions</span>
        {selection ? (
          <button type="button" className="link" onClick={() => onSelect(null)} data-testid="suggestion-clear" title="Clear the highlight on the map (Esc)">
            Clear highlight
          </button>
        ) : (
          storedMatches !== undefined && storedMatches > 0 && <span className="muted">from {formatCount(storedMatches)} matches</span>
        )}
      </div>
      <div className="list-body sugg-body">
        {error ? (
          <div className="empty error">Could not compute the suggestions: {error}</div>
        ) : (
          <>
            {noMatches ? (
              <div className="empty sugg-empty" data-testid="suggestions-empty">
                <strong>Run matching first</strong>
                <p>The exchange network and heat cascades are read from the stored matches, and there are none yet.</p>
                <button type="button" className="btn btn-primary" onClick={props.onRun} disabled={!props.canRun} data-testid="suggestions-run">
                  Run matching
                </button>
              </div>
            ) : loading || !data ? (
              <>
                {/* computed once per change of the data (main/matching/service/analytics.ts): the first time is slow on a large portfolio */}
                <p className="muted small" data-testid="suggestions-computing">
                  Reading the exchange network of {storedMatches === undefined ? 'the' : formatCount(storedMatches)} stored matches… The first time after a run or a
                  change can take a while on a large portfolio; after that it answers at once.
                </p>
                <Skeleton />
              </>
            ) : (
              <>
                <section className="sugg-section plan-section" data-testid="suggestions-plan" aria-label="Regional plan">
                  <h3>Regional plan</h3>
                  <PlanTotals plan={props.plan} onRun={props.onRun} canRun={props.canRun} testid="sugg-plan" />
                </section>
                <Network network={data.network} onOpenSite={props.onOpenSite} />
                <Cascades cascades={data.cascades} selectedId={selection?.kind === 'cascade' ? selection.id : null} onSelect={(id) => onSelect({ kind: 'cascade', id })} />
              </>
            )}
            <Clusters {...props} clusters={data?.clusters} selectedId={selection?.kind === 'cluster' ? selection.id : null} />
          </>
        )}
      </div>
    </div>
  );
}

function Skeleton() {
  return (
    <ul className="rows skeleton" aria-busy="true" aria-label="Computing suggestions">
      {Array.from({ length: 5 }, (_, i) => (
        <li key={i}>
          <span className="bar w70" />
          <span className="bar w40" />
        </li>
      ))}
    </ul>
  );
}

function Network({ network, onOpenSite }: { network: NetworkStats; onOpenSite(id: string): void }) {
  const [by, setBy] = useState<'degree' | 'value'>('degree');
  // A core that prices the network by the plan says how many of its exchanges are plan members (figures: the plan's).
  const split = network as NetworkStats & { plan_members?: number; alternatives?: number };
  const planPriced = typeof split.plan_members === 'number';
  const largest = network.components[0];
  const central = by === 'degree' ? network.central_by_degree : network.central_by_value;
  return (
    <section className="sugg-section" data-testid="network" aria-label="Exchange network">
      <h3>Exchange network</h3>
      <div className="sugg-stats">
        <Stat testid="network-sites" value={formatCount(network.sites_involved)} unit={`of ${formatCount(network.sites)}`} label="sites involved" />
        <Stat
          testid="network-exchanges"
          value={formatCount(network.exchanges)}
          label={`${planPriced ? `exchanges · ${formatCount(split.plan_members!)} in the plan` : 'exchanges (alternatives)'}${network.live_exchanges > 0 ? ` · ${formatCount(network.live_exchanges)} live` : ''}`}
        />
        <Stat testid="network-components" value={formatCount(network.components.length)} label={network.components.length === 1 ? 'connected group' : 'connected groups'} />
      </div>
      <p className="sugg-note muted">
        The network links every alternative (competing ones share the same flows){planPriced ? `; its values are the plan's` : ': its size is no quantity, the plan above is'}.
      </p>
      {largest && (
        <p className="sugg-note muted">
          Largest group: {formatCount(largest.sites.length)} sites, {formatCount(largest.exchanges)} exchanges · {formatCount(network.organizations_involved)} organizations involved
        </p>
      )}
      {central.length > 0 && (
        <>
          <div className="sugg-subhead">
            <h4>Most central sites</h4>
            <div className="seg" role="group" aria-label="Rank central sites by">
              <button type="button" className={by === 'degree' ? 'active' : ''} aria-pressed={by === 'degree'} onClick={() => setBy('degree')} data-testid="central-by-degree">
                exchanges
              </button>
              <button type="button" className={by === 'value' ? 'active' : ''} aria-pressed={by === 'value'} onClick={() => setBy('value')} data-testid="central-by-value">
                value
              </button>
            </div>
          </div>
          <ol className="central-list" data-testid="central-sites">
            {central.map((c) => (
              <li key={c.site_id}>
                <button type="button" className="central-row" onClick={() => onOpenSite(c.site_id)} data-testid="central-site" data-id={c.site_id} title="Open the site">
                  <span className="central-name">{c.name ?? c.site_id}</span>
                  <span className="central-facts muted">
                    <b>{formatCount(c.degree)}</b> exch. ({formatCount(c.out_degree)} out, {formatCount(c.in_degree)} in) · {formatCount(c.partners)} partners
                    {by === 'value' &&
                      (planPriced ? (
                        <span title="The value of its plan members, at their allocation"> · plan {formatEur(c.value_eur_per_year)}/yr</span>
                      ) : (
                        <span title="Sum over its alternatives: competing alternatives are counted each, so this ranks sites, it is no total"> · alternatives worth {formatEur(c.value_eur_per_year)}/yr</span>
                      ))}
                  </span>
                </button>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

function Stat({ value, unit, label: text, testid }: { value: string; unit?: string; label: string; testid: string }) {
  return (
    <div className="sugg-stat" data-testid={testid}>
      <b>
        {value}
        {unit && <small> {unit}</small>}
      </b>
      <span>{text}</span>
    </div>
  );
}

function Cascades({ cascades, selectedId, onSelect }: { cascades: HeatCascade[]; selectedId: string | null; onSelect(id: string): void }) {
  return (
    <section className="sugg-section" data-testid="cascades" aria-label="Heat cascades">
      <h3>
        Heat cascades <span className="muted">{formatCount(cascades.length)}</span>
      </h3>
      {cascades.length === 0 ? (
        <p className="sugg-none muted" data-testid="cascades-none">
          No heat cascade: no site that receives matched heat passes colder heat on to another match.
        </p>
      ) : (
        <ul className="sugg-cards">
          {cascades.map((c) => (
            <li key={c.id}>
              <CascadeCard cascade={c} selected={c.id === selectedId} onSelect={() => onSelect(c.id)} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function CascadeCard({ cascade, selected, onSelect }: { cascade: HeatCascade; selected: boolean; onSelect(): void }) {
  return (
    <button
      type="button"
      className={`sugg-card cascade ${selected ? 'selected' : ''}`}
      aria-pressed={selected}
      onClick={onSelect}
      title={`${cascade.summary}\nClick to show it on the map`}
      data-testid="cascade"
      data-id={cascade.id}
      data-sites={cascade.sites.join(' ')}
      data-matches={cascade.links.map((l) => l.match_id).join(' ')}
    >
      <ol className="cascade-chain" data-testid="cascade-chain">
        {cascade.steps.map((step, i) => {
          const out = step.flow_out === null ? undefined : temperatureTop(step.temperature_out_c);
          const link = cascade.links[i];
          return (
            <li key={step.site_id} className="cascade-step">
              <div className="cascade-site" data-testid="cascade-step">
                <span className="step-no" aria-hidden="true">
                  {i + 1}
                </span>
                <span className="cascade-name" data-testid="cascade-step-name">
                  {step.name ?? step.site_id}
                </span>
                {out !== undefined && (
                  <span className="cascade-temp" data-testid="cascade-step-temp" title="Temperature of the heat it passes on (top of the range)">
                    {out} °C
                  </span>
                )}
              </div>
              {link && (
                <div className="cascade-link" data-testid="cascade-link" data-id={link.match_id}>
                  <span className="cascade-arrow" aria-hidden="true">
                    ↓
                  </span>
                  <span data-testid="cascade-link-energy" title={link.energy_estimated ? 'Estimated from the flows: the match carries no delivered energy' : 'Delivered energy (the match economics)'}>
                    {link.energy_estimated ? '≈ ' : ''}
                    {formatMwh(link.energy_mwh_per_year)}
                  </span>
                  <span className="muted">
                    {label(link.type)} · {formatKm(link.distance_km)} · {formatEur(link.value_eur_per_year)}/yr
                  </span>
                </div>
              )}
            </li>
          );
        })}
      </ol>
      <div className="cascade-totals" data-testid="cascade-totals">
        <b data-testid="cascade-energy">{formatMwh(cascade.total_energy_mwh_per_year)}</b>
        <span>·</span>
        <span data-testid="cascade-value">{formatEur(cascade.total_value_eur_per_year)}/yr</span>
        <span className="muted">· {formatCount(cascade.links.length)} exchanges</span>
      </div>
    </button>
  );
}

function Clusters(props: Props & { clusters: ServiceCluster[] | undefined; selectedId: string | null }) {
  const { clusters, radiusKm, onRadius, selectedId, onSelect, onOpenSite } = props;
  // Bring the selected cluster's member list into view. (Braces: scrollIntoView may return a Promise.)
  const selectedItem = useRef<HTMLLIElement>(null);
  useEffect(() => {
    selectedItem.current?.scrollIntoView({ block: 'nearest' });
  }, [selectedId]);
  return (
    <section className="sugg-section" data-testid="clusters" aria-label="Service clusters">
      <div className="sugg-subhead">
        <h3>
          Service clusters <span className="muted">{clusters ? formatCount(clusters.length) : ''}</span>
        </h3>
        <label className="inline-field" title="Every member of a cluster lies within this distance of its centre">
          <span>within</span>
          <select value={radiusKm} onChange={(e) => onRadius(Number(e.target.value))} data-testid="cluster-radius" aria-label="Cluster radius">
            {CLUSTER_RADII.map((r) => (
              <option key={r} value={r}>
                {r} km
              </option>
            ))}
          </select>
        </label>
      </div>
      {!clusters ? (
        <Skeleton />
      ) : clusters.length === 0 ? (
        <p className="sugg-none muted" data-testid="clusters-none">
          No group of 3 or more sites of 2 or more organizations within {radiusKm} km shares a waste, a service or a purchase. Try a larger radius.
        </p>
      ) : (
        <ul className="sugg-cards">
          {clusters.map((c) => {
            const selected = c.id === selectedId;
            return (
              <li key={c.id} className={selected ? 'selected' : ''} ref={selected ? selectedItem : undefined}>
                <button
                  type="button"
                  className={`sugg-card cluster ${selected ? 'selected' : ''}`}
                  aria-pressed={selected}
                  onClick={() => onSelect({ kind: 'cluster', id: c.id })}
                  title="Click to show it on the map"
                  data-testid="cluster"
                  data-id={c.id}
                  data-members={c.members.map((m) => m.site_id).join(' ')}
                >
                  <span className="cluster-head">
                    <span className={`badge kind-${c.kind}`}>{KIND_LABEL[c.kind]}</span>
                    <span className="cluster-resource">{c.resource.label}</span>
                  </span>
                  <span className="cluster-suggestion" data-testid="cluster-suggestion">
                    {c.suggestion}
                  </span>
                  <span className="cluster-facts muted">
                    <span data-testid="cluster-member-count">
                      <b>{formatCount(c.members.length)}</b> sites
                    </span>{' '}
                    · <span>{formatCount(c.organizations)} organizations</span> ·{' '}
                    <span>
                      radius <span data-testid="cluster-radius-km">{formatKm(c.radius_km)}</span>
                    </span>
                    {c.total && (
                      <>
                        {' '}
                        · <span>{`${formatNumber(c.total.amount)} ${c.total.unit}`}</span>
                      </>
                    )}
                  </span>
                </button>
                {selected && (
                  <ol className="cluster-members" data-testid="cluster-members">
                    {c.members.map((m) => (
                      <li key={m.site_id}>
                        <button type="button" className="member-row" onClick={() => onOpenSite(m.site_id)} title="Open the site" data-testid="cluster-member" data-id={m.site_id}>
                          <span className="member-name">{m.name ?? m.site_id}</span>
                          <span className="muted">
                            {formatNumber(m.amount)}
                            {c.total ? ` ${c.total.unit}` : ''} · {formatKm(m.distance_to_centre_km)} from centre
                          </span>
                        </button>
                      </li>
                    ))}
                  </ol>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
