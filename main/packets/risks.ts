/**
 * Risks and permits a partner packet lists, derived from the two flows and the match: one table
 * of rules, each with the condition that triggers it and the source it rests on. They are
 * pointers for the feasibility study ("likely needed"), not legal advice; the wording is in
 * strings/en.ts under `risk.<id>.*`.
 */
import type { FlowType } from '../domain/entities.ts';
import type { StringKey } from './i18n.ts';

export interface RiskContext {
  supplyType: FlowType;
  demandType: FlowType;
  distanceKm: number;
  crossBorder: boolean;
  /** EWC code of the supply (trailing * = hazardous) and the explicit hazardous flag. */
  ewc: string | undefined;
  hazardous: boolean;
  /** Transport modes either side allows (empty: none stated). */
  modes: string[];
  maxTemperatureC: number | undefined;
  maxPressureBar: number | undefined;
  /** Category / names, lower case, for feed and food rules. */
  words: string;
}

export interface RiskRule {
  id: string;
  /** Why it applies here, or undefined when it does not. */
  applies: (c: RiskContext) => boolean;
  source: string;
}

const THERMAL: FlowType[] = ['heat', 'steam', 'cooling'];
const SOLIDS: FlowType[] = ['material', 'waste'];
const piped = (c: RiskContext) => c.modes.includes('pipe') || (c.modes.length === 0 && !SOLIDS.includes(c.supplyType));
const trucked = (c: RiskContext) => c.modes.includes('truck') || (c.modes.length === 0 && SOLIDS.includes(c.supplyType));
const isWaste = (c: RiskContext) => c.supplyType === 'waste' || c.ewc !== undefined;
const isHazardous = (c: RiskContext) => c.hazardous || (c.ewc?.endsWith('*') ?? false);

export const RISK_RULES: RiskRule[] = [
  { id: 'pipe_route', applies: (c) => piped(c) && [...THERMAL, 'water', 'wastewater', 'co2', 'compressed_air'].includes(c.supplyType) && c.distanceKm > 0.05, source: 'Building code and road law of the Land; easements (German BGB 1018 ff.)' },
  { id: 'long_pipe', applies: (c) => piped(c) && c.distanceKm > 5, source: 'EIA Directive 2011/92/EU Annex II; German UVPG Annex 1 (19.7-19.9)' },
  { id: 'pressure', applies: (c) => c.supplyType === 'steam' || (c.maxPressureBar ?? 0) > 0.5 || (THERMAL.includes(c.supplyType) && (c.maxTemperatureC ?? 0) > 110), source: 'Pressure Equipment Directive 2014/68/EU; German BetrSichV' },
  { id: 'heat_supply', applies: (c) => c.supplyType === 'heat' || c.supplyType === 'steam', source: 'Heat supply contract terms (German AVBFernwärmeV); Energy Efficiency Directive (EU) 2023/1791 art. 26' },
  { id: 'waste_status', applies: (c) => isWaste(c) && !isHazardous(c), source: 'Waste Framework Directive 2008/98/EC art. 5 and 6; German KrWG 4 and 5' },
  { id: 'hazardous', applies: isHazardous, source: 'Waste Framework Directive 2008/98/EC art. 17; German NachwV (electronic consignment notes)' },
  { id: 'waste_transport', applies: (c) => isWaste(c) && trucked(c), source: 'German KrWG 53-54 (notification / permit of carriers); ADR when dangerous goods' },
  { id: 'transboundary', applies: (c) => c.crossBorder && isWaste(c), source: 'Waste Shipment Regulation (EU) 2024/1157' },
  { id: 'cross_border', applies: (c) => c.crossBorder && !isWaste(c), source: 'Bilateral agreement between the operators; national energy and water law on both sides' },
  { id: 'feed', applies: (c) => /\bfeed|futter/.test(c.words), source: 'Feed Hygiene Regulation (EC) 183/2005; Regulation (EC) 767/2009; Catalogue of feed materials (EU) 68/2013' },
  { id: 'water_reuse', applies: (c) => c.supplyType === 'wastewater' || (c.supplyType === 'water' && c.demandType === 'water'), source: 'Water Resources Act (German WHG 8, 57, 58); Regulation (EU) 2020/741 for reuse in irrigation' },
  { id: 'co2_quality', applies: (c) => c.supplyType === 'co2', source: 'Food-grade CO2: EIGA Doc 70 / ISBT quality guidelines; EU ETS Directive 2003/87/EC monitoring' },
  { id: 'electricity', applies: (c) => c.supplyType === 'electricity', source: 'German EnWG 3 (customer installation) and supplier duties; Renewable Energy Directive (EU) 2018/2001' },
];

export interface RiskItem {
  id: string;
  title_key: StringKey;
  why_key: StringKey;
  source: string;
}

export function risksFor(c: RiskContext): RiskItem[] {
  return RISK_RULES.filter((r) => r.applies(c)).map((r) => ({
    id: r.id,
    title_key: `risk.${r.id}.title` as StringKey,
    why_key: `risk.${r.id}.why` as StringKey,
    source: r.source,
  }));
}
