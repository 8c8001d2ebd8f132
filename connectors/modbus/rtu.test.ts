/**
 * The Modbus RTU connector on a real serial line: a socat pty pair, Debian's pymodbus RTU server
 * on one end (units 1 and 2; unit 3 absent = a dead unit on the bus), our connectors on the other.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SerialPort } from 'serialport';
import type { Sample } from '../types.ts';
import { crc16Modbus } from '../serial/crc16.ts';
import { createModbusConnector, type ModbusConnector } from './index.ts';
import type { RtuBusLink } from './rtu-bus.ts';
import { startPtyPair, startPymodbusRtu, waitFor, type Peer, type PtyPair } from './fixtures/peers.ts';

const BAUD = 38400;
let pty: PtyPair;
let peer: Peer;

before(async () => {
  pty = await startPtyPair();
  peer = await startPymodbusRtu(pty.b, { units: [1, 2], baud: BAUD });
});
after(async () => {
  await peer.stop();
  await pty.dispose();
});

const url = (path: string, unit: number, timeout = 200) => `modbus-rtu://${path}?baud=${BAUD}&unit=${unit}&timeout=${timeout}`;
const busOf = (c: ModbusConnector) => (c.link as RtuBusLink).bus;

/** Subscribes every connector to one register at a fast poll until `done`, returns samples per connector. */
async function record(connectors: ModbusConnector[], done: (got: Sample[][]) => boolean): Promise<Sample[][]> {
  const got: Sample[][] = connectors.map(() => []);
  const subs = await Promise.all(connectors.map((c, i) => c.subscribe([{ id: `u${i}`, address: '3:10', intervalMs: 20 }], (s) => got[i]!.push(...s))));
  try {
    await waitFor(() => done(got), 'samples', 30_000);
  } finally {
    await Promise.all(subs.map((u) => u()));
  }
  return got;
}

test('units on one bus share one queue (never two requests in flight) and read their own registers', async () => {
  const c1 = createModbusConnector(url(pty.a, 1));
  const c2 = createModbusConnector(url(pty.a, 2));
  try {
    assert.equal(busOf(c1), busOf(c2), 'one bus per serial port');
    await c1.connect();
    await c2.connect();
    const [a, b] = await Promise.all([c1.read([{ id: 'a', address: '3:10' }, { id: 'f', address: '4:20', dataType: 'uint32' }]), c2.read([{ id: 'b', address: '4:10' }])]);
    assert.deepEqual(a!.map((s) => s.value), [1010, 1020 * 65536 + 1021]);
    assert.equal(b![0]!.value, 2010);
    assert.equal(busOf(c1).counters.maxInFlightSeen, 1);
    assert.throws(() => createModbusConnector(`modbus-rtu://${pty.a}?baud=9600&unit=4`), /already in use at 38400 8N1; asked for 9600 8N1/);
  } finally {
    await c1.close();
    await c2.close();
  }
});

test('a dead unit does not stall the others: their sample counts keep pace with the run without it', async (t) => {
  // Baseline of the same run: units 1 and 2 alone, until unit 1 has 40 samples; then with dead unit 3.
  const base = [createModbusConnector(url(pty.a, 1)), createModbusConnector(url(pty.a, 2))];
  await Promise.all(base.map((c) => c.connect()));
  const t0 = Date.now();
  const g0 = await record(base, (g) => g[0]!.length >= 40);
  const baseMs = Date.now() - t0;
  await Promise.all(base.map((c) => c.close()));

  const withDead = [createModbusConnector(url(pty.a, 1)), createModbusConnector(url(pty.a, 2)), createModbusConnector(url(pty.a, 3), { unitBackoff: { baseMs: 500, maxMs: 2000 } })];
  await Promise.all(withDead.map((c) => c.connect()));
  const bus = busOf(withDead[0]!);
  const t1 = Date.now();
  // At least 3 s: the dead unit's first timeouts (200 ms each, before its backoff has grown to
  // 2 s) weigh on a short window; a baseline of 40 samples may take under a second.
  const g1 = await record(withDead, () => Date.now() - t1 >= Math.max(baseMs, 3_000));
  try {
    const rate = (n: number, ms: number) => n / ms;
    const ratio1 = rate(g1[0]!.length, Date.now() - t1) / rate(g0[0]!.length, baseMs);
    const ratio2 = rate(g1[1]!.length, Date.now() - t1) / rate(g0[1]!.length, baseMs);
    t.diagnostic(`samples in ${baseMs} ms: units 1/2 alone ${g0[0]!.length}/${g0[1]!.length}; with dead unit 3 ${g1[0]!.length}/${g1[1]!.length} (rate ratios ${ratio1.toFixed(2)}, ${ratio2.toFixed(2)}); unit 3 requests skipped in backoff: ${bus.counters.skippedBackoff}`);
    // Without per-unit backoff each poll would wait out unit 3's 200 ms timeout: about 0.1 of the rate.
    assert.ok(ratio1 > 0.5 && ratio2 > 0.5, `rates with a dead unit: ${ratio1.toFixed(2)}, ${ratio2.toFixed(2)} of the baseline`);
    assert.ok(g1[0]!.every((s) => s.quality === 'good' && s.value === 1010));
    const dead = g1[2]!;
    assert.ok(dead.length > 0 && dead.every((s) => s.quality === 'bad'));
    assert.ok(dead.some((s) => s.status === 'timeout'));
    assert.ok(dead.some((s) => s.status === 'unit not answering'), 'later polls skipped during backoff');
    assert.deepEqual(withDead[2]!.status().failingPoints, ['u2']);
    assert.equal(withDead[2]!.status().state, 'degraded');
    assert.equal(bus.counters.maxInFlightSeen, 1, 'never two requests in flight on the bus');
  } finally {
    await Promise.all(withDead.map((c) => c.close()));
  }
});

