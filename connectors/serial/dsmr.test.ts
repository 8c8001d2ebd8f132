import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTelegram, DsmrError, DsmrFramer, parseDsmrTime, parseTelegram, type DsmrTelegram } from './dsmr.ts';
import { crc16Arc, crc16Modbus } from './crc16.ts';
import { lineParser } from './line-parser.ts';
import { SPEC_LINES } from './dsmr-fixtures.ts';


test('CRC-16/ARC and CRC-16/MODBUS match their published check values', () => {
  assert.equal(crc16Arc(Buffer.from('123456789')), 0xbb3d);
  assert.equal(crc16Modbus(Buffer.from('123456789')), 0x4b37);
});

test('a DSMR 5 telegram decodes to its OBIS values with units and timestamps', () => {
  const t = parseTelegram(buildTelegram('ISk5\\2MT382-1000', SPEC_LINES));
  assert.equal(t.header, 'ISk5\\2MT382-1000');
  assert.equal(t.timestampMs, Date.UTC(2010, 11, 9, 10, 30, 20), '11:30:20 CET');
  const v = (obis: string) => t.values.find((x) => x.obis === obis);
  assert.deepEqual(v('1-0:1.8.1'), { obis: '1-0:1.8.1', value: 123456.789, unit: 'kWh' });
  assert.deepEqual(v('1-0:1.7.0'), { obis: '1-0:1.7.0', value: 1.193, unit: 'kW' });
  assert.deepEqual(v('1-0:32.7.0'), { obis: '1-0:32.7.0', value: 220.1, unit: 'V' });
  assert.deepEqual(v('1-0:31.7.0'), { obis: '1-0:31.7.0', value: 1, unit: 'A' });
  assert.deepEqual(v('0-1:24.2.1'), { obis: '0-1:24.2.1', value: 12785.123, unit: 'm3', timestampMs: Date.UTC(2010, 11, 9, 10, 25, 0) });
  assert.equal(v('0-0:96.14.0')!.value, 2, 'tariff indicator');
  assert.equal(t.texts['0-0:96.1.1'], 'K8EG004046395507', 'equipment id hex-decoded');
  assert.equal(t.texts['0-0:96.13.0'], '0123456789:;<=>?');
  assert.equal(v('1-0:99.97.0'), undefined, 'the failure log is not a value');
  assert.equal(parseDsmrTime('240701120000S'), Date.UTC(2024, 6, 1, 10, 0, 0), 'summer time is UTC+2');
});

test('bad CRC, missing CRC, truncated and malformed telegrams are clear errors', () => {
  const good = buildTelegram('ISK5\\2M550T-1012', SPEC_LINES);
  const err = (text: string, kind: DsmrError['kind'], re: RegExp) =>
    assert.throws(() => parseTelegram(text), (e: unknown) => e instanceof DsmrError && e.kind === kind && re.test(e.message));
  err(buildTelegram('ISK5\\2M550T-1012', SPEC_LINES, { crc: 'bad' }), 'crc', /CRC mismatch: telegram says [0-9A-F]{4}, content gives [0-9A-F]{4}/);
  err(good.replace('123456.789', '123456.788'), 'crc', /CRC mismatch/);
  err(buildTelegram('ISK5\\2M550T-1012', SPEC_LINES, { crc: 'none' }), 'missing-crc', /no CRC/);
  err(good.slice(0, 200), 'truncated', /ends before its "!"/);
  err(buildTelegram('ISK5\\2M550T-1012', ['1-0:1.8.1 123']), 'malformed', /line "1-0:1.8.1 123" is not an OBIS object/);
  assert.equal(parseTelegram(buildTelegram('KFM5KAIFA-METER', SPEC_LINES, { crc: 'none' }), { requireCrc: false }).values.length > 5, true, 'DSMR 2/3 without CRC when allowed');
});

test('the framer cuts a byte stream into telegrams, rejects cut-off ones and never throws', () => {
  const got: DsmrTelegram[] = [];
  const errors: DsmrError[] = [];
  const f = new DsmrFramer((t) => got.push(t), (e) => errors.push(e));
  const a = buildTelegram('ISK5\\2M550T-1012', SPEC_LINES);
  const b = buildTelegram('ISK5\\2M550T-1012', SPEC_LINES.map((l) => l.replace('01.193', '02.500')));
  const stream = `noise${a}${a.slice(0, 150)}${b}${buildTelegram('ISK5\\2M550T-1012', SPEC_LINES, { crc: 'bad' })}`;
  // Delivered in awkward chunks, as a USB adapter does.
  for (let i = 0; i < stream.length; i += 37) f.push(Buffer.from(stream.slice(i, i + 37), 'latin1'));
  assert.equal(got.length, 2);
  assert.equal(got[1]!.values.find((v) => v.obis === '1-0:1.7.0')!.value, 2.5);
  assert.deepEqual(errors.map((e) => e.kind), ['truncated', 'crc']);
});

test('line formats: key=value, CSV columns and regex named groups; non-matching lines are errors', () => {
  assert.deepEqual(lineParser({ format: 'kv' })('T1=65.2 T2=41.0, flow:3.25; status=OK'), [
    { key: 'T1', value: 65.2 },
    { key: 'T2', value: 41 },
    { key: 'flow', value: 3.25 },
  ]);
  assert.deepEqual(lineParser({ format: 'csv', columns: ['supply', '', 'flow'] })('65.2, 41.0 ,3.25'), [
    { key: 'supply', value: 65.2 },
    { key: 'flow', value: 3.25 },
  ]);
  assert.deepEqual(lineParser({ format: 'regex', pattern: '^T=(?<supply>[-\\d.]+)C R=(?<ret>[-\\d.]+)C$' })('T=70.5C R=-1C'), [
    { key: 'supply', value: 70.5 },
    { key: 'ret', value: -1 },
  ]);
  assert.throws(() => lineParser({ format: 'kv' })('BOOT v1.2'), /line "BOOT v1.2": no key=value pair with a number/);
  assert.throws(() => lineParser({ format: 'csv', columns: ['a', 'b'] })('1,2,3'), /3 column\(s\), expected 2/);
  assert.throws(() => lineParser({ format: 'regex', pattern: '^(\\d+)$' }), /has no named group/);
  assert.throws(() => lineParser({ format: 'regex', pattern: '(?<a>[' }), /not a valid regular expression/);
});
