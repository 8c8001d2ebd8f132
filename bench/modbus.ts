/**
 * `turash bench modbus`: the Modbus figures of field.md / quality.md, each with its baseline of the
 * same run (no timed assertions):
 *
 * 1. SDM630 full profile read: the planner's request count (target <= 3), checked on the wire
 *    against the demo plant (the connector's request counter).
 * 2. Modbus TCP reads per second against Debian's pymodbus on 127.0.0.1: pipelined (up to
 *    `inFlight` requests outstanding on one connection) vs one at a time (the baseline), ratio;
 *    target >= 5,000/s pipelined. The same pair is measured against the Node demo plant, to show
 *    how much of the figure is the peer (pymodbus is Python) and how much the client.
 * 3. Modbus RTU on a socat pty pair at a high baud with pymodbus as the unit: time per request,
 *    minus the bytes' line time at that baud = the per-request overhead (serialport, the pty, the
 *    queue, the peer), and the bus queue's most requests in flight (must be 1). Printed beside the
 *    line-rate limits at 9,600 and 19,200 baud from the frame sizes and the 3.5-character silent
 *    interval, alone and with the measured overhead added.
 */
import { performance } from 'node:perf_hooks';
import { createModbusConnector } from '../connectors/modbus/index.ts';
import { planReads } from '../connectors/modbus/plan.ts';
import { TcpLink } from '../connectors/modbus/tcp-link.ts';
import { acquireRtuBus, lineTimeMs, releaseRtuBus, rtuReadReplyBytes, RTU_READ_REQUEST_BYTES, silentIntervalMs } from '../connectors/modbus/rtu-bus.ts';
import { getProfile, profileToPoints } from '../connectors/profiles/index.ts';
import { startModbusPlant } from '../connectors/simulator/modbus-plant.ts';
import { startPtyPair, startPymodbusRtu, startPymodbusTcp } from '../connectors/modbus/fixtures/peers.ts';

export interface ModbusBenchOptions {
  /** TCP requests per mode (default 5,000). */
  tcpRequests?: number;
  /** RTU requests (default 500). */
  rtuRequests?: number;
  /** Registers per request (default 10). */
  registers?: number;
  /** Pipelined requests outstanding at once (default 32). */
  inFlight?: number;
  /** RTU baud on the pty (default 115,200). */
  baud?: number;
}

export const TARGETS = { sdm630_requests: 3, tcp_pipelined_per_s: 5000 } as const;

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Reads `n` requests through `link`, `inFlight` at a time; returns requests per second. */
async function tcpRate(host: string, port: number, n: number, registers: number, inFlight: number): Promise<{ per_s: number; max_in_flight: number; ms: number }> {
  const link = new TcpLink({ host, port, maxInFlight: inFlight });
  await link.open();
  try {
    // Warm-up: connection, JIT, the peer's first-request costs.
    await Promise.all(Array.from({ length: Math.min(200, n) }, (_, i) => link.readRegisters(1, 3, (i * 7) % 300, registers, 5000)));
    link.maxInFlightSeen = 0;
    const t0 = performance.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < n) {
        const i = next++;
        await link.readRegisters(1, 3, (i * 7) % 300, registers, 5000);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    const ms = performance.now() - t0;
    return { per_s: round((n / ms) * 1000, 0), max_in_flight: link.maxInFlightSeen, ms: round(ms) };
  } finally {
    await link.close();
  }
}

