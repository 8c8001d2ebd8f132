/**
 * From the engine's pairwise matches (the alternatives) to the regional plan's input (main/plan),
 * and back: the economics of a plan member at its allocated share (domain.md 5.1).
 *
 * A candidate is one alternative as priced stand-alone: its pipe (heat) or its handling and
 * transport (others) is what gets built; the plan chooses whether to build it (y) and which share
 * x of its stand-alone quantity it carries. Heat, steam and cooling use their flows hour by hour:
 * at share x the demand receives x times the stand-alone hourly delivery, and the supply gives
 * that divided by the exchanger efficiency plus the pipe's losses in the hours it delivers. Other
 * types use their yearly (or rate) quantity. Objective coefficients are the stand-alone figures
 * split into what scales with x (value, truck transport, pumping and heat-pump electricity) and
 * what does not (capex and its maintenance): linear, with pumping (a cube of the flow) taken at
 * its full-share cost per unit, which overstates it at partial shares; the member's own numbers
 * are then computed exactly at its share (`allocatedEconomics`).
 */
import type { HourlyUse, PlanCandidate, PlanFlow } from '../plan/model.ts';
import { HOURLY_TYPES } from './compiled.ts';
import type { MatchingConfig } from './config.ts';
import type { EconomicsView } from './economics.ts';
import { annuityFactor, irr, payback } from './finance.ts';
import { HOURS_PER_YEAR } from './hourly/calendar.ts';
import { newHourlySeries } from './hourly/heat-exchange.ts';
import type { EngineMatch } from './match.ts';
import type { Matcher } from './engine.ts';
import { newThermalNumbers, thermalContext, thermalExchange } from './thermal.ts';

/**
 * What the plan reads of a match: its pair, distance and the economics its candidate and its
 * member's figures are made of. A run keeps this projection of each match (`planMatchOf`) instead
 * of the whole record (sensitivity tables, assumptions, explanation), so the plan of 236,551
 * matches does not need every record in memory. An EngineMatch is one too.
 */
export interface PlanMatch {
  id: string;
  supply_flow_id: string;
  demand_flow_id: string;
  type: EngineMatch['type'];
  distance_km: number;
  economics: Pick<EconomicsView, 'npv_eur' | 'capex_eur' | 'annual_value_eur' | 'truck_opex_eur_per_year' | 'co2_t_per_year' | 'delivered' | 'delivered_per_year' | 'heat' | 'capex_breakdown'>;
}

/** The plan's projection of a match (sharing its small parts; the rest of the record can go). */
export function planMatchOf(m: EngineMatch): PlanMatch {
  const e = m.economics;
  return {
    id: m.id,
    supply_flow_id: m.supply_flow_id,
    demand_flow_id: m.demand_flow_id,
    type: m.type,
    distance_km: m.distance_km,
    economics: {
      npv_eur: e.npv_eur,
      capex_eur: e.capex_eur,
      annual_value_eur: e.annual_value_eur,
      truck_opex_eur_per_year: e.truck_opex_eur_per_year,
      co2_t_per_year: e.co2_t_per_year,
      delivered: e.delivered,
      delivered_per_year: e.delivered_per_year,
      heat: e.heat,
      capex_breakdown: e.capex_breakdown,
    },
  };
}

/** What a plan member's quantity is measured in: the flow type's canonical unit, per year for energy. */
export function allocationUnit(m: PlanMatch): string {
  return m.economics.heat !== null ? 'MWh/yr' : m.economics.delivered.unit;
}

/** The stand-alone quantity a share multiplies (MWh/yr for heat, steam, cooling; else the canonical delivered quantity). */
export function standAloneQuantity(m: PlanMatch): number {
  return m.economics.heat !== null ? m.economics.heat.delivered_mwh_per_year : m.economics.delivered.amount;
}

/** Scratch of the candidates' hourly use (one at a time: the solver reads each result before the next call). */
const scratchSeries = newHourlySeries();
const scratchThermal = newThermalNumbers();

export interface PlanInput {
  flows: PlanFlow[];
  candidates: PlanCandidate[];
}

/**
 * The plan's flows and candidates for `matches` (profitable or held ones: a candidate that can
 * never pay is left out by the solver anyway). `held` maps a match id to its held share
 * (reserved, contracted, live).
 */
