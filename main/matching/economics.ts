/**
 * Economics of one candidate pair (domain.md 2.3): delivered quantity, hours, annual value, capex
 * (Hotmaps for heat, per-km or one-off figures for the rest), opex, cash flow, NPV, IRR, payback,
 * CO2, sensitivity and implementation complexity.
 *
 * `pairEconomics` is the hot path (numbers into a reused object, used for the filters of every
 * candidate); `economicsView` adds what only shown matches need (IRR, sensitivity, complexity,
 * breakdown, assumptions) from the very same numbers, so a packet shows what the ranking used.
 */
import { FLOW_TYPES, MAX_EUR_PER_UNIT, type FlowType } from '../domain/entities.ts';
import type { CompiledFlow, FlowColumns } from './compiled.ts';
import type { PairFacts } from './compatibility.ts';
import type { ComplexityLevel, MatchingConfig, RiskLevel } from './config.ts';
import { annuityFactor, irr, payback } from './finance.ts';
import { BASE_UNIT, RATE_TO_BASE } from './prices.ts';
import { CANONICAL_UNIT } from '../domain/units.ts';
import { HOURLY_TYPES } from './compiled.ts';
import { newThermalNumbers, thermalCapex, thermalContext, thermalExchange, type ThermalContext, type ThermalNumbers } from './thermal.ts';

/** A config's economics, precomputed once per run; per-type figures in arrays indexed by type code (NaN: none). */
export interface EconContext {
  c: MatchingConfig;
  annuity: number;
  thermal: Uint8Array;
  truck: Uint8Array;
  rateToBase: Float64Array;
  defaultPrice: Float64Array;
  defaultDisposal: Float64Array;
  capexPerKm: Float64Array;
  capexFixed: Float64Array;
  /** 1 for the types priced by the hour (5.2: heat, steam, cooling). */
  hourly: Uint8Array;
  tc: ThermalContext;
}

const byType = (f: (t: FlowType) => number | undefined) => Float64Array.from(FLOW_TYPES, (t) => f(t) ?? Number.NaN);

export function econContext(c: MatchingConfig): EconContext {
  return {
    c,
    annuity: annuityFactor(c.economics.discount_rate, c.economics.horizon_years),
    thermal: Uint8Array.from(FLOW_TYPES, (t) => (c.thermal.types.includes(t) ? 1 : 0)),
    truck: Uint8Array.from(FLOW_TYPES, (t) => (c.truck.types.includes(t) ? 1 : 0)),
    rateToBase: byType((t) => RATE_TO_BASE[t]),
    defaultPrice: byType((t) => c.default_price_eur[t]),
    defaultDisposal: byType((t) => c.default_disposal_eur[t]),
    capexPerKm: byType((t) => c.capex_eur_per_km[t] ?? 0),
    capexFixed: byType((t) => c.capex_fixed_eur[t] ?? 0),
    hourly: Uint8Array.from(FLOW_TYPES, (t) => (HOURLY_TYPES.has(t) ? 1 : 0)),
    tc: thermalContext(c),
  };
}

/** Where a price came from. */
export type PriceSource = 'flow' | 'default' | 'none';

export interface EconNumbers {
  /** Delivered quantity in the canonical unit (kW, m3/h, t/yr ...). */
  delivered: number;
  /** Hours per year the exchange runs (2.3). */
  hours: number;
  /** Delivered quantity per year in the base unit (MWh, m3, Nm3, t, t*km, h). */
  annualQty: number;
  price: number;
  priceSource: PriceSource;
  disposal: number;
  disposalSource: PriceSource;
  value: number;
  capex: number;
  /** Running costs besides maintenance: truck transport (solids), pumping and heat-pump electricity (thermal). */
  runningOpex: number;
  opex: number;
  cashFlow: number;
  npv: number;
  /** True when priced by the hour (heat, steam, cooling: `thermal` holds the exchange). */
  isThermal: boolean;
  thermal: ThermalNumbers;
}

