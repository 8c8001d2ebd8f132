/**
 * Economics of one candidate pair (domain.md 2.3): delivered quantity, hours, annual value, capex
 * (Hotmaps for heat, per-km or one-off figures for the rest), opex, cash flow, NPV, IRR, payback,
 * CO2, sensitivity and implementation complexity.
 *
 * `pairEconomics` is the hot path (numbers into a reused object, used for the filters of every
 * candidate); `economicsView` adds what only shown matches need (IRR, sensitivity, complexity,
 * breakdown, assumptions) from the very same numbers, so a packet shows what the ranking used.
 */
import { FLOW_TYPES, type FlowType } from '../domain/entities.ts';
import type { CompiledFlow, FlowColumns } from './compiled.ts';
import type { PairFacts } from './compatibility.ts';
import type { ComplexityLevel, MatchingConfig, RiskLevel } from './config.ts';
import { annuityFactor, irr, payback } from './finance.ts';
import { BASE_UNIT, RATE_TO_BASE } from './prices.ts';
import { CANONICAL_UNIT } from '../domain/units.ts';

/** Hotmaps pipe cost per metre at peak power P (MW): the first step at or above P; above the table, the top price. */
export function pipeCostPerMetre(peakMw: number, c: MatchingConfig): number {
  const table = c.hotmaps.pipe_eur_per_m;
  for (let i = 0; i < table.length; i++) if (peakMw <= table[i]![0]) return table[i]![1];
  return c.hotmaps.pipe_eur_per_m_above;
}

export interface HeatCapex {
  peak_mw: number;
  pipe_m: number;
  pipe_eur_per_m: number;
  pipe_eur: number;
  source_hx_eur: number;
  sink_hx_eur: number;
  pump_eur: number;
  total_eur: number;
}

/**
 * Hotmaps heat capex, sized by the DELIVERED peak power (the worked check of 2.3 reproduces only
 * so: 37,500 = 15,000 x 2.5 MW, not x 3 MW of supply).
 */
export function heatCapex(deliveredKw: number, distanceKm: number, c: MatchingConfig): HeatCapex {
  const h = c.hotmaps;
  const mw = deliveredKw / 1000;
  const pipeM = distanceKm * 1000 * h.route_factor;
  const perM = pipeCostPerMetre(mw, c);
  const pipe = pipeM * perM;
  const source = h.source_hx_eur_per_mw * mw;
  const sink = (mw < 1 ? h.sink_hx_eur_per_mw_below_1mw : h.sink_hx_eur_per_mw) * mw;
  const pump = (mw < 1 ? h.pump_eur_per_mw_below_1mw : h.pump_eur_per_mw) * mw;
  return { peak_mw: mw, pipe_m: pipeM, pipe_eur_per_m: perM, pipe_eur: pipe, source_hx_eur: source, sink_hx_eur: sink, pump_eur: pump, total_eur: pipe + source + sink + pump };
}

/** Hotmaps heat capex total (the same sum as heatCapex, without building the breakdown). */
export function heatCapexTotal(deliveredKw: number, distanceKm: number, c: MatchingConfig): number {
  const h = c.hotmaps;
  const mw = deliveredKw / 1000;
  const pipe = distanceKm * 1000 * h.route_factor * pipeCostPerMetre(mw, c);
  const source = h.source_hx_eur_per_mw * mw;
  const sink = (mw < 1 ? h.sink_hx_eur_per_mw_below_1mw : h.sink_hx_eur_per_mw) * mw;
  const pump = (mw < 1 ? h.pump_eur_per_mw_below_1mw : h.pump_eur_per_mw) * mw;
  return pipe + source + sink + pump;
}

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
  truckOpex: number;
  opex: number;
  cashFlow: number;
  npv: number;
}

export function newEconNumbers(): EconNumbers {
  return { delivered: 0, hours: 0, annualQty: 0, price: 0, priceSource: 'none', disposal: 0, disposalSource: 'none', value: 0, capex: 0, truckOpex: 0, opex: 0, cashFlow: 0, npv: 0 };
}

/** 2.2/2.3: supply after exchanger and transport loss (thermal types), capped by the demand. */
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

const HEAT = FLOW_TYPES.indexOf('heat');

export function capexOf(supplyTypeCode: number, delivered: number, distanceKm: number, ec: EconContext): number {
  if (supplyTypeCode === HEAT) return heatCapexTotal(delivered, distanceKm, ec.c);
  return ec.capexPerKm[supplyTypeCode]! * distanceKm + ec.capexFixed[supplyTypeCode]!;
}

