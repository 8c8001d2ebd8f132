/**
 * Economics of a heat, steam or cooling exchange, version 2 (domain.md 5.2): the hourly exchange
 * (hourly/heat-exchange.ts) priced as a district-heating planner would: two pipes of the Hotmaps
 * class sized on the 24-hour peak, exchangers and pump on the same capacity, pumping electricity
 * at the country's price, an electric heat pump when the supply is colder than the demand needs,
 * steam on its own cost basis, the levelised cost of heat, and CO2 by counterfactual (the fuel the
 * demand burns today, minus the electricity of pumps and heat pump).
 *
 * Writes into the caller's reused numbers: the matcher runs it for every candidate it prices.
 */
import { FLOW_TYPES } from '../domain/entities.ts';
import { hotmapsCountry } from '../domain/profile-names.ts';
import type { FlowColumns } from './compiled.ts';
import type { Fuel, MatchingConfig } from './config.ts';
import { annuityFactor } from './finance.ts';
import { evaluateHeatExchange, newHeatResult, type HeatExchangeInput, type HeatExchangeResult, type HeatPhysics, type HourlySeries } from './hourly/heat-exchange.ts';

export interface ThermalNumbers extends HeatExchangeResult {
  kind: 'heat' | 'steam' | 'cooling';
  routeM: number;
  pipeEurPerM: number;
  pipeEur: number;
  sourceHxEur: number;
  sinkHxEur: number;
  pumpCapexEur: number;
  heatPumpEur: number;
  /** COP of the heat pump, NaN when none is needed. */
  cop: number;
  heatPumpMwh: number;
  heatPumpEurPerYear: number;
  pumpingEurPerYear: number;
  electricityEurPerMwh: number;
  soilTempC: number;
  flowTempC: number;
  returnTempC: number;
  /** The country whose soil and electricity figures were used, and whether it stood in for a missing one. */
  paramCountry: string;
  countryAssumed: boolean;
  flowTempAssumed: boolean;
  fuel: Fuel;
  fuelAssumed: boolean;
  co2AvoidedFuelT: number;
  co2ElectricityT: number;
  lcohEurPerMwh: number;
}

export function newThermalNumbers(): ThermalNumbers {
  return {
    ...newHeatResult(),
    kind: 'heat',
    routeM: 0,
    pipeEurPerM: 0,
    pipeEur: 0,
    sourceHxEur: 0,
    sinkHxEur: 0,
    pumpCapexEur: 0,
    heatPumpEur: 0,
    cop: Number.NaN,
    heatPumpMwh: 0,
    heatPumpEurPerYear: 0,
    pumpingEurPerYear: 0,
    electricityEurPerMwh: 0,
    soilTempC: 0,
    flowTempC: 0,
    returnTempC: 0,
    paramCountry: '',
    countryAssumed: false,
    flowTempAssumed: false,
    fuel: 'natural_gas',
    fuelAssumed: true,
    co2AvoidedFuelT: 0,
    co2ElectricityT: 0,
    lcohEurPerMwh: Number.NaN,
  };
}

/** Precomputed per run. */
export interface ThermalContext {
  physics: HeatPhysics;
  lcohFactor: number;
}

export function thermalContext(c: MatchingConfig): ThermalContext {
  return {
    physics: {
      pipe_classes: c.heat.pipe_classes,
      insulation_w_per_mk: c.heat.insulation_w_per_mk,
      exchanger_efficiency: c.thermal.exchanger_efficiency,
      pump_efficiency: c.heat.pump_efficiency,
    },
    lcohFactor: annuityFactor(c.heat.lcoh.rate, c.heat.lcoh.years),
  };
}

/** COP = fraction x Carnot at the sink temperature and the source minus the approach, clamped (5.2). */
export function heatPumpCop(sinkC: number, sourceC: number, c: MatchingConfig): number {
  const hp = c.heat.heat_pump;
  const hot = sinkC + 273.15;
  const cold = sourceC - hp.approach_k + 273.15;
  const carnot = hot > cold ? hot / (hot - cold) : Number.POSITIVE_INFINITY;
  const cop = hp.carnot_fraction * carnot;
  return cop < hp.cop_min ? hp.cop_min : cop > hp.cop_max ? hp.cop_max : cop;
}

const isFuel = (f: string, c: MatchingConfig): f is Fuel => Object.hasOwn(c.heat.fuels, f);

/** Reused input of evaluateHeatExchange (the matcher prices thousands of pairs; no object per pair). */
const heatInput: { -readonly [K in keyof HeatExchangeInput]: HeatExchangeInput[K] | null } = {
  supply: null,
  demand: null,
  supplyMw: 0,
  demandMw: 0,
  routeM: 0,
  flowTempC: 0,
  returnTempC: 0,
  soilTempC: 0,
};

/**
 * The hourly exchange of supply `s` and demand `d` (positions in `cols`) at `distanceKm`, with
 * capex, pumping, heat pump, LCOH and CO2; `electricityDefault` is the type default electricity
 * price (heat pumps). Hourly series are written when `hourly` is given.
 */
