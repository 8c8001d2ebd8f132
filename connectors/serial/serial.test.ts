/**
 * The serial connector on a real serial line: a socat pty pair, telegrams and lines written into
 * the far end as a meter would.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SerialPort } from 'serialport';
import type { Sample } from '../types.ts';
import { createSerialConnector, listSerialPorts } from './index.ts';
import { buildTelegram } from './dsmr.ts';
import { SPEC_LINES } from './dsmr-fixtures.ts';
import { startPtyPair, waitFor } from '../modbus/fixtures/peers.ts';

async function openMeterEnd(path: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 115200 });
  await new Promise<void>((r, j) => port.once('open', r).once('error', j));
  return port;
}
const write = (port: SerialPort, text: string) => new Promise<void>((r) => port.write(Buffer.from(text, 'latin1'), () => port.drain(() => r())));
const closePort = (port: SerialPort) => new Promise<void>((r) => (port.isOpen ? port.close(() => r()) : r()));

const telegram = (time: string, power: string, crc: 'good' | 'bad' = 'good') =>
  buildTelegram('ISK5\\2M550T-1012', SPEC_LINES.map((l) => l.replace('101209113020W', time).replace('01.193', power)), { crc });

test('DSMR telegrams through a pty: valid ones become samples with the meter time; bad CRC and cut-off ones are counted errors', async () => {
  const pty = await startPtyPair();
  const meter = await openMeterEnd(pty.b);
  const c = createSerialConnector(`serial://${pty.a}?baud=115200&parser=dsmr`);
  const got: Sample[] = [];
  try {
    await c.connect();
    await c.subscribe(
      [
        { id: 'import_t1', address: '1-0:1.8.1' },
        { id: 'power', address: '1-0:1.7.0', scale: 1000 },
        { id: 'gas', address: '0-1:24.2.1' },
      ],
      (s) => got.push(...s),
    );
    await write(meter, telegram('241125013000W', '01.193'));
    await waitFor(() => got.length >= 3, 'samples of the first telegram');
    await write(meter, telegram('241125013001W', '01.200').slice(0, 300)); // the cable wiggled
    await write(meter, telegram('241125013002W', '09.999', 'bad'));
    await waitFor(() => c.status().counters.protocolErrors === 2, 'both bad telegrams counted');
    assert.equal(c.status().state, 'degraded');
    assert.match(c.status().reason ?? '', /CRC mismatch: telegram says/);
    await write(meter, telegram('241125013003W', '02.500'));
    await waitFor(() => got.length >= 5, 'samples of the last telegram');
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.UTC(2024, 10, 25, 0, 30, 0);
    assert.deepEqual(
      got.map((s) => [s.pointId, s.value, s.sourceMs - t0]),
      [
        ['gas', 12785.123, Date.UTC(2010, 11, 9, 10, 25) - t0],
        ['import_t1', 123456.789, 0],
        ['power', 1193, 0],
        ['import_t1', 123456.789, 3000],
        ['power', 2500, 3000],
      ],
      'gas once (its capture time did not change), nothing from the bad telegrams',
    );
    const st = c.status();
    assert.equal(st.counters.protocolErrors, 2);
    assert.equal(st.counters.responses, 2);
    assert.equal(st.state, 'connected');
    assert.match(c.lastError ?? '', /CRC mismatch|cut off/);
    const nodes = await c.browse();
    assert.equal(nodes.find((n) => n.nodeId === '1-0:1.8.1')!.unit, 'kWh');
    assert.equal(nodes.find((n) => n.nodeId === '0-1:24.2.1')!.unit, 'm3');
    const reading = c.read([{ id: 'v', address: '1-0:32.7.0' }, { id: 'none', address: '1-0:99.9.9' }]);
    await write(meter, telegram('241125013004W', '02.600'));
    assert.deepEqual((await reading).map((s) => [s.value, s.quality]), [
      [220.1, 'good'],
      [null, 'bad'],
    ]);
  } finally {
    await c.close();
    await closePort(meter);
    await pty.dispose();
  }
});

test('a pulled line (the pty disappears) reconnects with backoff and delivers again when it is back', async () => {
  const pty = await startPtyPair();
  let meter = await openMeterEnd(pty.b);
  const c = createSerialConnector(`serial://${pty.a}?parser=line`, { reconnect: { minMs: 100, maxMs: 400 } });
  const got: Sample[] = [];
  try {
    await c.connect();
    await c.subscribe([{ id: 'flow', address: 'flow' }], (s) => got.push(...s));
    await write(meter, 'flow=3.25 T1=65\r\nBOOT v1.2\r\n');
    await waitFor(() => got.length === 1 && c.status().counters.protocolErrors === 1, 'first line and the banner counted');
    await closePort(meter);
    await pty.stop();
    await waitFor(() => c.status().state === 'reconnecting', 'reconnecting');
    await new Promise((r) => setTimeout(r, 500));
    assert.ok((c.status().attempt ?? 0) >= 2, `attempt ${c.status().attempt}`);
    await pty.restart();
    await waitFor(() => c.status().state === 'connected', 'connected again', 15_000);
    meter = await openMeterEnd(pty.b);
    await write(meter, 'flow=4.5\r\n');
    await waitFor(() => got.length === 2, 'a line after the reconnect');
    assert.equal(got[1]!.value, 4.5);
    assert.equal(c.status().counters.reconnects, 1);
  } finally {
    await c.close();
    await closePort(meter);
    await pty.dispose();
  }
});

test('listSerialPorts answers (pseudo-terminals are not in it: the UI takes a typed path)', async () => {
  const ports = await listSerialPorts();
  assert.ok(Array.isArray(ports));
  assert.ok(ports.every((p) => typeof p.path === 'string' && !p.path.includes('turash-pty')));
});
