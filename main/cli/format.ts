/** Number formats of the command line's human output (en-GB, like the UI). */
const integer = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 1, minimumFractionDigits: 1 });

export const eur = (value: number | null | undefined) => (value === null || value === undefined ? 'n/a' : `${integer.format(value)} EUR`);
export const pct = (fraction: number | null | undefined) => (fraction === null || fraction === undefined ? 'none' : `${oneDecimal.format(fraction * 100)} %`);
export const num = (value: number, digits = 2) => new Intl.NumberFormat('en-GB', { maximumFractionDigits: digits }).format(value);
export const pad = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width));
