/**
 * How one value is written in one CSV cell, and read back. The encodings are chosen so that
 * export then import gives the same value (documented in docs/interchange.md, "CSV").
 */

export type CellKind = 'text' | 'number' | 'boolean' | 'list' | 'numbers' | 'weekly';

export type Decoded = { ok: true; value: unknown } | { ok: false; reason: string };

/** Plain decimal numbers with a dot, optional exponent: what String(number) writes. No "12,5", no "1 000". */
export const STRICT_NUMBER = /^-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export function parseStrictNumber(text: string): number | undefined {
  const t = text.trim();
  if (!STRICT_NUMBER.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

function numberHint(text: string): string {
  if (/^-?\d+,\d+$/.test(text.trim())) return ' (use a dot as the decimal separator)';
  if (/^-?\d{1,3}([ ,.'\u00a0]\d{3})+$/.test(text.trim())) return ' (no thousands separators)';
  return '';
}

/** `;` separates list items; a `;` or `\` inside an item is written `\;` or `\\`. */
export function splitList(text: string): string[] {
  const items: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && (text[i + 1] === ';' || text[i + 1] === '\\')) {
      current += text[i + 1];
      i++;
    } else if (c === ';') {
      items.push(current);
      current = '';
    } else current += c;
  }
  items.push(current);
  return items.map((s) => s.trim());
}

const escapeItem = (s: string): string => s.replace(/[\\;]/g, (c) => `\\${c}`);

interface WeeklyInterval {
  days: string;
  from: number;
  to: number;
}

/** `mon-fri 6-22; sat 8-12`: days as in the JSON `days`, then `from-to` hours (to exclusive). */
const WEEKLY_ITEM = /^([a-z]{3}(?:[-,][a-z]{3})*)\s+(\d{1,2})\s*-\s*(\d{1,2})$/;

export function encodeCell(kind: CellKind, value: unknown, column: string): string {
  const fail = (): never => {
    throw new Error(`CSV export: column ${column} cannot hold ${JSON.stringify(value)}`);
  };
  switch (kind) {
    case 'text':
      return typeof value === 'string' ? value : fail();
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? String(value) : fail();
    case 'boolean':
      return typeof value === 'boolean' ? String(value) : fail();
    case 'list':
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value.map(escapeItem).join(';') : fail();
    case 'numbers':
      return Array.isArray(value) && value.every((v) => typeof v === 'number') ? value.join(';') : fail();
    case 'weekly': {
      if (!Array.isArray(value)) return fail();
      return (value as WeeklyInterval[]).map((w) => `${w.days} ${w.from}-${w.to}`).join('; ');
    }
  }
}

/** `text` is never blank here: a blank cell means "key absent" and is handled by the caller. */
export function decodeCell(kind: CellKind, text: string): Decoded {
  switch (kind) {
    case 'text':
      return { ok: true, value: text };
    case 'number': {
      const n = parseStrictNumber(text);
      return n === undefined ? { ok: false, reason: `"${text}" is not a number${numberHint(text)}` } : { ok: true, value: n };
    }
    case 'boolean': {
      const t = text.trim().toLowerCase();
      return t === 'true' || t === 'false' ? { ok: true, value: t === 'true' } : { ok: false, reason: `"${text}" is not true or false` };
    }
    case 'list': {
      const items = splitList(text);
      return items.some((s) => s === '') ? { ok: false, reason: `empty item in the list "${text}" (items are separated by ;)` } : { ok: true, value: items };
    }
    case 'numbers': {
      const items = splitList(text);
      const values: number[] = [];
      for (const item of items) {
        const n = parseStrictNumber(item);
        if (n === undefined) return { ok: false, reason: `"${item}" in "${text}" is not a number (items are separated by ;)` };
        values.push(n);
      }
      return { ok: true, value: values };
    }
    case 'weekly': {
      const intervals: WeeklyInterval[] = [];
      for (const item of text.split(';').map((s) => s.trim().toLowerCase())) {
        const m = WEEKLY_ITEM.exec(item);
        if (!m) return { ok: false, reason: `"${item}" is not a weekly interval like "mon-fri 6-22" (intervals are separated by ;)` };
        intervals.push({ days: m[1]!, from: Number(m[2]), to: Number(m[3]) });
      }
      return { ok: true, value: intervals };
    }
  }
}
