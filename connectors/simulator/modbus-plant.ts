/**
 * The Modbus side of the demo plant: an SDM630-class electricity meter on the pumps of a small
 * heat-recovery installation (three circulation pumps, 5-15 kW together), served over Modbus TCP on
 * 127.0.0.1 so `turash simulate` shows live values without hardware. Read it with the `sdm630`
 * profile: `turash read modbus-tcp://127.0.0.1:<port>?unit=1 --profile sdm630`.
 *
 * The server is a minimal Modbus TCP responder of our own (fc 3 and 4, any unit id, pipelined
 * requests answered in order) rather than modbus-serial's ServerTCP, which cannot listen on port 0
 * (it turns 0 into 502). Values are a smooth function of time: the pumps follow the heat load
 * (a slow daily-ish swing plus a few minutes' ripple), energy counters integrate the power, so two
 * reads a second apart differ and counters never go backwards.
 */
import { createServer, type Socket } from 'node:net';
import { encodeValue } from '../modbus/codec.ts';
import { getProfile } from '../profiles/index.ts';

export interface ModbusPlantOptions {
  port?: number;
  host?: '127.0.0.1';
  /** The simulated clock (tests): ms since the epoch. */
  now?: () => number;
}

export interface ModbusPlant {
  endpoint: string;
  port: number;
  /** The values the meter shows at time t (by profile register id): for tests and the UI hint. */
  valuesAt(t: number): Record<string, number>;
  close(): Promise<void>;
}

const START_KWH = 48_213.4;

export function plantValues(t: number, startMs: number): Record<string, number> {
  const s = t / 1000;
  // Pumps: 10 kW mean, +-4 kW over ~20 min, +-0.8 kW over ~90 s; never outside 5..15 kW.
  const power = Math.min(15_000, Math.max(5_000, 10_000 + 4_000 * Math.sin((2 * Math.PI * s) / 1200) + 800 * Math.sin((2 * Math.PI * s) / 90)));
  const split = [0.36, 0.33, 0.31];
  const voltage = [230.4 + 1.2 * Math.sin(s / 37), 229.8 + 1.1 * Math.sin(s / 41 + 1), 231.1 + 1.0 * Math.sin(s / 43 + 2)];
  const pf = 0.86 + 0.03 * Math.sin(s / 300);
  // Energy: the integral of the mean power since the plant started, plus the meter's history.
  const hours = (t - startMs) / 3_600_000;
  const energy = START_KWH + 10 * hours + (4 * 1200) / (2 * Math.PI) / 3600 * (1 - Math.cos((2 * Math.PI * (t - startMs)) / 1000 / 1200));
  const v: Record<string, number> = {};
  for (let i = 0; i < 3; i++) {
    const p = power * split[i]!;
    const va = p / pf;
    v[`voltage_l${i + 1}`] = voltage[i]!;
    v[`power_l${i + 1}`] = p;
    v[`current_l${i + 1}`] = va / voltage[i]!;
    v[`apparent_power_l${i + 1}`] = va;
    v[`reactive_power_l${i + 1}`] = Math.sqrt(va * va - p * p);
    v[`power_factor_l${i + 1}`] = pf;
  }
  v.power_total = power;
  v.apparent_power_total = power / pf;
  v.reactive_power_total = Math.sqrt((power / pf) ** 2 - power ** 2);
  v.power_factor_total = pf;
  v.frequency = 50 + 0.02 * Math.sin(s / 13);
  v.energy_import = energy;
  v.energy_export = 0;
  v.reactive_energy_import = energy * 0.59;
  v.reactive_energy_export = 0;
  v.voltage_l1_l2 = (voltage[0]! + voltage[1]!) / 2 * Math.sqrt(3);
  v.voltage_l2_l3 = (voltage[1]! + voltage[2]!) / 2 * Math.sqrt(3);
  v.voltage_l3_l1 = (voltage[2]! + voltage[0]!) / 2 * Math.sqrt(3);
  v.current_neutral = Math.abs(v.current_l1! - v.current_l3!) * 0.5;
  v.energy_total = energy;
  v.reactive_energy_total = energy * 0.59;
  return v;
}

/** Starts the meter on 127.0.0.1 (port 0 = a free port); `close()` stops it and its connections. */
export async function startModbusPlant(options: ModbusPlantOptions = {}): Promise<ModbusPlant> {
  const profile = getProfile('sdm630');
  const now = options.now ?? Date.now;
  const startMs = now();
  // Recomputed at most every 100 ms of plant time: a meter's values do not change faster, and a
  // pipelined client asking thousands of times a second must not cost a recomputation each.
  let cached: { t: number; words: Map<number, number> } | null = null;
  const registerMap = (t: number): Map<number, number> => {
    if (cached && t >= cached.t && t - cached.t < 100) return cached.words;
    cached = { t, words: computeWords(t) };
    return cached.words;
  };
  const computeWords = (t: number): Map<number, number> => {
    const values = plantValues(t, startMs);
    const words = new Map<number, number>();
    for (const r of profile.registers) {
      const ws = encodeValue(values[r.id] ?? 0, r.dataType, r.order);
      ws.forEach((w, i) => words.set(r.address + i, w));
    }
    return words;
  };
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      // Several requests may arrive in one chunk (pipelining): answer each in order.
      while (buf.length >= 7) {
        const len = buf.readUInt16BE(4);
        if (len < 2 || len > 253) {
          socket.destroy(); // not Modbus TCP: drop the connection as real devices do
          return;
        }
        if (buf.length < 6 + len) break;
        const frame = buf.subarray(0, 6 + len);
        buf = buf.subarray(6 + len);
        socket.write(respond(frame, () => registerMap(now())));
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    endpoint: `modbus-tcp://127.0.0.1:${port}?unit=1`,
    port,
    valuesAt: (t) => plantValues(t, startMs),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function respond(frame: Buffer, currentWords: () => Map<number, number>): Buffer {
  const tid = frame.readUInt16BE(0);
  const unit = frame[6]!;
  const fc = frame[7]!;
  const reply = (pdu: Buffer): Buffer => {
    const head = Buffer.alloc(7);
    head.writeUInt16BE(tid, 0);
    head.writeUInt16BE(0, 2);
    head.writeUInt16BE(pdu.length + 1, 4);
    head[6] = unit;
    return Buffer.concat([head, pdu]);
  };
  const exception = (code: number) => reply(Buffer.from([fc | 0x80, code]));
  if (fc !== 3 && fc !== 4) return exception(1);
  if (frame.length < 12) return exception(3);
  const start = frame.readUInt16BE(8);
  const count = frame.readUInt16BE(10);
  if (count < 1 || count > 125) return exception(3);
  // The SDM630 answers for its documented range (input registers 0..399); beyond: illegal address.
  if (start + count > 400) return exception(2);
  const words = currentWords();
  const pdu = Buffer.alloc(2 + count * 2);
  pdu[0] = fc;
  pdu[1] = count * 2;
  for (let i = 0; i < count; i++) pdu.writeUInt16BE(words.get(start + i) ?? 0, 2 + i * 2);
  return reply(pdu);
}