export function thermalExchange(
  cols: FlowColumns,
  s: number,
  d: number,
  distanceKm: number,
  c: MatchingConfig,
  tc: ThermalContext,
  out: ThermalNumbers,
  hourly?: HourlySeries,
): ThermalNumbers {
  const h = c.heat;
  const hm = c.hotmaps;
  const kind = FLOW_TYPES[cols.typeCode[s]!] as ThermalNumbers['kind'];
  out.kind = kind;
  // place: the pipe's soil and the pumps' electricity are the supply's country's (decision)
  const hc = hotmapsCountry(cols.countryCode[s]!);
  let params = h.countries[hc];
  out.countryAssumed = params === undefined;
  out.paramCountry = params === undefined ? h.fallback_country : hc;
  params ??= h.countries[h.fallback_country]!;
  // temperatures: flow pipe at the temperature the demand needs, return as stated by the defaults
  const dMin = cols.tMin[d]!;
  const dMax = cols.tMax[d]!;
  if (kind === 'cooling') {
    out.flowTempAssumed = !Number.isFinite(dMax);
    out.flowTempC = Number.isFinite(dMax) ? dMax : h.cooling.flow_temperature_c;
    out.returnTempC = out.flowTempC + h.cooling.return_delta_k;
  } else {
    out.flowTempAssumed = !Number.isFinite(dMin);
    out.flowTempC = Number.isFinite(dMin) ? dMin : h.default_flow_temperature_c;
    // a return warmer than the flow is no network: at most the flow temperature less 10 K (decision)
    out.returnTempC = Math.min(kind === 'steam' ? h.steam.condensate_return_c : h.return_temperature_c, out.flowTempC - 10);
  }
  out.soilTempC = params.soil_c;
  out.electricityEurPerMwh = params.electricity_eur_per_mwh;
  out.routeM = distanceKm * 1000 * hm.route_factor;
  const x = heatInput as HeatExchangeInput;
  x.supply = cols.shape[s]!;
  x.demand = cols.shape[d]!;
  x.supplyMw = cols.avgMw[s]!;
  x.demandMw = cols.avgMw[d]!;
  x.routeM = out.routeM;
  x.flowTempC = out.flowTempC;
  x.returnTempC = out.returnTempC;
  x.soilTempC = out.soilTempC;
  evaluateHeatExchange(x, tc.physics, out, hourly);
  // capex: two pipes of the class, exchangers and pump on the capacity (Hotmaps), heat pump
  const cls = h.pipe_classes[out.pipeClass]!;
  const mw = out.capacityMw;
  out.pipeEurPerM = cls.cost_eur_per_m * (kind === 'steam' ? h.steam.pipe_cost_factor : 1);
  out.pipeEur = out.pipeEurPerM * out.routeM * h.pipes;
  out.sourceHxEur = hm.source_hx_eur_per_mw * mw;
  out.sinkHxEur = (mw < 1 ? hm.sink_hx_eur_per_mw_below_1mw : hm.sink_hx_eur_per_mw) * mw;
  out.pumpCapexEur = (mw < 1 ? hm.pump_eur_per_mw_below_1mw : hm.pump_eur_per_mw) * mw;
  // a supply colder than the demand needs: an electric heat pump lifts it (heat only)
  const sMax = cols.tMax[s]!;
  const lift = kind === 'heat' && Number.isFinite(sMax) && Number.isFinite(dMin) && sMax < dMin;
  out.cop = lift ? heatPumpCop(dMin, sMax, c) : Number.NaN;
  out.heatPumpEur = lift ? h.heat_pump.capex_eur_per_mw * mw : 0;
  out.heatPumpMwh = lift ? out.deliveredMwh / out.cop : 0;
  const elecDefault = c.default_price_eur.electricity ?? 0;
  out.heatPumpEurPerYear = out.heatPumpMwh * elecDefault;
  out.pumpingEurPerYear = out.pumpingMwh * out.electricityEurPerMwh;
  // CO2: the fuel the demand no longer burns, minus the electricity the exchange uses
  const fuel = cols.fuel[d]!;
  out.fuelAssumed = !(fuel !== '' && isFuel(fuel, c));
  out.fuel = out.fuelAssumed ? h.default_fuel : (fuel as Fuel);
  const f = h.fuels[out.fuel];
  out.co2AvoidedFuelT = kind === 'cooling' ? (out.deliveredMwh / h.cooling.chiller_eer) * c.co2.grid_t_per_mwh : (out.deliveredMwh / f.efficiency) * f.t_per_mwh;
  out.co2ElectricityT = (out.pumpingMwh + out.heatPumpMwh) * c.co2.grid_t_per_mwh;
  // LCOH: the Hotmaps annuity of capex, O&M share, and the electricity, per MWh delivered
  const capex = thermalCapex(out);
  out.lcohEurPerMwh =
    out.deliveredMwh > 0 ? (capex / tc.lcohFactor + h.lcoh.om_rate * capex + out.pumpingEurPerYear + out.heatPumpEurPerYear) / out.deliveredMwh : Number.NaN;
  return out;
}

export const thermalCapex = (t: ThermalNumbers) => t.pipeEur + t.sourceHxEur + t.sinkHxEur + t.pumpCapexEur + t.heatPumpEur;