export async function runModbusBench(options: ModbusBenchOptions = {}): Promise<object> {
  const tcpN = options.tcpRequests ?? 5000;
  const rtuN = options.rtuRequests ?? 500;
  const registers = options.registers ?? 10;
  const inFlight = options.inFlight ?? 32;
  const baud = options.baud ?? 115_200;

  // 1. SDM630 request count, planned and on the wire.
  const profile = getProfile('sdm630');
  const points = profileToPoints(profile);
  const plan = planReads(points, { maxGap: profile.maxGap });
  const plant = await startModbusPlant({ port: 0 });
  let wireRequests: number;
  let tcpPlant: { pipelined: Awaited<ReturnType<typeof tcpRate>>; sequential: Awaited<ReturnType<typeof tcpRate>> };
  try {
    const c = createModbusConnector(plant.endpoint, { profile });
    await c.connect();
    await c.read(points);
    wireRequests = c.status().counters.requests;
    await c.close();
    const pipelined = await tcpRate('127.0.0.1', plant.port, tcpN, registers, inFlight);
    const sequential = await tcpRate('127.0.0.1', plant.port, tcpN, registers, 1);
    tcpPlant = { pipelined, sequential };
  } finally {
    await plant.close();
  }

  // 2. TCP against pymodbus.
  const peer = await startPymodbusTcp({ units: [1] });
  let tcpPy: typeof tcpPlant;
  try {
    const pipelined = await tcpRate('127.0.0.1', peer.port, tcpN, registers, inFlight);
    const sequential = await tcpRate('127.0.0.1', peer.port, tcpN, registers, 1);
    tcpPy = { pipelined, sequential };
  } finally {
    await peer.stop();
  }

  // 3. RTU on a pty pair.
  const pty = await startPtyPair();
  const rtuPeer = await startPymodbusRtu(pty.b, { units: [1], baud });
  const line = { path: pty.a, baudRate: baud, parity: 'none' as const, dataBits: 8 as const, stopBits: 1 as const };
  const bus = acquireRtuBus(line);
  let rtu: { ms_per_request: number; line_ms: number; silent_ms: number; overhead_ms: number; max_in_flight: number; requests: number };
  try {
    await bus.open();
    for (let i = 0; i < 20; i++) await bus.readRegisters(1, 3, i, registers, 1000);
    // Everything queued at once: the bus must still send them one by one.
    const t0 = performance.now();
    await Promise.all(Array.from({ length: rtuN }, (_, i) => bus.readRegisters(1, 3, (i * 7) % 300, registers, 1000)));
    const ms = performance.now() - t0;
    const perRequest = ms / rtuN;
    const lineMs = lineTimeMs(RTU_READ_REQUEST_BYTES + rtuReadReplyBytes(registers), line);
    const silentMs = silentIntervalMs(line);
    rtu = { ms_per_request: round(perRequest, 3), line_ms: round(lineMs, 3), silent_ms: round(silentMs, 3), overhead_ms: round(perRequest - lineMs, 3), max_in_flight: bus.counters.maxInFlightSeen, requests: rtuN };
  } finally {
    await releaseRtuBus(bus);
    await rtuPeer.stop();
    await pty.dispose();
  }

  const limits = [9600, 19_200].map((b) => {
    const l = { baudRate: b, parity: 'none' as const, dataBits: 8 as const, stopBits: 1 as const };
    // A request, the silent interval, the reply, the silent interval.
    const cycle = lineTimeMs(RTU_READ_REQUEST_BYTES + rtuReadReplyBytes(registers), l) + 2 * silentIntervalMs(l);
    const full = lineTimeMs(RTU_READ_REQUEST_BYTES + rtuReadReplyBytes(125), l) + 2 * silentIntervalMs(l);
    return {
      baud: b,
      frame_ms: round(cycle, 2),
      line_limit_per_s: round(1000 / cycle, 1),
      with_measured_overhead_per_s: round(1000 / (cycle + Math.max(0, rtu.overhead_ms - rtu.silent_ms)), 1),
      full_125_register_read_ms: round(full, 1),
    };
  });

  return {
    workload: {
      description: `TCP: ${tcpN} reads of ${registers} holding registers per mode on one connection, pipelined ${inFlight} deep vs one at a time; RTU: ${rtuN} reads of ${registers} registers queued at once on a socat pty pair at ${baud} baud 8N1, pymodbus 3.0.0rc1 as the unit`,
      peers: 'Debian pymodbus 3.0.0rc1 (/usr/bin/python3) on 127.0.0.1; the Node demo plant (connectors/simulator/modbus-plant.ts) for reference',
    },
    sdm630: { points: points.length, planned_requests: plan.length, requests_on_the_wire: wireRequests, registers_per_request: plan.map((r) => r.count), target_max: TARGETS.sdm630_requests, pass: wireRequests <= TARGETS.sdm630_requests },
    tcp_pymodbus: {
      pipelined_per_s: tcpPy.pipelined.per_s,
      one_at_a_time_per_s: tcpPy.sequential.per_s,
      ratio: round(tcpPy.pipelined.per_s / tcpPy.sequential.per_s, 2),
      max_in_flight: tcpPy.pipelined.max_in_flight,
      target_pipelined_per_s: TARGETS.tcp_pipelined_per_s,
      pass: tcpPy.pipelined.per_s >= TARGETS.tcp_pipelined_per_s,
    },
    tcp_demo_plant: {
      pipelined_per_s: tcpPlant.pipelined.per_s,
      one_at_a_time_per_s: tcpPlant.sequential.per_s,
      ratio: round(tcpPlant.pipelined.per_s / tcpPlant.sequential.per_s, 2),
    },
    rtu_pty: { baud, ...rtu, never_two_in_flight: rtu.max_in_flight === 1 },
    rtu_line_limits: limits,
  };
}
