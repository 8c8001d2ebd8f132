import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nestingProblem } from './json-guard.ts';

test('counts nesting outside strings only, escapes included', () => {
  assert.equal(nestingProblem('{"a":[1,{"b":[]}]}', 4), undefined);
  assert.match(nestingProblem('{"a":[1,{"b":[[]]}]}', 4)!, /^the request: a\[1\]\.b\[0\] nests JSON more than 4 levels deep/);
  assert.equal(nestingProblem(JSON.stringify({ a: '[[[[[[{{{{{' }), 1), undefined, 'brackets inside a string');
  assert.equal(nestingProblem(JSON.stringify({ a: 'quote \\" then [[[[' }), 1), undefined, 'an escaped quote does not end the string');
  assert.equal(nestingProblem(JSON.stringify({ a: 'backslash \\\\', b: 1 }), 1), undefined, 'an escaped backslash before the closing quote');
  assert.equal(nestingProblem(Buffer.from(JSON.stringify({ 'ключ': ['é', '𝄞[['] })), 2), undefined, 'multi-byte UTF-8');
  assert.match(nestingProblem(Buffer.from('{"ключ":[[1]]}'), 2)!, /ключ\[0\] nests/);
});

test('a 15 MiB run of [ is refused at the first level past the limit, naming the top level', () => {
  const problem = nestingProblem(Buffer.alloc(15 * 1024 * 1024, '['), 32, 'the WebSocket message');
  assert.match(problem!, /^the WebSocket message: \[0\]\[0\]\[0\]\[0\]\[0\]\[0\]\.\.\. nests JSON more than 32 levels deep/);
  assert.match(nestingProblem('[', 0)!, /the top level nests JSON more than 0 levels deep/);
});

test('malformed JSON is left for JSON.parse (unbalanced closers do not go negative)', () => {
  assert.equal(nestingProblem(']]]]]]{"a":1}', 1), undefined);
  assert.equal(nestingProblem('{"a":', 5), undefined);
});