export function newEconNumbers(): EconNumbers {
  return {
    delivered: 0,
    hours: 0,
    annualQty: 0,
    price: 0,
    priceSource: 'none',
    disposal: 0,
    disposalSource: 'none',
    value: 0,
    capex: 0,
    runningOpex: 0,
    opex: 0,
    cashFlow: 0,
    npv: 0,
    isThermal: false,
    thermal: newThermalNumbers(),
  };
}

/**
 * 2.2: the quantity the score compares with the demand: the supply after the exchanger (thermal
 * types; version 2 keeps `loss_per_km` at 0, the hourly losses are in the economics), capped by
 * the demand.
 */
export function deliveredAmount(supplyTypeCode: number, supply: number, demand: number, distanceKm: number, ec: EconContext): number {
  let available = supply;
  if (ec.thermal[supplyTypeCode] === 1) {
    const keep = 1 - ec.c.thermal.loss_per_km * distanceKm;
    available = supply * ec.c.thermal.exchanger_efficiency * (keep > 0 ? keep : 0);
  }
  return available < demand ? available : demand;
}

/** 2.3: overlapping weekly hours x 52.14 x overlapping months / 12 when either flow states a schedule; else 8000. */
export function sharedHours(s: CompiledFlow, d: CompiledFlow, overlapHours: number, overlapMonths: number, c: MatchingConfig): number {
  if (!s.stated && !d.stated) return c.economics.default_hours_per_year;
  return (overlapHours * c.economics.weeks_per_year * overlapMonths) / 12;
}

export function capexOf(supplyTypeCode: number, distanceKm: number, ec: EconContext): number {
  return ec.capexPerKm[supplyTypeCode]! * distanceKm + ec.capexFixed[supplyTypeCode]!;
}

/** The numbers the filters and the ranking use, for the flows at positions `s` and `d` of `cols`; written into `out`. */
export function pairEconomics(cols: FlowColumns, s: number, d: number, f: PairFacts, ec: EconContext, out: EconNumbers): EconNumbers {
  const st = cols.typeCode[s]!;
  if (ec.hourly[st] === 1 && cols.shape[s] !== null && cols.shape[d] !== null) return hourlyEconomics(cols, s, d, f, ec, out);
  const c = ec.c;
  const distanceKm = f.distanceKm;
  const overlapHours = f.overlapHours;
  const overlapMonths = f.overlapMonths;
  const delivered = deliveredAmount(st, cols.amount[s]!, cols.amount[d]!, distanceKm, ec);
  // sharedHours, on columns
  const hours = cols.stated[s] === 0 && cols.stated[d] === 0 ? c.economics.default_hours_per_year : (overlapHours * c.economics.weeks_per_year * overlapMonths) / 12;
  const rate = ec.rateToBase[st]!;
  // Rates (kW, m3/h) run for the shared hours; yearly quantities (t/yr) can be stored, so they do not (decision).
  const annualQty = Number.isNaN(rate) ? delivered : delivered * hours * rate;
  const capex = capexOf(st, distanceKm, ec);
  const truckOpex = ec.truck[st] === 1 ? c.truck.eur_per_tkm * annualQty * distanceKm * c.truck.road_factor : 0;
  out.isThermal = false;
  out.delivered = delivered;
  out.hours = hours;
  return priced(cols, s, d, annualQty, capex, truckOpex, ec, out);
}

/**
 * Upper bounds of a heat, steam or cooling pair's annual value and NPV without the hourly loop:
 * what arrives is at most min(0.9 x the supply's year, the demand's year), and the pipe costs at
 * least two pipes of the smallest class (no exchangers, no pump, no heat pump). A pair whose bound
 * fails a filter fails it priced hour by hour too, so the matcher skips its 8,760-hour evaluation
 * (most candidates of a large portfolio are small flows too far apart to pay).
 */
