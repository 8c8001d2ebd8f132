import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseExchangeJson } from './json.ts';
import { MAX_NESTING, tooDeepAt } from './nesting.ts';

test('the first bracket beyond the limit is found; brackets in strings and escaped quotes do not count', () => {
  assert.equal(tooDeepAt('[[[]]]', 3), undefined);
  assert.equal(tooDeepAt('[[[[]]]]', 3), 3);
  assert.equal(tooDeepAt('{"a": "[[[[[\\"[[[[", "b": [[]]}', 3), undefined);
  assert.equal(tooDeepAt('[][][][][]', 1), undefined);
  assert.equal(tooDeepAt(`${'['.repeat(MAX_NESTING)}${']'.repeat(MAX_NESTING)}`), undefined);
});

test('a JSON document nested too deep is a problem with its file, line and column, not a stack overflow', () => {
  const text = `{\n  "format": "turash-exchange", "version": 1,\n  "organizations": [${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}]\n}`;
  const result = parseExchangeJson(text, 'deep.json');
  assert.equal(result.ok, false);
  assert.deepEqual(!result.ok && result.problems, [{ file: 'deep.json', line: 3, column: 21 + (MAX_NESTING - 2) * 5, reason: `nested deeper than ${MAX_NESTING} levels` }]);
});
