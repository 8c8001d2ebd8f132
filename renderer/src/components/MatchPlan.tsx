/**
 * The version-2 parts of a match's detail:
 * - PlanCard: in the regional plan ("allocated X MWh/yr, share Y %", with the economics at that
 *   allocation) or an alternative (and which plan members use its supply and its demand instead);
 *   before the first plan, how to make one.
 * - HeatCard: a heat, steam or cooling exchange as a planner checks it (the year hour by hour,
 *   capacity and pipe class, two pipes, route, losses, temperatures, pumping, the heat pump when one
 *   is needed, the levelised cost of heat, CO2 by counterfactual).
 * - PricedByV1: the marking of a match stored by the earlier engine.
 * - AssumptionsCard: every assumption behind the numbers.
 */
import { useQuery } from '@tanstack/react-query';
import { client } from '../api.ts';
import {
  formatCount,
  formatCtPerKwh,
  formatEur,
  formatMw,
  formatMwhPerYear,
  formatNumber,
  formatPercent,
  formatQuantity,
  formatTonnesPerYear,
  formatYears,
  label,
} from '../format.ts';
import { allocationOf, economicsOf, heatOf, type HeatView, type MatchRecord, type MatchWithEvents } from '../matching/model.ts';
import { HourlyChart } from './HourlyChart.tsx';
import { PLAN_QUERY_KEY } from './PlanTotals.tsx';

export function PricedByV1({ onRun }: { onRun?: (() => void) | undefined }) {
  return (
    <div className="form-message v1-notice" role="note" data-testid="priced-v1">
      <span>
        <b>Priced by the earlier method</b> (annual averages, one pipe, 2 %/km losses): these numbers are not comparable with the regional plan. Run matching again to price it hour by
        hour.
      </span>
      {onRun && (
        <button type="button" className="btn btn-small" onClick={onRun}>
          Run matching
        </button>
      )}
    </div>
  );
}

