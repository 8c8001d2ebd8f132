import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EndpointError, formatEndpoint, parseEndpoint } from './endpoint.ts';

test('parses each endpoint scheme of architecture.md into its typed form', () => {
  assert.deepEqual(parseEndpoint('opc.tcp://plc.local:4840/UA/Plant'), { protocol: 'opcua', url: 'opc.tcp://plc.local:4840/UA/Plant', host: 'plc.local', port: 4840, path: '/UA/Plant' });
  assert.deepEqual(parseEndpoint('modbus-tcp://10.0.0.5:502?unit=3'), { protocol: 'modbus-tcp', url: 'modbus-tcp://10.0.0.5:502?unit=3', host: '10.0.0.5', port: 502, unit: 3, timeoutMs: 1000 });
  assert.deepEqual(parseEndpoint('modbus-rtu:///dev/ttyUSB0?baud=9600&parity=even&unit=1&dataBits=8&stopBits=2&timeout=300'), {
    protocol: 'modbus-rtu', url: 'modbus-rtu:///dev/ttyUSB0?baud=9600&parity=even&unit=1&dataBits=8&stopBits=2&timeout=300',
    path: '/dev/ttyUSB0', baudRate: 9600, parity: 'even', dataBits: 8, stopBits: 2, unit: 1, timeoutMs: 300,
  });
  const s = parseEndpoint('serial:///dev/ttyUSB1?baud=115200&parser=dsmr');
  assert.equal(s.protocol, 'serial');
  assert.equal(s.protocol === 'serial' && s.parser, 'dsmr');
  assert.equal(s.protocol === 'serial' && s.baudRate, 115200);
});

test('fills defaults: port 502 / 4840, unit 1, 9600 8N1 for RTU, line parser for serial', () => {
  const t = parseEndpoint('modbus-tcp://gw');
  assert.equal(t.protocol === 'modbus-tcp' && t.port, 502);
  assert.equal(t.protocol === 'modbus-tcp' && t.unit, 1);
  const o = parseEndpoint('opc.tcp://h');
  assert.equal(o.protocol === 'opcua' && o.port, 4840);
  const r = parseEndpoint('modbus-rtu:///tmp/x/a');
  assert.ok(r.protocol === 'modbus-rtu');
  assert.equal(r.baudRate, 9600);
  assert.equal(r.parity, 'none');
  assert.equal(r.stopBits, 1);
  const w = parseEndpoint('modbus-rtu:///COM3?parity=E');
  assert.ok(w.protocol === 'modbus-rtu');
  assert.equal(w.path, 'COM3');
  assert.equal(w.parity, 'even');
  const l = parseEndpoint('serial:///dev/ttyACM0');
  assert.equal(l.protocol === 'serial' && l.parser, 'line');
});

test('a canonical URL parses back to the same endpoint', () => {
  for (const url of ['modbus-rtu:///dev/ttyUSB0?baud=19200&parity=odd&unit=7', 'modbus-tcp://[::1]:1502?unit=2', 'serial:///tmp/p?parser=dsmr', 'opc.tcp://a:1/x']) {
    const e = parseEndpoint(url);
    const again = parseEndpoint(formatEndpoint(e));
    assert.deepEqual({ ...again, url: '' }, { ...e, url: '' }, url);
  }
});

test('bad URLs name the bad part', () => {
  const cases: [string, RegExp][] = [
    ['http://x', /scheme: unknown scheme "http"/],
    ['/dev/ttyUSB0', /scheme: expected one of/],
    ['modbus-tcp://:502', /host: missing/],
    ['modbus-tcp://gw:99999', /port: 99999 is outside 1\.\.65535/],
    ['modbus-tcp://gw:abc', /port: "abc" is not a whole number/],
    ['modbus-tcp://gw?unit=300', /parameter "unit": 300 is outside/],
    ['modbus-tcp://gw?uint=3', /parameter "uint": not known for modbus-tcp/],
    ['modbus-rtu:///dev/ttyUSB0?baud=96OO', /parameter "baud": "96OO" is not a whole number/],
    ['modbus-rtu:///dev/ttyUSB0?parity=mark', /parameter "parity": expected none, even or odd, got "mark"/],
    ['modbus-rtu:///dev/ttyUSB0?stopBits=3', /parameter "stopBits": 3 is outside 1\.\.2/],
    ['modbus-rtu://dev/ttyUSB0', /device path: expected modbus-rtu:\/\/\/dev\/ttyUSB0/],
    ['serial:///dev/ttyUSB0?parser=xml', /parameter "parser": expected dsmr or line, got "xml"/],
    ['opc.tcp://h:4840?unit=1', /opc\.tcp:\/\/ takes no parameters/],
  ];
  for (const [url, re] of cases) {
    assert.throws(() => parseEndpoint(url), (e: unknown) => e instanceof EndpointError && re.test(e.message), url);
  }
});
