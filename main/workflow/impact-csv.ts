/**
 * The impact table as CSV for spreadsheets. Organisation names and other text come from partners
 * and imports: cells are written by the app's one CSV writer (main/interchange/csv-write.ts), which
 * quotes them and guards them against CSV formula injection. Numbers are rounded here and stay
 * numbers (a negative value must not become text).
 */
import { csvCell } from '../interchange/csv-write.ts';
import type { ImpactPotential, ImpactRow, PotentialRow } from './impact.ts';

export function csvText(value: string): string {
  return csvCell(value);
}

export function csvNumber(value: number | null, digits = 3): string {
  if (value === null || !Number.isFinite(value)) return '';
  return csvCell(Number(value.toFixed(digits)));
}

/** Measured figures per exchange, when meters are bound (M&V). */
export interface MeasuredColumns {
  measured_per_year: number | null;
  measured_unit: string;
  coverage: number;
}

export const IMPACT_CSV_HEADER = [
  'match_id',
  'status',
  'type',
  'supplier',
  'receiver',
  'contracted_at',
  'live_at',
  'co2_t_per_year',
  'value_eur_per_year',
  'energy_mwh_per_year',
  'tonnes_t_per_year',
  'water_m3_per_year',
  'measured_per_year',
  'measured_unit',
  'measured_coverage',
  'plan_share',
  'plan_objective',
  'plan_gap',
];

/**
 * One row per contracted or live exchange, then one row per plan member with status `potential`
 * (its figures at the allocated share; summing them gives the plan's totals, never competing
 * alternatives). `plan_share` is the share the plan gives the match, on every row whose match is a
 * plan member; `plan_objective` and `plan_gap` are the plan's, on the potential rows.
 */
export function impactCsv(
  rows: ImpactRow[],
  measured: ReadonlyMap<string, MeasuredColumns> = new Map(),
  potential: { plan: ImpactPotential | null; rows: readonly PotentialRow[] } = { plan: null, rows: [] },
): string {
  const lines = [IMPACT_CSV_HEADER.join(',')];
  const shares = new Map(potential.rows.map((p) => [p.id, p.share]));
  for (const r of rows) {
    const m = measured.get(r.id);
    lines.push(
      [
        csvText(r.id),
        csvText(r.status),
        csvText(r.type),
        csvText(r.supply_organization),
        csvText(r.demand_organization),
        csvText(r.contracted_at ?? ''),
        csvText(r.live_at ?? ''),
        csvNumber(r.co2_t),
        csvNumber(r.value_eur, 2),
        csvNumber(r.energy_mwh),
        csvNumber(r.tonnes_t),
        csvNumber(r.water_m3),
        csvNumber(m?.measured_per_year ?? null),
        csvText(m ? m.measured_unit : ''),
        csvNumber(m ? m.coverage : null, 4),
        csvNumber(shares.get(r.id) ?? null, 6),
        '',
        '',
      ].join(','),
    );
  }
  if (potential.plan) {
    for (const p of potential.rows) {
      lines.push(
        [
          csvText(p.id),
          'potential',
          csvText(p.type),
          csvText(p.supply_organization),
          csvText(p.demand_organization),
          '',
          '',
          csvNumber(p.co2_t),
          csvNumber(p.value_eur, 2),
          csvNumber(p.energy_mwh),
          csvNumber(p.tonnes_t),
          csvNumber(p.water_m3),
          '',
          '',
          '',
          csvNumber(p.share, 6),
          csvText(potential.plan.objective),
          csvNumber(potential.plan.gap, 6),
        ].join(','),
      );
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}