export function planInput(matcher: Matcher, matches: readonly PlanMatch[], c: MatchingConfig, held: ReadonlyMap<string, number> = new Map()): PlanInput {
  const table = matcher.table;
  const cols = table.cols;
  const tc = thermalContext(c);
  const annuity = annuityFactor(c.economics.discount_rate, c.economics.horizon_years);
  const maintenance = c.economics.maintenance_rate;
  const flowIds = new Set<string>();
  const candidates: PlanCandidate[] = [];
  for (const m of matches) {
    const keep = held.get(m.id);
    if (keep === undefined && !(m.economics.npv_eur > 0)) continue;
    const e = m.economics;
    const h = e.heat;
    const fixedNpv = -e.capex_eur - annuity * maintenance * e.capex_eur;
    const running = h !== null ? h.pumping_eur_per_year + (h.heat_pump?.electricity_eur_per_year ?? 0) : e.truck_opex_eur_per_year;
    const unitNpv = annuity * (e.annual_value_eur - running);
    const candidate: PlanCandidate = {
      id: m.id,
      supply: m.supply_flow_id,
      demand: m.demand_flow_id,
      coef: {
        npv: { fixed: fixedNpv, unit: unitNpv },
        co2: { fixed: 0, unit: e.co2_t_per_year },
        energy: { fixed: 0, unit: energyPerYear(m) },
      },
      ...(keep !== undefined ? { held: keep } : {}),
    };
    const s = table.get(m.supply_flow_id);
    const d = table.get(m.demand_flow_id);
    if (s === undefined || d === undefined) continue;
    if (h !== null && s.shape !== null && d.shape !== null) {
      const eta = c.thermal.exchanger_efficiency;
      const km = m.distance_km;
      // The solver may ask many times and passes arrays to fill: reuse one scratch series, allocate nothing per call.
      candidate.hourly = (into?: HourlyUse): HourlyUse => {
        const t = thermalExchange(cols, s.idx, d.idx, km, c, tc, scratchThermal, scratchSeries);
        const out = into ?? { supplyDraw: new Float64Array(HOURS_PER_YEAR), supplyFixed: new Float64Array(HOURS_PER_YEAR), demandTake: new Float64Array(HOURS_PER_YEAR) };
        const delivered = scratchSeries.delivered;
        const fixed = t.lossMw / eta;
        for (let k = 0; k < HOURS_PER_YEAR; k++) {
          const q = delivered[k]!;
          out.supplyDraw[k] = q / eta;
          out.supplyFixed[k] = q > 0 ? fixed : 0;
          out.demandTake[k] = q;
        }
        return out;
      };
    } else {
      candidate.supplyUse = e.delivered.amount;
      candidate.demandUse = e.delivered.amount;
    }
    candidates.push(candidate);
    flowIds.add(m.supply_flow_id);
    flowIds.add(m.demand_flow_id);
  }
  const flows: PlanFlow[] = [];
  for (const id of flowIds) {
    const f = table.get(id)!;
    if (HOURLY_TYPES.has(f.type) && f.shape !== null) {
      const cap = new Float64Array(HOURS_PER_YEAR);
      const v = f.shape.values;
      for (let k = 0; k < HOURS_PER_YEAR; k++) cap[k] = f.avgMw * v[k]!;
      flows.push({ id, capacity: cap });
    } else {
      flows.push({ id, capacity: f.amount });
    }
  }
  return { flows, candidates };
}

/** Energy delivered per year, MWh (heat, steam, cooling, electricity); 0 for the other types. */
function energyPerYear(m: PlanMatch): number {
  if (m.economics.heat !== null) return m.economics.heat.delivered_mwh_per_year;
  return m.economics.delivered_per_year.unit === 'MWh/yr' ? m.economics.delivered_per_year.amount : 0;
}

/** A plan member's numbers at its allocated share (what the plan, the packets and the totals show). */
export interface AllocatedEconomics {
  share: number;
  allocated: { amount: number; unit: string };
  delivered_mwh_per_year: number | null;
  capacity_mw: number | null;
  pipe_class_mw: number | null;
  with_heat_pump: boolean | null;
  capex_eur: number;
  pipe_capex_eur: number | null;
  opex_eur_per_year: number;
  annual_value_eur: number;
  npv_eur: number;
  irr: number | null;
  payback_years: number | null;
  lcoh_ct_per_kwh: number | null;
  co2_t_per_year: number;
}

/**
 * Economics at share x of the stand-alone exchange: the same pipe (or handling) is built; value,
 * truck transport and heat-pump electricity scale with x, pumping with x^3 (it is a cube of the
 * flow), maintenance stays a share of capex.
 */
export function allocatedEconomics(m: PlanMatch, share: number, c: MatchingConfig): AllocatedEconomics {
  const e = m.economics;
  const h = e.heat;
  const x = share;
  const annuity = annuityFactor(c.economics.discount_rate, c.economics.horizon_years);
  const capex = e.capex_eur;
  const value = e.annual_value_eur * x;
  const pumping = h !== null ? h.pumping_eur_per_year * x * x * x : 0;
  const heatPump = h?.heat_pump ? h.heat_pump.electricity_eur_per_year * x : 0;
  const truck = h === null ? e.truck_opex_eur_per_year * x : 0;
  const opex = c.economics.maintenance_rate * capex + pumping + heatPump + truck;
  const cf = value - opex;
  const delivered = h !== null ? h.delivered_mwh_per_year * x : null;
  let co2 = e.co2_t_per_year * x;
  let lcoh: number | null = null;
  if (h !== null) {
    const electricityT = (h.pumping_mwh_per_year * x * x * x + (h.heat_pump?.electricity_mwh_per_year ?? 0) * x) * c.co2.grid_t_per_mwh;
    co2 = h.co2_avoided_fuel_t_per_year * x - electricityT;
    const lcohFactor = annuityFactor(c.heat.lcoh.rate, c.heat.lcoh.years);
    lcoh = delivered! > 0 ? (capex / lcohFactor + c.heat.lcoh.om_rate * capex + pumping + heatPump) / delivered! / 10 : null;
  }
  return {
    share: x,
    allocated: { amount: standAloneQuantity(m) * x, unit: allocationUnit(m) },
    delivered_mwh_per_year: delivered,
    capacity_mw: h?.capacity_mw ?? null,
    pipe_class_mw: h?.pipe_class_mw ?? null,
    with_heat_pump: h !== null ? h.heat_pump !== null : null,
    capex_eur: capex,
    pipe_capex_eur: h !== null && 'pipe_eur' in e.capex_breakdown ? e.capex_breakdown.pipe_eur : null,
    opex_eur_per_year: opex,
    annual_value_eur: value,
    npv_eur: -capex + cf * annuity,
    irr: irr(capex, cf, c.economics.horizon_years),
    payback_years: payback(capex, cf),
    lcoh_ct_per_kwh: lcoh,
    co2_t_per_year: co2,
  };
}
