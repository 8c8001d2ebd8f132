/**
 * `asChangeMessage` checks the schema's rules without zod (the hub and the replica call it on
 * every message). It must never accept what `changeMessageSchema` refuses, and gives back what
 * zod gives back; what it declines goes to zod, so refusals keep zod's errors.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTimestamp, TimestampFormatError } from './hlc.ts';
import { asChangeMessage, changeMessageSchema, MESSAGE_LIMITS } from './messages.ts';

/** A seeded generator, so a failure replays (sync/ never imports main/, tests included). */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

const good = { timestamp: '2026-11-25T01:00:00.000Z-0000-0123456789abcdef', dataset: 'flow', row: 'f-1', column: 'name', value: '"Dryer"' };

function agrees(input: unknown, label: string): void {
  const fast = asChangeMessage(input);
  const zod = changeMessageSchema.safeParse(input);
  if (fast) {
    assert.ok(zod.success, `${label}: accepted without zod but zod refuses: ${JSON.stringify(input)}`);
    assert.deepEqual(fast, zod.data, label);
    assert.deepEqual(Object.keys(fast), Object.keys(zod.data), label);
  }
}

test('accepts well-formed messages exactly as zod parses them', () => {
  assert.deepEqual(asChangeMessage(good), changeMessageSchema.parse(good));
  assert.notEqual(asChangeMessage(good), good, 'a copy');
  assert.deepEqual(asChangeMessage(JSON.parse(JSON.stringify(good))), good);
  assert.ok(asChangeMessage({ ...good, column: '__deleted', value: 'true' }));
  assert.ok(asChangeMessage({ ...good, row: 'é 😀 id', value: JSON.stringify({ nested: ['x', 1.5, null] }) }));
  assert.ok(asChangeMessage({ ...good, timestamp: '2026-11-25T01:00:00.000Z-00ff-0123456789ABCDEF' }), 'the schema is case-insensitive');
});

test('declines what zod refuses (and every odd shape), field by field', () => {
  const bad: [string, unknown][] = [
    ['null', null],
    ['array', [good]],
    ['string', JSON.stringify(good)],
    ['missing value', { ...good, value: undefined }],
    ['extra key', { ...good, extra: 1 }],
    ['number value', { ...good, value: 1 }],
    ['not JSON', { ...good, value: 'Dryer' }],
    ['huge value', { ...good, value: JSON.stringify('x'.repeat(70_000)) }],
    ['bad timestamp', { ...good, timestamp: '2026-11-25 01:00:00-0000-0123456789abcdef' }],
    ['timestamp with newline', { ...good, timestamp: `${good.timestamp}\n` }],
    ['empty dataset', { ...good, dataset: '' }],
    ['upper-case dataset', { ...good, dataset: 'Flow' }],
    ['long dataset', { ...good, dataset: 'd'.repeat(65) }],
    ['empty row', { ...good, row: '' }],
    ['row with NUL', { ...good, row: 'a\u0000b' }],
    ['row with DEL', { ...good, row: 'a\u007fb' }],
    ['long row', { ...good, row: 'r'.repeat(201) }],
    ['column with a dash', { ...good, column: 'a-b' }],
    ['column from a digit', { ...good, column: '1a' }],
    ['long column', { ...good, column: 'c'.repeat(129) }],
    ['class instance', Object.assign(new (class Message {})(), good)],
    ['symbol key', { ...good, [Symbol('s')]: 1 }],
  ];
  for (const [label, input] of bad) {
    agrees(input, label);
    if (label !== 'class instance' && label !== 'symbol key') assert.equal(changeMessageSchema.safeParse(input).success, false, `${label}: zod refuses`);
    assert.equal(asChangeMessage(input), undefined, label);
  }
});

test('never accepts what zod refuses: random mutations of a message', () => {
  const random = seeded(20261125);
  const pieces = ['', 'a', 'Z', '_', '-', '0', '9', ' ', '"', '\\', '\u0000', '\u001f', '\u007f', 'é', '😀', '\ud800', '{', '}', '[', ']', 'true', 'null', '1e5', ':', '.', 'T', 'Z', 'f'];
  const mutate = (text: string) => {
    const i = Math.floor(random() * (text.length + 1));
    const piece = pieces[Math.floor(random() * pieces.length)]!;
    return random() < 0.5 ? text.slice(0, i) + piece + text.slice(i) : text.slice(0, i) + piece + text.slice(i + 1);
  };
  const fields = Object.keys(good) as (keyof typeof good)[];
  let accepted = 0;
  for (let k = 0; k < 20_000; k++) {
    const message: Record<string, unknown> = { ...good };
    const field = fields[Math.floor(random() * fields.length)]!;
    message[field] = mutate(String(message[field]));
    if (random() < 0.02) message.extra = 'x';
    if (random() < 0.02) delete message[field];
    agrees(message, `mutation ${k}`);
    if (asChangeMessage(message)) accepted += 1;
  }
  assert.ok(accepted > 1000 && accepted < 19_000, `both outcomes exercised (${accepted} accepted)`);
});