export function PlanCard({ m, onOpenMatch, onRun }: { m: MatchWithEvents; onOpenMatch(id: string): void; onRun?: (() => void) | undefined }) {
  const plan = useQuery({ queryKey: PLAN_QUERY_KEY, queryFn: () => client.matching.plan.query() });
  const a = allocationOf(m);
  const alternative = a === null;
  // For an alternative: the plan members that use its supply and its demand instead.
  const supplyMembers = useQuery({
    queryKey: ['matches', 'list', { flow_id: m.supply.flow_id, in_plan: true }],
    queryFn: () => client.matches.list.query({ flow_id: m.supply.flow_id, in_plan: true, limit: 50 }),
    enabled: alternative && !!plan.data,
  });
  const demandMembers = useQuery({
    queryKey: ['matches', 'list', { flow_id: m.demand.flow_id, in_plan: true }],
    queryFn: () => client.matches.list.query({ flow_id: m.demand.flow_id, in_plan: true, limit: 50 }),
    enabled: alternative && !!plan.data,
  });

  if (plan.isPending) return <section className="card plan-card skeleton-block" />;
  if (!plan.data && !a) {
    return (
      <section className="card plan-card" data-testid="plan-card" data-in-plan="none">
        <h3>Regional plan</h3>
        <p className="plan-line" data-testid="plan-status">
          No regional plan yet.
        </p>
        <p className="muted small">Run matching to make the regional plan: it decides which of the competing alternatives get each supply and demand, without promising any flow more than it has.</p>
        {onRun && (
          <button type="button" className="btn btn-primary btn-small" onClick={onRun}>
            Run matching
          </button>
        )}
      </section>
    );
  }

  if (a) {
    const heat = heatOf(m) !== null;
    return (
      <section className="card plan-card member" data-testid="plan-card" data-in-plan="true">
        <h3>Regional plan</h3>
        <p className="plan-line" data-testid="plan-status">
          <span className="badge plan-member">In the plan</span>
          <span>
            allocated <b data-testid="plan-allocated">{formatQuantity(a.allocated)}</b> (share <b data-testid="plan-share">{formatPercent(a.share, a.share < 0.999 ? 1 : 0)}</b>)
          </span>
          {a.with_heat_pump && <span className="badge heat-pump">with heat pump</span>}
        </p>
        <div className="econ-grid">
          <Metric name="NPV at this allocation" testid="plan-npv" value={formatEur(a.npv_eur)} strong negative={a.npv_eur < 0} />
          <Metric name="LCOH" testid="plan-lcoh" value={a.lcoh_ct_per_kwh === null ? 'n/a' : formatCtPerKwh(a.lcoh_ct_per_kwh)} sub={a.lcoh_ct_per_kwh === null ? 'heat, steam, cooling only' : 'levelised cost of heat'} />
          <Metric name="Annual value" testid="plan-value" value={`${formatEur(a.annual_value_eur)}/yr`} />
          <Metric name="Capex" testid="plan-capex" value={formatEur(a.capex_eur)} sub={a.pipe_capex_eur !== null ? `pipes ${formatEur(a.pipe_capex_eur)}` : undefined} />
          <Metric name="Opex / yr" testid="plan-opex" value={formatEur(a.opex_eur_per_year)} />
          <Metric name="CO₂ avoided" testid="plan-co2" value={formatTonnesPerYear(a.co2_t_per_year)} />
          <Metric name="IRR" testid="plan-irr" value={formatPercent(a.irr)} />
          <Metric name="Payback" testid="plan-payback" value={formatYears(a.payback_years)} />
          {heat ? (
            <Metric name="Pipe" testid="plan-pipe" value={`${formatMw(a.pipe_class_mw)} class`} sub={`sized on ${formatMw(a.capacity_mw)}`} />
          ) : (
            <Metric name="Delivered" testid="plan-delivered" value={formatQuantity(a.allocated)} />
          )}
        </div>
        <p className="muted small">
          {a.share < 0.999
            ? `The plan carries ${formatPercent(a.share)} of this exchange's stand-alone quantity: the same ${heat ? 'pipe' : 'connection'} is built (capex unchanged); value${heat ? ', heat-pump electricity' : ' and transport'} scale with the share${heat ? ', pumping with its cube' : ''}.`
            : 'The plan carries this exchange at its full stand-alone quantity: the numbers equal the stand-alone economics below.'}{' '}
          Reserving it holds this allocation in the next plans.
        </p>
      </section>
    );
  }

  const competitors = (page: { items: MatchRecord[] } | undefined) => (page?.items ?? []).filter((x) => x.id !== m.id);
  const onSupply = competitors(supplyMembers.data);
  const onDemand = competitors(demandMembers.data);
  const npv = economicsOf(m).npv_eur;
  return (
    <section className="card plan-card alternative" data-testid="plan-card" data-in-plan="false">
      <h3>Regional plan</h3>
      <p className="plan-line" data-testid="plan-status">
        <span className="badge plan-alternative">Alternative</span>
        <span>not in the plan</span>
      </p>
      {supplyMembers.isPending || demandMembers.isPending ? (
        <span className="bar w70" />
      ) : (
        <div className="plan-why small">
          {onSupply.length > 0 && (
            <div data-testid="plan-competitors-supply">
              <span className="muted">The plan gives the supply </span>
              <b className="dir supply">{m.supply.flow_name}</b>
              <span className="muted"> to:</span>
              <Competitors list={onSupply} side="demand" onOpenMatch={onOpenMatch} />
            </div>
          )}
          {onDemand.length > 0 && (
            <div data-testid="plan-competitors-demand">
              <span className="muted">The plan covers the demand </span>
              <b className="dir demand">{m.demand.flow_name}</b>
              <span className="muted"> from:</span>
              <Competitors list={onDemand} side="supply" onOpenMatch={onOpenMatch} />
            </div>
          )}
          {onSupply.length === 0 && onDemand.length === 0 && (
            <p className="muted">
              {npv <= 0
                ? 'Not profitable on its own (NPV ≤ 0): the plan leaves it out.'
                : 'No plan member uses either flow: the alternative may have come after the plan was made (an edited flow is re-matched at once, the plan at the next run): run matching again.'}
            </p>
          )}
          {(onSupply.length > 0 || onDemand.length > 0) && (
            <p className="muted">What is left of these flows (hour by hour for heat) is worth less to the plan than the exchanges above, or would not pay for this exchange&apos;s own {heatOf(m) ? 'pipe' : 'connection'}.</p>
          )}
          <p className="muted">Reserving an alternative is refused when it would promise a flow more than it has together with the exchanges already reserved, contracted or live.</p>
        </div>
      )}
    </section>
  );
}

