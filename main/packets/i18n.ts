/**
 * `t(key, params)`: the one way packet code gets a word. Strings live in main/packets/strings/
 * (one file per language); a missing placeholder is an error, not a silent "{name}" in a PDF a
 * partner reads.
 */
import { en, type StringKey } from './strings/en.ts';

export type { StringKey };
export type Params = Record<string, string | number>;

const LANGUAGES: Record<string, Record<StringKey, string>> = { en };

export function t(key: StringKey, params: Params = {}, language = 'en'): string {
  const table = LANGUAGES[language] ?? en;
  return table[key].replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`packet string "${key}" needs the parameter "${name}"`);
    return String(value);
  });
}
