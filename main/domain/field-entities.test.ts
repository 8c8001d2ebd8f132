import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deviceSchema, matchEventSchema, measurementSchema, pointSchema } from './field-entities.ts';

const device = { id: 'dev-1', site_id: 'site-1', name: 'Heat meter', protocol: 'opcua', endpoint: 'opc.tcp://10.0.0.5:4840' };

test('a device endpoint must be a URL of its protocol', () => {
  assert.ok(deviceSchema.safeParse(device).success);
  assert.ok(deviceSchema.safeParse({ ...device, protocol: 'modbus-rtu', endpoint: 'modbus-rtu:///dev/ttyUSB0?baud=9600&unit=1' }).success);
  const wrong = deviceSchema.safeParse({ ...device, protocol: 'modbus-tcp' });
  assert.equal(wrong.success, false);
  assert.deepEqual(wrong.error!.issues.map((i) => [i.path.join('.'), i.message]), [['endpoint', 'a modbus-tcp endpoint starts with modbus-tcp://, got opc.tcp://']]);
  const notUrl = deviceSchema.safeParse({ ...device, endpoint: '10.0.0.5' });
  assert.match(notUrl.error!.issues[0]!.message, /not a URL/);
});

test('points, measurements and match events reject what a user could not mean', () => {
  assert.ok(pointSchema.safeParse({ id: 'p-1', device_id: 'dev-1', name: 'Supply T', address: 'ns=2;s=T1', role: 'supply_temperature', unit: 'degC' }).success);
  assert.equal(pointSchema.safeParse({ id: 'p-1', device_id: 'dev-1', name: 'x', address: '3:100', data_type: 'float16' }).success, false);
  assert.ok(measurementSchema.safeParse({ point_id: 'p-1', ts_ms: 1, received_ms: 2, value: null, quality: 'bad', status: 'BadTimeout' }).success);
  assert.equal(measurementSchema.safeParse({ point_id: 'p-1', ts_ms: 1, received_ms: 2, value: Number.NaN, quality: 'good' }).success, false);
  assert.equal(matchEventSchema.safeParse({ match_id: 'm', at: '2026-01-01T00:00:00Z', actor: 'a', action: 'move', from_status: 'suggested', to_status: 'married' }).success, false);
});