function Competitors({ list, side, onOpenMatch }: { list: MatchRecord[]; side: 'supply' | 'demand'; onOpenMatch(id: string): void }) {
  return (
    <ul className="competitors">
      {list.slice(0, 6).map((x) => {
        const a = allocationOf(x);
        return (
          <li key={x.id}>
            <button type="button" className="link" onClick={() => onOpenMatch(x.id)} data-testid="plan-competitor" data-id={x.id} title="Open this plan member">
              {x[side].organization_name} — {x[side].flow_name}
            </button>{' '}
            <span className="muted">
              {a ? `${formatQuantity(a.allocated)} (${formatPercent(a.share, 0)})` : ''} · NPV {formatEur(a?.npv_eur ?? economicsOf(x).npv_eur)}
            </span>
          </li>
        );
      })}
      {list.length > 6 && <li className="muted">and {formatCount(list.length - 6)} more</li>}
    </ul>
  );
}

export function HeatCard({ m, h }: { m: MatchWithEvents; h: HeatView }) {
  const lossMw = (h.loss_w_per_m * h.route_m) / 1e6;
  const lossDelivering = lossMw * h.hours_delivering;
  const hp = h.heat_pump;
  const net = h.co2_avoided_fuel_t_per_year - h.co2_electricity_t_per_year;
  const what = h.kind === 'cooling' ? 'cooling' : h.kind === 'steam' ? 'steam' : 'heat';
  return (
    <section className="card heat-card" data-testid="heat-card">
      <h3>{label(h.kind)} by the hour</h3>
      <HourlyChart matchId={m.id} type={m.type} />
      <div className="econ-grid">
        <Metric name="Delivered" testid="heat-delivered" value={formatMwhPerYear(h.delivered_mwh_per_year)} sub={`${formatCount(h.hours_delivering)} h of 8,760`} strong />
        <Metric name="Demand" testid="heat-demand" value={formatMwhPerYear(h.demand_mwh_per_year)} sub={h.demand_mwh_per_year > 0 ? `${formatPercent(h.delivered_mwh_per_year / h.demand_mwh_per_year, 0)} covered` : undefined} />
        <Metric name="Available" testid="heat-available" value={formatMwhPerYear(h.available_mwh_per_year)} sub="supply after the exchanger" />
        <Metric name="LCOH" testid="heat-lcoh" value={formatCtPerKwh(h.lcoh_ct_per_kwh)} sub="3 %, 30 yr, 1 % O&M + power" />
        <Metric name="Capacity" testid="heat-capacity" value={formatMw(h.capacity_mw)} sub="largest 24-hour mean" />
        <Metric name="Pipe class" testid="heat-pipe-class" value={formatMw(h.pipe_class_mw)} sub={`peak delivered ${formatMw(h.peak_delivered_mw)}`} />
      </div>
      <dl className="kv kv-wide heat-facts">
        <dt>Profiles</dt>
        <dd className="wrap" data-testid="heat-profiles">
          supply <code>{h.supply_profile}</code> · demand <code>{h.demand_profile}</code>
        </dd>
        <dt>Pipes</dt>
        <dd className="wrap" data-testid="heat-pipes">
          2 pipes (flow and return) × {formatNumber(Math.round(h.route_m))} m route (1.2 × the straight distance), class {formatMw(h.pipe_class_mw)}
        </dd>
        <dt>Losses</dt>
        <dd className="wrap" data-testid="heat-losses">
          {formatNumber(h.loss_w_per_m)} W per metre of route (both pipes) = {formatNumber(lossMw * 1000)} kW; {formatMwhPerYear(lossDelivering)} in the hours it delivers
          {h.delivered_mwh_per_year > 0 ? ` (${formatPercent(lossDelivering / (h.delivered_mwh_per_year + lossDelivering))} of what enters the pipe)` : ''}
        </dd>
        <dt>Temperatures</dt>
        <dd className="wrap" data-testid="heat-temperatures">
          flow {formatNumber(h.flow_temperature_c)} °C · return {formatNumber(h.return_temperature_c)} °C · soil {formatNumber(h.soil_temperature_c)} °C
        </dd>
        <dt>Pumping</dt>
        <dd className="wrap" data-testid="heat-pumping">
          {formatMwhPerYear(h.pumping_mwh_per_year)} of electricity = {formatEur(h.pumping_eur_per_year)}/yr at {formatEur(h.electricity_eur_per_mwh)}/MWh
        </dd>
        <dt>Heat pump</dt>
        <dd className="wrap" data-testid="heat-pump">
          {hp ? (
            <span>
              <span className="badge heat-pump">needed</span> COP {hp.cop.toFixed(2)} · capex {formatEur(hp.capex_eur)} · electricity {formatMwhPerYear(hp.electricity_mwh_per_year)} = {formatEur(hp.electricity_eur_per_year)}/yr
            </span>
          ) : (
            <span className="muted">not needed: the supply is hot enough for the demand</span>
          )}
        </dd>
        <dt>CO₂</dt>
        <dd className="wrap" data-testid="heat-co2">
          {formatTonnesPerYear(h.co2_avoided_fuel_t_per_year)} of {label(h.fuel).toLowerCase()} {h.kind === 'cooling' ? '(chiller electricity)' : ''} avoided − {formatTonnesPerYear(h.co2_electricity_t_per_year)} for pumps
          {hp ? ' and the heat pump' : ''} = <b>{formatTonnesPerYear(net)}</b>
        </dd>
      </dl>
      <p className="muted small">
        Every hour the {what} delivered is the smaller of the supply after the exchanger minus the pipe losses and the demand; capex, pipe and exchangers are sized on the largest 24-hour mean
        (Hotmaps).
      </p>
    </section>
  );
}