export function thermalBounds(cols: FlowColumns, s: number, d: number, distanceKm: number, ec: EconContext, out: { value: number; npv: number }): void {
  const c = ec.c;
  const h = c.heat;
  const available = c.thermal.exchanger_efficiency * cols.avgMw[s]! * 8760;
  const needed = cols.avgMw[d]! * 8760;
  const mwh = available < needed ? available : needed;
  let price = cols.priceBase[d]!;
  if (Number.isNaN(price)) {
    const dflt = ec.defaultPrice[cols.typeCode[d]!]!;
    price = Number.isNaN(dflt) ? 0 : dflt;
  }
  let disposal = boundedPrice(cols.disposalBase[s]!);
  if (Number.isNaN(disposal)) {
    const dflt = ec.defaultDisposal[cols.typeCode[s]!]!;
    disposal = Number.isNaN(dflt) ? 0 : dflt;
  }
  const steam = FLOW_TYPES[cols.typeCode[s]!] === 'steam' ? h.steam.pipe_cost_factor : 1;
  const capexLow = h.pipe_classes[0]!.cost_eur_per_m * steam * distanceKm * 1000 * c.hotmaps.route_factor * h.pipes;
  out.value = mwh * (price + disposal);
  out.npv = -capexLow + (out.value - c.economics.maintenance_rate * capexLow) * ec.annuity;
}

/** 5.2: heat, steam and cooling by the hour (thermal.ts). */
function hourlyEconomics(cols: FlowColumns, s: number, d: number, f: PairFacts, ec: EconContext, out: EconNumbers): EconNumbers {
  const t = thermalExchange(cols, s, d, f.distanceKm, ec.c, ec.tc, out.thermal);
  out.isThermal = true;
  out.hours = t.hoursDelivering;
  // average power while heat flows, so that delivered x hours = the delivered energy, as for other rates
  out.delivered = t.hoursDelivering > 0 ? (t.deliveredMwh * 1000) / t.hoursDelivering : 0;
  return priced(cols, s, d, t.deliveredMwh, thermalCapex(t), t.pumpingEurPerYear + t.heatPumpEurPerYear, ec, out);
}

/** Value, opex, cash flow and NPV from the delivered quantity per year (base unit), the capex and the running costs besides maintenance. */
/**
 * Prices and quantities are bounded where they enter (main/domain/entities.ts); a record stored
 * before those bounds must still never put an infinite or NaN NPV into a stored match. A price
 * beyond the bound (with room for unit conversion: per kWh to per MWh) counts as not stated, and
 * a quantity too large to value is worth nothing.
 */
const MAX_EUR_PER_BASE_UNIT = MAX_EUR_PER_UNIT * 1e6;
const boundedPrice = (eur: number): number => (Math.abs(eur) <= MAX_EUR_PER_BASE_UNIT ? eur : Number.NaN);

function priced(cols: FlowColumns, s: number, d: number, quantity: number, capex: number, runningOpex: number, ec: EconContext, out: EconNumbers): EconNumbers {
  const annualQty = Number.isFinite(quantity) ? quantity : 0;
  if (!Number.isFinite(out.delivered)) out.delivered = 0;
  const st = cols.typeCode[s]!;
  let price = boundedPrice(cols.priceBase[d]!);
  let priceSource: PriceSource = 'flow';
  if (Number.isNaN(price)) {
    const dflt = ec.defaultPrice[cols.typeCode[d]!]!;
    price = Number.isNaN(dflt) ? 0 : dflt;
    priceSource = Number.isNaN(dflt) ? 'none' : 'default';
  }
  let disposal = boundedPrice(cols.disposalBase[s]!);
  let disposalSource: PriceSource = 'flow';
  if (Number.isNaN(disposal)) {
    const dflt = ec.defaultDisposal[st]!;
    disposal = Number.isNaN(dflt) ? 0 : dflt;
    disposalSource = Number.isNaN(dflt) ? 'none' : 'default';
  }
  const value = annualQty * (price + disposal);
  const opex = ec.c.economics.maintenance_rate * capex + runningOpex;
  const cashFlow = value - opex;
  out.annualQty = annualQty;
  out.price = price;
  out.priceSource = priceSource;
  out.disposal = disposal;
  out.disposalSource = disposalSource;
  out.value = value;
  out.capex = capex;
  out.runningOpex = runningOpex;
  out.opex = opex;
  out.cashFlow = cashFlow;
  out.npv = -capex + cashFlow * ec.annuity;
  return out;
}

