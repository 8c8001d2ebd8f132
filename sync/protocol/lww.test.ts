import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTimestamp } from './hlc.ts';
import { newer, winners } from './lww.ts';
import type { ChangeMessage } from './messages.ts';

const T0 = Date.parse('2026-11-25T01:00:00.000Z');
const at = (ms: number, counter = 0, node = '0123456789abcdef') => formatTimestamp({ millis: T0 + ms, counter, node });

describe('last-writer-wins', () => {
  it('newer compares HLC text, the node id breaking ties', () => {
    assert.ok(newer(at(1), at(0)));
    assert.ok(newer(at(0, 1), at(0, 0)));
    assert.ok(newer(at(0, 0, 'ffffffffffffffff'), at(0, 0)));
    assert.ok(!newer(at(0), at(0)));
    assert.ok(newer(at(0), undefined));
  });

  it('winners keeps the newest message per cell, in timestamp order', () => {
    const m = (ms: number, column: string, value: string): ChangeMessage => ({ timestamp: at(ms), dataset: 'flow', row: 'f1', column, value });
    const result = winners([m(5, 'name', '"b"'), m(1, 'name', '"a"'), m(3, 'amount', '2'), m(9, '__deleted', 'true')]);
    assert.deepEqual(result.map((x) => x.value), ['2', '"b"', 'true']);
  });
});
