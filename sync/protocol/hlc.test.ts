import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ClockDriftError,
  CounterOverflowError,
  formatTimestamp,
  hashTimestamp,
  HybridLogicalClock,
  makeNodeId,
  MAX_COUNTER,
  parseTimestamp,
  TimestampFormatError,
} from './hlc.ts';
import { changeMessageSchema } from './messages.ts';

const NODE_A = '0123456789abcdef';
const NODE_B = 'fedcba9876543210';
const T0 = Date.parse('2026-11-25T01:00:00.000Z');

function fixedClock(start: number) {
  let now = start;
  return { now: () => now, set: (ms: number) => (now = ms) };
}

describe('hybrid logical clock', () => {
  it('formats in Actual Budget\'s text form and parses back', () => {
    const text = formatTimestamp({ millis: T0, counter: 0, node: NODE_A });
    assert.equal(text, '2026-11-25T01:00:00.000Z-0000-0123456789abcdef');
    assert.deepEqual(parseTimestamp(text), { millis: T0, counter: 0, node: NODE_A });
    assert.ok(changeMessageSchema.shape.timestamp.safeParse(text).success);
  });

  it('refuses malformed timestamps, naming them', () => {
    for (const bad of ['', '2026-11-25T01:00:00Z-0000-0123456789abcdef', '2026-02-31T01:00:00.000Z-0000-0123456789abcdef', '2026-11-25T01:00:00.000Z-00000-0123456789abcdef', '2026-11-25T01:00:00.000Z-0000-0123']) {
      assert.throws(() => parseTimestamp(bad), (e: Error) => e instanceof TimestampFormatError && e.message.includes('not an HLC timestamp'), bad);
    }
  });

  it('sends strictly increasing timestamps, even when the wall clock stands still or goes back', () => {
    const wall = fixedClock(T0);
    const clock = new HybridLogicalClock(NODE_A, { now: wall.now });
    const a = clock.send();
    const b = clock.send();
    wall.set(T0 - 5_000); // the user sets the clock back
    const c = clock.send();
    wall.set(T0 + 10);
    const d = clock.send();
    assert.deepEqual([a, b, c, d], [a, b, c, d].slice().sort());
    assert.equal(new Set([a, b, c, d]).size, 4);
    assert.equal(parseTimestamp(c).millis, T0, 'the logical time never goes back');
    assert.equal(parseTimestamp(c).counter, 2);
    assert.deepEqual(parseTimestamp(d), { millis: T0 + 10, counter: 0, node: NODE_A });
  });

  it('after receiving a remote timestamp, the next local one sorts after it', () => {
    const wall = fixedClock(T0);
    const clock = new HybridLogicalClock(NODE_A, { now: wall.now });
    const remote = formatTimestamp({ millis: T0 + 30_000, counter: 7, node: NODE_B }); // their clock runs ahead
    clock.receive(remote);
    const next = clock.send();
    assert.ok(next > remote, `${next} > ${remote}`);
    assert.deepEqual(parseTimestamp(next), { millis: T0 + 30_000, counter: 9, node: NODE_A });
  });

  it('refuses a remote timestamp too far ahead of the local clock (drift), and stays unchanged', () => {
    const wall = fixedClock(T0);
    const clock = new HybridLogicalClock(NODE_A, { now: wall.now, maxDriftMs: 60_000 });
    const before = clock.last;
    const remote = formatTimestamp({ millis: T0 + 61_000, counter: 0, node: NODE_B });
    assert.throws(() => clock.receive(remote), (e: Error) => e instanceof ClockDriftError && /61000 ms ahead/.test(e.message));
    assert.equal(clock.last, before);
  });

  it('overflows with a clear error after 65536 events in one millisecond', () => {
    const clock = new HybridLogicalClock(NODE_A, { now: () => T0 });
    for (let i = 0; i <= MAX_COUNTER; i++) clock.send();
    assert.throws(() => clock.send(), CounterOverflowError);
  });

  it('resumes from a persisted last timestamp', () => {
    const clock = new HybridLogicalClock(NODE_A, { now: () => T0, last: formatTimestamp({ millis: T0, counter: 41, node: NODE_A }) });
    assert.equal(parseTimestamp(clock.send()).counter, 42);
  });

  it('makes 16-hex node ids and distinct hashes', () => {
    const id = makeNodeId();
    assert.match(id, /^[0-9a-f]{16}$/);
    assert.notEqual(makeNodeId(), id);
    assert.notEqual(hashTimestamp(formatTimestamp({ millis: T0, counter: 0, node: NODE_A })), hashTimestamp(formatTimestamp({ millis: T0, counter: 1, node: NODE_A })));
  });
});