/**
 * CO2 avoided per year, by the medium (the supply's type). Heat, steam and cooling (5.2): the
 * counterfactual of thermal.ts (the demand's fuel no longer burnt, minus the exchange's own
 * electricity); the rest as 2.3.
 */
export function co2PerYear(s: CompiledFlow, d: CompiledFlow, n: EconNumbers, c: MatchingConfig): number {
  if (n.isThermal) return n.thermal.co2AvoidedFuelT - n.thermal.co2ElectricityT;
  const k = c.co2;
  const annualQty = n.annualQty;
  switch (s.type) {
    case 'electricity':
      return annualQty * k.grid_t_per_mwh;
    case 'water':
    case 'wastewater':
      return ((annualQty * k.water_kwh_per_m3) / 1000) * k.grid_t_per_mwh;
    case 'waste':
    case 'material':
      return annualQty * (s.compost || d.compost ? k.compost_t_per_t : k.diverted_t_per_t);
    default:
      return 0; // compressed air, co2, logistics, service: no factor in the sources
  }
}

export function complexityLevel(capex: number, distanceKm: number, c: MatchingConfig): ComplexityLevel {
  const k = c.complexity;
  if (capex >= k.high_capex_eur || distanceKm >= k.high_km) return 'high';
  if (capex >= k.medium_capex_eur || distanceKm >= k.medium_km) return 'medium';
  return 'low';
}

export function riskLevel(regulatoryRisk: number, c: MatchingConfig): RiskLevel {
  const k = c.complexity;
  if (regulatoryRisk >= k.high_risk) return 'high';
  if (regulatoryRisk >= k.medium_risk) return 'medium';
  return 'low';
}

export interface SensitivityPoint {
  change: number;
  npv_eur: number;
}

export interface EconomicsView {
  capex_eur: number;
  opex_eur_per_year: number;
  annual_value_eur: number;
  cash_flow_eur_per_year: number;
  npv_eur: number;
  /** A fraction (0.61 = 61 %), null when none. */
  irr: number | null;
  payback_years: number | null;
  co2_t_per_year: number;
  delivered: { amount: number; unit: string };
  delivered_per_year: { amount: number; unit: string };
  hours_per_year: number;
  price: { eur_per_unit: number; unit: string; source: PriceSource };
  avoided_disposal: { eur_per_unit: number; unit: string; source: PriceSource };
  capex_breakdown: HeatCapexView | { per_km_eur: number; distance_km: number; fixed_eur: number; total_eur: number };
  truck_opex_eur_per_year: number;
  /** Heat, steam and cooling (5.2): the exchange by the hour; null for other types. */
  heat: HeatView | null;
  sensitivity: { annual_value: SensitivityPoint[]; capex: SensitivityPoint[] };
  complexity: {
    level: ComplexityLevel;
    risk_level: RiskLevel;
    multiplier: number;
    /** One-off costs of making the exchange happen, on top of capex (Turash exchange-cost model). */
    exchange_cost_eur: number;
    risk_mitigation_eur: number;
    compliance_eur: number;
    npv_after_exchange_costs_eur: number;
  };
}

