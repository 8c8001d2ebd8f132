/**
 * Lookup tables and naming rules for mapping the Hotmaps Industrial Database to the exchange
 * format (docs/interchange.md, "Hotmaps mapping").
 */
import { createHash } from 'node:crypto';

/**
 * Hotmaps `Country` names to ISO 3166-1 alpha-2.
 *
 * The file labels its Croatian sites "Liechtenstein" and its Icelandic sites "Croatia" (company
 * names, cities and coordinates agree on this: Kutina, Pula, Sisak... and Akranes, Hafnarfjörður),
 * so those two labels are mapped to where the plants actually are. Greece is GR (ISO), not EL.
 */
export const HOTMAPS_COUNTRIES: Readonly<Record<string, string>> = {
  Austria: 'AT',
  Belgium: 'BE',
  Bulgaria: 'BG',
  Croatia: 'IS',
  Cyprus: 'CY',
  'Czech Republic': 'CZ',
  Czechia: 'CZ',
  Denmark: 'DK',
  Estonia: 'EE',
  Finland: 'FI',
  France: 'FR',
  Germany: 'DE',
  Greece: 'GR',
  Hungary: 'HU',
  Iceland: 'IS',
  Ireland: 'IE',
  Italy: 'IT',
  Latvia: 'LV',
  Liechtenstein: 'HR',
  Lithuania: 'LT',
  Luxembourg: 'LU',
  Malta: 'MT',
  Netherland: 'NL',
  Netherlands: 'NL',
  Norway: 'NO',
  Poland: 'PL',
  Portugal: 'PT',
  Romania: 'RO',
  Slovakia: 'SK',
  Slovenia: 'SI',
  Spain: 'ES',
  Sweden: 'SE',
  Switzerland: 'CH',
  'United Kingdom': 'GB',
};

/** Labels whose ISO code is not the obvious one, so the site notes can say what the file said. */
export const RELABELLED_COUNTRIES: ReadonlySet<string> = new Set(['Liechtenstein', 'Croatia']);

/**
 * NACE Rev. 2 division of each Hotmaps subsector, where one division clearly fits. "Other
 * non-classified" gets none: a wrong code would mislead matching more than no code.
 */
export const HOTMAPS_NACE: Readonly<Record<string, string>> = {
  'Iron and steel': 'C24',
  'Non-ferrous metals': 'C24',
  Cement: 'C23',
  Glass: 'C23',
  'Non-metallic mineral products': 'C23',
  'Non-metallic minerals': 'C23',
  Refineries: 'C19',
  'Chemical industry': 'C20',
  'Paper and printing': 'C17',
  'Food, drink and tobacco': 'C10',
  'Food and beverages': 'C10',
};

/** Letters NFKD does not decompose into ASCII plus a mark. */
const TRANSLITERATE: Readonly<Record<string, string>> = {
  æ: 'ae',
  ø: 'o',
  å: 'a',
  ð: 'd',
  þ: 'th',
  ß: 'ss',
  ł: 'l',
  đ: 'd',
  œ: 'oe',
  ı: 'i',
};

export const shortHash = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 8);

/** What makes two company names the same company: case, accents, spacing and punctuation do not. */
export function companyKey(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * A readable ASCII slug for an id. When letters had to be dropped (Greek, Cyrillic) or the slug
 * was cut, a hash of the full key keeps different names apart.
 */
export function slugFor(key: string, maxLength = 80): string {
  const ascii = key
    .replace(/[æøåðþßłđœı]/g, (c) => TRANSLITERATE[c] ?? c)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '');
  const slug = ascii
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const lossy = /[^a-z0-9 ]/.test(ascii) || slug.length > maxLength || slug === '';
  const cut = slug.slice(0, maxLength).replace(/-+$/, '');
  return lossy ? [cut, shortHash(key)].filter(Boolean).join('-') : slug;
}
