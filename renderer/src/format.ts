/** Display helpers: numbers, units and labels, in one place so every panel reads the same. */
import { csvDocument } from '../../main/interchange/csv-write.ts';

const grouped = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });

export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  const digits = abs === 0 ? 0 : abs < 1 ? 3 : abs < 10 ? 2 : abs < 100 ? 1 : 0;
  return new Intl.NumberFormat('en-GB', { maximumFractionDigits: digits }).format(value);
}

/** A number a user typed, shown as typed (grouped, no rounding beyond 6 decimals). */
export function formatExact(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return new Intl.NumberFormat('en-GB', { maximumFractionDigits: 6 }).format(value);
}

export function formatCount(value: number): string {
  return grouped.format(value);
}

/** Short count for cluster badges: 950, 1.2k, 12k. */
export function shortCount(value: number): string {
  if (value < 1000) return String(value);
  if (value < 10_000) return `${(value / 1000).toFixed(1).replace(/\.0$/, '')}k`;
  return `${Math.round(value / 1000)}k`;
}

export function label(value: string | null | undefined): string {
  if (!value) return '–';
  return value.replaceAll('_', ' ').replace(/^./, (c) => c.toUpperCase());
}

export function formatRange(min: number | undefined, max: number | undefined, unit: string): string {
  if (min === undefined && max === undefined) return '–';
  if (min !== undefined && max !== undefined) return min === max ? `${formatNumber(min)} ${unit}` : `${formatNumber(min)} – ${formatNumber(max)} ${unit}`;
  return min !== undefined ? `≥ ${formatNumber(min)} ${unit}` : `≤ ${formatNumber(max)} ${unit}`;
}

export function formatCoordinate(lat: number, lon: number): string {
  const ns = lat >= 0 ? 'N' : 'S';
  const ew = lon >= 0 ? 'E' : 'W';
  return `${Math.abs(lat).toFixed(5)}° ${ns}, ${Math.abs(lon).toFixed(5)}° ${ew}`;
}

/**
 * Turns a server field list into a CSV file and starts its download. Names come from other members
 * through sync: the app's one CSV writer guards them against spreadsheet formula injection.
 */
export function downloadCsv(fileName: string, header: string[], rows: (string | number | undefined | null)[][]): void {
  const text = csvDocument(header, rows);
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---- matching: money, shares, scores, distances (one format per kind of number) ----------------

const eur = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR', maximumFractionDigits: 0 });

/** Euros, whole, grouped: €548,123 / -€253,306. */
export function formatEur(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return eur.format(Math.round(value) === 0 ? 0 : value);
}

/** A fraction as a percentage with one decimal: 0.3138 -> "31.4 %". */
export function formatPercent(fraction: number | null | undefined, digits = 1): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '–';
  return `${(fraction * 100).toFixed(digits)} %`;
}

/** A score or score component (0..1) with two decimals: 0.93. */
export function formatScore(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return value.toFixed(2);
}

/** A weighted contribution to the raw score, signed, three decimals: +0.250 / −0.005. */
export function formatContribution(value: number): string {
  const v = Math.abs(value) < 0.0005 ? 0 : value;
  return `${v < 0 ? '−' : '+'}${Math.abs(v).toFixed(3)}`;
}

/** Distance: 0.48 km, 12.3 km, 150 km. */
export function formatKm(km: number | null | undefined): string {
  if (km === null || km === undefined || !Number.isFinite(km)) return '–';
  return `${km < 10 ? km.toFixed(2) : km < 100 ? km.toFixed(1) : Math.round(km).toString()} km`;
}

/** Payback and other durations in years, one decimal: "3.0 yr". */
export function formatYears(years: number | null | undefined): string {
  if (years === null || years === undefined || !Number.isFinite(years)) return '–';
  return `${years.toFixed(1)} yr`;
}

/** Tonnes CO2 per year, grouped: "970 t/yr". */
export function formatTonnesPerYear(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return `${formatNumber(value)} t/yr`;
}

/** A timestamp as local date and time, minutes precision: 2026-11-24 23:37. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

// ---- energy, power and the levelised cost of heat ----------------------------------------------

/** Energy per year, whole MWh, grouped: "20,000 MWh/yr" (below 10 MWh one decimal). */
export function formatMwhPerYear(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return `${Math.abs(value) < 10 && value !== 0 ? value.toFixed(1) : grouped.format(Math.round(value))} MWh/yr`;
}

/** Power in MW, three significant digits at most: "0.425 MW", "12.4 MW", "125 MW". */
export function formatMw(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return `${formatNumber(value)} MW`;
}

/** Levelised cost of heat in euro cents per kWh, two decimals: "1.02 ct/kWh". */
export function formatCtPerKwh(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return `${value.toFixed(2)} ct/kWh`;
}

/** A quantity with its unit: "2,909 MWh/yr", "120 t/yr". */
export function formatQuantity(q: { amount: number; unit: string } | null | undefined): string {
  if (!q || !Number.isFinite(q.amount)) return '–';
  return `${formatNumber(q.amount)} ${q.unit}`;
}

const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH_START_DAYS = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

/** An hour of the (365-day) profile year, 0-based: 1,000 -> "12 Feb 16:00". */
export function formatHourOfYear(hour: number): string {
  const day = Math.floor(hour / 24);
  let m = 0;
  while (m < 11 && MONTH_START_DAYS[m + 1]! <= day) m++;
  return `${day - MONTH_START_DAYS[m]! + 1} ${MONTH_NAMES[m]} ${String(hour % 24).padStart(2, '0')}:00`;
}
