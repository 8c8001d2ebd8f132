/**
 * How deep a JSON text nests, found by one linear scan before any recursive parser sees it.
 *
 * The JSON reader (jsonc-parser's tree, then the schema checks) recurses once per level: a file of
 * 200,000 `[` ends in "Maximum call stack size exceeded", with no file or line. An exchange
 * document nests about six levels deep, so anything deeper than MAX_NESTING is refused here with
 * its line.
 */

export const MAX_NESTING = 64;

/**
 * The offset of the first `[` or `{` that opens level limit + 1, or undefined when the text stays
 * within the limit. Brackets inside strings do not count; the text need not be valid JSON.
 */
export function tooDeepAt(text: string, limit = MAX_NESTING): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > limit) return i;
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth = Math.max(0, depth - 1);
  }
  return undefined;
}
