/**
 * The Modbus TCP connector against a real peer: Debian's pymodbus server on 127.0.0.1.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import type { ConnectorState, Sample } from '../types.ts';
import { getProfile, profileToPoints } from '../profiles/index.ts';
import { createModbusConnector, scanRegisters } from './index.ts';
import { TcpLink } from './tcp-link.ts';
import { startPymodbusTcp, waitFor, type Peer } from './fixtures/peers.ts';

const SDM_VALUES: Record<string, number> = { voltage_l1: 230.5, voltage_l2: 231.25, current_l1: 12.5, power_total: 8625, frequency: 50, energy_import: 123456, voltage_l1_l2: 400, current_neutral: 0.75, energy_total: 130000 };

let peer: Peer & { port: number; url: (unit?: number) => string };
const sdm = getProfile('sdm630');

before(async () => {
  const floats: Record<number, number> = {};
  for (const [id, v] of Object.entries(SDM_VALUES)) floats[sdm.registers.find((r) => r.id === id)!.address] = v;
  peer = await startPymodbusTcp({ units: [1, 2], floats });
});
after(async () => {
  await peer.stop();
});

test('reads a whole SDM630 profile from pymodbus in at most 3 requests, values decoded', async () => {
  const c = createModbusConnector(peer.url(1), { profile: 'sdm630' });
  try {
    await c.connect();
    const points = profileToPoints(sdm);
    const samples = await c.read(points);
    assert.equal(samples.length, points.length);
    for (const [id, v] of Object.entries(SDM_VALUES)) {
      const s = samples.find((x) => x.pointId === id)!;
      assert.equal(s.quality, 'good', id);
      assert.equal(s.value, v, id);
    }
    const st = c.status();
    assert.ok(st.counters.requests <= 3, `${st.counters.requests} requests`);
    assert.equal(st.counters.responses, st.counters.requests);
    assert.equal(st.state, 'connected');
    assert.equal((await c.browse()).length, points.length);
  } finally {
    await c.close();
  }
});

test('an exception from the device makes its points bad and counted; the other points stay good', async () => {
  const c = createModbusConnector(peer.url(2));
  try {
    await c.connect();
    const samples = await c.read([
      { id: 'ok', address: '3:5', dataType: 'uint16' },
      { id: 'missing', address: '3:20000', dataType: 'uint16' },
    ]);
    assert.deepEqual(samples.map((s) => [s.pointId, s.quality, s.value]), [
      ['ok', 'good', 2005],
      ['missing', 'bad', null],
    ]);
    assert.equal(samples[1]!.status, 'exception 2 (illegal data address)');
    const st = c.status();
    assert.equal(st.state, 'degraded');
    assert.deepEqual(st.failingPoints, ['missing']);
    assert.equal(st.counters.protocolErrors, 1);
    assert.match(st.reason ?? '', /1 point\(s\) failing: exception 2/);
  } finally {
    await c.close();
  }
});

test('pipelined requests are in flight together and every reply lands on its own request', async () => {
  const link = new TcpLink({ host: '127.0.0.1', port: peer.port, maxInFlight: 8 });
  await link.open();
  try {
    const reads = Array.from({ length: 64 }, (_, i) => link.readRegisters(i % 2 ? 1 : 2, 3, 1000 + i * 100, 10, 2000));
    const results = await Promise.all(reads);
    results.forEach((words, i) => {
      const unit = i % 2 ? 1 : 2;
      assert.deepEqual(words, Array.from({ length: 10 }, (_, k) => 1000 + i * 100 + k + 1000 * unit), `request ${i}`);
    });
    assert.ok(link.maxInFlightSeen > 1 && link.maxInFlightSeen <= 8, `max in flight ${link.maxInFlightSeen}`);
  } finally {
    await link.close();
  }
});

test('the peer restarted mid-recording: reconnects by itself, keeps polling, no duplicate samples', async () => {
  const own = await startPymodbusTcp({ units: [1] });
  const port = own.port;
  const c = createModbusConnector(`modbus-tcp://127.0.0.1:${port}?unit=1&timeout=300`, { reconnect: { minMs: 100, maxMs: 400 } });
  const states: ConnectorState[] = [];
  c.onStatus((s) => {
    if (states.at(-1) !== s.state) states.push(s.state);
  });
  const got: Sample[] = [];
  let restarted: Peer | null = null;
  try {
    await c.connect();
    await c.subscribe([{ id: 'r7', address: '4:7', intervalMs: 50 }], (s) => got.push(...s));
    await waitFor(() => got.length >= 5, 'first samples');
    await own.stop();
    await waitFor(() => c.status().state === 'reconnecting', 'reconnecting after the peer stopped');
    const before = got.length;
    restarted = await startPymodbusTcp({ units: [1], port });
    await waitFor(() => c.status().counters.reconnects >= 1 && got.length >= before + 5, 'samples after the restart', 20_000);
    const times = got.map((s) => s.sourceMs);
    assert.equal(new Set(times).size, times.length, 'no duplicate source timestamps');
    assert.ok(times.every((t, i) => i === 0 || t > times[i - 1]!), 'source time strictly increasing');
    assert.ok(got.filter((s) => s.quality === 'good').every((s) => s.value === 1007));
    assert.ok(states.includes('reconnecting') && states.at(-1) !== 'reconnecting', states.join(' > '));
  } finally {
    await c.close();
    await restarted?.stop();
  }
});

test('a silent gateway (a real TCP peer that accepts and never answers, modbus-serial #209) is detected and reconnected', async () => {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((s) => {
    accepted += 1;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const c = createModbusConnector(`modbus-tcp://127.0.0.1:${port}?unit=1&timeout=100`, { reconnect: { minMs: 50, maxMs: 100 }, deadAfterTimeouts: 3 });
  try {
    await c.connect();
    for (let i = 0; i < 3; i++) {
      const [s] = await c.read([{ id: 'x', address: '3:0' }]);
      assert.equal(s!.status, 'timeout');
    }
    await waitFor(() => accepted >= 2, 'a new connection after the gateway went silent');
    const st = c.status();
    assert.equal(st.counters.timeouts, 3);
    assert.ok(st.counters.reconnects >= 1 || st.state === 'reconnecting');
  } finally {
    await c.close();
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  }
});

test('a register scan shows raw words and every display format, and reports a refused block without stopping', async () => {
  const c = createModbusConnector(peer.url(1));
  try {
    await c.connect();
    const scan = await scanRegisters(c, { unit: 1, fc: 4, start: 0, count: 8 });
    assert.equal(scan.registers.length, 8);
    assert.deepEqual(scan.registers.slice(0, 2).map((r) => r.hex), ['0x4366', '0x8000']);
    assert.equal(scan.registers[0]!.preview.float32_ABCD, 230.5);
    assert.equal(scan.registers[0]!.preview.uint16, 0x4366);
    assert.deepEqual(scan.errors, []);
    // 9,990..10,139 crosses the end of the device's 10,000 registers: the second block is refused.
    const edge = await scanRegisters(c, { unit: 1, fc: 3, start: 9_875, count: 250 });
    assert.equal(edge.registers.length, 125);
    assert.equal(edge.registers[0]!.raw, (9_875 + 1000) & 0xffff);
    assert.deepEqual(edge.errors.map((e) => [e.start, e.count, e.status]), [[10_000, 125, 'exception 2 (illegal data address)']]);
    await assert.rejects(scanRegisters(c, { unit: 1, fc: 4, start: 65_530, count: 10 }), /count 10 must be at least 1 and end at register 65535/);
  } finally {
    await c.close();
  }
});

test('points taken from browse() (address and data type only) decode with the profile\'s order and scale', async () => {
  // A user profile: register 10 as uint32 word-swapped, scaled by 0.5.
  const profile = { name: 'own', description: '', registers: [{ id: 'counter', name: 'Counter', fc: 3 as const, address: 10, dataType: 'uint32' as const, order: 'CDAB' as const, scale: 0.5, unit: 'm3' }] };
  const c = createModbusConnector(peer.url(1), { profile });
  try {
    await c.connect();
    const nodes = await c.browse();
    assert.deepEqual(nodes.map((n) => [n.nodeId, n.dataType, n.unit]), [['3:10', 'uint32', 'm3']]);
    const [s] = await c.read(nodes.map((n) => ({ id: n.nodeId, address: n.nodeId, dataType: n.dataType! })));
    // Registers 10, 11 hold 1010, 1011; word-swapped: 1011 * 65536 + 1010, times 0.5.
    assert.equal(s!.value, (1011 * 65536 + 1010) * 0.5);
  } finally {
    await c.close();
  }
});

test('a SunSpec 203 meter on pymodbus: values scaled by their scale-factor registers, "not implemented" is bad', async () => {
  const profile = getProfile('sunspec-203');
  const reg = (id: string) => profile.registers.find((r) => r.id === id)!.address;
  const holding: Record<number, number> = {
    [reg('model_id')]: 203,
    [reg('power')]: 1500,
    [reg('power_sf')]: 1, // 1500 x 10^1 = 15,000 W
    [reg('voltage_an')]: 2301,
    [reg('voltage_bn')]: 2298,
    [reg('voltage_sf')]: 0xffff, // int16 -1: 230.1 V
    [reg('frequency')]: 0x8000, // not implemented
    [reg('energy_import')]: 0x0001,
    [reg('energy_import') + 1]: 0x86a0, // uint32 100,000
    [reg('energy_sf')]: 0,
  };
  const own = await startPymodbusTcp({ units: [1], holding });
  const c = createModbusConnector(own.url(1), { profile });
  try {
    await c.connect();
    const samples = await c.read(profileToPoints(profile));
    const s = (id: string) => samples.find((x) => x.pointId === id)!;
    assert.equal(s('power').value, 15_000);
    assert.equal(s('voltage_an').value, 230.1);
    assert.equal(s('voltage_bn').value, 229.8);
    assert.equal(s('energy_import').value, 100_000);
    assert.deepEqual([s('frequency').quality, s('frequency').status], ['bad', 'not implemented']);
    assert.ok(c.status().counters.requests <= 2, `${c.status().counters.requests} requests for the whole model`);
  } finally {
    await c.close();
    await own.stop();
  }
});