/** The Hotmaps capex of a thermal exchange: two pipes of the class, exchangers, pump, heat pump (5.2). */
export interface HeatCapexView {
  /** The capacity the exchange is sized on (largest 24-hour average before losses), MW. */
  peak_mw: number;
  pipe_class_mw: number;
  /** Route length (one pipe); the trench holds `pipes` pipes. */
  pipe_m: number;
  pipes: number;
  pipe_eur_per_m: number;
  pipe_eur: number;
  source_hx_eur: number;
  sink_hx_eur: number;
  pump_eur: number;
  heat_pump_eur: number;
  total_eur: number;
}

/** What a planner checks of a heat exchange (5.2). */
export interface HeatView {
  kind: 'heat' | 'steam' | 'cooling';
  supply_profile: string;
  demand_profile: string;
  capacity_mw: number;
  pipe_class_mw: number;
  route_m: number;
  /** Heat loss of both pipes per metre of route, W/m, and over the year. */
  loss_w_per_m: number;
  loss_mwh_per_year: number;
  flow_temperature_c: number;
  return_temperature_c: number;
  soil_temperature_c: number;
  /** The supply after the exchanger, the demand, and what arrives, MWh per year. */
  available_mwh_per_year: number;
  demand_mwh_per_year: number;
  delivered_mwh_per_year: number;
  peak_delivered_mw: number;
  hours_delivering: number;
  pumping_mwh_per_year: number;
  pumping_eur_per_year: number;
  electricity_eur_per_mwh: number;
  heat_pump: { cop: number; capex_eur: number; electricity_mwh_per_year: number; electricity_eur_per_year: number } | null;
  /** Levelised cost of heat (Hotmaps: 3 %, 30 years, 1 % O&M, plus electricity), ct/kWh. */
  lcoh_ct_per_kwh: number | null;
  fuel: string;
  co2_avoided_fuel_t_per_year: number;
  co2_electricity_t_per_year: number;
}

function heatView(s: CompiledFlow, d: CompiledFlow, t: ThermalNumbers, c: MatchingConfig): HeatView {
  return {
    kind: t.kind,
    supply_profile: s.shape?.profile ?? 'flat',
    demand_profile: d.shape?.profile ?? 'flat',
    capacity_mw: t.capacityMw,
    pipe_class_mw: c.heat.pipe_classes[t.pipeClass]!.capacity_mw,
    route_m: t.routeM,
    loss_w_per_m: t.lossWPerM,
    loss_mwh_per_year: t.lossMwh,
    flow_temperature_c: t.flowTempC,
    return_temperature_c: t.returnTempC,
    soil_temperature_c: t.soilTempC,
    available_mwh_per_year: t.availableMwh,
    demand_mwh_per_year: t.demandMwh,
    delivered_mwh_per_year: t.deliveredMwh,
    peak_delivered_mw: t.peakDeliveredMw,
    hours_delivering: t.hoursDelivering,
    pumping_mwh_per_year: t.pumpingMwh,
    pumping_eur_per_year: t.pumpingEurPerYear,
    electricity_eur_per_mwh: t.electricityEurPerMwh,
    heat_pump: Number.isNaN(t.cop) ? null : { cop: t.cop, capex_eur: t.heatPumpEur, electricity_mwh_per_year: t.heatPumpMwh, electricity_eur_per_year: t.heatPumpEurPerYear },
    lcoh_ct_per_kwh: Number.isFinite(t.lcohEurPerMwh) ? t.lcohEurPerMwh / 10 : null,
    fuel: t.fuel,
    co2_avoided_fuel_t_per_year: t.co2AvoidedFuelT,
    co2_electricity_t_per_year: t.co2ElectricityT,
  };
}

function heatCapexView(t: ThermalNumbers, c: MatchingConfig): HeatCapexView {
  return {
    peak_mw: t.capacityMw,
    pipe_class_mw: c.heat.pipe_classes[t.pipeClass]!.capacity_mw,
    pipe_m: t.routeM,
    pipes: c.heat.pipes,
    pipe_eur_per_m: t.pipeEurPerM,
    pipe_eur: t.pipeEur,
    source_hx_eur: t.sourceHxEur,
    sink_hx_eur: t.sinkHxEur,
    pump_eur: t.pumpCapexEur,
    heat_pump_eur: t.heatPumpEur,
    total_eur: thermalCapex(t),
  };
}

