/** Display helpers: numbers, units and labels, in one place so every panel reads the same. */

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

/** Turns a server field list into a CSV file and starts its download. */
export function downloadCsv(fileName: string, header: string[], rows: (string | number | undefined | null)[][]): void {
  const cell = (v: string | number | undefined | null) => {
    const s = v === undefined || v === null ? '' : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  const text = [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
