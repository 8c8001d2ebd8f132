/**
 * A cheap look at JSON text BEFORE JSON.parse: how deeply it nests. One pass over the bytes, no
 * allocation. JSON.parse itself copes with deep nesting, but everything after it (validation,
 * error formatting, the router) walks the result recursively: a 15 MiB frame of `[` once held the
 * hub's event loop for 13 s. What the hub and the app send nests a handful of levels deep (message
 * values travel as JSON *strings*, which do not count), so a small limit refuses only hostile or
 * broken input, with a message that says what and where.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

const COMMA = 0x2c;
const COLON = 0x3a;
/** Path segments shown in a refusal: enough to say where, short enough to read. */
const SHOWN_SEGMENTS = 6;

/**
 * Undefined when `text` nests at most `maxDepth` arrays/objects deep; otherwise a sentence for
 * the caller to return, naming where (`messages[0].value[0][0]...`). Brackets inside strings are
 * skipped (escapes included). Works on UTF-8 bytes (the ASCII bytes it looks for never occur
 * inside a multi-byte sequence) or on a string. Malformed JSON is left for JSON.parse to refuse.
 * Only positions are recorded while scanning (stacks no deeper than maxDepth); the path is
 * decoded only for a refusal.
 */
export function nestingProblem(text: Uint8Array | string, maxDepth: number, what = 'the request'): string | undefined {
  // One tight loop over bytes (a string, e.g. a GET's input, is small: encode it once).
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const length = bytes.length;
  const isObject: boolean[] = [];
  const index: number[] = [];
  const keyStart: number[] = [];
  const keyEnd: number[] = [];
  let depth = 0;
  let inString = false;
  let stringStart = 0;
  let lastStringStart = 0;
  let lastStringEnd = 0;
  for (let i = 0; i < length; i++) {
    const c = bytes[i]!;
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) {
        inString = false;
        lastStringStart = stringStart;
        lastStringEnd = i + 1;
      }
      continue;
    }
    if (c === QUOTE) {
      inString = true;
      stringStart = i;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (depth >= maxDepth) return `${what}: ${pathText(bytes, depth, isObject, index, keyStart, keyEnd)} nests JSON more than ${maxDepth} levels deep: refused before parsing`;
      isObject[depth] = c === OPEN_OBJECT;
      index[depth] = 0;
      keyStart[depth] = keyEnd[depth] = -1;
      depth++;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      if (depth > 0) depth--;
    } else if (c === COMMA && depth > 0) {
      index[depth - 1]!++;
    } else if (c === COLON && depth > 0 && isObject[depth - 1]) {
      keyStart[depth - 1] = lastStringStart;
      keyEnd[depth - 1] = lastStringEnd;
    }
  }
  return undefined;
}

function pathText(text: Uint8Array, depth: number, isObject: boolean[], index: number[], keyStart: number[], keyEnd: number[]): string {
  const segments: string[] = [];
  for (let level = 0; level < Math.min(depth, SHOWN_SEGMENTS); level++) {
    if (!isObject[level]) {
      segments.push(`[${index[level]}]`);
      continue;
    }
    const raw = Buffer.from(text.subarray(keyStart[level], keyEnd[level])).toString('utf8');
    let key: string;
    try {
      key = String(JSON.parse(raw)).slice(0, 40);
    } catch {
      key = '?';
    }
    segments.push(segments.length ? `.${key}` : key);
  }
  return `${segments.join('') || 'the top level'}${depth > SHOWN_SEGMENTS ? '...' : ''}`;
}