export const SENSITIVITY_STEPS = [-0.2, -0.1, 0.1, 0.2] as const;

/**
 * NPV with the annual value changed by each step (opex unchanged: CF' = value x (1 + k) - opex),
 * and with capex changed by each step (maintenance, a share of capex, changes with it).
 */
export function sensitivity(n: EconNumbers, ec: EconContext): { annual_value: SensitivityPoint[]; capex: SensitivityPoint[] } {
  const annual_value: SensitivityPoint[] = [];
  const capex: SensitivityPoint[] = [];
  const m = ec.c.economics.maintenance_rate;
  for (const k of SENSITIVITY_STEPS) {
    annual_value.push({ change: k, npv_eur: -n.capex + (n.value * (1 + k) - n.opex) * ec.annuity });
    const cx = n.capex * (1 + k);
    capex.push({ change: k, npv_eur: -cx + (n.value - (m * cx + n.runningOpex)) * ec.annuity });
  }
  return { annual_value, capex };
}

export function economicsView(s: CompiledFlow, d: CompiledFlow, distanceKm: number, regulatoryRisk: number, n: EconNumbers, ec: EconContext): EconomicsView {
  const c = ec.c;
  const years = c.economics.horizon_years;
  const level = complexityLevel(n.capex, distanceKm, c);
  const risk = riskLevel(regulatoryRisk, c);
  const multiplier = c.complexity.multiplier[level];
  const mitigation = n.capex * c.complexity.risk_mitigation_rate[risk];
  const compliance = n.capex * c.complexity.compliance_rate[risk];
  const exchangeCost = n.capex * (multiplier - 1) + mitigation + compliance;
  const base = BASE_UNIT[d.type];
  return {
    capex_eur: n.capex,
    opex_eur_per_year: n.opex,
    annual_value_eur: n.value,
    cash_flow_eur_per_year: n.cashFlow,
    npv_eur: n.npv,
    irr: irr(n.capex, n.cashFlow, years),
    payback_years: payback(n.capex, n.cashFlow),
    co2_t_per_year: co2PerYear(s, d, n, c),
    delivered: { amount: n.delivered, unit: CANONICAL_UNIT[d.type] },
    delivered_per_year: { amount: n.annualQty, unit: `${base}/yr` },
    hours_per_year: n.hours,
    price: { eur_per_unit: n.price, unit: base, source: n.priceSource },
    avoided_disposal: { eur_per_unit: n.disposal, unit: base, source: n.disposalSource },
    capex_breakdown: n.isThermal
      ? heatCapexView(n.thermal, c)
      : {
            per_km_eur: c.capex_eur_per_km[s.type] ?? 0,
            distance_km: distanceKm,
            fixed_eur: c.capex_fixed_eur[s.type] ?? 0,
            total_eur: n.capex,
          },
    truck_opex_eur_per_year: n.isThermal ? 0 : n.runningOpex,
    heat: n.isThermal ? heatView(s, d, n.thermal, c) : null,
    sensitivity: sensitivity(n, ec),
    complexity: {
      level,
      risk_level: risk,
      multiplier,
      exchange_cost_eur: exchangeCost,
      risk_mitigation_eur: mitigation,
      compliance_eur: compliance,
      npv_after_exchange_costs_eur: n.npv - exchangeCost,
    },
  };
}

