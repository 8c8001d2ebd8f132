import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DATA_TYPES, ORDERS, applySunSpecScale, decodeWords, encodeValue, isSunSpecNotImplemented, previewAt, wordCount } from './codec.ts';

const SAMPLES: Record<string, number[]> = {
  int16: [0, 1, -1, 32767, -32768, 1234],
  uint16: [0, 1, 65535, 40000],
  int32: [0, -1, 2147483647, -2147483648, 123456789],
  uint32: [0, 4294967295, 3000000000, 65536],
  float32: [0, 230.5, -0.125, 1e-3, 3.4e38],
  float64: [0, Math.PI, -1e300, 123456.789],
};

test('every type and order round-trips through registers', () => {
  for (const type of DATA_TYPES) {
    for (const order of ORDERS) {
      for (const v of SAMPLES[type]!) {
        const words = encodeValue(v, type, order);
        assert.equal(words.length, wordCount(type));
        assert.ok(words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff));
        const back = decodeWords(words, type, order);
        const expected = type === 'float32' ? Math.fround(v) : v;
        assert.equal(back, expected, `${type} ${order} ${v}`);
      }
    }
  }
});

test('the four orders put the bytes where Modbus Poll shows them (230.5 = 0x43668000)', () => {
  assert.deepEqual(encodeValue(230.5, 'float32', 'ABCD'), [0x4366, 0x8000]);
  assert.deepEqual(encodeValue(230.5, 'float32', 'CDAB'), [0x8000, 0x4366]);
  assert.deepEqual(encodeValue(230.5, 'float32', 'BADC'), [0x6643, 0x0080]);
  assert.deepEqual(encodeValue(230.5, 'float32', 'DCBA'), [0x0080, 0x6643]);
  assert.equal(decodeWords([0x0001, 0x0002], 'uint32', 'ABCD'), 0x00010002);
  assert.equal(decodeWords([0x0001, 0x0002], 'uint32', 'CDAB'), 0x00020001);
  assert.equal(decodeWords([0x1234], 'uint16', 'BADC'), 0x3412);
  assert.equal(decodeWords([0x1234], 'uint16', 'CDAB'), 0x1234);
  // float64 word swap reverses all four words.
  const abcd = encodeValue(Math.PI, 'float64', 'ABCD');
  assert.deepEqual(encodeValue(Math.PI, 'float64', 'CDAB'), [...abcd].reverse());
});

test('a wrong number of registers is a clear error', () => {
  assert.throws(() => decodeWords([1], 'float32'), /float32 needs 2 register\(s\), got 1/);
});

test('SunSpec scale factors and not-implemented markers', () => {
  assert.equal(applySunSpecScale(2301, -1), 230.1);
  assert.equal(applySunSpecScale(12, 3), 12000);
  assert.equal(applySunSpecScale(-5, 0), -5);
  assert.ok(isSunSpecNotImplemented([0x8000], 'int16'));
  assert.ok(isSunSpecNotImplemented([0xffff], 'uint16'));
  assert.ok(!isSunSpecNotImplemented([0x7fff], 'int16'));
});

test('the scan preview decodes every display format from one register on', () => {
  const words = [...encodeValue(230.5, 'float32', 'ABCD'), 0, 0];
  const p = previewAt(words, 0);
  assert.equal(p.float32_ABCD, 230.5);
  assert.equal(p.uint16, 0x4366);
  assert.equal(p.int16_swapped, 0x6643);
  assert.equal(typeof p.float64_DCBA, 'number');
  assert.equal(previewAt(words, 3).float32_ABCD, null, 'past the end');
  assert.equal(Object.keys(p).length, 2 * 2 + 4 * 4);
});