export function AssumptionsCard({ m }: { m: MatchWithEvents }) {
  const a = allocationOf(m);
  const lines = [...m.assumptions];
  if (a && a.share < 0.999) lines.push(`regional plan: ${formatPercent(a.share)} of the stand-alone quantity; the same infrastructure, value and electricity × share, pumping × share³`);
  if (m.priced_by === 'v1') lines.push('priced by engine 1 (annual averages, one pipe, 2 %/km losses): run matching again');
  return (
    <section className="card" data-testid="assumptions-card">
      <h3>Assumptions</h3>
      {lines.length === 0 ? (
        <p className="muted">None: both flows state everything the economics need.</p>
      ) : (
        <ul className="assumptions" data-testid="assumptions">
          {lines.map((x, i) => (
            <li key={i}>{x}</li>
          ))}
        </ul>
      )}
      <p className="muted small">
        Engine {m.engine_version}
        {m.priced_by === 'v2' ? ' (hourly heat, regional plan)' : ' (earlier method)'}
      </p>
    </section>
  );
}

export function Metric({ name, value, sub, testid, strong, negative }: { name: string; value: string; sub?: string | undefined; testid: string; strong?: boolean; negative?: boolean }) {
  return (
    <div className={`metric ${strong ? 'strong' : ''} ${negative ? 'neg' : ''}`}>
      <span className="metric-name">{name}</span>
      <b data-testid={testid}>{value}</b>
      {sub && <span className="muted metric-sub">{sub}</span>}
    </div>
  );
}