/** Plain-language assumptions behind a pair's numbers (defaults used, units not understood ...). */
export function economicsAssumptions(s: CompiledFlow, d: CompiledFlow, n: EconNumbers, c: MatchingConfig): string[] {
  const out: string[] = [];
  const base = BASE_UNIT[d.type];
  if (n.priceSource === 'default') {
    out.push(`${d.type} price ${n.price} EUR/${base} assumed (type default): ${d.id} ${d.priceNote === 'unit' ? `states its price in a unit that does not fit (${d.src.price_per})` : 'states no price'}`);
  } else if (n.priceSource === 'none') {
    out.push(`no price for ${d.type} (${d.id} states none and there is no type default): its value counts 0`);
  }
  if (n.disposalSource === 'default') {
    out.push(`avoided disposal ${n.disposal} EUR/${base} assumed (type default): ${s.id} ${s.disposalNote === 'unit' ? `states its disposal cost in a unit that does not fit (${s.src.disposal_per})` : 'states no disposal cost'}`);
  }
  if (n.isThermal) {
    out.push(...thermalAssumptions(s, d, n.thermal, c));
  } else if (!s.stated && !d.stated && RATE_TO_BASE[s.type] !== undefined) {
    out.push(`${c.economics.default_hours_per_year} operating hours per year assumed (neither flow states a schedule)`);
  }
  if (c.truck.types.includes(s.type)) out.push(`trucked: road distance ${c.truck.road_factor} x the straight distance at ${c.truck.eur_per_tkm} EUR per t*km`);
  return out;
}

/** The assumptions of a thermal exchange, in a planner's words. */
function thermalAssumptions(s: CompiledFlow, d: CompiledFlow, t: ThermalNumbers, c: MatchingConfig): string[] {
  const h = c.heat;
  const out = [
    `hourly: ${s.id} follows the ${s.shape?.profile ?? 'flat'} profile, ${d.id} the ${d.shape?.profile ?? 'flat'} profile (8,760 hours; a quantity in kW is the average over the flow's available hours)`,
    `${h.pipes} pipes (flow and return) along a route ${c.hotmaps.route_factor} x the straight distance, sized on the largest 24-hour average before losses (Hotmaps)`,
    `pipe losses at ${fmt(t.flowTempC)} degC flow, ${fmt(t.returnTempC)} degC return, soil ${fmt(t.soilTempC)} degC (${t.paramCountry}); pumps at ${fmt(t.electricityEurPerMwh)} EUR/MWh`,
  ];
  if (t.countryAssumed) out.push(`no Hotmaps soil temperature or electricity price for ${s.countryCode}: ${t.paramCountry}'s used`);
  if (t.flowTempAssumed) out.push(`${d.id} states no temperature: ${fmt(t.flowTempC)} degC flow assumed`);
  if (!Number.isNaN(t.cop)) out.push(`heat pump: ${s.id} is colder than ${d.id} needs; COP ${fmt(t.cop)} (${h.heat_pump.carnot_fraction} x Carnot, ${h.heat_pump.approach_k} K approach), ${fmt(h.heat_pump.capex_eur_per_mw)} EUR/MW, electricity ${c.default_price_eur.electricity ?? 0} EUR/MWh`);
  if (t.kind === 'steam') out.push(`steam line ${h.steam.pipe_cost_factor} x the hot-water pipe cost of the same power, condensate return ${h.steam.condensate_return_c} degC`);
  if (t.kind === 'cooling') out.push(`avoided chiller electricity at EER ${h.cooling.chiller_eer}`);
  else out.push(`CO2: ${t.fuelAssumed ? `${d.id} states no current fuel: ${t.fuel.replace('_', ' ')} assumed` : `${d.id} burns ${t.fuel.replace('_', ' ')} today`} (${h.fuels[t.fuel].t_per_mwh} t/MWh at ${h.fuels[t.fuel].efficiency} efficiency), minus pump and heat-pump electricity at ${c.co2.grid_t_per_mwh} t/MWh`);
  return out;
}

/** One decimal, thousands with commas (toLocaleString is slow for thousands of records). */
function fmt(x: number): string {
  const [int, dec] = (Math.round(x * 10) / 10).toFixed(1).split('.') as [string, string];
  return `${int.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${dec === '0' ? '' : `.${dec}`}`;
}
