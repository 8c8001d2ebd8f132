/**
 * One RS-485 bus = one serial port = one queue. RTU is half-duplex and has no transaction ids: a
 * second request sent before the first reply would mix the replies (pymodbus #1509). So every unit
 * on a port goes through the same RtuBus (a registry keyed by port path), which sends one request,
 * waits for its reply or its timeout, keeps the 3.5-character silent interval, then sends the
 * next. `maxInFlightSeen` is the proof the tests check: it must stay 1.
 *
 * A dead unit must not stall the others (node-red-contrib-modbus #288/#409): a unit that timed out
 * is in backoff (UnitBackoff) and its requests fail at once without touching the bus until its next
 * probe. Framing uses modbus-serial's buffered RTU port (modbus-serial #95: CRC errors when a reply
 * arrives in several chunks), and the input buffer is cleared before each request so a late reply
 * to a timed-out request cannot be taken for the next one. The timeout of a request counts from
 * the write, so the frame's line time is added to the unit's timeout (modbus-serial #421: slow
 * USB adapters at 9,600 baud timing out on long replies).
 */
import ModbusSerial from 'modbus-serial';
import type { ModbusRTU as ModbusClient } from 'modbus-serial/ModbusRTU.js';
import type { SerialLine } from '../endpoint.ts';
import { classifyModbusError, ModbusRequestError } from './errors.ts';
import { UnitBackoff, type ModbusLink, type RegisterFc } from './link.ts';

// modbus-serial is CommonJS (module.exports = the client class); its typings claim an ES default.
const ModbusRTU = ((ModbusSerial as unknown as { default?: unknown }).default ?? ModbusSerial) as unknown as typeof ModbusClient;
type Client = ModbusClient;

/** Bits per character on the line: start + data + parity + stop. */
export function bitsPerChar(line: Pick<SerialLine, 'dataBits' | 'parity' | 'stopBits'>): number {
  return 1 + line.dataBits + (line.parity === 'none' ? 0 : 1) + line.stopBits;
}

/** The silent interval between frames: 3.5 characters, fixed at 1.75 ms above 19,200 baud (spec). */
export function silentIntervalMs(line: Pick<SerialLine, 'baudRate' | 'dataBits' | 'parity' | 'stopBits'>): number {
  return line.baudRate > 19_200 ? 1.75 : (3.5 * bitsPerChar(line) * 1000) / line.baudRate;
}

/** Bytes of a read request (unit, fc, start, count, crc) and of its reply (unit, fc, n, 2n data, crc). */
export const RTU_READ_REQUEST_BYTES = 8;
export const rtuReadReplyBytes = (count: number): number => 5 + 2 * count;

export function lineTimeMs(bytes: number, line: Pick<SerialLine, 'baudRate' | 'dataBits' | 'parity' | 'stopBits'>): number {
  return (bytes * bitsPerChar(line) * 1000) / line.baudRate;
}

interface Job {
  unit: number;
  fc: RegisterFc;
  start: number;
  count: number;
  timeoutMs: number;
  resolve(words: number[]): void;
  reject(err: unknown): void;
}

export interface RtuBusCounters {
  requests: number;
  maxInFlightSeen: number;
  /** Requests failed at once because their unit was in backoff (never sent). */
  skippedBackoff: number;
}

export class RtuBus {
  private client: Client | null = null;
  private opening: Promise<void> | null = null;
  private readonly queue: Job[] = [];
  private busy = false;
  private inFlight = 0;
  private readonly listeners = new Set<(reason: string) => void>();
  private closing = false;
  readonly backoff: UnitBackoff;
  readonly counters: RtuBusCounters = { requests: 0, maxInFlightSeen: 0, skippedBackoff: 0 };
  users = 0;

  constructor(
    readonly line: SerialLine,
    backoff?: { baseMs?: number; maxMs?: number },
  ) {
    this.backoff = new UnitBackoff(backoff?.baseMs, backoff?.maxMs);
  }

  get isOpen(): boolean {
    return this.client?.isOpen === true;
  }

