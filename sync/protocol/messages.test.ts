/**
 * `asChangeMessage` checks the schema's rules without zod (the hub and the replica call it on
 * every message). It must never accept what `changeMessageSchema` refuses, and gives back what
 * zod gives back; what it declines goes to zod, so refusals keep zod's errors.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asChangeMessage, changeMessageSchema } from './messages.ts';

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