test('a pulled serial line (socat killed) reconnects with backoff and resumes when it returns', async () => {
  const own = await startPtyPair();
  let ownPeer = await startPymodbusRtu(own.b, { units: [1], baud: BAUD });
  const c = createModbusConnector(url(own.a, 1), { reconnect: { minMs: 100, maxMs: 500 } });
  const got: Sample[] = [];
  try {
    await c.connect();
    const unsub = await c.subscribe([{ id: 'x', address: '3:1', intervalMs: 30 }], (s) => got.push(...s));
    await waitFor(() => got.length >= 3, 'first samples');
    await ownPeer.stop();
    await own.stop();
    await waitFor(() => c.status().state === 'reconnecting', 'reconnecting after the line was pulled');
    assert.match(c.status().reason ?? '', /closed/);
    await new Promise((r) => setTimeout(r, 400));
    assert.ok((c.status().attempt ?? 0) >= 1);
    const before = got.filter((s) => s.quality === 'good').length;
    await own.restart();
    ownPeer = await startPymodbusRtu(own.b, { units: [1], baud: BAUD });
    await waitFor(() => got.filter((s) => s.quality === 'good').length >= before + 3, 'samples after the line came back', 20_000);
    assert.ok(c.status().counters.reconnects >= 1);
    assert.ok(['connected', 'degraded'].includes(c.status().state));
    await unsub();
  } finally {
    await c.close();
    await ownPeer.stop();
    await own.dispose();
  }
});

test('malformed frames from a peer (bad CRC, short frame, wrong length) are counted protocol errors and timeouts, never a crash', async () => {
  const own = await startPtyPair();
  // A small peer that writes chosen bad bytes in reply to each request (what a noisy RS-485 line does).
  const port = new SerialPort({ path: own.b, baudRate: BAUD });
  await new Promise<void>((r, j) => port.once('open', r).once('error', j));
  const replies: ((req: Buffer) => Buffer)[] = [
    (req) => { const f = frame(req, [7]); f[f.length - 1]! ^= 0xff; return f; }, // bad CRC
    (req) => frame(req, [7]).subarray(0, 5), // truncated: the unit stopped mid-frame
    (req) => frame(req, [7, 8]), // wrong length: two registers in reply to a one-register request
    (req) => Buffer.concat([Buffer.from([0x00, 0xff, 0x13]), frame(req, [42])]), // line noise before a good frame
  ];
  let n = 0;
  let buf = Buffer.alloc(0);
  port.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 8) {
      const req = buf.subarray(0, 8);
      buf = buf.subarray(8);
      port.write(replies[Math.min(n++, replies.length - 1)]!(req));
    }
  });
  // 500 ms per request: a reply over the pty pair comes in a few ms, but CI runs two Node versions'
  // suites side by side on 2 cores, and 150 ms once turned a wrong-length reply into a timeout
  const c = createModbusConnector(url(own.a, 1, 500));
  try {
    await c.connect();
    const s1 = await c.read([{ id: 'x', address: '3:0' }]);
    assert.deepEqual([s1[0]!.quality, s1[0]!.status], ['bad', 'crc error']);
    const s2 = await c.read([{ id: 'x', address: '3:0' }]);
    assert.deepEqual([s2[0]!.quality, s2[0]!.status], ['bad', 'timeout']);
    // The unit is in backoff after the timeout; wait for its probe.
    await new Promise((r) => setTimeout(r, 1100));
    const s2b = await c.read([{ id: 'x', address: '3:0' }]);
    assert.deepEqual([s2b[0]!.quality, s2b[0]!.status], ['bad', 'crc error'], 'a too-long frame fails its CRC at the expected length');
    const s3 = await c.read([{ id: 'x', address: '3:0' }]);
    // The unit is in backoff after the timeout; the probe after it reads the good frame behind the noise.
    if (s3[0]!.status === 'unit not answering') await new Promise((r) => setTimeout(r, 1100));
    const s4 = s3[0]!.quality === 'good' ? s3 : await c.read([{ id: 'x', address: '3:0' }]);
    assert.deepEqual([s4[0]!.quality, s4[0]!.value], ['good', 42]);
    const st = c.status();
    assert.equal(st.counters.protocolErrors, 2);
    assert.equal(st.counters.timeouts, 1);
    assert.equal(st.state, 'connected');
  } finally {
    await c.close();
    await new Promise((r) => port.close(() => r(undefined)));
    await own.dispose();
  }
});

/** A read reply to `req` (unit, fc, start, count) carrying `words`, with its CRC. */
function frame(req: Buffer, words: number[]): Buffer {
  const body = Buffer.alloc(3 + words.length * 2);
  body[0] = req[0]!;
  body[1] = req[1]!;
  body[2] = words.length * 2;
  words.forEach((w, i) => body.writeUInt16BE(w, 3 + i * 2));
  const crc = Buffer.alloc(2);
  crc.writeUInt16LE(crc16Modbus(body));
  return Buffer.concat([body, crc]);
}