/** The numbers the filters and the ranking use, for the flows at positions `s` and `d` of `cols`; written into `out`. */
export function pairEconomics(cols: FlowColumns, s: number, d: number, f: PairFacts, ec: EconContext, out: EconNumbers): EconNumbers {
  const c = ec.c;
  const distanceKm = f.distanceKm;
  const overlapHours = f.overlapHours;
  const overlapMonths = f.overlapMonths;
  const st = cols.typeCode[s]!;
  const delivered = deliveredAmount(st, cols.amount[s]!, cols.amount[d]!, distanceKm, ec);
  // sharedHours, on columns
  const hours = cols.stated[s] === 0 && cols.stated[d] === 0 ? c.economics.default_hours_per_year : (overlapHours * c.economics.weeks_per_year * overlapMonths) / 12;
  const rate = ec.rateToBase[st]!;
  // Rates (kW, m3/h) run for the shared hours; yearly quantities (t/yr) can be stored, so they do not (decision).
  const annualQty = Number.isNaN(rate) ? delivered : delivered * hours * rate;
  let price = cols.priceBase[d]!;
  let priceSource: PriceSource = 'flow';
  if (Number.isNaN(price)) {
    const dflt = ec.defaultPrice[cols.typeCode[d]!]!;
    price = Number.isNaN(dflt) ? 0 : dflt;
    priceSource = Number.isNaN(dflt) ? 'none' : 'default';
  }
  let disposal = cols.disposalBase[s]!;
  let disposalSource: PriceSource = 'flow';
  if (Number.isNaN(disposal)) {
    const dflt = ec.defaultDisposal[st]!;
    disposal = Number.isNaN(dflt) ? 0 : dflt;
    disposalSource = Number.isNaN(dflt) ? 'none' : 'default';
  }
  const value = annualQty * (price + disposal);
  const capex = capexOf(st, delivered, distanceKm, ec);
  const truckOpex = ec.truck[st] === 1 ? c.truck.eur_per_tkm * annualQty * distanceKm * c.truck.road_factor : 0;
  const opex = c.economics.maintenance_rate * capex + truckOpex;
  const cashFlow = value - opex;
  out.delivered = delivered;
  out.hours = hours;
  out.annualQty = annualQty;
  out.price = price;
  out.priceSource = priceSource;
  out.disposal = disposal;
  out.disposalSource = disposalSource;
  out.value = value;
  out.capex = capex;
  out.truckOpex = truckOpex;
  out.opex = opex;
  out.cashFlow = cashFlow;
  out.npv = -capex + cashFlow * ec.annuity;
  return out;
}

/** 2.3 CO2 avoided per year, by the medium (the supply's type). */
export function co2PerYear(s: CompiledFlow, d: CompiledFlow, annualQty: number, c: MatchingConfig): number {
  const k = c.co2;
  switch (s.type) {
    case 'heat':
    case 'steam':
      return (annualQty * k.grid_t_per_mwh) / k.boiler_efficiency;
    case 'electricity':
      return annualQty * k.grid_t_per_mwh;
    case 'water':
    case 'wastewater':
      return ((annualQty * k.water_kwh_per_m3) / 1000) * k.grid_t_per_mwh;
    case 'waste':
    case 'material':
      return annualQty * (s.compost || d.compost ? k.compost_t_per_t : k.diverted_t_per_t);
    default:
      return 0; // cooling, compressed air, co2, logistics, service: no factor in the sources
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
  capex_breakdown: HeatCapex | { per_km_eur: number; distance_km: number; fixed_eur: number; total_eur: number };
  truck_opex_eur_per_year: number;
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
    capex.push({ change: k, npv_eur: -cx + (n.value - (m * cx + n.truckOpex)) * ec.annuity });
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
    co2_t_per_year: co2PerYear(s, d, n.annualQty, c),
    delivered: { amount: n.delivered, unit: CANONICAL_UNIT[d.type] },
    delivered_per_year: { amount: n.annualQty, unit: `${base}/yr` },
    hours_per_year: n.hours,
    price: { eur_per_unit: n.price, unit: base, source: n.priceSource },
    avoided_disposal: { eur_per_unit: n.disposal, unit: base, source: n.disposalSource },
    capex_breakdown:
      s.type === 'heat'
        ? heatCapex(n.delivered, distanceKm, c)
        : {
            per_km_eur: c.capex_eur_per_km[s.type] ?? 0,
            distance_km: distanceKm,
            fixed_eur: c.capex_fixed_eur[s.type] ?? 0,
            total_eur: n.capex,
          },
    truck_opex_eur_per_year: n.truckOpex,
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
  if (!s.stated && !d.stated && RATE_TO_BASE[s.type] !== undefined) {
    out.push(`${c.economics.default_hours_per_year} operating hours per year assumed (neither flow states a schedule)`);
  }
  if (s.type === 'heat') out.push(`pipe route ${c.hotmaps.route_factor} x the straight distance; capex sized by the delivered peak power (Hotmaps)`);
  if (c.truck.types.includes(s.type)) out.push(`trucked: road distance ${c.truck.road_factor} x the straight distance at ${c.truck.eur_per_tkm} EUR per t*km`);
  return out;
}
