/** Pure decoding and backoff rules (no server needed). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataType, DataValue, StatusCodes, Variant, VariantArrayType } from 'node-opcua';
import { backoffDelay } from './backoff.ts';
import { dataValueToSample } from './values.ts';

const at = new Date('2026-01-01T00:00:00Z');

function dv(variant: Variant | null, statusCode = StatusCodes.Good): DataValue {
  return new DataValue({ value: variant ?? new Variant({ dataType: DataType.Null }), statusCode, sourceTimestamp: at, serverTimestamp: new Date(at.getTime() + 5) });
}

test('numbers, booleans (0/1) and 64-bit integers decode to numbers with the source timestamp', () => {
  assert.deepEqual(dataValueToSample('p', dv(new Variant({ dataType: DataType.Double, value: 42.5 })), 99), { pointId: 'p', sourceMs: at.getTime(), receivedMs: 99, value: 42.5, quality: 'good' });
  assert.equal(dataValueToSample('p', dv(new Variant({ dataType: DataType.Boolean, value: true })), 1).value, 1);
  assert.equal(dataValueToSample('p', dv(new Variant({ dataType: DataType.Boolean, value: false })), 1).value, 0);
  assert.equal(dataValueToSample('p', dv(new Variant({ dataType: DataType.UInt64, arrayType: VariantArrayType.Scalar, value: [1, 5] })), 1).value, 4294967301);
  assert.equal(dataValueToSample('p', dv(new Variant({ dataType: DataType.Int16, value: -7 })), 1).value, -7);
});

test('bad and uncertain statuses keep their name; non-numeric values are bad, never NaN', () => {
  const bad = dataValueToSample('p', dv(null, StatusCodes.BadSensorFailure), 1);
  assert.deepEqual([bad.quality, bad.value, bad.status], ['bad', null, 'BadSensorFailure']);
  const uncertain = dataValueToSample('p', dv(new Variant({ dataType: DataType.Float, value: 3 }), StatusCodes.UncertainLastUsableValue), 1);
  assert.deepEqual([uncertain.quality, uncertain.value, uncertain.status], ['uncertain', 3, 'UncertainLastUsableValue']);
  const text = dataValueToSample('p', dv(new Variant({ dataType: DataType.String, value: 'on' })), 1);
  assert.deepEqual([text.quality, text.value, text.status], ['bad', null, 'NotNumeric (String)']);
});

test('backoff doubles up to the maximum, with jitter between half and all of the step', () => {
  const s = { initialMs: 100, maxMs: 1000 };
  assert.deepEqual([1, 2, 3, 4, 5, 10].map((n) => backoffDelay(n, s, () => 1)), [100, 200, 400, 800, 1000, 1000]);
  assert.deepEqual([1, 2, 3, 4, 5].map((n) => backoffDelay(n, s, () => 0)), [50, 100, 200, 400, 500]);
});