  open(): Promise<void> {
    if (this.isOpen) return Promise.resolve();
    this.opening ??= this.doOpen().finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  private async doOpen(): Promise<void> {
    this.closing = false;
    const client = new ModbusRTU();
    const { path, baudRate, parity, dataBits, stopBits } = this.line;
    await new Promise<void>((resolve, reject) => {
      client.connectRTUBuffered(path, { baudRate, parity, dataBits, stopBits }, (err: unknown) => {
        if (err) reject(new Error(`cannot open serial port ${path}: ${(err as Error).message ?? String(err)}`));
        else resolve();
      });
    });
    client.on('close', () => this.down(`serial port ${path} closed (cable or adapter pulled?)`));
    client.on('error', () => undefined); // a pulled adapter also closes the port: reported there
    this.client = client;
    this.pump();
  }

  private down(reason: string): void {
    const client = this.client;
    if (!client) return;
    this.client = null;
    try {
      client.close(() => undefined);
    } catch {
      // already closed
    }
    if (this.closing) return;
    for (const l of this.listeners) l(reason);
  }

  onDown(listener: (reason: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  readRegisters(unit: number, fc: RegisterFc, start: number, count: number, timeoutMs: number): Promise<number[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ unit, fc, start, count, timeoutMs, resolve, reject });
      this.pump();
    });
  }

  /** Sends queued requests strictly one after the other. */
  private pump(): void {
    if (this.busy) return;
    const job = this.queue.shift();
    if (!job) return;
    this.busy = true;
    void this.run(job).finally(() => {
      this.busy = false;
      this.pump();
    });
  }

  private async run(job: Job): Promise<void> {
    const wait = this.backoff.waitMs(job.unit);
    if (wait > 0) {
      this.counters.skippedBackoff += 1;
      job.reject(new ModbusRequestError('backoff', 'unit not answering', `unit ${job.unit} on ${this.line.path} did not answer; next try in ${Math.ceil(wait / 1000)} s`));
      return;
    }
    const client = this.client;
    if (!client || !client.isOpen) {
      job.reject(new ModbusRequestError('disconnected', 'disconnected', `serial port ${this.line.path} is not open`));
      return;
    }
    this.inFlight += 1;
    this.counters.maxInFlightSeen = Math.max(this.counters.maxInFlightSeen, this.inFlight);
    this.counters.requests += 1;
    let timedOut = false;
    try {
      clearInput(client);
      const lineMs = lineTimeMs(RTU_READ_REQUEST_BYTES + rtuReadReplyBytes(job.count), this.line);
      client.setTimeout(Math.ceil(job.timeoutMs + lineMs));
      const words = await new Promise<number[]>((resolve, reject) => {
        const cb = (err: unknown, res?: { data: number[] }): void => (err ? reject(classifyModbusError(err)) : resolve(res!.data));
        if (job.fc === 3) client.writeFC3(job.unit, job.start, job.count, cb as never);
        else client.writeFC4(job.unit, job.start, job.count, cb as never);
      });
      this.backoff.answered(job.unit);
      if (words.length !== job.count) throw new ModbusRequestError('protocol', 'malformed frame', `unit ${job.unit}: asked ${job.count} registers, got ${words.length}`);
      job.resolve(words);
    } catch (e) {
      const err = classifyModbusError(e);
      if (err.kind === 'timeout') {
        timedOut = true;
        this.backoff.failed(job.unit);
      } else if (err.kind !== 'disconnected') {
        this.backoff.answered(job.unit); // it answered, badly: alive
      }
      job.reject(err);
    } finally {
      this.inFlight -= 1;
    }
    // The silent interval; after a timeout a bit longer, so a late reply ends before the next request.
    const silence = silentIntervalMs(this.line) * (timedOut ? 4 : 1);
    await new Promise((r) => setTimeout(r, silence));
  }

  async close(): Promise<void> {
    this.closing = true;
    const client = this.client;
    this.client = null;
    for (const job of this.queue.splice(0)) job.reject(new ModbusRequestError('disconnected', 'disconnected', 'bus closed'));
    if (client?.isOpen) await new Promise<void>((r) => client.close(() => r()));
  }
}

function clearInput(client: Client): void {
  // The buffered RTU port keeps unparsed bytes in `_buffer`; stale bytes of a late reply must go.
  const port = (client as unknown as { _port?: { _buffer?: Buffer } })._port;
  if (port && port._buffer) port._buffer = Buffer.alloc(0);
}

const buses = new Map<string, RtuBus>();

/**
 * The bus of this serial port, shared by every unit on it. Asking for a port already open with
 * other line settings is an error: one wire has one baud rate.
 */
export function acquireRtuBus(line: SerialLine, backoff?: { baseMs?: number; maxMs?: number }): RtuBus {
  let bus = buses.get(line.path);
  if (bus) {
    const a = bus.line;
    if (a.baudRate !== line.baudRate || a.parity !== line.parity || a.dataBits !== line.dataBits || a.stopBits !== line.stopBits) {
      throw new Error(`serial port ${line.path} is already in use at ${describeLine(a)}; asked for ${describeLine(line)}: one bus has one line setting`);
    }
  } else {
    bus = new RtuBus(line, backoff);
    buses.set(line.path, bus);
  }
  bus.users += 1;
  return bus;
}

export async function releaseRtuBus(bus: RtuBus): Promise<void> {
  bus.users -= 1;
  if (bus.users > 0) return;
  if (buses.get(bus.line.path) === bus) buses.delete(bus.line.path);
  await bus.close();
}

export function describeLine(l: SerialLine): string {
  return `${l.baudRate} ${l.dataBits}${l.parity[0]!.toUpperCase()}${l.stopBits}`;
}

/** A ModbusLink view of a shared bus for one connector. */
export class RtuBusLink implements ModbusLink {
  private released = false;
  constructor(readonly bus: RtuBus) {}
  get isOpen(): boolean {
    return this.bus.isOpen;
  }
  open(): Promise<void> {
    return this.bus.open();
  }
  readRegisters(unit: number, fc: RegisterFc, start: number, count: number, timeoutMs: number): Promise<number[]> {
    return this.bus.readRegisters(unit, fc, start, count, timeoutMs);
  }
  onDown(listener: (reason: string) => void): () => void {
    return this.bus.onDown(listener);
  }
  async close(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await releaseRtuBus(this.bus);
  }
}