/**
 * Attacks from issue #14: what the hub stores every laptop must be able to apply, so the schema
 * accepts exactly the timestamps `parseTimestamp` accepts, no value nested deeper than a record
 * can be, and no text whose bytes differ between SQLite and PostgreSQL.
 */
test('a timestamp is accepted exactly when parseTimestamp accepts it (real date and time, range, counter, node)', () => {
  const cases = [
    '2026-11-25T15:30:99.999Z-0000-0123456789abcdef', // second 99: passed the old pattern
    '2026-11-25T15:60:00.000Z-0000-0123456789abcdef',
    '2026-11-25T24:00:00.000Z-0000-0123456789abcdef',
    '2026-02-29T01:00:00.000Z-0000-0123456789abcdef', // not a leap year
    '2026-13-01T01:00:00.000Z-0000-0123456789abcdef',
    '1969-12-31T23:59:59.999Z-0000-0123456789abcdef', // before the epoch: no merkle key
    '9999-12-31T23:59:59.999Z-0000-0123456789abcdef', // past the merkle trie's 16 base-3 digits
    '2051-11-05T13:21:00.000Z-0000-0123456789abcdef',
    '+12026-11-25T01:00:00.000Z-0000-0123456789abcdef',
    '2026-11-25T01:00:00.000Z-0000-0123456789abcdeg',
  ];
  for (const timestamp of cases) {
    assert.throws(() => parseTimestamp(timestamp), TimestampFormatError, timestamp);
    assert.equal(changeMessageSchema.safeParse({ ...good, timestamp }).success, false, `zod: ${timestamp}`);
    assert.equal(asChangeMessage({ ...good, timestamp }), undefined, timestamp);
  }
  for (const timestamp of ['2024-02-29T23:59:59.999Z-FFFF-0123456789abcdef', '1970-01-01T00:00:00.000Z-0000-0000000000000000', '2051-11-05T13:20:59.999Z-0000-0123456789abcdef']) {
    assert.doesNotThrow(() => parseTimestamp(timestamp), timestamp);
    assert.ok(changeMessageSchema.safeParse({ ...good, timestamp }).success, timestamp);
    assert.ok(asChangeMessage({ ...good, timestamp }), timestamp);
  }
  // Random mutations of the timestamp alone: the three answers always agree.
  const random = seeded(14);
  const digits = '0123456789:.-TZaAfF';
  for (let k = 0; k < 5000; k++) {
    const chars = [...good.timestamp];
    chars[Math.floor(random() * 24)] = digits[Math.floor(random() * digits.length)]!;
    const timestamp = chars.join('');
    let parses = true;
    try {
      parseTimestamp(timestamp);
    } catch {
      parses = false;
    }
    assert.equal(changeMessageSchema.safeParse({ ...good, timestamp }).success, parses, timestamp);
    assert.equal(asChangeMessage({ ...good, timestamp }) !== undefined, parses, timestamp);
  }
});

test('a value nested deeper than MESSAGE_LIMITS.jsonDepth is refused without recursion', () => {
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
  const ok = { ...good, value: nested(MESSAGE_LIMITS.jsonDepth) };
  assert.ok(asChangeMessage(ok));
  assert.ok(changeMessageSchema.safeParse(ok).success);
  for (const value of [nested(MESSAGE_LIMITS.jsonDepth + 1), nested(32_000), `{"a":${'{"a":'.repeat(40)}1${'}'.repeat(41)}`]) {
    assert.equal(asChangeMessage({ ...good, value }), undefined);
    const parsed = changeMessageSchema.safeParse({ ...good, value });
    assert.equal(parsed.success, false);
    assert.match(parsed.error!.issues[0]!.message, /nested/);
  }
  // Brackets inside strings are text, not nesting.
  assert.ok(asChangeMessage({ ...good, value: JSON.stringify('['.repeat(1000)) }));
  assert.ok(asChangeMessage({ ...good, value: JSON.stringify({ a: `\\"[[[[${'['.repeat(100)}` }) }));
});

test('lone surrogates are refused in row ids and values (escaped ones in JSON text are fine)', () => {
  for (const input of [{ ...good, row: 'f-\ud800' }, { ...good, row: '\udc00' }, { ...good, value: '"lone \ud800"' }]) {
    assert.equal(asChangeMessage(input), undefined);
    assert.equal(changeMessageSchema.safeParse(input).success, false);
  }
  assert.ok(asChangeMessage({ ...good, value: JSON.stringify('lone \ud800') }), 'JSON.stringify escapes it: well-formed text');
  assert.ok(asChangeMessage({ ...good, row: 'f-😀' }));
});
