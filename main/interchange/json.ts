/**
 * The exchange document as JSON text: strict JSON (no comments, no trailing commas), syntax
 * errors reported with line and column, record problems with the line of the offending value.
 */
import { findNodeAtLocation, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import type { ExchangeDocument, ImportProblem, ImportResult, JsonPath, KnownIds } from './format.ts';
import { MAX_NESTING, tooDeepAt } from './nesting.ts';
import { LineIndex, stripBom } from './text-lines.ts';
import { checkDocument, placeProblems } from './validate.ts';

const SYNTAX_MESSAGES: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'malformed number',
  PropertyNameExpected: 'expected a key in double quotes',
  ValueExpected: 'expected a value (a trailing comma?)',
  ColonExpected: 'expected ":"',
  CommaExpected: 'expected "," between items',
  CloseBraceExpected: 'expected "}"',
  CloseBracketExpected: 'expected "]"',
  EndOfFileExpected: 'unexpected text after the end of the document',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'unterminated comment',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unterminated number',
  InvalidUnicode: 'invalid \\u escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'control character (tab, newline) inside a string: escape it',
};

export function parseExchangeJson(text: string, fileName: string, known?: KnownIds): ImportResult {
  const source = stripBom(text);
  const lines = new LineIndex(source);
  if (source.trim() === '') return { ok: false, problems: [{ file: fileName, line: 1, reason: 'the file is empty' }] };

  // Before the parser, which recurses once per level (a stack overflow with no file or line).
  const deep = tooDeepAt(source);
  if (deep !== undefined) {
    const at = lines.position(deep);
    return { ok: false, problems: [{ file: fileName, line: at.line, column: at.column, reason: `nested deeper than ${MAX_NESTING} levels` }] };
  }

  const errors: ParseError[] = [];
  const tree = parseTree(source, errors, { allowTrailingComma: false, disallowComments: true });
  if (errors.length > 0 || !tree) {
    // Only the first error: the ones after it are usually consequences of it.
    const e = errors[0];
    const at = lines.position(e?.offset ?? 0);
    const code = e ? printParseErrorCode(e.error) : 'ValueExpected';
    return {
      ok: false,
      problems: [{ file: fileName, line: at.line, column: at.column, reason: `JSON syntax error: ${SYNTAX_MESSAGES[code] ?? code}` }],
    };
  }

  // JSON.parse would silently keep the last of two equal keys: a value the user typed would vanish.
  const duplicates = duplicateKeys(tree).map(
    (n): ImportProblem => ({ file: fileName, line: lines.line(n.offset), field: String(n.value), reason: `key "${String(n.value)}" appears twice in the same object` }),
  );
  if (duplicates.length > 0) return { ok: false, problems: duplicates };

  let raw: unknown;
  try {
    raw = JSON.parse(source);
  } catch (err) {
    return { ok: false, problems: [{ file: fileName, reason: `JSON syntax error: ${(err as Error).message}` }] };
  }
  const locate = (path: JsonPath): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = findNodeAtLocation(tree, path.slice(0, n));
      if (node) return lines.line(node.offset);
    }
    return undefined;
  };
  const { doc, problems } = checkDocument(raw, known);
  return doc ? { ok: true, doc } : { ok: false, problems: placeProblems(problems, locate, fileName) };
}

function duplicateKeys(node: Node): Node[] {
  const found: Node[] = [];
  const walk = (n: Node): void => {
    if (n.type === 'object') {
      const seen = new Set<unknown>();
      for (const prop of n.children ?? []) {
        const key = prop.children?.[0];
        if (key && seen.has(key.value)) found.push(key);
        if (key) seen.add(key.value);
      }
    }
    for (const child of n.children ?? []) walk(child);
  };
  walk(node);
  return found;
}

/** Stable, human-readable JSON: two-space indent and a final newline. */
export function documentToJson(doc: ExchangeDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
